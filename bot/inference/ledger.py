"""The LLM review's records in the cost ledger: a call as a ledger row, the ledger as the seed of the
budget counters, both run in a thread (the ledger's driver is synchronous)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.inference.budget import Seed
from bot.inference.call import CallRecord
from bot.ledger.llm_calls import LlmCallRecord, charged_in, record_llm_call
from bot.llm.budgets import Attribution, BudgetScope
from bot.llm.usage import TokenBuckets


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
