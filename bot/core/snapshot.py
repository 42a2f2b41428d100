"""The single input of evaluation: everything known about a pull request, as plain immutable data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class FileStatus(StrEnum):
    """How a file changed, in GitHub's words (`GET /pulls/{n}/files` → `status`)."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"
    COPIED = "copied"


@dataclass(frozen=True, slots=True)
class Hunk:
    """One hunk of a file's diff, with the line numbers it adds (head) and removes (base).

    Line numbers are a `range` when the diff had no context lines (the hunk is one contiguous block).
    """

    source_start: int
    source_length: int
    target_start: int
    target_length: int
    added: Sequence[int]
    removed: Sequence[int]


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """A file the pull request changes.

    `additions`/`deletions` are authoritative even when `hunks` is empty: GitHub omits the
    patch of binary and very large files but still counts their lines.
    """

    path: str
    status: FileStatus
    additions: int
    deletions: int
    previous_path: str | None = None
    binary: bool = False
    hunks: tuple[Hunk, ...] = ()
    patch_available: bool = True

    @property
    def changes(self) -> int:
        """Added plus deleted lines."""
        return self.additions + self.deletions


@dataclass(frozen=True, slots=True)
class Person:
    """A commit author or committer."""

    name: str
    email: str
    login: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit of the pull request."""

    sha: str
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True, slots=True)
class PullRequestInfo:
    """Pull-request metadata; the CLI fills what a local branch has."""

    base_ref: str
    head_ref: str
    base_sha: str
    head_sha: str
    number: int | None = None
    title: str = ""
    author: str | None = None
    draft: bool = False
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GitAttributesFile:
    """One `.gitattributes` file of the base tree: the folder it sits in ('' for the root) and its text."""

    directory: str
    text: str


@dataclass(frozen=True, slots=True)
class Override:
    """Someone asked to pass the gate, by label or by a `/scopegate override <reason>` comment.

    The gatherer checks the person's permission: a refused override is shown and changes nothing.
    """

    login: str
    at: str
    via: str
    reason: str = ""
    accepted: bool = True


@dataclass(frozen=True, slots=True)
class PullRequestSnapshot:
    """Everything evaluation reads. Gatherers fill it; rules never fetch anything else.

    `head_contents` maps a changed path to its bytes at the head; gatherers may load it lazily.
    `rules_text` and `codeowners_text` are read at the base, so a PR cannot loosen its own gate;
    `org_rules_text` is the organisation's defaults (its `.github` repository), which the repo's override.
    `partial` names what could not be gathered (GitHub's 3000-file and 250-commit caps).
    `override` is set by the gatherer only after it checked the person's permission.
    """

    pull_request: PullRequestInfo
    files: tuple[ChangedFile, ...]
    commits: tuple[Commit, ...] = ()
    head_contents: Mapping[str, bytes] = field(default_factory=dict)
    gitattributes: tuple[GitAttributesFile, ...] = ()
    rules_text: str | None = None
    rules_path: str = ".github/scopegate.yml"
    org_rules_text: str | None = None
    org_rules_path: str = ".github:.github/scopegate.yml"
    codeowners_text: str | None = None
    partial: tuple[str, ...] = ()
    override: Override | None = None
