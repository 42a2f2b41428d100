"""Unified diff text → changed files with hunks and the line numbers they add and remove."""

from __future__ import annotations

from collections.abc import Iterable

from unidiff.patch import Hunk as UnidiffHunk
from unidiff.patch import PatchedFile, PatchSet

from bot.core.snapshot import ChangedFile, FileStatus, Hunk


def parse_diff(text: str | Iterable[str]) -> tuple[ChangedFile, ...]:
    """Parse `git diff -U0` output (no context lines, rename detection on) into changed files.

    Without context a hunk is one block: its removed lines, then its added lines. So the line numbers
    follow from the hunk header, and unidiff can skip building an object per line (`metadata_only`),
    which is most of its cost on a large diff.
    """
    return tuple(_changed_file(patched) for patched in PatchSet(text, metadata_only=True))


def parse_file_patch(patch: str) -> tuple[Hunk, ...]:
    """Parse the hunks-only `patch` of one file (with context), as GitHub's files API returns it."""
    if not patch:
        return ()
    (patched,) = PatchSet(f"--- a/f\n+++ b/f\n{patch}\n")
    return tuple(_lines(h) for h in patched)


def _changed_file(patched: PatchedFile) -> ChangedFile:
    previous = _strip_prefix(patched.source_file) if patched.is_rename else None
    return ChangedFile(
        path=patched.path,
        status=_status(patched),
        additions=patched.added,
        deletions=patched.removed,
        previous_path=previous,
        binary=patched.is_binary_file,
        hunks=tuple(_block(h) for h in patched),
    )


def _status(patched: PatchedFile) -> FileStatus:
    if patched.is_added_file:
        return FileStatus.ADDED
    if patched.is_removed_file:
        return FileStatus.REMOVED
    if patched.is_rename:
        return FileStatus.RENAMED
    return FileStatus.MODIFIED


def _block(hunk: UnidiffHunk) -> Hunk:
    """A zero-context hunk: contiguous removed and added ranges."""
    return Hunk(
        source_start=hunk.source_start,
        source_length=hunk.source_length,
        target_start=hunk.target_start,
        target_length=hunk.target_length,
        added=range(hunk.target_start, hunk.target_start + hunk.target_length),
        removed=range(hunk.source_start, hunk.source_start + hunk.source_length),
    )


def _lines(hunk: UnidiffHunk) -> Hunk:
    """A hunk with context: line numbers read line by line."""
    added = tuple(line.target_line_no for line in hunk if line.is_added and line.target_line_no)
    removed = tuple(line.source_line_no for line in hunk if line.is_removed and line.source_line_no)
    return Hunk(
        source_start=hunk.source_start,
        source_length=hunk.source_length,
        target_start=hunk.target_start,
        target_length=hunk.target_length,
        added=added,
        removed=removed,
    )


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name
