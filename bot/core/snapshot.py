"""The single input of evaluation: everything known about a pull request, as plain, eager, immutable data.

Gatherers fill it completely before evaluation starts; nothing in it reads a file, runs git or calls GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.rounds import ReviewHistory


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

    `additions`/`deletions` are authoritative even when `hunks` is empty: GitHub omits the patch of binary
    and very large files but still counts their lines. `head` holds the file's bytes at the head as far as
    the active rules need them (its start, or all of it); None when no rule reads it or the file is gone.
    `head_size` is the size of the file at the head in bytes (`head` holds all of it when their sizes
    agree). `base_start` is the start of the file at the base (of `previous_path` for a rename), when file
    kinds are needed: what a file declares itself in the head counts only where the base agrees. `base`
    is the whole file at the base when a rule needs it (a ratchet measures against it).
    """

    path: str
    status: FileStatus
    additions: int
    deletions: int
    previous_path: str | None = None
    binary: bool = False
    hunks: tuple[Hunk, ...] = ()
    patch_available: bool = True
    head: bytes | None = None
    head_size: int | None = None
    base_start: bytes | None = None
    base: bytes | None = None

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
class BlameRange:
    """Added lines `start`… (`length` of them) of `path` at the head, which commit `sha` last introduced
    (whitespace-only changes ignored), where they were `original_start`… of `original_path` in it."""

    path: str
    start: int
    length: int
    sha: str
    original_path: str
    original_start: int


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A replacing hunk of a pull-request commit: lines `start`… (`length`) of `path` in commit `sha`
    took the place of lines that `replaced` commits had written (transitively)."""

    sha: str
    path: str
    start: int
    length: int
    replaced: frozenset[str]


@dataclass(frozen=True, slots=True)
class History:
    """The pull request's commits, oldest first; when line attribution is needed, the blame of the added
    lines at the head, the commits' replacing hunks (`blame_partial` says why it is incomplete) and the
    text of the commits' git-ai notes (`refs/notes/ai`) by sha."""

    commits: tuple[Commit, ...] = ()
    blame: tuple[BlameRange, ...] | None = None
    rewrites: tuple[Rewrite, ...] = ()
    blame_partial: tuple[str, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)
    rewrites_known: bool = True  # False where the gatherer saw no commit's patch (the App past 100 commits)


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """One layer of the rules file: where it came from and its text (None: the file does not exist)."""

    name: str
    text: str | None


@dataclass(frozen=True, slots=True)
class GitAttributesFile:
    """One `.gitattributes` file of the base tree: the folder it sits in ('' for the root) and its text."""

    directory: str
    text: str


@dataclass(frozen=True, slots=True)
class RepositoryFiles:
    """Files of the repository read at the base, so a pull request cannot loosen its own gate.

    `rules` are the rules-file layers, lowest precedence first: the organisation's, then the repository's.
    `manifests` are the exception, read at the head: the package manifests (`package.json`,
    `pyproject.toml`, …) and `requirements.txt` files in the folders above the changed files, by path,
    which describe the code as the pull request leaves it (the split plan's packages, the dependencies
    it requires).
    """

    rules: tuple[ConfigSource, ...] = ()
    codeowners: str | None = None
    gitattributes: tuple[GitAttributesFile, ...] = ()
    manifests: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OverrideClaim:
    """Someone asked to pass the gate: by the override label, or by `/scopegate override <reason>`.

    `permission` is the person's repository permission as the gatherer checked it; whether it suffices is
    the core's decision (`bot.core.overrides`). A comment claim holds for the head it was made at.
    """

    login: str
    at: str
    via: str
    permission: str
    reason: str = ""
    head_sha: str | None = None
    lines_at: int | None = None  # the effective lines the App measured at `head_sha`, when it did


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What GitHub says about a user routing may ask: GraphQL `user.status.indicatesLimitedAvailability`
    (`busy`), the open pull requests requesting their review (`open_reviews`), and whether the account is a
    machine's."""

    login: str
    busy: bool = False
    open_reviews: int = 0
    bot: bool = False


@dataclass(frozen=True, slots=True)
class AuthoredRange:
    """Lines `start`…`end` of `path` at the base, last changed by `login`; `age` is GitHub's blame recency
    of the change within the file, 1 (newest) to 10 (oldest)."""

    path: str
    start: int
    end: int
    login: str
    age: int


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """The pull request's reviewers as GitHub has them, read at evaluation (the App only).

    `requested` are the open review requests (logins, and `org/team` for teams); `ever_requested` everyone a
    review was ever requested from on the pull request (GitHub's `ReviewRequestedEvent`s), removed requests
    included; `approved` the logins whose latest review approves, `reviewed` those whose latest review
    approves or requests changes. `people` (by login) and `teams` (`org/team` -> member logins) are what the
    second gathering phase fetched for the owners routing may ask; `teams_refused` says GitHub answered 403
    to the team members (the installation has not accepted `members: read`), with `permissions_url` the page
    where an owner accepts it. `base_blame` holds, for a sample of the changed files, the base's lines
    that the owners who may be chosen last changed (their expertise on the changed ranges)."""

    requested: tuple[str, ...] = ()
    ever_requested: tuple[str, ...] = ()
    approved: tuple[str, ...] = ()
    reviewed: tuple[str, ...] = ()
    people: Mapping[str, UserFacts] = field(default_factory=dict)
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    teams_refused: bool = False
    permissions_url: str | None = None
    base_blame: tuple[AuthoredRange, ...] = ()


@dataclass(frozen=True, slots=True)
class PullRequestSnapshot:
    """Everything evaluation reads. Gatherers fill it; rules never fetch anything else.

    `partial` names what could not be gathered (GitHub's 3000-file and 250-commit caps); `reviews` is None
    where the gatherer knows no review requests or reviews (`scopegate check`).
    """

    pull_request: PullRequestInfo
    files: tuple[ChangedFile, ...]
    history: History = History()
    repository: RepositoryFiles = RepositoryFiles()
    override_claims: tuple[OverrideClaim, ...] = ()
    partial: tuple[str, ...] = ()
    reviews: ReviewFacts | None = None
    review_history: ReviewHistory | None = None  # the ledger's, in the App; None in `scopegate check`
