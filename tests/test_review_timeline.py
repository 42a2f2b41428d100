"""A pull request's review history read back from its GraphQL timeline (bot/gather/timeline.py): the
events keyed as their webhooks, so a second reading, on SQLite or PostgreSQL, adds no row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.core.rounds import Closed, Opened, Push, Review, ReviewComment, ReviewState
from bot.gather.timeline import TimelineEvent, read_timeline, timeline_events
from bot.github.gateway import PullRequestGateway
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.ledger.models import ReviewEvent
from bot.ledger.reviews import ReviewEventRecord, record_review_event
from tests.fakegithub.fixtures import FakeInstallation

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
BASE, C1, C2, C3 = "b" * 40, "1" * 40, "2" * 40, "3" * 40
PULL = {"createdAt": "2026-05-01T09:00:00Z", "state": "MERGED", "baseRefOid": BASE}


def commit(sha: str, parent: str, at: str) -> dict[str, Any]:
    """A `PullRequestCommit` item."""
    parents = {"nodes": [{"oid": parent}]}
    return {
        "__typename": "PullRequestCommit",
        "commit": {"oid": sha, "committedDate": at, "parents": parents},
    }


def review(
    review_id: int, state: str, at: str | None, author: dict[str, str], comments: int = 0
) -> dict[str, Any]:
    """A `PullRequestReview` item with `comments` inline comments numbered after it."""
    nodes = [{"databaseId": review_id + 1 + n, "createdAt": at, "author": author} for n in range(comments)]
    return {
        "__typename": "PullRequestReview",
        "databaseId": review_id,
        "state": state,
        "submittedAt": at,
        "author": author,
        "comments": {"nodes": nodes},
    }


MARIA = {"__typename": "User", "login": "maria"}
RENOVATE = {"__typename": "Bot", "login": "renovate"}


def test_items_become_the_webhooks_events() -> None:
    """The opening's commits are no push; the commits after a review are one push keyed by the last,
    replacing the first one's parent; a force push replaces its before; a pending review is not one;
    a bot's login gets its `[bot]` back; the last closing of a merged pull request is the merge."""
    nodes = [
        commit(C1, BASE, "2026-05-01T09:00:00Z"),
        review(10, "CHANGES_REQUESTED", "2026-05-01T10:00:00Z", MARIA, comments=1),
        review(20, "PENDING", None, MARIA),
        commit(C2, C1, "2026-05-01T11:00:00Z"),
        commit(C3, C2, "2026-05-01T11:30:00Z"),
        review(30, "COMMENTED", "2026-05-01T12:00:00Z", RENOVATE),
        {"__typename": "HeadRefForcePushedEvent", "createdAt": "2026-05-01T13:00:00Z",
         "beforeCommit": {"oid": C3}, "afterCommit": {"oid": "4" * 40}},
        {"__typename": "ClosedEvent", "createdAt": "2026-05-01T14:00:00Z"},
    ]  # fmt: skip
    events = list(timeline_events(7, PULL, nodes))
    summary = [(type(e.event).__name__, e.event.key, e.before_sha) for e in events]
    assert summary == [
        ("Opened", "pull_request:7:opened", None),
        ("Review", "review:10:submitted", None),
        ("ReviewComment", "review_comment:11:created", None),
        ("Push", f"push:7:{C3}", C1),
        ("Review", "review:30:submitted", None),
        ("Push", f"push:7:{'4' * 40}", C3),
        ("Closed", "pull_request:7:closed:2026-05-01T14:00:00+00:00", None),
    ]
    by_kind: dict[type, list[TimelineEvent]] = {}
    for e in events:
        by_kind.setdefault(type(e.event), []).append(e)
    reviews = [e.event for e in by_kind[Review] if isinstance(e.event, Review)]
    assert [(r.author, r.state) for r in reviews] == [
        ("maria", ReviewState.CHANGES_REQUESTED),
        ("renovate[bot]", ReviewState.COMMENTED),
    ]
    [closed] = [e.event for e in by_kind[Closed] if isinstance(e.event, Closed)]
    assert closed.merged
    assert all(isinstance(e.event, Opened | Push | Review | ReviewComment | Closed) for e in events)


async def test_reading_the_timeline_again_adds_nothing(
    fake_installation: FakeInstallation, sql_url: str
) -> None:
    """Read from the fake GitHub over HTTP twice and recorded twice: the second reading adds no row."""
    fake, owner, name = fake_installation.fake, fake_installation.owner, fake_installation.repo
    fake.add_pull(owner, name, 3, base_files={"a.py": b"a = 1\n"}, head_files={"a.py": b"a = 2\n"})
    requested = fake.add_review(owner, name, 3, "maria", state="CHANGES_REQUESTED")
    fake.add_review_comment(owner, name, 3, requested.id, "maria")
    pushed = fake.push(owner, name, 3, fake.new_sha(), head_files={"a.py": b"a = 3\n"}).commits[-1]
    approved = fake.add_review(owner, name, 3, "maria", state="APPROVED")
    fake.close(owner, name, 3, merged=True)
    with fake.lock:  # an hour apart: the fake stamps everything with the clock's second
        requested.submitted_at = T0 + timedelta(hours=1)
        pushed.committer = replace(pushed.committer, date=T0 + timedelta(hours=2))
        approved.submitted_at = T0 + timedelta(hours=3)
    repo_id = fake.repo(owner, name).id  # type: ignore[union-attr]
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    added = []
    try:
        sessions = session_factory(engine)
        for _ in range(2):
            async with fake_installation.client() as gh:
                timeline = await read_timeline(PullRequestGateway(gh, owner, name, 3))
            assert timeline is not None
            with sessions.begin() as session:
                added.append(
                    sum(
                        record_review_event(
                            session,
                            ReviewEventRecord(
                                repo_id, f"{owner}/{name}", 3, e.event, before_sha=e.before_sha
                            ),
                        )
                        for e in timeline.events
                    )
                )
        with sessions() as session:
            rows = session.scalar(select(func.count()).select_from(ReviewEvent))
    finally:
        engine.dispose()
    # opened, changes requested, its comment, the push, approved, merged
    assert added == [6, 0]
    assert rows == 6
    assert not fake.invalid_requests
