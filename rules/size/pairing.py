"""Which source file a test tests: the same name once the test's marks are gone, in the same package,
in the folder that mirrors it (`tests/` ↔ `src/<pkg>/`, `src/test/java` ↔ `src/main/java`, `__tests__/` ↔
its parent; Go's `_test.go` only beside its file)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

# `test_x`, `x_test`, `x.test`, `x.spec`, `x-test`, `XTest(s)`, `XIT`, `XSpec`, `TestX`, `x_unittest`.
_MARKS = re.compile(
    r"^(?:test_|Test(?=[A-Z]))"
    r"|(?:[._-](?:test|tests|spec|unittest|e2e|e2e-spec|integration|bench))$"
    r"|(?<=[A-Za-z0-9])(?:Tests?|TestCase|IT|Spec)$"
)
# Folders that hold tests or sources without naming what they are about: left out when comparing where a
# test sits with where its subject sits.
_NEUTRAL = frozenset(
    {
        *("test", "tests", "__tests__", "__test__", "spec", "specs", "testing", "unit", "unittests"),
        *("integration", "functional", "e2e", "src", "lib", "main", "source", "sources"),
        *("java", "kotlin", "scala", "groovy"),
    }
)
_FAMILIES = {
    suffix: family
    for family, suffixes in {
        "python": (".py", ".pyi", ".pyx"),
        "js": (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte"),
        "jvm": (".java", ".kt", ".kts", ".scala", ".groovy"),
        "c": (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh"),
        "elixir": (".ex", ".exs"),
    }.items()
    for suffix in suffixes
}
# Above this many same-named sources in one package (`index.ts`, `__init__.py`), only a test whose
# folder mirrors its subject's exactly is paired: comparing each with each would be quadratic.
_MAX_CANDIDATES = 64


@dataclass(frozen=True, slots=True)
class _Source:
    path: str
    folders: tuple[str, ...]
    suffix: str


@dataclass(slots=True)
class Subjects:
    """The source files of a pull request, indexed for finding what a test tests."""

    _by_name: dict[tuple[str, str, str], list[_Source]] = field(default_factory=dict)
    _by_place: dict[tuple[str, str, str, tuple[str, ...]], list[_Source]] = field(default_factory=dict)

    @classmethod
    def of(cls, sources: Iterable[tuple[str, str]]) -> Subjects:
        """Index `(path, package root)` pairs of source files."""
        index = cls()
        for path, package in sources:
            stem, suffix = _split(path)
            family = _FAMILIES.get(suffix, suffix)
            source = _Source(path, _folders(path, package), suffix)
            index._by_name.setdefault((package, family, stem), []).append(source)
            index._by_place.setdefault((package, family, stem, source.folders), []).append(source)
        return index

    def subject(self, test: str, package: str, max_distance: int | None = None) -> str | None:
        """The source `test` tests in `package`, or None when there is none or no single best one (at most
        `max_distance` folder names apart, when given)."""
        stem, suffix = _split(test)
        subject_stem = _MARKS.sub("", stem)
        if not subject_stem or subject_stem == "__init__":
            return None
        family = _FAMILIES.get(suffix, suffix)
        if suffix == ".go":
            # Go compiles a `_test.go` file with the package of its own folder.
            folder = posixpath.dirname(test)
            named = self._by_name.get((package, family, subject_stem), ())
            beside = [s for s in named if posixpath.dirname(s.path) == folder]
            return beside[0].path if len(beside) == 1 else None
        folders = _folders(test, package)
        candidates = self._by_name.get((package, family, subject_stem), [])
        if len(candidates) > _MAX_CANDIDATES:
            candidates = self._by_place.get((package, family, subject_stem, folders), [])
        ranked = sorted((_distance(folders, c.folders), c.suffix != suffix, c.path) for c in candidates)
        if max_distance is not None:
            ranked = [r for r in ranked if r[0] <= max_distance]
        if not ranked or (len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]):
            return None
        return ranked[0][2]


def _split(path: str) -> tuple[str, str]:
    name = posixpath.basename(path)
    stem, suffix = posixpath.splitext(name)
    return stem, suffix


@lru_cache(maxsize=4096)
def _below(folder: str, package: str) -> tuple[str, ...]:
    relative = folder[len(package) :].lstrip("/") if package else folder
    return tuple(f for f in relative.split("/") if f and f not in _NEUTRAL)


def _folders(path: str, package: str) -> tuple[str, ...]:
    """The folders of `path` below its package that say what it is about."""
    return _below(path.rpartition("/")[0], package)


def _distance(test: tuple[str, ...], source: tuple[str, ...]) -> int:
    """How many folders differ once the common end (`…/api/` ↔ `…/api/`) is set aside."""
    common = 0
    for a, b in zip(reversed(test), reversed(source), strict=False):
        if a != b:
            break
        common += 1
    return len(test) + len(source) - 2 * common
