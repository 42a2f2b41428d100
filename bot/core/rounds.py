"""Review rounds, rework and waiting times of one pull request, from its review history.

A round is feedback (a review requesting changes or commenting, or a review comment) → the author pushes
lines of their own → a re-review (DESIGN §7). Only people other than the author count as reviewers, and
bots never do. Redelivered events (the same idempotency key) and events delivered out of order change
nothing: the history is put in GitHub's order first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class ReviewState(StrEnum):
    """A review's state as webhooks spell it (GraphQL spells the same states in capitals)."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    COMMENTED = "commented"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class Review:
    """A `pull_request_review` event; only `submitted` is a review given, `edited` and `dismissed` are not."""

    key: str  # idempotency key, e.g. "review:80:submitted"
    github_id: int
    at: datetime  # the review's `submitted_at`
    author: str
    state: ReviewState
    action: str = "submitted"


@dataclass(frozen=True, slots=True)
class ReviewComment:
    """A `pull_request_review_comment` event; only `created` is feedback given."""

    key: str  # e.g. "review_comment:2941:created"
    github_id: int
    at: datetime
    author: str
    action: str = "created"


@dataclass(frozen=True, slots=True)
class ReviewThread:
    """A `pull_request_review_thread` event: a thread resolved or unresolved. Kept in the history, but it
    neither gives feedback nor answers it, so it moves no figure."""

    key: str  # e.g. "review_thread:<thread node id>:resolved:<delivery>"
    at: datetime
    author: str  # who resolved or unresolved it
    action: str  # "resolved" or "unresolved"


@dataclass(frozen=True, slots=True)
class Push:
    """A push to the pull request's branch (`pull_request.synchronize`).

    `changed_lines`: lines of the diff from the previous head to this one. `base_lines`: lines of that diff
    the base brought in (a rebase onto a newer base), 0 when the base did not move.
    """

    key: str  # e.g. "push:7:<after sha>"
    at: datetime
    head_sha: str
    base_sha: str
    changed_lines: int
    base_lines: int = 0


@dataclass(frozen=True, slots=True)
class Opened:
    """The pull request was opened."""

    key: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Closed:
    """The pull request was closed, merged or not."""

    key: str
    at: datetime
    merged: bool


Event = Review | ReviewComment | ReviewThread | Push | Opened | Closed


@dataclass(frozen=True, slots=True)
class PullRequestHistory:
    """What happened on a pull request, in any order and possibly with events seen twice."""

    author: str
    events: Sequence[Event]
    bots: frozenset[str] = frozenset()  # logins whose reviews never count, besides `…[bot]` accounts


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    """Rounds completed, rework lines and the times from opening; None where it has not happened."""

    rounds: int
    rework_lines: int
    time_to_first_review: timedelta | None
    time_to_approval: timedelta | None
    time_to_merge: timedelta | None


def review_key(review_id: int, action: str) -> str:
    """The key of a `pull_request_review` event: a review is submitted once, edited or dismissed later."""
    return f"review:{review_id}:{action}"


def review_comment_key(comment_id: int, action: str) -> str:
    """The key of a `pull_request_review_comment` event."""
    return f"review_comment:{comment_id}:{action}"


def review_thread_key(thread_node_id: str, action: str, delivery_id: str) -> str:
    """The key of a `pull_request_review_thread` event. GitHub's payload says neither when nor how often a
    thread was resolved, so the delivery (which a redelivery keeps) tells one resolving from the next."""
    return f"review_thread:{thread_node_id}:{action}:{delivery_id}"


def push_key(pr_number: int, after_sha: str) -> str:
    """The key of a `pull_request.synchronize`: a head is pushed to a pull request once."""
    return f"push:{pr_number}:{after_sha}"


def opened_key(pr_number: int) -> str:
    """The key of the pull request's opening."""
    return f"pull_request:{pr_number}:opened"


def closed_key(pr_number: int, closed_at: datetime) -> str:
    """The key of a closing; a pull request reopened and closed again has one per closing."""
    return f"pull_request:{pr_number}:closed:{closed_at.astimezone(UTC).isoformat()}"


def order_events(events: Iterable[Event]) -> list[Event]:
    """The events once per idempotency key, by GitHub's timestamp, then id, then key.

    The order is total (`repr` breaks the last ties), so a key delivered twice with different contents,
    which GitHub should never do, still keeps the same one whatever order the deliveries came in.
    """
    ordered = sorted(events, key=lambda e: (e.at, getattr(e, "github_id", 0), e.key, repr(e)))
    seen: set[str] = set()
    unique: list[Event] = []
    for event in ordered:
        if event.key not in seen:
            seen.add(event.key)
            unique.append(event)
    return unique


