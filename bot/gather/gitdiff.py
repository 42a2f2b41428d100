"""git's machine formats, parsed: `diff -z --raw --numstat` into changed files, `diff -U0` into hunks.

The `-z` records carry paths verbatim (no quoting, no guessing where `a/` ends and `b/` begins), blob ids
and modes; the zero-context patch is only read for its hunk headers, section by section in the same
order git lists the files, so no path is ever parsed out of a patch header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.core.snapshot import FileStatus, Hunk

_STATUS = {
    "A": FileStatus.ADDED,
    "D": FileStatus.REMOVED,
    "M": FileStatus.MODIFIED,
    "T": FileStatus.MODIFIED,  # a type change (file ↔ symlink)
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
}
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NULL_BLOB = "0" * 40


@dataclass(frozen=True, slots=True)
class RawChange:
    """One file of `git diff --raw --numstat -z`: paths, blob ids, modes and git's own line counts
    (None for a file git calls binary)."""

    path: str
    previous_path: str | None
    status: FileStatus
    old_blob: str
    new_blob: str
    old_mode: str
    new_mode: str
    additions: int | None
    deletions: int | None


def parse_raw_numstat(output: bytes) -> list[RawChange]:
    """The records of `git diff -z --raw --numstat --no-abbrev`: the raw entries, then as many numstat
    entries in the same order."""
    tokens = output.split(b"\0")
    raw: list[tuple[str, str, str, str, FileStatus, str, str | None]] = []
    at = 0
    while at < len(tokens) and tokens[at].startswith(b":"):
        old_mode, new_mode, old_blob, new_blob, status = tokens[at][1:].decode().split(" ")
        kind = _STATUS[status[0]]
        if kind in (FileStatus.RENAMED, FileStatus.COPIED):
            previous, path = _path(tokens[at + 1]), _path(tokens[at + 2])
            at += 3
        else:
            previous, path = None, _path(tokens[at + 1])
            at += 2
        raw.append((old_mode, new_mode, old_blob, new_blob, kind, path, previous))
    changes = []
    for old_mode, new_mode, old_blob, new_blob, kind, path, previous in raw:
        added, deleted, named = tokens[at].split(b"\t", 2)
        at += 3 if not named else 1  # a rename's numstat row names no path; old and new follow
        counted = added != b"-"
        changes.append(
            RawChange(
                path=path,
                previous_path=previous,
                status=kind,
                old_blob=old_blob,
                new_blob=new_blob,
                old_mode=old_mode,
                new_mode=new_mode,
                additions=int(added) if counted else None,
                deletions=int(deleted) if counted else None,
            )
        )
    return changes


def parse_hunk_sections(lines: Iterable[bytes]) -> Iterator[tuple[Hunk, ...]]:
    """The hunks of each file of a `git diff -U0` patch, in the order git lists the files.

    A type change (file ↔ symlink) is one raw entry but two patch sections, a deletion and a creation
    under the same `diff --git` line; no two other sections share that line, so they are one file here.
    """
    hunks: list[Hunk] | None = None
    header = b""
    for line in lines:
        if line.startswith(b"diff --git "):
            if line == header:
                continue
            if hunks is not None:
                yield tuple(hunks)
            hunks, header = [], line
        elif hunks is not None and (match := _HUNK.match(line)):
            source_start, source_length, target_start, target_length = (
                int(group) if group is not None else 1 for group in match.groups()
            )
            hunks.append(
                Hunk(
                    source_start=source_start,
                    source_length=source_length,
                    target_start=target_start,
                    target_length=target_length,
                    added=range(target_start, target_start + target_length),
                    removed=range(source_start, source_start + source_length),
                )
            )
    if hunks is not None:
        yield tuple(hunks)


def _path(token: bytes) -> str:
    # Paths are bytes to git. One that is not UTF-8 keeps its bytes as lone surrogates (PEP 383): handed
    # back to git (blame, `REV:PATH`) it names the same file, globs and attributes match it as git does,
    # and every renderer shows the surrogates as escapes.
    return token.decode("utf-8", errors="surrogateescape")
