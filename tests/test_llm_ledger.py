"""The LLM cost ledger on SQLite and PostgreSQL: revision 0006, one row per call id, what each budget
scope was charged in its period, and that row as the seed of a Redis counter that went missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alembic import command
from redis.asyncio import Redis
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.inference.breaker import CircuitBreaker
from bot.inference.budget import BudgetStore, Reserved
from bot.inference.call import CallStatus, budgeted_call
from bot.inference.ledger import call_row, ledger_seed, record_call
from bot.inference.providers import ProviderSettings, Wire, build_provider
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.llm_calls import LlmCallRecord, charged_in, record_llm_call
from bot.ledger.migrate import alembic_config, schema_drift, upgrade
from bot.ledger.models import LlmCall
from bot.llm.budgets import BudgetExhausted, BudgetLimits, budget_scopes
from tests.fakellm import FakeLLM, Reply
from tests.test_llm_budgets import ACTUAL, NOW, USAGE, WHO, _plan, _rates

DEC = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ALL = BudgetLimits(per_pr=1, repo_month=1, team_month=1, installation_month=1, stage_month=1, global_day=1)


def _row(call_id: str, at: datetime, charged: int, **fields: object) -> LlmCallRecord:
    base = LlmCallRecord(
        call_id=call_id,
        recorded_at=at,
        repo_full_name="octo-org/hello-world",
        stage="review",
        provider="openai-chat",
        model="gpt-4o-mini",
        status="answered",
        reason="",
        installation_id=4242,
        pr_number=17,
        team="platform",
        charged_nano_usd=charged,
        reserved_nano_usd=charged,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_0006_creates_llm_calls_and_drops_them_again(engine: Engine) -> None:
    """Head matches the models; downgrading to 0005 drops the table, upgrading brings it back."""
    assert schema_drift(engine) == []
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
    assert "llm_calls" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert schema_drift(engine) == []


def test_a_call_is_written_once_and_a_skip_gives_way_to_the_call(sessions: sessionmaker[Session]) -> None:
    """A redelivered record of the same call id changes nothing; a skipped review's row is replaced by
    the call later made under that id."""
    with sessions.begin() as session:
        assert record_llm_call(session, _row("a:1", DEC, 42_000))
        assert not record_llm_call(session, _row("a:1", DEC, 99_999, reason="redelivered"))
        assert record_llm_call(session, _row("b:1", DEC, 0, status="skipped", reason="circuit open"))
        assert record_llm_call(session, _row("b:1", DEC, 7_000))
        assert not record_llm_call(session, _row("b:1", DEC, 8_000))
    with sessions() as session:
        rows = {r.call_id: (r.status, r.charged_nano_usd, r.reason) for r in session.scalars(select(LlmCall))}
    assert rows == {"a:1": ("answered", 42_000, ""), "b:1": ("answered", 7_000, "")}


def test_each_scope_sums_what_it_was_charged_in_its_period(sessions: sessionmaker[Session]) -> None:
    """December's scopes count December's rows of what they cover; a pull request's counts every row."""
    with sessions.begin() as session:
        record_llm_call(session, _row("nov", NOV, 1_000))
        record_llm_call(session, _row("dec", DEC, 20_000))
        record_llm_call(session, _row("other-pr", DEC, 300, pr_number=18, team=None))
        record_llm_call(session, _row("other-repo", DEC, 4, repo_full_name="octo-org/x", installation_id=7))
        record_llm_call(session, _row("stage", DEC, 50_000, stage="triage", pr_number=19))
    with sessions() as session:
        charged = {s.kind.value: charged_in(session, s) for s in budget_scopes(WHO, ALL, DEC)}
    assert charged == {
        "pr": 21_000,
        "repo": 70_300,
        "team": 70_004,
        "installation": 70_300,
        "stage": 20_304,
        "global": 70_304,
    }


async def test_a_call_lands_in_the_ledger_which_seeds_a_lost_counter(
    redis: Redis, fake_llm: FakeLLM, sqlite_url: str
) -> None:
    """A call through the SDK is recorded with its buckets, rates and usage; when Redis then loses the
    counter, the next reservation is seeded from the ledger and so refused where the budget is spent."""
    upgrade(sqlite_url)
    engine = create_engine_for(sqlite_url)
    sessions = session_factory(engine)
    provider = build_provider(ProviderSettings(Wire.OPENAI_CHAT, "sk-test", fake_llm.openai_url))
    store = BudgetStore(redis, ledger_seed(sessions))
    (repo,) = scopes = budget_scopes(WHO, BudgetLimits(repo_month=ACTUAL + ACTUAL // 2 + 10**6), NOW)
    fake_llm.script(Reply(usage=USAGE))
    try:
        record = await budgeted_call(_plan("c:1", scopes), provider, store, CircuitBreaker(redis), NOW)
        assert record.status is CallStatus.ANSWERED
        await record_call(sessions, call_row(record, WHO, provider.wire.value, at=NOW, head_sha="b" * 40))
        with sessions() as session:
            row = session.scalars(select(LlmCall)).one()
        assert (row.uncached_input_tokens, row.output_tokens) == (120, 40)
        assert (row.uncached_input_nano_usd, row.output_nano_usd, row.charged_nano_usd) == (
            18_000,
            24_000,
            ACTUAL,
        )
        assert row.rates == {
            "uncached_input": "0.15",
            "cache_read": "0.075",
            "cache_write": "0.15",
            "cache_write_1h": "0.15",
            "output": "0.6",
            "reasoning": "0.6",
        }
        assert row.rates_hash == _rates().rates_hash  # the rates with the table's hash in their source
        assert row.usage == USAGE
        assert row.tags["team"] == "platform"
        await redis.delete(repo.key)  # Redis lost its data
        seeded = await store.reserve("c:2", scopes, repo.limit - ACTUAL + 1, NOW)
        assert seeded == BudgetExhausted(repo, ACTUAL, repo.limit - ACTUAL + 1)
        assert await store.reserve("c:3", scopes, repo.limit - ACTUAL, NOW) == Reserved(
            "c:3", repo.limit - ACTUAL
        )
    finally:
        await provider.close()
        engine.dispose()
