"""Data that makes up most of a pull request (snapshots, fixtures, test data, data files): better left out
of the size by an `exclude` line than split into hundreds of parts."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.files import FileFacts
from rules.size.measure import counted_lines

# Above this share of the counted lines, the plan proposes an exclusion instead of splitting them.
DOMINANT_SHARE = 0.6
# Folders whose name says what they hold, anywhere: the glob names the folder at any depth.
_ANYWHERE = {
    "__snapshots__": "snapshots",
    "__snapshot__": "snapshots",
    "__image_snapshots__": "snapshots",
    "testdata": "test data",
    "cassettes": "recorded HTTP cassettes",
    "__recordings__": "recorded HTTP cassettes",
    "goldens": "golden files",
}
# Folders whose name is also used for code (`fixtures/` of Playwright, `data/` of an app): the glob names
# the very folders the pull request changes.
_HERE = {
    "fixtures": "fixtures",
    "__fixtures__": "fixtures",
    "test_data": "test data",
    "test-data": "test data",
}
# Folders of data next to code (`src/data/`): only their data files are proposed.
_DATA_FOLDERS = frozenset({"data", "datasets", "samples"})
_DATA_SUFFIXES = frozenset({".json", ".xml", ".yaml", ".yml", ".txt", ".html", ".csv", ".tsv"})
_SUFFIXES = {
    ".snap": "snapshots",
    ".shot": "snapshots",
    ".ambr": "snapshots",
    ".golden": "golden files",
    ".csv": "data files",
    ".tsv": "data files",
    ".jsonl": "data files",
    ".ndjson": "data files",
    ".har": "recorded HTTP cassettes",
}
# More folders of one kind than this and the glob names the kind's folder at any depth instead.
_MAX_FOLDERS = 3
_GLOB_SPECIAL = re.compile(r"([\\*?\[\]!#])")


@dataclass(frozen=True, slots=True)
class Bulk:
    """The kinds of data that make up most of the lines, the `exclude` globs that cover them, and how much."""

    kinds: tuple[str, ...]
    globs: tuple[str, ...]
    paths: frozenset[str]
    lines: int
    share: float


@dataclass(frozen=True, slots=True)
class _Group:
    kind: str
    files: tuple[FileFacts, ...]
    globs: tuple[str, ...]

    @property
    def lines(self) -> int:
        return sum(counted_lines(f) for f in self.files)


def dominant_bulk(files: Sequence[FileFacts]) -> Bulk | None:
    """The data kinds that together hold more than `DOMINANT_SHARE` of the counted lines, fewest first
    (largest kinds taken until the share is passed), or None when no such data dominates."""
    total = sum(counted_lines(f) for f in files)
    chosen: list[_Group] = []
    for group in sorted(_groups(files), key=lambda g: (-g.lines, g.globs)):
        if sum(g.lines for g in chosen) > DOMINANT_SHARE * total:
            break
        chosen.append(group)
    lines = sum(g.lines for g in chosen)
    if not total or lines <= DOMINANT_SHARE * total:
        return None
    return Bulk(
        kinds=tuple(dict.fromkeys(g.kind for g in chosen)),
        globs=tuple(glob for g in chosen for glob in g.globs),
        paths=frozenset(f.path for g in chosen for f in g.files),
        lines=lines,
        share=lines / total,
    )


def _groups(files: Iterable[FileFacts]) -> list[_Group]:
    by_key: dict[tuple[str, str, str], list[tuple[FileFacts, str]]] = {}
    for f in files:
        if counted_lines(f) and (found := _bulk_key(f.path)):
            kind, name, tail, folder = found
            by_key.setdefault((kind, name, tail), []).append((f, folder))
    groups = []
    for (kind, name, tail), members in by_key.items():
        folders = sorted({folder for _, folder in members})
        if not name:
            globs: tuple[str, ...] = (f"**/{tail}",)
        elif folders == [""] or len(folders) > _MAX_FOLDERS:
            globs = (f"**/{_escape(name)}/{tail}",)
        else:
            globs = tuple(f"{_escape(folder)}/{tail}" for folder in folders)
        groups.append(_Group(kind, tuple(f for f, _ in members), globs))
    return groups


def _bulk_key(path: str) -> tuple[str, str, str, str] | None:
    """(kind, folder name or '' for a suffix, the glob's tail, the folder to name or '' for any depth)."""
    folders = path.split("/")[:-1]
    written = posixpath.splitext(path)[1]
    suffix = written.lower()
    for depth, folder in enumerate(folders):
        if folder in _ANYWHERE:
            return _ANYWHERE[folder], folder, "**", ""
        if folder in _HERE:
            return _HERE[folder], folder, "**", "/".join(folders[: depth + 1])
        if folder in _DATA_FOLDERS and suffix in _DATA_SUFFIXES:
            # Only the data in such a folder: its code stays counted.
            return "data files", folder, f"**/*{_escape(written)}", "/".join(folders[: depth + 1])
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix], "", f"*{_escape(written)}", ""
    return None


def _escape(text: str) -> str:
    """`text` matched literally by a gitwildmatch glob."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)
