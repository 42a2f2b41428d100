"""What kind of file a changed path is, computed once per evaluation for every rule.

A kind the base decides (a `.gitattributes` line of the base, a rules-file glob) is believed. A kind a file
declares itself in the head (a generated header, a generator's file name, a `vendor/` folder) is believed
only where the base agrees (the file was already that kind there); a lockfile only when its content is
that lockfile's format; a snapshot only when its name cannot be code. Otherwise the file counts, with a
note saying why, so that a pull request cannot lower its own size.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from bot.core.gitattributes import GitAttributes
from bot.core.lockfiles import is_lockfile_name, lockfile_of, lockfile_proven
from bot.core.markers import has_generated_header, has_generated_name, is_snapshot_path, suffix_of
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot

VENDOR_DIRS = frozenset({"vendor", "node_modules", "third_party", "third-party"})
YARN_VENDORED = frozenset({"releases", "plugins", "sdks"})
TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "testdata", "testing"})
DOC_DIRS = frozenset({"doc", "docs"})
DOC_SUFFIXES = frozenset({".md", ".rst", ".adoc", ".mdx"})
_TEST_NAME = re.compile(r"(^test_.*\.py$|_test\.\w+$|\.(test|spec)\.\w+$|Tests?\.\w+$|^conftest\.py$)")
# The most of a file's start any kind is decided on; gatherers keep no more when only kinds are needed.
HEAD_START_BYTES = 4096
# A file named like a lockfile is read whole up to this size, to prove it is one (the largest real
# package-lock.json files are a few tens of MB).
LOCKFILE_BYTES = 64 * 1024 * 1024
UNTRUSTED = "add a `.gitattributes` line on the base branch to exclude it"


class Kind(StrEnum):
    """Why a file is excluded from the effective size, or how it is counted."""

    LOCKFILE = "lockfile"
    GENERATED = "generated"
    VENDORED = "vendored"
    SNAPSHOT = "snapshot"
    BINARY = "binary"
    CONFIGURED = "excluded by config"
    TEST = "test"
    DOCS = "docs"
    SOURCE = "source"


EXCLUDED = frozenset(
    {Kind.LOCKFILE, Kind.GENERATED, Kind.VENDORED, Kind.SNAPSHOT, Kind.BINARY, Kind.CONFIGURED}
)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """A changed file with its kind and line counts; `note` says why a kind it claims was not believed."""

    path: str
    kind: Kind
    additions: int
    deletions: int
    note: str = ""

    @property
    def excluded(self) -> bool:
        """Whether this kind of file is left out of the effective size."""
        return self.kind in EXCLUDED


def classify(snapshot: PullRequestSnapshot) -> tuple[FileFacts, ...]:
    """The kind of every changed file; `.gitattributes` come from the base (a PR cannot exclude itself)."""
    attributes = GitAttributes(snapshot.repository.gitattributes)
    manifests = snapshot.repository.manifests
    return tuple(_facts(f, attributes, manifests) for f in snapshot.files)


def kept_bytes(path: str) -> int:
    """How much of the file at `path` its kind is decided on: all of a lockfile, the start of the rest."""
    return LOCKFILE_BYTES if lockfile_of(path.rpartition("/")[2]) else HEAD_START_BYTES


def _facts(file: ChangedFile, attributes: GitAttributes, manifests: Mapping[str, str]) -> FileFacts:
    kind, note = _kind(file, attributes, manifests)
    return FileFacts(file.path, kind, file.additions, file.deletions, note)


def _kind(file: ChangedFile, attributes: GitAttributes, manifests: Mapping[str, str]) -> tuple[Kind, str]:
    """The kind and, for a claim not believed, why."""
    path, name = file.path, file.path.rpartition("/")[2]
    # What the base decides.
    if file.binary or attributes.is_binary(path):
        return Kind.BINARY, ""
    if attributes.is_set(path, "linguist-vendored"):
        return Kind.VENDORED, ""
    if attributes.is_set(path, "linguist-generated"):
        return Kind.GENERATED, ""
    # What the content proves (a removed file is judged as it was at the base).
    start = (file.base_start if file.status is FileStatus.REMOVED else file.head) or b""
    was = file.base_start if file.status is not FileStatus.ADDED else None
    whole = file.status is not FileStatus.REMOVED and file.head is not None and len(start) == file.head_size
    if lockfile_proven(path, start, whole, manifests):
        return Kind.LOCKFILE, ""
    if is_lockfile_name(name):
        return counted_kind(path), (
            f"named like a lockfile but not in its format or without its manifest beside it: counted — "
            f"{UNTRUSTED}"
        )
    if is_snapshot_path(path):
        return Kind.SNAPSHOT, ""
    # What the file claims, believed where the base agrees.
    if has_generated_header(start) or has_generated_name(path):
        if file.status is FileStatus.REMOVED or (was is not None and _was_generated(was, file)):
            return Kind.GENERATED, ""
        return counted_kind(path), f"declares itself generated: counted — {UNTRUSTED}"
    if _vendored_path(path):
        if file.status is not FileStatus.ADDED and _vendored_path(file.previous_path or path):
            return Kind.VENDORED, ""
        return counted_kind(
            path
        ), f"sits in a vendor folder the base does not have it in: counted — {UNTRUSTED}"
    if attributes.is_set(path, "linguist-documentation"):
        return Kind.DOCS, ""
    return counted_kind(path), ""


def _was_generated(base_start: bytes, file: ChangedFile) -> bool:
    return has_generated_header(base_start) or has_generated_name(file.previous_path or file.path)


def _vendored_path(path: str) -> bool:
    """Whether `path` sits below a `vendor/`, `node_modules/` or `third_party/` folder, or in Yarn's
    committed copies of itself (`.yarn/releases/`, `.yarn/plugins/`, `.yarn/sdks/`)."""
    folders = path.split("/")[:-1]
    if not VENDOR_DIRS.isdisjoint(folders):
        return True
    return any(a == ".yarn" and b in YARN_VENDORED for a, b in pairwise(folders))


def counted_kind(path: str) -> Kind:
    """Test, docs or source, for a file that counts toward the size."""
    parts = path.split("/")
    name = parts[-1]
    if not TEST_DIRS.isdisjoint(parts[:-1]) or _TEST_NAME.search(name):
        return Kind.TEST
    if not DOC_DIRS.isdisjoint(parts[:-1]) or suffix_of(name) in DOC_SUFFIXES:
        return Kind.DOCS
    return Kind.SOURCE
