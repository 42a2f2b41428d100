"""The circuit breaker on a real Redis: repeated failures within a window open it, no call is made while
it is open, one probe goes after the cool-down, and every worker sees the same state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from bot.inference.breaker import BreakerPolicy, BreakerState, CircuitBreaker, Gate
from bot.inference.budget import BudgetStore
from bot.inference.call import CallPlan, CallStatus, budgeted_call
from bot.inference.providers import Prompt, ProviderSettings, Wire, build_provider
from bot.llm.budgets import BudgetLimits, BudgetScope, budget_scopes
from bot.llm.prices import ModelRates, model_rates
from tests.fakellm import FakeLLM, Reply
from tests.test_llm_budgets import WHO

T0 = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)  # ms since the epoch
POLICY = BreakerPolicy(failures=3, window_s=60, cooldown_s=300, probe_s=30)
ENDPOINT = "openai-chat@http://127.0.0.1:9/v1"


async def test_failures_within_the_window_open_it_until_the_cool_down(redis: Redis) -> None:
    """Three failures within a minute open the breaker for the cool-down; it says until when."""
    breaker = CircuitBreaker(redis, POLICY)
    assert (await breaker.failed(ENDPOINT, T0)).state is BreakerState.CLOSED
    assert (await breaker.failed(ENDPOINT, T0 + 10_000)).state is BreakerState.CLOSED
    opened = await breaker.failed(ENDPOINT, T0 + 20_000)
    assert opened == Gate(BreakerState.OPEN, T0 + 20_000 + 300_000)
    gate = await breaker.gate(ENDPOINT, T0 + 319_999)
    assert not gate.allows
    assert gate.reason == "the provider failed repeatedly; calls resume after 2026-12-01 00:05:20 UTC"
    assert (await breaker.gate("anthropic-messages@default", T0 + 30_000)).state is BreakerState.CLOSED


async def test_failures_further_apart_than_the_window_do_not_open_it(redis: Redis) -> None:
    """A failure a minute: the window never holds three, the breaker stays closed."""
    breaker = CircuitBreaker(redis, POLICY)
    for minute in range(6):
        assert (await breaker.failed(ENDPOINT, T0 + minute * 61_000)).state is BreakerState.CLOSED
    assert (await breaker.gate(ENDPOINT, T0 + 6 * 61_000)).allows


async def test_after_the_cool_down_one_probe_decides(redis: Redis) -> None:
    """Half-open: one call at a time is let through; its failure opens the breaker for another
    cool-down at once, its success closes it and forgets the failures."""
    breaker = CircuitBreaker(redis, POLICY)
    for second in range(3):
        await breaker.failed(ENDPOINT, T0 + second * 1000)
    after = T0 + 2000 + 300_000
    assert (await breaker.gate(ENDPOINT, after)).state is BreakerState.PROBE
    assert (await breaker.gate(ENDPOINT, after + 1)).state is BreakerState.OPEN  # one probe at a time
    assert await breaker.failed(ENDPOINT, after + 5000) == Gate(BreakerState.OPEN, after + 5000 + 300_000)
    later = after + 5000 + 300_000
    assert (await breaker.gate(ENDPOINT, later)).state is BreakerState.PROBE
    await breaker.succeeded(ENDPOINT)
    assert (await breaker.gate(ENDPOINT, later + 1)).state is BreakerState.CLOSED
    assert (await breaker.failed(ENDPOINT, later + 2)).state is BreakerState.CLOSED  # counting anew


async def test_every_worker_sees_the_same_breaker(redis: Redis, clean_redis_url: str) -> None:
    """The state is in Redis: failures recorded through one client open the breaker for another."""
    other = Redis.from_url(clean_redis_url)
    try:
        for second in range(3):
            await CircuitBreaker(redis, POLICY).failed(ENDPOINT, T0 + second)
        assert (await CircuitBreaker(other, POLICY).gate(ENDPOINT, T0 + 10)).state is BreakerState.OPEN
    finally:
        await other.aclose()


async def test_redis_down_lets_no_call_through() -> None:
    """A breaker that cannot be read allows nothing."""
    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        gate = await CircuitBreaker(client, POLICY).gate(ENDPOINT, T0)
    finally:
        await client.aclose()
    assert gate.state is BreakerState.UNAVAILABLE
    assert not gate.allows


def _plan(call_id: str, scopes: tuple[BudgetScope, ...]) -> CallPlan:
    rates = model_rates("gpt-4o-mini", at=datetime(2026, 12, 1, tzinfo=UTC))
    assert isinstance(rates, ModelRates)
    schema = json.loads((Path(__file__).parent.parent / "bot" / "llm" / "review_schema.json").read_text())
    prompt = Prompt("Review the diff.", "+1: x = 1", schema, 200, WHO.metadata())
    return CallPlan(call_id, "gpt-4o-mini", rates, prompt, scopes)


async def test_a_throttled_provider_is_not_called_until_the_cool_down(
    redis: Redis, fake_llm: FakeLLM
) -> None:
    """Three reviews meet a 429 each: the fourth is skipped without a request and without a reservation;
    after the cool-down one review goes through, and its answer closes the breaker."""
    now = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    scopes = budget_scopes(WHO, BudgetLimits(repo_month=10**9), now)
    store, breaker = BudgetStore(redis, _no_spend), CircuitBreaker(redis, POLICY)
    provider = build_provider(ProviderSettings(Wire.OPENAI_CHAT, "sk-test", fake_llm.openai_url))
    fake_llm.script(*[Reply(status=429)] * 3)
    try:
        for attempt in range(3):
            failed = await budgeted_call(_plan(f"d:{attempt}", scopes), provider, store, breaker, now)
            assert failed.status is CallStatus.FAILED
        skipped = await budgeted_call(_plan("d:3", scopes), provider, store, breaker, now)
        assert skipped.status is CallStatus.SKIPPED
        assert skipped.reason.startswith("the provider failed repeatedly; calls resume after")
        assert len(fake_llm.received) == 3
        assert await store.spent(scopes[0]) == 0  # error statuses are not billed; the skip reserved nothing
        later = now + timedelta(seconds=POLICY.cooldown_s + 1)
        probe = await budgeted_call(_plan("d:4", scopes), provider, store, breaker, later)
        assert probe.status is CallStatus.ANSWERED
        assert (
            await breaker.gate(provider.endpoint, int(later.timestamp() * 1000))
        ).state is BreakerState.CLOSED
    finally:
        await provider.close()


async def _no_spend(scope: BudgetScope) -> int:
    return 0
