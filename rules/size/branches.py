"""How to make each part of a split plan a branch: the pathspecs that take exactly its files from the head,
and the git commands that do it."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.size.split import SplitPart

BRANCH_PREFIX = "split/"


def pathspecs(parts: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """For each part's paths (every changed path of the pull request is in one part, rename sources
    included), the fewest literal pathspecs that select them: a folder where all the changed paths below it
    belong to that part and it holds two or more of them (its unchanged files are the same at the base and
    the head, so taking them is a no-op), else the path itself."""
    folders = [[_folders(path) for path in paths] for paths in parts]
    owner: dict[str, int] = {}
    held: dict[str, int] = {}
    for index, part in enumerate(folders):
        for above in part:
            for folder in above:
                owner[folder] = index if owner.get(folder, index) == index else -1
                held[folder] = held.get(folder, 0) + 1
    specs = []
    for index, (paths, part) in enumerate(zip(parts, folders, strict=True)):
        chosen: dict[str, None] = {}
        for path, above in zip(paths, part, strict=True):
            spec = next((f"{f}/" for f in above if owner[f] == index and held[f] > 1), path)
            chosen[spec] = None
        specs.append(tuple(chosen))
    return tuple(specs)


def git_commands(parts: Sequence[SplitPart], base: str, head: str) -> tuple[tuple[str, ...], ...]:
    """For each part, the commands that create its branch `split/<n>` from `base` with its files as they
    are at `head`. A part that needs others starts from the last of them and merges the rest, so the
    branches stack as the dependencies do. `git restore` takes deletions and both sides of renames too
    (`git checkout <head> -- <path>` fails on a path the head deleted)."""
    below: dict[int, frozenset[int]] = {}
    commands = []
    for number, part in enumerate(parts, start=1):
        start = max(part.depends_on, default=0)
        merged = below.get(start, frozenset()) | ({start} if start else set())
        merges = [n for n in part.depends_on if n not in merged]
        below[number] = merged.union(merges)
        message = f"Split {number}/{len(parts)}: {part.title}"
        commands.append(
            (
                f"git switch --create {_branch(number)} {shlex.quote(_branch(start) if start else base)}",
                *(f"git merge --no-edit {_branch(n)}" for n in merges),
                f"git --literal-pathspecs restore --source={shlex.quote(head)} --staged --worktree -- "
                + " ".join(shlex.quote(spec) for spec in part.pathspecs),
                f"git commit --message {shlex.quote(message)}",
            )
        )
    return tuple(commands)


def _branch(number: int) -> str:
    return f"{BRANCH_PREFIX}{number}"


def _folders(path: str) -> list[str]:
    """The folders above `path`, outermost first (never the repository's root)."""
    folders = []
    end = path.find("/")
    while end != -1:
        folders.append(path[:end])
        end = path.find("/", end + 1)
    return folders
