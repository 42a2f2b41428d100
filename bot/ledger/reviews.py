"""A pull request's review history: record events once per idempotency key, read them back for
bot/core/rounds.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    PullRequestHistory,
    Push,
    Review,
    ReviewComment,
    ReviewState,
    ReviewThread,
    closed_key,
    opened_key,
    order_events,
    push_key,
    review_comment_key,
    review_key,
    review_thread_key,
)
from bot.ledger.models import PullRequest, Repository, ReviewEvent
from bot.ledger.pull_requests import upsert_pull_request
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import built_once, table_insert, table_of

T = TypeVar("T")
# The keys are the core's; importers of the ledger find them here too.
__all__ = [
    "ReviewEventRecord",
    "closed_key",
    "opened_key",
    "pull_request_history",
    "push_key",
    "record_review_event",
    "record_review_events",
    "review_comment_key",
    "review_key",
    "review_thread_key",
    "set_push_lines",
    "unmeasured_pushes",
]


@dataclass(frozen=True, slots=True)
class ReviewEventRecord:
    """An event of a pull request's review history, with the pull request it belongs to."""

    repository_id: int  # GitHub's repository id, not the ledger's surrogate
    repo_full_name: str
    pr_number: int
    event: Event
    pr_author: str | None = None
    delivery_id: str | None = None  # None when read from the timeline
    installation_id: int | None = None
    before_sha: str | None = None  # a push: the head it replaced
    measured: bool = True  # a push: whether its lines are known (else NULL, see `unmeasured_pushes`)
    author_teams: tuple[str, ...] | None = None  # the author's teams as GitHub said them (None: unknown)


def record_review_event(session: Session, record: ReviewEventRecord, *, at: datetime | None = None) -> bool:
    """Insert the event; return False when its key was recorded for this pull request already (a
    redelivery, a re-read timeline), which leaves the first row as it was."""
    return record_review_events(session, (record,), at=at) == 1


def record_review_events(
    session: Session, records: Sequence[ReviewEventRecord], *, at: datetime | None = None
) -> int:
    """Insert the events of one pull request (a timeline read) in one statement; how many were new. The
    repository, pull request, author and author's teams are the first record's."""
    if not records:
        return 0
    now, first = at or datetime.now(UTC), records[0]
    repository_id = upsert_repository(
        session,
        github_id=first.repository_id,
        full_name=first.repo_full_name,
        installation_id=first.installation_id,
        at=now,
    )
    pull_request_id = upsert_pull_request(
        session,
        repository_id,
        first.pr_number,
        author=first.pr_author,
        author_teams=first.author_teams,
        at=now,
    )
    rows = [_row(record, pull_request_id, now) for record in records]
    # one statement, built once, run for every row (SQLAlchemy batches them into multi-row INSERTs):
    # RETURNING answers only for the rows the conflict clause let in
    return len(session.execute(_insert_events(session), rows).all())


@built_once
def _insert_events(dialect: str) -> ReturningInsert[Any]:
    insert = table_insert(dialect, ReviewEvent)
    table = table_of(ReviewEvent)
    return insert.on_conflict_do_nothing(
        index_elements=[table.c.pull_request_id, table.c.idempotency_key]
    ).returning(table.c.id)


# Every column an event may fill, so rows of different kinds go in one multi-row INSERT.
_EVENT_COLUMNS = dict.fromkeys(
    (
        "action",
        "github_id",
        "actor_login",
        "state",
        "head_sha",
        "base_sha",
        "changed_lines",
        "base_lines",
        "merged",
    )
)


def _row(record: ReviewEventRecord, pull_request_id: int, now: datetime) -> dict[str, Any]:
    """The review_events row of `record`."""
    row = {
        **_EVENT_COLUMNS,
        **_columns(record.event),
        "pull_request_id": pull_request_id,
        "idempotency_key": record.event.key,
        "occurred_at": record.event.at,
        "delivery_id": record.delivery_id,
        "created_at": now,
        "before_sha": record.before_sha,
    }
    if isinstance(record.event, Push) and not record.measured:
        row |= {"changed_lines": None, "base_lines": None}
    return row


def pull_request_history(
    session: Session, github_repo_id: int, number: int, *, bots: frozenset[str] = frozenset()
) -> PullRequestHistory | None:
    """The recorded review history of a pull request in GitHub's order, None when the ledger knows no
    such pull request. An author the ledger never learned is "" (their comments then count)."""
    pull_request = session.execute(
        select(PullRequest)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(Repository.github_id == github_repo_id, PullRequest.number == number)
    ).scalar_one_or_none()
    if pull_request is None:
        return None
    rows = session.scalars(select(ReviewEvent).where(ReviewEvent.pull_request_id == pull_request.id))
    # in the core's order, not the rows': the order they were delivered in is not GitHub's
    events = order_events(event_of(row) for row in rows)
    return PullRequestHistory(author=pull_request.author or "", events=tuple(events), bots=bots)


