"""Split plan for an oversized pull request: counted files grouped by area into parts under the limit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import PurePosixPath

from bot.core.files import FileFacts, Kind
from rules.size.measure import counted_lines

_TEST_MARKS = re.compile(r"^test_|_test$|_spec$|\.test$|\.spec$|Tests?$")


@dataclass(frozen=True, slots=True)
class SplitPart:
    """One candidate pull request: its area, its files and its effective lines."""

    title: str
    paths: tuple[str, ...]
    lines: int


@dataclass(frozen=True, slots=True)
class _Unit:
    """A source file with the tests that test it, or a file on its own; never split."""

    area: tuple[str, ...]
    files: tuple[FileFacts, ...]

    @property
    def lines(self) -> int:
        return sum(counted_lines(f) for f in self.files)


def plan_split(files: Sequence[FileFacts], max_lines: int, max_files: int) -> tuple[SplitPart, ...]:
    """Group `files` by directory, deepening where an area is too big, into parts of at most
    `max_lines` lines and `max_files` files (a single file above the limit stands alone).
    Parts come in path order with docs-only parts last, so each can merge on its own."""
    units = sorted(_units(files), key=lambda u: (*u.area, u.files[0].path))
    groups = _group(units, 1, max_lines, max_files)
    parts = [_part(group) for group in groups]
    docs = {f.path for f in files if f.kind is Kind.DOCS}
    return tuple(sorted(parts, key=lambda p: docs.issuperset(p.paths)))


def _units(files: Sequence[FileFacts]) -> Iterable[_Unit]:
    sources = {_stem(f.path): f for f in files if f.kind is not Kind.TEST}
    attached: dict[str, list[FileFacts]] = {}
    for f in files:
        subject = sources.get(_stem(f.path)) if f.kind is Kind.TEST else None
        attached.setdefault(subject.path if subject else f.path, []).append(f)
    for path, members in attached.items():
        yield _Unit(PurePosixPath(path).parent.parts, tuple(sorted(members, key=lambda f: f.path != path)))


def _group(units: Sequence[_Unit], depth: int, max_lines: int, max_files: int) -> list[list[_Unit]]:
    if _fits(units, max_lines, max_files):
        return [list(units)]
    if all(len(u.area) < depth for u in units):
        return _pack([[u] for u in units], max_lines, max_files)
    children: list[list[_Unit]] = []
    for _, members in groupby(units, key=lambda u: u.area[:depth]):
        children.extend(_group(list(members), depth + 1, max_lines, max_files))
    # Top-level areas (src/, docs/, …) stay apart; smaller neighbours below one area are joined.
    return children if depth == 1 else _pack(children, max_lines, max_files)


def _pack(groups: Sequence[list[_Unit]], max_lines: int, max_files: int) -> list[list[_Unit]]:
    """Join neighbouring groups while the join stays under the limits."""
    packed: list[list[_Unit]] = []
    for group in groups:
        if packed and _fits(packed[-1] + group, max_lines, max_files):
            packed[-1] = packed[-1] + group
        else:
            packed.append(group)
    return packed


def _fits(units: Sequence[_Unit], max_lines: int, max_files: int) -> bool:
    return sum(u.lines for u in units) <= max_lines and sum(len(u.files) for u in units) <= max_files


def _part(units: Sequence[_Unit]) -> SplitPart:
    paths = tuple(f.path for u in units for f in u.files)
    return SplitPart(_title(paths), paths, sum(u.lines for u in units))


def _title(paths: Sequence[str]) -> str:
    dirs = [PurePosixPath(p).parent.parts for p in paths]
    common: list[str] = []
    for level in zip(*dirs, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if len(paths) == 1:
        return paths[0]
    if common:
        return "/".join(common) + "/"
    return ", ".join(sorted({d[0] + "/" if d else "(root)" for d in dirs}))


def _stem(path: str) -> str:
    return _TEST_MARKS.sub("", PurePosixPath(path).stem)
