"""What the fake GitHub stores: plain mutable records, one per GitHub object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class User:
    """A GitHub account; logins ending in `[bot]` are bots, as on GitHub."""

    login: str
    id: int
    name: str | None = None
    email: str | None = None
    kind: str = "User"  # or "Organization", "Bot"
    busy: bool = False  # GraphQL `UserStatus.indicatesLimitedAvailability`
    status_message: str | None = None


@dataclass
class App:
    """A GitHub App and the RSA key pair its JWTs are signed with."""

    id: int
    slug: str
    name: str
    owner: str
    client_id: str
    private_key_pem: str
    public_key_pem: str
    webhook_secret: str = "It's a Secret to Everybody"
    client_secret: str = ""  # its OAuth client's secret (the web application flow)
    callback_urls: list[str] = field(default_factory=list)  # where the web flow may send a user back


@dataclass
class Installation:
    """An installation of an App on an account; `repositories` None means all of the account's repos."""

    id: int
    app_id: int
    account: str
    repositories: set[str] | None
    permissions: dict[str, str]
    created_at: datetime
    events: list[str] | None = None  # the events it is subscribed to; None: shapes.EVENTS


@dataclass
class Token:
    """An installation access token."""

    value: str
    installation_id: int
    expires_at: datetime
    repositories: set[str] | None = None


@dataclass
class UserToken:
    """A user access token (`ghu_…`) an App's OAuth client got for a user through the web flow."""

    value: str
    app_id: int
    login: str
    expires_at: datetime


@dataclass
class OAuthCode:
    """A web-flow authorization code: one exchange, within ten minutes, with the same redirect_uri."""

    value: str
    app_id: int
    login: str
    redirect_uri: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Signature:
    """Who wrote or committed a commit, and when."""

    name: str = "Mona Lisa"
    email: str = "mona@example.com"
    login: str | None = "octocat"
    date: datetime | None = None


@dataclass
class Commit:
    """A commit: seed one with at least a sha and a message."""

    sha: str
    message: str = "Change things"
    author: Signature = field(default_factory=Signature)
    committer: Signature = field(default_factory=Signature)
    parents: list[str] = field(default_factory=list)


@dataclass
class FileChange:
    """One row of `GET /pulls/{n}/files`; `patch` None means GitHub left it out (binary or huge)."""

    filename: str
    status: str = "modified"
    additions: int = 0
    deletions: int = 0
    patch: str | None = None
    previous_filename: str | None = None
    sha: str | None = None


@dataclass
class Label:
    """A repository label."""

    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Review:
    """A submitted pull-request review."""

    id: int
    user: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
    body: str
    commit_id: str
    submitted_at: datetime


@dataclass
class ReviewComment:
    """An inline comment of a pull-request review (`pull_request_review_comment`)."""

    id: int
    review_id: int
    user: str
    created_at: datetime


@dataclass(frozen=True)
class ForcePush:
    """The head branch was force-pushed from `before` to `after` (GraphQL `HeadRefForcePushedEvent`)."""

    before: str
    after: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class LabelEvent:
    """Someone added a label to a pull request (GraphQL `LabeledEvent`)."""

    label: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class ReviewRequestEvent:
    """`actor` requested a review from `reviewer` (a login, or a team's slug when `team`): GraphQL's
    `ReviewRequestedEvent`, which stays in the timeline after the request is removed or answered."""

    reviewer: str
    team: bool
    actor: str
    at: datetime


@dataclass
class Team:
    """An organisation's team: its members, and the repositories it has access to (None: all of the
    organisation's)."""

    id: int
    org: str
    slug: str
    members: list[str] = field(default_factory=list)
    repositories: set[str] | None = None


@dataclass
class PullRequest:
    """A pull request and everything hung on it."""

    id: int
    number: int
    title: str
    author: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    draft: bool = False
    state: str = "open"
    merged: bool = False
    labels: list[str] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    label_events: list[LabelEvent] = field(default_factory=list)
    review_request_events: list[ReviewRequestEvent] = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)
    force_pushes: list[ForcePush] = field(default_factory=list)
    closed_at: datetime | None = None


@dataclass
class CheckRun:
    """A check run; annotations accumulate across updates as on GitHub."""

    id: int
    app_id: int
    name: str
    head_sha: str
    status: str
    started_at: datetime
    conclusion: str | None = None
    completed_at: datetime | None = None
    details_url: str | None = None
    external_id: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IssueComment:
    """A comment on an issue or pull request."""

    id: int
    number: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Repo:
    """A repository: trees per commit sha, branches, and the issue-side objects."""

    id: int
    owner: str
    name: str
    default_branch: str = "main"
    private: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # other refs by full name, e.g. refs/notes/ai
    commits: dict[str, Commit] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # keyed by lower-cased name
    comments: dict[int, IssueComment] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> role name

    @property
    def full_name(self) -> str:
        """`owner/name`."""
        return f"{self.owner}/{self.name}"


@dataclass
class Delivery:
    """One attempt at delivering an App webhook (a redelivery keeps the guid)."""

    id: int
    guid: str
    event: str
    action: str | None
    payload: dict[str, Any]
    delivered_at: datetime
    status_code: int = 200
    redelivery: bool = False
    installation_id: int | None = None
    repository_id: int | None = None
    response_body: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """The request headers GitHub sent with this delivery."""
        return {
            "Accept": "*/*",
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Delivery": self.guid,
            "X-GitHub-Event": self.event,
            "X-GitHub-Hook-ID": "1",
            "X-GitHub-Hook-Installation-Target-Type": "integration",
        }
