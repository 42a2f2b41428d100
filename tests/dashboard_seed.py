"""A ledger for the dashboard tests: two installations of one App, each with its own repository, pull
requests over three weeks (sizes, AI shares, rounds of review ending in an approval) and priced LLM
calls (acme's across two repositories, two teams and none, two stages and two models, one call failed),
plus the App's credentials as the setup page stores them (its OAuth client). Shared by the HTTP and
browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.core.rounds import Opened, Push, Review, ReviewState, opened_key, push_key, review_key
from bot.ledger.credentials import save_app_credentials
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.evaluations import EvaluationRecord, record_evaluation
from bot.ledger.llm_calls import LlmCallRecord, record_llm_call
from bot.ledger.migrate import upgrade
from bot.ledger.reviews import ReviewEventRecord, record_review_event
from bot.llm.usage import TokenBuckets
from tests.fakegithub.models import App

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class Call:
    """One priced LLM call: what it was charged (nano-USD) and its tags."""

    nano_usd: int
    team: str | None = None
    stage: str = "review"
    model: str = "gpt-5-mini"
    status: str = "answered"


@dataclass(frozen=True)
class Pull:
    """One seeded pull request: opened `day` days after T0, its size, AI share, rounds of review (each
    with `rework` lines pushed), and the LLM calls made on it."""

    number: int
    day: int
    lines: int
    share: float
    rounds: int
    rework: int
    calls: tuple[Call, ...] = ()


@dataclass(frozen=True)
class Seeded:
    """One installation's account, repository and pull requests, and LLM calls on a repository of its
    own outside any pull request (a CI step's, recorded with the installation)."""

    account: str
    repo: str
    repo_id: int
    pulls: tuple[Pull, ...]
    outside: tuple[tuple[str, Call], ...] = ()


ACME = Seeded(
    "acme",
    "acme/web",
    7001,
    (
        Pull(1, 0, 40, 0.0, 0, 0, (Call(1_250_000, "frontend"),)),
        Pull(2, 1, 60, 0.0, 1, 10),
        Pull(3, 2, 80, 0.8, 1, 30, (Call(2_000_000, "frontend"), Call(500_000))),
        Pull(4, 8, 90, 0.9, 2, 20, (Call(4_750_000, "platform", model="gpt-5"),)),
        Pull(5, 9, 700, 0.0, 2, 50),
        Pull(6, 16, 750, 0.7, 3, 60, (Call(12_000_000, "platform"),)),
    ),
    (
        ("acme/api", Call(3_000_000, stage="ci", model="gpt-5")),
        ("acme/api", Call(250_000, "platform", stage="ci", model="gpt-5", status="failed")),
    ),
)
GLOBEX = Seeded(
    "globex",
    "globex/secret-engine",
    7002,
    (
        Pull(11, 3, 2500, 1.0, 7, 400, (Call(987_654_321, "skunkworks", model="gpt-4.1"),)),
        Pull(12, 4, 15, 0.0, 0, 0, (Call(111_111_111, "skunkworks", stage="secret-stage"),)),
    ),
)
# Reviewed by people only: no LLM call, so no cost yet.
INITECH = Seeded("initech", "initech/app", 7003, (Pull(21, 5, 30, 0.0, 1, 5),))


def conversion(app: App) -> dict[str, Any]:
    """What GitHub's manifest conversion returned for `app` (the fake's), as the setup page stores it."""
    return {
        "id": app.id,
        "slug": app.slug,
        "name": app.name,
        "owner": {"login": app.owner},
        "html_url": f"https://github.com/apps/{app.slug}",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "webhook_secret": app.webhook_secret,
        "pem": app.private_key_pem,
    }


def seed_ledger(url: str, app: App | None, installations: dict[int, Seeded]) -> None:
    """Migrate the ledger at `url` and write `installations` (by installation id) and `app`'s credentials."""
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = session_factory(engine)
        if app is not None:
            with sessions.begin() as session:
                save_app_credentials(session, conversion(app), at=T0)
        for installation_id, seeded in installations.items():
            for pull in seeded.pulls:
                _seed_pull(sessions, installation_id, seeded, pull)
            with sessions.begin() as session:
                for index, (repo, call) in enumerate(seeded.outside):
                    at = T0 + timedelta(days=index, hours=6)
                    name = f"{repo}/ci/{index}"
                    _seed_call(session, installation_id, name, call, repo=repo, pr=None, at=at, index=index)
    finally:
        engine.dispose()


def _seed_pull(sessions: sessionmaker[Session], installation_id: int, seeded: Seeded, pull: Pull) -> None:
    opened = T0 + timedelta(days=pull.day)
    with sessions.begin() as session:
        record = EvaluationRecord(
            seeded.repo_id,
            seeded.repo,
            pull.number,
            "a" * 40,
            "success",
            pr_author="ada",
            installation_id=installation_id,
            metrics={"effective_lines": pull.lines, "ai_share": pull.share},
        )
        record_evaluation(session, record, at=opened)
        events: list[Any] = [Opened(opened_key(pull.number), opened)]
        for r in range(pull.rounds):
            moment = opened + timedelta(hours=1 + 2 * r)
            review_id = 100 * pull.number + r
            state = ReviewState.CHANGES_REQUESTED
            events.append(Review(review_key(review_id, "submitted"), review_id, moment, "maria", state))
            sha = f"{pull.number:03d}{r:02d}".ljust(40, "c")
            events.append(
                Push(push_key(pull.number, sha), moment + timedelta(hours=1), sha, "b" * 40, pull.rework)
            )
        approval = 100 * pull.number + pull.rounds
        moment = opened + timedelta(hours=1 + 2 * pull.rounds)
        events.append(
            Review(review_key(approval, "submitted"), approval, moment, "maria", ReviewState.APPROVED)
        )
        for event in events:
            record_review_event(
                session,
                ReviewEventRecord(
                    seeded.repo_id,
                    seeded.repo,
                    pull.number,
                    event,
                    pr_author="ada",
                    installation_id=installation_id,
                ),
            )
        for index, call in enumerate(pull.calls):
            at = opened + timedelta(minutes=5 + index)
            call_id = f"{seeded.repo}#{pull.number}/{index}"
            _seed_call(
                session, installation_id, call_id, call, repo=seeded.repo, pr=pull.number, at=at, index=index
            )


def _seed_call(
    session: Session,
    installation_id: int,
    call_id: str,
    call: Call,
    *,
    repo: str,
    pr: int | None,
    at: datetime,
    index: int,
) -> None:
    """Record `call` on `repo` (and pull request `pr`) at `at`; its tokens grow with its `index`."""
    record = LlmCallRecord(
        call_id=call_id,
        recorded_at=at,
        repo_full_name=repo,
        stage=call.stage,
        provider="openai",
        model=call.model,
        status=call.status,
        reason="" if call.status == "answered" else "timed out",
        installation_id=installation_id,
        pr_number=pr,
        team=call.team,
        tokens=TokenBuckets(uncached_input=1000 * (index + 1), output=100 * (index + 1)),
        charged_nano_usd=call.nano_usd,
    )
    record_llm_call(session, record)
