"""Effective size of a pull request: added + deleted lines of the files that count, and why others don't."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pathspec import GitIgnoreSpec

from bot.core.files import (
    EXCLUDED,
    Kind,
    counted_kind,
    has_generated_header,
    is_lockfile,
    is_vendored_path,
)
from bot.core.gitattributes import GitAttributes
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot


@dataclass(frozen=True, slots=True)
class FileMeasure:
    """A changed file with its kind; excluded kinds count 0 toward the size."""

    path: str
    kind: Kind
    additions: int
    deletions: int

    @property
    def excluded(self) -> bool:
        """Whether this file is left out of the effective size."""
        return self.kind in EXCLUDED

    @property
    def lines(self) -> int:
        """Lines this file adds to the effective size."""
        return 0 if self.excluded else self.additions + self.deletions


@dataclass(frozen=True, slots=True)
class SizeMeasure:
    """Per-file kinds and the totals over counted files."""

    files: tuple[FileMeasure, ...]

    @property
    def counted(self) -> tuple[FileMeasure, ...]:
        """Files that count toward the size."""
        return tuple(f for f in self.files if not f.excluded)

    @property
    def excluded(self) -> tuple[FileMeasure, ...]:
        """Files left out, each with its reason."""
        return tuple(f for f in self.files if f.excluded)

    @property
    def added(self) -> int:
        """Added lines of counted files."""
        return sum(f.additions for f in self.counted)

    @property
    def deleted(self) -> int:
        """Deleted lines of counted files."""
        return sum(f.deletions for f in self.counted)

    @property
    def effective_lines(self) -> int:
        """Added plus deleted lines of counted files."""
        return self.added + self.deleted


def measure_size(snapshot: PullRequestSnapshot, exclude: Iterable[str] = ()) -> SizeMeasure:
    """Classify every changed file of `snapshot`; `exclude` are gitwildmatch globs from the rules file."""
    attributes = GitAttributes(snapshot.gitattributes)
    configured = GitIgnoreSpec.from_lines(list(exclude))
    files = tuple(
        FileMeasure(
            f.path, _kind(f, attributes, configured, snapshot.head_contents), f.additions, f.deletions
        )
        for f in snapshot.files
    )
    return SizeMeasure(files)


def _kind(
    file: ChangedFile, attributes: GitAttributes, configured: GitIgnoreSpec, heads: Mapping[str, bytes]
) -> Kind:
    path = file.path
    if file.binary:
        return Kind.BINARY
    if is_lockfile(path):
        return Kind.LOCKFILE
    if attributes.is_set(path, "linguist-vendored") or is_vendored_path(path):
        return Kind.VENDORED
    if attributes.is_set(path, "linguist-generated"):
        return Kind.GENERATED
    if configured.match_file(path):
        return Kind.CONFIGURED
    if file.status is not FileStatus.REMOVED and has_generated_header(heads.get(path, b"")):
        return Kind.GENERATED
    return counted_kind(path)
