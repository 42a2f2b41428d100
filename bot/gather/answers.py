"""GitHub's answers to our own GraphQL queries (bot/gather/queries.py), parsed once, strictly: a field the
schema always sends that is missing is an error here, not an empty string later. Only fields GitHub's
schema makes nullable (a deleted author, a deleted base branch) are optional."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Answer(BaseModel):
    """camelCase fields, as GitHub's GraphQL API names them; unknown fields are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, frozen=True)


class Actor(Answer):
    login: str


class Name(Answer):
    name: str


class Target(Answer):
    oid: str


class BaseRef(Answer):
    target: Target


class GitActor(Answer):
    name: str | None = None
    email: str | None = None
    user: Actor | None = None


class CommitNode(Answer):
    oid: str
    message: str
    author: GitActor | None = None
    committer: GitActor | None = None


class PullRequestCommit(Answer):
    commit: CommitNode


class PageInfo(Answer):
    has_next_page: bool
    end_cursor: str | None = None


class Commits(Answer):
    total_count: int
    page_info: PageInfo
    nodes: list[PullRequestCommit]


class IssueComment(Answer):
    database_id: int
    body: str
    author: Actor | None = None
    viewer_did_author: bool


class Comments(Answer):
    nodes: list[IssueComment]


class LabeledEvent(Answer):
    created_at: str
    label: Name
    actor: Actor | None = None


class LabeledEvents(Answer):
    nodes: list[LabeledEvent]


class Labels(Answer):
    nodes: list[Name]


class Reviewer(Answer):
    """A requested reviewer: a user's login, a team's `org/team`, or neither (a bot, a mannequin)."""

    login: str | None = None
    combined_slug: str | None = None


class ReviewRequest(Answer):
    requested_reviewer: Reviewer | None = None


class ReviewRequests(Answer):
    nodes: list[ReviewRequest]


class Review(Answer):
    state: str
    author: Actor | None = None


class Reviews(Answer):
    nodes: list[Review]


class Annotations(Answer):
    total_count: int


class CheckRunNode(Answer):
    database_id: int
    name: str
    annotations: Annotations


class CheckRuns(Answer):
    nodes: list[CheckRunNode]


class CheckSuite(Answer):
    check_runs: CheckRuns | None = None


class CheckSuites(Answer):
    nodes: list[CheckSuite]


class HeadCommitNode(Answer):
    check_suites: CheckSuites | None = None


class HeadCommit(Answer):
    commit: HeadCommitNode


class HeadCommits(Answer):
    nodes: list[HeadCommit]


class PullRequest(Answer):
    number: int
    title: str
    is_draft: bool
    state: str
    created_at: str
    head_ref_name: str
    head_ref_oid: str
    base_ref_name: str
    base_ref_oid: str
    base_ref: BaseRef | None = None
    changed_files: int
    author: Actor | None = None
    labels: Labels
    commits: Commits
    comments: Comments
    timeline_items: LabeledEvents
    review_requests: ReviewRequests
    latest_opinionated_reviews: Reviews
    review_request_events: ReviewRequests
    head: HeadCommits


class Repository(Answer):
    database_id: int
    notes: Target | None = None
    pull_request: PullRequest | None = None


class PullRequestAnswer(Answer):
    repository: Repository | None = None


class MoreCommitsPull(Answer):
    commits: Commits


class MoreCommitsRepository(Answer):
    pull_request: MoreCommitsPull


class MoreCommitsAnswer(Answer):
    repository: MoreCommitsRepository


class Blob(Answer):
    """A blob's text (None when binary: GraphQL gives no text for it) and size."""

    text: str | None = None
    is_binary: bool
    byte_size: int


class TreeEntry(Answer):
    name: str
    type: str


class Tree(Answer):
    """A folder's entries (a blob matches no field of the `... on Tree` selection: no entries)."""

    entries: list[TreeEntry] | None = None


class BlameCommit(Answer):
    oid: str


class BlameRange(Answer):
    starting_line: int
    ending_line: int
    commit: BlameCommit


class Blame(Answer):
    ranges: list[BlameRange]


class UserStatus(Answer):
    indicates_limited_availability: bool


class User(Answer):
    status: UserStatus | None = None


class Search(Answer):
    issue_count: int


class AuthoredCommit(Answer):
    author: GitActor | None = None


class AuthoredRange(Answer):
    starting_line: int
    ending_line: int
    age: int
    commit: AuthoredCommit


class AuthoredBlame(Answer):
    ranges: list[AuthoredRange]
