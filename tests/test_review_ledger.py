"""The review history in the ledger on SQLite and PostgreSQL: one row per idempotency key, read back into
the inputs of bot/core/rounds.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    PullRequestHistory,
    Push,
    Review,
    ReviewComment,
    ReviewFigures,
    ReviewState,
    measure_review,
)
from bot.ledger.models import PullRequest, ReviewEvent
from bot.ledger.reviews import (
    ReviewEventRecord,
    closed_key,
    opened_key,
    pull_request_history,
    push_key,
    record_review_event,
    record_review_events,
    review_comment_key,
    review_key,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
REPO_ID = 1296269
REPO = "octo/hello-world"
NUMBER = 7
AUTHOR = "octocat"
BASE = "b" * 40
NEW_BASE = "n" * 40


def at(hours: float) -> datetime:
    """`hours` after the pull request was opened."""
    return T0 + timedelta(hours=hours)


# Opened → a bot's review → changes requested with an inline comment → the author answers on the thread →
# a rebase onto a newer base (120 lines, all the base's) → a push of 30 lines of the author's own on top of
# another rebase (150 lines, 120 the base's) → approved → merged.
HISTORY: tuple[Event, ...] = (
    Opened(key=opened_key(NUMBER), at=at(0)),
    Review(
        key=review_key(70, "submitted"),
        github_id=70,
        at=at(0.1),
        author="scopegate[bot]",
        state=ReviewState.COMMENTED,
    ),
    Review(
        key=review_key(80, "submitted"),
        github_id=80,
        at=at(1),
        author="maria",
        state=ReviewState.CHANGES_REQUESTED,
    ),
    ReviewComment(key=review_comment_key(2941, "created"), github_id=2941, at=at(1), author="maria"),
    ReviewComment(key=review_comment_key(2950, "created"), github_id=2950, at=at(1.5), author=AUTHOR),
    Push(
        key=push_key(NUMBER, "c" * 40),
        at=at(2),
        head_sha="c" * 40,
        base_sha=NEW_BASE,
        changed_lines=120,
        base_lines=120,
    ),
    Push(
        key=push_key(NUMBER, "d" * 40),
        at=at(2.5),
        head_sha="d" * 40,
        base_sha="m" * 40,
        changed_lines=150,
        base_lines=120,
    ),
    Review(
        key=review_key(81, "submitted"), github_id=81, at=at(3), author="maria", state=ReviewState.APPROVED
    ),
    Closed(key=closed_key(NUMBER, at(4)), at=at(4), merged=True),
)
EXPECTED = ReviewFigures(
    rounds=1,
    rework_lines=30,
    time_to_first_review=timedelta(hours=1),
    time_to_approval=timedelta(hours=3),
    time_to_merge=timedelta(hours=4),
)


def record(
    sessions: sessionmaker[Session], event: Event, *, number: int = NUMBER, delivery: str | None = None
) -> bool:
    """Record `event` of pull request `number` in a transaction of its own, as a worker would."""
    with sessions.begin() as session:
        return record_review_event(
            session,
            ReviewEventRecord(
                repository_id=REPO_ID,
                repo_full_name=REPO,
                pr_number=number,
                event=event,
                pr_author=AUTHOR,
                delivery_id=delivery,
            ),
        )


def rows(sessions: sessionmaker[Session]) -> int:
    """Rows in review_events."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ReviewEvent)) or 0


@pytest.mark.parametrize("event", HISTORY, ids=[type(e).__name__ + ":" + e.key for e in HISTORY])
def test_same_event_twice_keeps_one_row(sessions: sessionmaker[Session], event: Event) -> None:
    """A redelivered event (another delivery id, the same key) adds no row and leaves the first as it was."""
    assert record(sessions, event, delivery="d-1")
    assert not record(sessions, event, delivery="d-2")
    assert rows(sessions) == 1
    with sessions() as session:
        assert session.scalars(select(ReviewEvent.delivery_id)).all() == ["d-1"]


def test_same_key_on_another_pull_request_is_another_event(sessions: sessionmaker[Session]) -> None:
    """Keys are unique within a pull request: `push:<number>:<sha>` of two repositories' PRs both stay."""
    push = HISTORY[5]
    assert record(sessions, push)
    assert record(sessions, push, number=NUMBER + 1)
    assert rows(sessions) == 2
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PullRequest)) == 2


def test_history_reads_back_as_recorded(sessions: sessionmaker[Session]) -> None:
    """Every kind of event comes back as the core's event it was recorded from, in GitHub's order, with
    the PR's author; bot logins are the caller's."""
    for event in reversed(HISTORY):
        record(sessions, event)
    with sessions() as session:
        history = pull_request_history(session, REPO_ID, NUMBER, bots=frozenset({"ci-user"}))
    assert history == PullRequestHistory(author=AUTHOR, events=HISTORY, bots=frozenset({"ci-user"}))


def test_redelivered_and_swapped_events_give_the_expected_figures(sessions: sessionmaker[Session]) -> None:
    """Recorded with one delivery repeated and two swapped, the history read back gives one round, the
    author's 30 lines of rework (the rebases' 240 base lines left out) and the times from opening."""
    deliveries = [*HISTORY[:5], HISTORY[6], HISTORY[5], HISTORY[6], *HISTORY[7:]]
    for number, event in enumerate(deliveries):
        record(sessions, event, delivery=f"d-{number}")
    assert rows(sessions) == len(HISTORY)
    with sessions() as session:
        history = pull_request_history(session, REPO_ID, NUMBER)
    assert history is not None
    assert measure_review(history) == EXPECTED


def test_unknown_pull_request_has_no_history(sessions: sessionmaker[Session]) -> None:
    """A pull request the ledger has no row for reads back as None, not as an empty history."""
    record(sessions, HISTORY[0])
    with sessions() as session:
        assert pull_request_history(session, REPO_ID, NUMBER + 1) is None
        assert pull_request_history(session, REPO_ID + 1, NUMBER) is None


def test_a_batch_of_every_kind_is_one_write_and_converges(sessions: sessionmaker[Session]) -> None:
    """A timeline's events recorded at once (every kind in one INSERT) read back as recorded one by one;
    the same batch again adds nothing."""
    batch = [ReviewEventRecord(REPO_ID, REPO, NUMBER, event, pr_author=AUTHOR) for event in HISTORY]
    with sessions.begin() as session:
        assert record_review_events(session, batch) == len(HISTORY)
    with sessions.begin() as session:
        assert record_review_events(session, batch) == 0
        assert record_review_events(session, []) == 0
    with sessions() as session:
        history = pull_request_history(session, REPO_ID, NUMBER)
    assert history == PullRequestHistory(author=AUTHOR, events=HISTORY)
