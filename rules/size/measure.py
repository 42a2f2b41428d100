"""Effective size of a pull request: added + deleted lines of the files that count, and why others don't."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.files import FileFacts, Kind


@dataclass(frozen=True, slots=True)
class SizeMeasure:
    """Per-file kinds (the rules file's `exclude` globs applied) and the totals over counted files."""

    files: tuple[FileFacts, ...]

    @property
    def counted(self) -> tuple[FileFacts, ...]:
        """Files that count toward the size."""
        return tuple(f for f in self.files if not f.excluded)

    @property
    def excluded(self) -> tuple[FileFacts, ...]:
        """Files left out, each with its reason."""
        return tuple(f for f in self.files if f.excluded)

    @property
    def excluded_lines(self) -> int:
        """Added plus deleted lines of excluded files."""
        return sum(f.additions + f.deletions for f in self.excluded)

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


def measure_size(
    files: Sequence[FileFacts], exclude: Iterable[str] = (), *, count_snapshots: bool = False
) -> SizeMeasure:
    """The size of `files`; those matching an `exclude` glob (gitwildmatch) count 0 too. With
    `count_snapshots`, snapshot-test outputs count, as tests."""
    if count_snapshots:
        files = [replace(f, kind=Kind.TEST) if f.kind is Kind.SNAPSHOT else f for f in files]
    globs = list(exclude)
    if not globs:
        return SizeMeasure(tuple(files))
    from pathspec import GitIgnoreSpec  # ~30 ms to import: only when the rules file sets globs

    configured = GitIgnoreSpec.from_lines(globs)
    return SizeMeasure(
        tuple(
            replace(f, kind=Kind.CONFIGURED) if not f.excluded and configured.match_file(f.path) else f
            for f in files
        )
    )


def counted_lines(file: FileFacts) -> int:
    """Lines `file` adds to the effective size."""
    return 0 if file.excluded else file.additions + file.deletions
