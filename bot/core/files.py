"""What kind of file a changed path is (lockfile, generated, vendored, binary, test, docs, source),
computed once per evaluation for every rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from bot.core.gitattributes import GitAttributes
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot

LOCKFILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "bun.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "Pipfile.lock",
        "Cargo.lock",
        "go.sum",
        "Gemfile.lock",
        "composer.lock",
    }
)
VENDOR_DIRS = frozenset({"vendor", "node_modules"})
TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "testdata", "testing"})
DOC_DIRS = frozenset({"doc", "docs"})
DOC_SUFFIXES = frozenset({".md", ".rst", ".adoc", ".mdx"})
_TEST_NAME = re.compile(r"(^test_.*\.py$|_test\.\w+$|\.(test|spec)\.\w+$|Tests?\.\w+$|^conftest\.py$)")
# Go's convention (https://go.dev/s/generatedcode) and the `@generated` marker of Meta's tools, both in a
# comment among the first lines; a string that merely mentions them elsewhere is not a marker.
_GENERATED_HEADER = re.compile(
    rb"^\s*(?:#|//|/\*|\*|--|;|<!--).*(?:@generated\b|Code generated .* DO NOT EDIT)"
)
HEADER_LINES = 5
# The most of a file's start any kind is decided on; gatherers keep no more when only kinds are needed.
HEAD_START_BYTES = 4096


class Kind(StrEnum):
    """Why a file is excluded from the effective size, or how it is counted."""

    LOCKFILE = "lockfile"
    GENERATED = "generated"
    VENDORED = "vendored"
    BINARY = "binary"
    CONFIGURED = "excluded by config"
    TEST = "test"
    DOCS = "docs"
    SOURCE = "source"


EXCLUDED = frozenset({Kind.LOCKFILE, Kind.GENERATED, Kind.VENDORED, Kind.BINARY, Kind.CONFIGURED})


@dataclass(frozen=True, slots=True)
class FileFacts:
    """A changed file with its kind and line counts."""

    path: str
    kind: Kind
    additions: int
    deletions: int

    @property
    def excluded(self) -> bool:
        """Whether this kind of file is left out of the effective size."""
        return self.kind in EXCLUDED


def classify(snapshot: PullRequestSnapshot) -> tuple[FileFacts, ...]:
    """The kind of every changed file; `.gitattributes` come from the base (a PR cannot exclude itself)."""
    attributes = GitAttributes(snapshot.repository.gitattributes)
    return tuple(FileFacts(f.path, _kind(f, attributes), f.additions, f.deletions) for f in snapshot.files)


def _kind(file: ChangedFile, attributes: GitAttributes) -> Kind:
    path = file.path
    if file.binary:
        return Kind.BINARY
    if is_lockfile(path):
        return Kind.LOCKFILE
    if attributes.is_set(path, "linguist-vendored") or is_vendored_path(path):
        return Kind.VENDORED
    if attributes.is_set(path, "linguist-generated"):
        return Kind.GENERATED
    if file.status is not FileStatus.REMOVED and has_generated_header(file.head or b""):
        return Kind.GENERATED
    return counted_kind(path)


def is_lockfile(path: str) -> bool:
    """Whether `path` is a package manager's lockfile."""
    return PurePosixPath(path).name in LOCKFILES


def is_vendored_path(path: str) -> bool:
    """Whether `path` sits below a `vendor/` or `node_modules/` folder."""
    return not VENDOR_DIRS.isdisjoint(path.split("/")[:-1])


def has_generated_header(head: bytes) -> bool:
    """Whether the start of a file carries an `@generated` or `Code generated … DO NOT EDIT` marker."""
    return any(_GENERATED_HEADER.match(line) for line in head[:HEAD_START_BYTES].splitlines()[:HEADER_LINES])


def counted_kind(path: str) -> Kind:
    """Test, docs or source, for a file that counts toward the size."""
    parts = path.split("/")
    name = parts[-1]
    if not TEST_DIRS.isdisjoint(parts[:-1]) or _TEST_NAME.search(name):
        return Kind.TEST
    if not DOC_DIRS.isdisjoint(parts[:-1]) or PurePosixPath(name).suffix.lower() in DOC_SUFFIXES:
        return Kind.DOCS
    return Kind.SOURCE
