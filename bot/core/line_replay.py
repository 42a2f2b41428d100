"""The replay of a pull request's commits' patches, oldest first, over labelled lines: which commit last
wrote each line at the head (a blame without running git blame) and which commits rewrote lines others had
written (DESIGN §4). The CLI replays `git log -p -w`'s patches, the App GitHub's (bot/core/commit_patch.py),
which do not ignore whitespace: the replay does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import NamedTuple

from bot.core.snapshot import BlameRange, Rewrite


class PatchHunk(NamedTuple):
    """A zero-context hunk: `old_length` lines from `old_start` became `new_length` lines from `new_start`
    (a side of length 0 names the line before). `removed` and `added` hold the lines' text when the patch
    did not already ignore whitespace (GitHub's); empty for `git log -w`'s."""

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()


# One file section of a commit's zero-context patch: its path before and after (None: added or deleted)
# and its hunks.
FilePatch = tuple[str | None, str | None, Sequence[PatchHunk]]


class _Line(NamedTuple):
    """A line as the replay knows it: the commit that wrote it (None: the base), its number in that
    commit, and its lineage (that commit and, transitively, those whose lines it replaced)."""

    sha: str | None
    line: int
    lineage: frozenset[str]


_BASE = _Line(None, 0, frozenset())


@dataclass(frozen=True, slots=True)
class Replay:
    """What replaying the commits' patches tells: the replacing hunks, and each file's lines at the end."""

    rewrites: tuple[Rewrite, ...]
    files: Mapping[str, Sequence[_Line]]

    def blame(self, spans: Mapping[str, Sequence[tuple[int, int]]]) -> list[BlameRange]:
        """The blame of the lines in `spans` (`{path: [(first, last)]}` at the end), as git blame groups
        them: runs from one commit with consecutive numbers in it; base lines under the sha ""."""
        found: list[BlameRange] = []
        for path, runs in spans.items():
            lines = self.files.get(path, ())
            for first, last in runs:
                for number in range(first, last + 1):
                    at = lines[number - 1] if number <= len(lines) else _BASE
                    sha, original = at.sha or "", at.line
                    previous = found[-1] if found else None
                    if (
                        previous is not None
                        and previous.path == path
                        and previous.sha == sha
                        and previous.start + previous.length == number
                        and (not sha or previous.original_start + previous.length == original)
                    ):
                        found[-1] = BlameRange(
                            path, previous.start, previous.length + 1, sha, path, previous.original_start
                        )
                    else:
                        found.append(BlameRange(path, number, 1, sha, path, original))
        return found


def replay(
    patches: Iterable[tuple[str, Sequence[FilePatch]]], *, merges: frozenset[str] = frozenset()
) -> Replay:
    """Replay the commits' zero-context patches, oldest first, over labelled lines.

    Each line carries the commit that wrote it and its lineage, so an AI line rewritten twice is still
    known as rewritten AI. A removed line and an added line of one hunk equal but for whitespace (a
    formatter) are the same line: it keeps its label, as `git blame -w` keeps its author. Lines a merge
    commit of `merges` brings in (its first-parent patch) are the merged branch's, labelled as the base's.
    Lines of the base carry none; the files' lines below the last hunk are never needed, so no file is
    read.
    """
    files: dict[str, list[_Line]] = {}
    found: list[Rewrite] = []
    for sha, sections in patches:
        moved: dict[str, list[_Line]] = {}
        for old, new, hunks in sections:
            labels = list(files.get(old, ())) if old is not None else []
            for hunk in reversed(hunks):
                at = hunk.old_start if hunk.old_length == 0 else hunk.old_start - 1
                if len(labels) < at + hunk.old_length:
                    labels.extend([_BASE] * (at + hunk.old_length - len(labels)))
                before = labels[at : at + hunk.old_length]
                merge = sha in merges
                labels[at : at + hunk.old_length] = _relabel(sha, new or "", hunk, before, found, merge=merge)
            if new is not None:
                moved[new] = labels
        for old, new, _ in sections:
            if old is not None and old != new and not any(n == old for _, n, _ in sections):
                files.pop(old, None)
        files.update(moved)
    return Replay(tuple(found), files)


def _relabel(
    sha: str, path: str, hunk: PatchHunk, before: Sequence[_Line], found: list[Rewrite], *, merge: bool
) -> list[_Line]:
    """The labels of the hunk's new lines: a line equal to a removed one but for whitespace keeps that
    one's label; each run between such lines is written by `sha` (a replacing run adds a `Rewrite`), or
    is the base's when `sha` is a merge."""
    kept = _same_but_whitespace(hunk.removed, hunk.added) if hunk.removed and hunk.added else []
    labels: list[_Line] = []
    old_at = new_at = 0
    for old_end, new_end in [*kept, (hunk.old_length, hunk.new_length)]:
        replaced = frozenset().union(*(x.lineage for x in before[old_at:old_end]))
        start, length = hunk.new_start + new_at, new_end - new_at
        if merge:
            labels += [_BASE] * length
        else:
            if replaced and length:
                found.append(Rewrite(sha, path, start, length, replaced))
            labels += [_Line(sha, start + i, replaced | {sha}) for i in range(length)]
        if old_end < hunk.old_length:
            labels.append(before[old_end])
        old_at, new_at = old_end + 1, new_end + 1
    return labels


_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")  # what `git diff -w` ignores


def _same_but_whitespace(removed: Sequence[str], added: Sequence[str]) -> list[tuple[int, int]]:
    """`(removed index, added index)` of the lines equal but for whitespace, in order (the longest
    matching, as a whitespace-blind diff would keep them)."""
    old, new = ([_WHITESPACE.sub("", x) for x in lines] for lines in (removed, added))
    bare = SequenceMatcher(None, old, new, autojunk=False)
    return [(a + i, b + i) for a, b, size in bare.get_matching_blocks() for i in range(size)]


def replay_rewrites(patches: Iterable[tuple[str, Sequence[FilePatch]]]) -> tuple[Rewrite, ...]:
    """The replacing hunks of each commit, oldest first, with the commits whose lines they replaced."""
    return replay(patches).rewrites
