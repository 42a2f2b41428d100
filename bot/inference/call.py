"""One budgeted review call: ask the circuit breaker → reserve the worst case → call the provider →
settle to what it cost (DESIGN §8, issue 13). Every way it can end is a `CallRecord`, the ledger's row
to be; a skipped call leaves the deterministic verdict to stand alone.

What a call is charged: an answer with readable usage, its price; an answer whose usage cannot be read,
or no answer after the request left (a timeout, a lost connection), the whole reservation, since the
provider may have billed it; an error status, nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.inference.breaker import CircuitBreaker
from bot.inference.budget import AlreadyHeld, BudgetStore, BudgetUnavailable, Reserved
from bot.inference.providers import Answer, Prompt, Provider, ProviderFailure
from bot.llm.budgets import BudgetExhausted, BudgetScope, input_bound
from bot.llm.prices import Cost, ModelRates, cost, worst_case_nano_usd
from bot.llm.usage import TokenBuckets


class CallStatus(StrEnum):
    """How a call ended."""

    ANSWERED = "answered"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CallPlan:
    """A call to make: `call_id` names it for the budget (the diff's hash, model, stage and attempt), so
    a redelivered job finds its reservation instead of taking another."""

    call_id: str
    model: str
    rates: ModelRates
    prompt: Prompt
    scopes: tuple[BudgetScope, ...]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What happened, for the ledger and the review check: `reason` says why when not answered."""

    call_id: str
    model: str
    status: CallStatus
    reason: str
    reserved_nano_usd: int
    charged_nano_usd: int
    cost: Cost | None = None
    answer: Answer | None = None
    failure: ProviderFailure | None = None
    exhausted: BudgetExhausted | None = None
    rates_hash: str = ""  # the rates it was reserved and priced at (bot/llm/prices.py)


async def budgeted_call(
    plan: CallPlan, provider: Provider, budget: BudgetStore, breaker: CircuitBreaker, now: datetime
) -> CallRecord:
    """Make the call `plan` describes if the provider's circuit is closed and every budget can take its
    worst case, and charge it once."""
    now_ms = int(now.timestamp() * 1000)
    gate = await breaker.gate(provider.endpoint, now_ms)
    if not gate.allows:
        return CallRecord(
            plan.call_id, plan.model, CallStatus.SKIPPED, gate.reason, 0, 0, rates_hash=plan.rates.rates_hash
        )
    prompt = plan.prompt
    worst = worst_case_nano_usd(
        input_bound(prompt.system, prompt.user, prompt.schema), prompt.max_output_tokens, plan.rates
    )
    held = await budget.reserve(plan.call_id, plan.scopes, worst, now)
    if not isinstance(held, Reserved):
        return _skipped(plan, held)
    result = await provider.complete(plan.model, prompt)
    if isinstance(result, ProviderFailure):
        charged = worst if result.kind.maybe_billed else 0
        await budget.settle(plan.call_id, plan.scopes, charged)
        await breaker.failed(provider.endpoint, now_ms + int(result.latency_s * 1000))
        reason = f"{result.kind.value}: {result.message}"
        return CallRecord(
            plan.call_id,
            plan.model,
            CallStatus.FAILED,
            reason,
            worst,
            charged,
            failure=result,
            rates_hash=plan.rates.rates_hash,
        )
    await breaker.succeeded(provider.endpoint)
    priced = cost(result.tokens, plan.rates) if isinstance(result.tokens, TokenBuckets) else None
    charged = priced.total_nano_usd if priced is not None else worst
    await budget.settle(plan.call_id, plan.scopes, charged)
    reason = "" if priced is not None else f"usage unreadable ({result.tokens}): charged the reservation"
    return CallRecord(
        plan.call_id,
        plan.model,
        CallStatus.ANSWERED,
        reason,
        worst,
        charged,
        cost=priced,
        answer=result,
        rates_hash=plan.rates.rates_hash,
    )


def _skipped(plan: CallPlan, held: AlreadyHeld | BudgetExhausted | BudgetUnavailable) -> CallRecord:
    if isinstance(held, BudgetExhausted):
        reason, exhausted = held.message, held
    elif isinstance(held, AlreadyHeld):
        reason, exhausted = f"this call was made before (its reservation is {held.state})", None
    else:
        reason, exhausted = f"the budget cannot be checked ({held.reason}): no call", None
    return CallRecord(
        plan.call_id,
        plan.model,
        CallStatus.SKIPPED,
        reason,
        0,
        0,
        exhausted=exhausted,
        rates_hash=plan.rates.rates_hash,
    )
