"""The LLM review's records in the cost ledger: a call as a ledger row (the App's, or one made outside it
and recorded by `scopegate cost record`), the ledger as the seed of the budget counters; reads and writes
run in a thread (the ledger's driver is synchronous)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.orm import Session, sessionmaker

from bot.inference.budget import Seed, charge_counters
from bot.inference.call import CallRecord
from bot.inference.providers import Wire
from bot.ledger.llm_calls import LlmCallRecord, charged_in, record_llm_call
from bot.llm.budgets import Attribution, BudgetLimits, BudgetScope, outside_scopes
from bot.llm.prices import ModelRates, RateOverride, cost, model_rates
from bot.llm.usage import (
    TokenBuckets,
    UnreadableUsage,
    from_anthropic_messages,
    from_openai_chat,
    from_openai_responses,
)


def call_row(
    record: CallRecord, who: Attribution, provider: str, *, at: datetime, head_sha: str | None = None
) -> LlmCallRecord:
    """`record` as the ledger keeps it, with its attribution and the provider's wire format."""
    answer, priced = record.answer, record.cost
    latency = answer.latency_s if answer else record.failure.latency_s if record.failure else None
    return LlmCallRecord(
        call_id=record.call_id,
        recorded_at=at,
        repo_full_name=who.repo,
        stage=who.stage,
        provider=provider,
        model=record.model,
        status=record.status.value,
        reason=record.reason,
        installation_id=who.installation,
        pr_number=who.pr,
        head_sha=head_sha,
        team=who.team,
        response_model=answer.model if answer else None,
        response_id=answer.response_id if answer else None,
        latency_ms=round(latency * 1000) if latency is not None else None,
        tokens=priced.tokens if priced else TokenBuckets(),
        nano_usd=priced.nano_usd if priced else TokenBuckets(),
        reserved_nano_usd=record.reserved_nano_usd,
        charged_nano_usd=record.charged_nano_usd,
        rates_hash=record.rates_hash or None,
        rates={k: str(v) for k, v in asdict(priced.rates).items()} if priced else None,
        usage=dict(answer.usage) if answer else None,
        tags=who.metadata(),
    )


async def record_call(sessions: sessionmaker[Session], row: LlmCallRecord) -> None:
    """Write `row` to the ledger, once per call id."""

    def write() -> None:
        with sessions.begin() as session:
            record_llm_call(session, row)

    await asyncio.to_thread(write)


def ledger_seed(sessions: sessionmaker[Session]) -> Seed:
    """The budget's seed: what the ledger charged a scope in its period."""

    async def seed(scope: BudgetScope) -> int:
        def read() -> int:
            with sessions() as session:
                return charged_in(session, scope)

        return await asyncio.to_thread(read)

    return seed


_READERS = {
    Wire.OPENAI_RESPONSES: from_openai_responses,
    Wire.OPENAI_CHAT: from_openai_chat,
    Wire.ANTHROPIC_MESSAGES: from_anthropic_messages,
}


@dataclass(frozen=True, slots=True)
class ExternalCall:
    """A call made outside the App (a CI step, a script), to be recorded with the App's tags."""

    call_id: str
    wire: Wire
    model: str
    usage: Mapping[str, object]
    repo: str
    stage: str
    at: datetime
    pr: int | None = None
    team: str | None = None
    installation: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def external_row(
    call: ExternalCall, overrides: Mapping[str, RateOverride] | None = None
) -> LlmCallRecord | str:
    """`call` priced like the App's own (its usage in buckets, the pinned table's rates), or why it cannot
    be: a usage payload that cannot be read, a model without a price (never recorded at $0)."""
    tokens = _READERS[call.wire](call.usage)
    if isinstance(tokens, UnreadableUsage):
        return f"the usage cannot be read: {tokens.reason}"
    rates = model_rates(call.model, at=call.at, overrides=overrides)
    if not isinstance(rates, ModelRates):
        return f"{call.model} has no price: {rates.reason}"
    priced = cost(tokens, rates)
    attribution = {"repo": call.repo, "stage": call.stage}
    attribution |= {"pr": str(call.pr)} if call.pr is not None else {}
    attribution |= {"team": call.team} if call.team else {}
    attribution |= {"installation": str(call.installation)} if call.installation is not None else {}
    return LlmCallRecord(
        call_id=call.call_id,
        recorded_at=call.at,
        repo_full_name=call.repo,
        stage=call.stage,
        provider=call.wire.value,
        model=call.model,
        status="answered",
        reason="recorded from outside the App",
        installation_id=call.installation,
        pr_number=call.pr,
        team=call.team,
        tokens=priced.tokens,
        nano_usd=priced.nano_usd,
        charged_nano_usd=priced.total_nano_usd,
        rates_hash=priced.rates_hash,
        rates={k: str(v) for k, v in asdict(priced.rates).items()},
        usage=dict(call.usage),
        tags={**dict(call.tags), **attribution},
    )


async def charge_outside(redis: Redis, row: LlmCallRecord, limits: BudgetLimits) -> bool:
    """Count a recorded outside call against the budgets it names, so the App's next reservation sees it;
    False when Redis could not be asked."""
    scopes = outside_scopes(
        row.repo_full_name,
        row.stage,
        limits,
        row.recorded_at,
        pr=row.pr_number,
        team=row.team,
        installation=row.installation_id,
    )
    return await charge_counters(redis, scopes, row.charged_nano_usd)
