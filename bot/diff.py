"""Unified diff text → changed files with hunks and the line numbers they add and remove."""

from __future__ import annotations

from unidiff.patch import Hunk as UnidiffHunk
from unidiff.patch import PatchedFile, PatchSet

from bot.snapshot import ChangedFile, FileStatus, Hunk


def parse_diff(text: str) -> tuple[ChangedFile, ...]:
    """Parse `git diff` output (any context size, rename detection on) into changed files."""
    return tuple(_changed_file(patched) for patched in PatchSet(text))


def parse_file_patch(patch: str) -> tuple[Hunk, ...]:
    """Parse the hunks-only `patch` of one file, as GitHub's files API returns it."""
    if not patch:
        return ()
    (patched,) = PatchSet(f"--- a/f\n+++ b/f\n{patch}\n")
    return tuple(_hunk(h) for h in patched)


def _changed_file(patched: PatchedFile) -> ChangedFile:
    hunks = tuple(_hunk(h) for h in patched)
    previous = _strip_prefix(patched.source_file) if patched.is_rename else None
    return ChangedFile(
        path=patched.path,
        status=_status(patched),
        additions=patched.added,
        deletions=patched.removed,
        previous_path=previous,
        binary=patched.is_binary_file,
        hunks=hunks,
    )


def _status(patched: PatchedFile) -> FileStatus:
    if patched.is_added_file:
        return FileStatus.ADDED
    if patched.is_removed_file:
        return FileStatus.REMOVED
    if patched.is_rename:
        return FileStatus.RENAMED
    return FileStatus.MODIFIED


def _hunk(hunk: UnidiffHunk) -> Hunk:
    added: list[int] = []
    removed: list[int] = []
    for line in hunk:
        if line.is_added and line.target_line_no is not None:
            added.append(line.target_line_no)
        elif line.is_removed and line.source_line_no is not None:
            removed.append(line.source_line_no)
    return Hunk(
        source_start=hunk.source_start,
        source_length=hunk.source_length,
        target_start=hunk.target_start,
        target_length=hunk.target_length,
        added=tuple(added),
        removed=tuple(removed),
    )


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name
