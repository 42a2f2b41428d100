"""Rework of a push: how far the pull request's own diff moved between two heads.

Both diffs are the pull request's (merge base → head), so what a newer base brought in is in neither:
a rebase, or a merge of the base branch, that leaves the author's changes alone measures 0. A line the
author adds, drops or rewrites counts once per side it appears on, like `git diff` between the heads:
rewriting one line is 2 (one removed, one added).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file of a diff: its path, its patch (None where GitHub gives none: binary or too large) and its
    line counts."""

    path: str
    patch: str | None
    additions: int
    deletions: int


def rework_lines(before: Iterable[FileDiff], after: Iterable[FileDiff]) -> int:
    """Lines in which the diff `after` differs from the diff `before`."""
    old = {diff.path: diff for diff in before}
    new = {diff.path: diff for diff in after}
    return sum(_moved(old.get(path), new.get(path)) for path in old.keys() | new.keys())


def _moved(old: FileDiff | None, new: FileDiff | None) -> int:
    """Lines of one file's change that one diff has and the other has not."""
    if old is not None and new is not None and (old.patch is None or new.patch is None):
        # Without both patches only the counts can be compared.
        return abs(old.additions - new.additions) + abs(old.deletions - new.deletions)
    first, second = _lines(old), _lines(new)
    return (first - second).total() + (second - first).total()


def _lines(diff: FileDiff | None) -> Counter[str]:
    """The added and removed lines of a file's patch, each with its sign; hunk headers and context
    lines are left out."""
    if diff is None:
        return Counter()
    if diff.patch is None:
        return Counter({"+": diff.additions, "-": diff.deletions})
    return Counter(line for line in diff.patch.splitlines() if line[:1] in ("+", "-"))