def is_bot(login: str, bots: frozenset[str]) -> bool:
    """Whether `login` is a bot: listed, or a GitHub App's account, whose login ends in `[bot]`
    (https://docs.github.com/en/apps/creating-github-apps/about-creating-github-apps/about-creating-github-apps)."""
    return login.casefold().endswith("[bot]") or login.casefold() in bots


def first_feedback_at(history: PullRequestHistory) -> datetime | None:
    """When someone other than the author, and no bot, first reviewed or commented: pushes from then on
    are rework, and need measuring."""
    bots = frozenset(login.casefold() for login in history.bots)
    author = history.author.casefold()
    for event in order_events(history.events):
        given = isinstance(event, Review) and event.action == "submitted"
        given = given or (isinstance(event, ReviewComment) and event.action == "created")
        if given and isinstance(event, Review | ReviewComment):
            login = event.author.casefold()
            if login != author and not is_bot(login, bots):
                return event.at
    return None


def measure_review(history: PullRequestHistory) -> ReviewFigures:
    """Rounds, rework lines (changed by pushes after the first review, less what a newer base brought)
    and the times to first review, approval and merge of `history`."""
    bots = frozenset(login.casefold() for login in history.bots)
    author = history.author.casefold()

    def reviewer(login: str) -> bool:
        return login.casefold() != author and not is_bot(login, bots)

    rounds = rework = 0
    opened_at: datetime | None = None
    first_review_at: datetime | None = None
    approved_at: datetime | None = None
    merged_at: datetime | None = None
    feedback = pushed = False  # feedback waiting for a push; a push waiting for a re-review
    for event in order_events(history.events):
        match event:
            case Opened(at=at):
                opened_at = opened_at or at
            case Closed(at=at, merged=True):
                merged_at = merged_at or at
            case Push(changed_lines=changed, base_lines=base):
                own = max(0, changed - base)
                if first_review_at is not None:
                    rework += own
                # a rebase that brings nothing of the author's own does not answer the feedback
                pushed = pushed or (feedback and own > 0)
            case Review(action="submitted") | ReviewComment(action="created") if reviewer(event.author):
                first_review_at = first_review_at or event.at
                approves = isinstance(event, Review) and event.state == ReviewState.APPROVED
                if approves:
                    approved_at = approved_at or event.at
                if pushed:  # the re-review that closes a round; unless it approves, it opens the next
                    rounds += 1
                    pushed = False
                feedback = not approves
    return ReviewFigures(
        rounds=rounds,
        rework_lines=rework,
        time_to_first_review=_since(opened_at, first_review_at),
        time_to_approval=_since(opened_at, approved_at),
        time_to_merge=_since(opened_at, merged_at),
    )


def _since(start: datetime | None, end: datetime | None) -> timedelta | None:
    """`end - start`, or None when either is unknown."""
    return None if start is None or end is None else end - start


@dataclass(frozen=True, slots=True)
class ReviewHistory:
    """A pull request's review history as the ledger held it when the evaluation read it, `as_of` then:
    the end of a wait still running (the core reads no clock)."""

    history: PullRequestHistory
    as_of: datetime


@dataclass(frozen=True, slots=True)
class ReviewWait:
    """Time the pull request spent waiting for a reviewer: in total, and since when it is waiting now
    (None when the next move is the author's, or it is closed)."""

    total: timedelta
    since: datetime | None


def review_wait(history: PullRequestHistory, as_of: datetime) -> ReviewWait:
    """Waiting starts at the opening and at each push of the author's own lines that answers feedback,
    and ends at the next review or comment by a reviewer, or at the closing."""
    bots = frozenset(login.casefold() for login in history.bots)
    author = history.author.casefold()
    total = timedelta()
    since: datetime | None = None
    reviewed = feedback = False
    for event in order_events(history.events):
        match event:
            case Opened(at=at) if not reviewed:
                since = since or at
            case Push(at=at, changed_lines=changed, base_lines=base):
                if since is None and (not reviewed or (feedback and changed > base)):
                    since = at
            case Review(action="submitted") | ReviewComment(action="created") if (
                event.author.casefold() != author and not is_bot(event.author, bots)
            ):
                if since is not None:
                    total += max(timedelta(), event.at - since)
                    since = None
                reviewed = True
                feedback = not (isinstance(event, Review) and event.state == ReviewState.APPROVED)
            case Closed(at=at):
                if since is not None:
                    total += max(timedelta(), at - since)
                since = None
    if since is not None:
        total += max(timedelta(), as_of - since)
    return ReviewWait(total, since)