@dataclass(frozen=True, slots=True)
class UnmeasuredPush:
    """A push recorded before its lines were measured: the heads to compare."""

    row_id: int
    before_sha: str | None
    head_sha: str
    base_sha: str
    at: datetime


def unmeasured_pushes(
    session: Session, github_repo_id: int, number: int, *, after: datetime
) -> list[UnmeasuredPush]:
    """The pull request's pushes at or after `after` whose lines are not measured yet, oldest first."""
    rows = session.execute(
        select(ReviewEvent)
        .join(PullRequest, PullRequest.id == ReviewEvent.pull_request_id)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(
            Repository.github_id == github_repo_id,
            PullRequest.number == number,
            ReviewEvent.kind == "push",
            ReviewEvent.changed_lines.is_(None),
            ReviewEvent.occurred_at >= after,
        )
        .order_by(ReviewEvent.occurred_at, ReviewEvent.id)
    ).scalars()
    return [
        UnmeasuredPush(row.id, row.before_sha, _given(row.head_sha), _given(row.base_sha), row.occurred_at)
        for row in rows
    ]


def set_push_lines(session: Session, row_id: int, changed_lines: int, base_lines: int = 0) -> None:
    """Record the measured lines of a push `unmeasured_pushes` listed (a second measure changes nothing)."""
    session.execute(
        update(ReviewEvent)
        .where(ReviewEvent.id == row_id, ReviewEvent.changed_lines.is_(None))
        .values(changed_lines=changed_lines, base_lines=base_lines)
    )


def _columns(event: Event) -> dict[str, Any]:
    """The columns of `event` besides its key and time."""
    match event:
        case Review():
            return {
                "kind": "review",
                "action": event.action,
                "github_id": event.github_id,
                "actor_login": event.author,
                "state": event.state.value,
            }
        case ReviewComment():
            return {
                "kind": "review_comment",
                "action": event.action,
                "github_id": event.github_id,
                "actor_login": event.author,
            }
        case ReviewThread():
            return {"kind": "review_thread", "action": event.action, "actor_login": event.author}
        case Push():
            return {
                "kind": "push",
                "head_sha": event.head_sha,
                "base_sha": event.base_sha,
                "changed_lines": event.changed_lines,
                "base_lines": event.base_lines,
            }
        case Opened():
            return {"kind": "opened"}
        case Closed():
            return {"kind": "closed", "merged": event.merged}


class EventRow(Protocol):
    """A review_events row: the model, or a plain row of its columns (cheaper to read by the thousand)."""

    @property
    def id(self) -> int: ...
    @property
    def idempotency_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def action(self) -> str | None: ...
    @property
    def github_id(self) -> int | None: ...
    @property
    def actor_login(self) -> str | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def head_sha(self) -> str | None: ...
    @property
    def base_sha(self) -> str | None: ...
    @property
    def changed_lines(self) -> int | None: ...
    @property
    def base_lines(self) -> int | None: ...
    @property
    def merged(self) -> bool | None: ...
    @property
    def occurred_at(self) -> datetime: ...


def event_of(row: EventRow) -> Event:
    """The core's event for a row `record_review_event` wrote (so the nullable columns of its kind are
    filled)."""
    key, at = row.idempotency_key, row.occurred_at
    match row.kind:
        case "review":
            return Review(
                key=key,
                github_id=_given(row.github_id),
                at=at,
                author=_given(row.actor_login),
                state=ReviewState(_given(row.state)),
                action=_given(row.action),
            )
        case "review_comment":
            return ReviewComment(
                key=key,
                github_id=_given(row.github_id),
                at=at,
                author=_given(row.actor_login),
                action=_given(row.action),
            )
        case "review_thread":
            return ReviewThread(key=key, at=at, author=_given(row.actor_login), action=_given(row.action))
        case "push":
            return Push(
                key=key,
                at=at,
                head_sha=_given(row.head_sha),
                base_sha=_given(row.base_sha),
                # not measured yet: no review came before it, so it is no rework
                changed_lines=row.changed_lines or 0,
                base_lines=row.base_lines or 0,
            )
        case "opened":
            return Opened(key=key, at=at)
        case "closed":
            return Closed(key=key, at=at, merged=bool(row.merged))
    raise ValueError(f"review event {row.id} has kind {row.kind!r}, which this version does not know")


def _given(value: T | None) -> T:
    """A column its kind always fills."""
    if value is None:
        raise ValueError("a review event's column for its kind is NULL")
    return value
