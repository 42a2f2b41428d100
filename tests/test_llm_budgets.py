"""Budgets: the scopes a call is charged against (pure), and the Redis scripts that reserve and settle
across all of them at once, on a real Redis, with real provider calls to the fake provider."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.inference.breaker import CircuitBreaker
from bot.inference.budget import AlreadyHeld, BudgetStore, BudgetUnavailable, Reserved, Settlement
from bot.inference.call import CallPlan, CallRecord, CallStatus, budgeted_call
from bot.inference.providers import Prompt, Provider, ProviderSettings, Wire, build_provider
from bot.llm.budgets import (
    Attribution,
    BudgetExhausted,
    BudgetLimits,
    BudgetScope,
    ScopeKind,
    budget_scopes,
    format_usd,
    input_bound,
    narrowed,
    repository_models,
)
from bot.llm.prices import ModelRates, model_rates, worst_case_nano_usd
from tests.fakellm import CHAT, FakeLLM, Reply

NOW = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
WHO = Attribution(installation=4242, repo="octo-org/hello-world", pr=17, stage="review", team="platform")
SCHEMA = json.loads((Path(__file__).parent.parent / "bot" / "llm" / "review_schema.json").read_text())
PROMPT = Prompt("Review the diff.", "### a.py (modified, +1 -0)\n+1: x = 1", SCHEMA, 400, WHO.metadata())
# What the fake answers: a prompt this small costs far less than its worst case.
USAGE = {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}
MODEL = "gpt-4o-mini"  # $0.15 in, $0.60 out: 120 x 150 + 40 x 600 = 42,000 nano-USD a call


def _rates() -> ModelRates:
    rates = model_rates(MODEL, at=NOW)
    assert isinstance(rates, ModelRates)
    return rates


WORST = worst_case_nano_usd(input_bound(PROMPT.system, PROMPT.user, SCHEMA), 400, _rates())
ACTUAL = 42_000


def test_a_call_is_charged_to_every_scope_with_a_limit() -> None:
    """One scope per limit set, each named with its period; unlimited scopes are not counted."""
    limits = BudgetLimits(
        per_pr=1, repo_month=2, team_month=3, installation_month=4, stage_month=5, global_day=6
    )
    scopes = budget_scopes(WHO, limits, NOW)
    assert [(s.kind, s.name, s.period, s.limit) for s in scopes] == [
        (ScopeKind.PR, "octo-org/hello-world#17", "all", 1),
        (ScopeKind.REPO, "octo-org/hello-world", "2026-12", 2),
        (ScopeKind.TEAM, "platform", "2026-12", 3),
        (ScopeKind.INSTALLATION, "4242", "2026-12", 4),
        (ScopeKind.STAGE, "review", "2026-12", 5),
        (ScopeKind.GLOBAL, "all", "2026-12-03", 6),
    ]
    assert scopes[1].key == "scopegate:llm:budget:repo:2026-12:octo-org/hello-world"
    assert scopes[1].resets == datetime(2027, 1, 1, tzinfo=UTC)
    assert scopes[5].resets == datetime(2026, 12, 4, tzinfo=UTC)
    assert [s.kind for s in budget_scopes(WHO, BudgetLimits(repo_month=9), NOW)] == [ScopeKind.REPO]
    no_team = Attribution(4242, "octo-org/hello-world", 17, "review")
    assert budget_scopes(no_team, BudgetLimits(team_month=9), NOW) == ()


def test_a_rules_file_can_tighten_the_apps_budgets_never_loosen_them() -> None:
    """A repository's own per-PR and monthly limits apply where lower than the App's; unset, the App's."""
    app = BudgetLimits(per_pr=500, repo_month=9_000, global_day=20_000)
    assert narrowed(app, per_pr=100, repo_month=None) == BudgetLimits(
        per_pr=100, repo_month=9_000, global_day=20_000
    )
    assert narrowed(app, per_pr=900, repo_month=10**12) == app
    assert narrowed(BudgetLimits(), per_pr=7, repo_month=None) == BudgetLimits(per_pr=7)


MODEL_CHOICES = {
    "unset: the App's model and its cheaper ones": (None, ("gpt-5", ("gpt-5-mini", "gpt-5-nano"))),
    "the App's own model": ("gpt-5", ("gpt-5", ("gpt-5-mini", "gpt-5-nano"))),
    "a cheaper one degrades to those after it": ("gpt-5-mini", ("gpt-5-mini", ("gpt-5-nano",))),
    "the cheapest degrades to none": ("gpt-5-nano", ("gpt-5-nano", ())),
    "one the App does not offer": (
        "claude-opus-4-1",
        "the rules file asks for claude-opus-4-1, which this App does not offer "
        "(it offers gpt-5, gpt-5-mini, gpt-5-nano): no call",
    ),
}


@pytest.mark.parametrize(("asked", "chosen"), list(MODEL_CHOICES.values()), ids=list(MODEL_CHOICES))
def test_a_rules_file_chooses_among_the_apps_models(asked: str | None, chosen: object) -> None:
    """A repository may pick the App's model or one of its cheaper ones, never another: the operator's key
    pays, and a dearer model than the operator chose would spend the budgets faster."""
    assert repository_models(asked, "gpt-5", ("gpt-5-mini", "gpt-5-nano")) == chosen


def test_a_counter_lives_past_its_period_by_a_day() -> None:
    """A monthly counter expires a day after the month; a pull request's, 90 days after it is seeded."""
    repo, pr = budget_scopes(WHO, BudgetLimits(repo_month=1, per_pr=1), NOW)[::-1]
    assert repo.ttl_s(NOW) == int((datetime(2027, 1, 2, tzinfo=UTC) - NOW).total_seconds())
    assert pr.ttl_s(NOW) == 90 * 24 * 3600


def test_an_exhausted_budget_says_spent_limit_and_reset() -> None:
    """The refusal names the budget, what is spent of what limit, the call's worst case and the reset."""
    (scope,) = budget_scopes(WHO, BudgetLimits(repo_month=5_000_000_000), NOW)
    message = BudgetExhausted(scope, 4_990_000_000, 12_500_000).message
    assert message == (
        "the repo budget (octo-org/hello-world, 2026-12) has $4.99 of $5.00 spent, and the call could "
        "cost up to $0.0125; it resets 2027-01-01 00:00 UTC"
    )
    assert (format_usd(42_000), format_usd(0), format_usd(1_234_560_000_000)) == (
        "$0.000042",
        "$0",
        "$1,234.56",
    )


@pytest.fixture
async def provider(fake_llm: FakeLLM) -> AsyncIterator[Provider]:
    """A Chat Completions provider pointed at the fake, timing out after 0.5 s."""
    client = build_provider(ProviderSettings(Wire.OPENAI_CHAT, "sk-test", fake_llm.openai_url, timeout_s=0.5))
    yield client
    await client.close()


class Ledger:
    """The ledger as a seed: what it holds per scope key, and which keys it was asked about."""

    def __init__(self, spent: dict[str, int] | None = None) -> None:
        self.spent = spent or {}
        self.asked: list[str] = []

    async def __call__(self, scope: BudgetScope) -> int:
        self.asked.append(scope.key)
        return self.spent.get(scope.key, 0)


def _plan(call_id: str, scopes: tuple[BudgetScope, ...]) -> CallPlan:
    return CallPlan(call_id, MODEL, _rates(), PROMPT, scopes)


async def test_concurrent_reviews_under_a_budget_admit_exactly_k(
    redis: Redis, fake_llm: FakeLLM, provider: Provider
) -> None:
    """Eight reviews at once under a repository budget that takes three worst cases and a half: exactly
    three calls reach the provider, the other five are refused with the budget named, and what is spent
    once they settle is their actual cost, within the budget."""
    limit = 3 * WORST + WORST // 2
    store = BudgetStore(redis, Ledger())
    fake_llm.script(*[Reply(usage=USAGE)] * 8)
    fake_llm.release.clear()  # hold every answer until all eight have reserved or been refused
    tasks = []
    for pr in range(8):
        who = Attribution(4242, "octo-org/hello-world", 100 + pr, "review")
        scopes = budget_scopes(who, BudgetLimits(per_pr=WORST * 10, repo_month=limit), NOW)
        tasks.append(
            asyncio.create_task(
                budgeted_call(_plan(f"pr{pr}:1", scopes), provider, store, CircuitBreaker(redis), NOW)
            )
        )
    deadline = time.monotonic() + 10
    while len(fake_llm.received) + sum(t.done() for t in tasks) < 8:
        assert time.monotonic() < deadline, "the reviews never all reserved"
        await asyncio.sleep(0.01)
    fake_llm.release.set()
    records: list[CallRecord] = await asyncio.gather(*tasks)
    answered = [r for r in records if r.status is CallStatus.ANSWERED]
    refused = [r for r in records if r.status is CallStatus.SKIPPED]
    assert len(answered) == 3
    assert len(fake_llm.requests_to(CHAT)) == 3
    assert len(refused) == 5
    assert all(r.exhausted is not None and r.exhausted.scope.kind is ScopeKind.REPO for r in refused)
    (repo,) = budget_scopes(WHO, BudgetLimits(repo_month=limit), NOW)
    assert await store.spent(repo) == 3 * ACTUAL <= limit
    assert all(r.charged_nano_usd == ACTUAL for r in answered)


async def test_a_timeout_after_the_request_left_is_charged_once(
    redis: Redis, fake_llm: FakeLLM, provider: Provider
) -> None:
    """The provider receives the request and answers past the client's timeout: the call is charged its
    whole reservation, once. Settling it again, or running the same attempt again (a redelivered job),
    neither calls nor charges; the next attempt is a call of its own, charged what it cost."""
    scopes = budget_scopes(WHO, BudgetLimits(repo_month=WORST * 10), NOW)
    store, breaker = BudgetStore(redis, Ledger()), CircuitBreaker(redis)
    fake_llm.script(Reply(stall_s=3, usage=USAGE), Reply(usage=USAGE))
    first = await budgeted_call(_plan("diff:1", scopes), provider, store, breaker, NOW)
    assert first.status is CallStatus.FAILED
    assert first.charged_nano_usd == WORST
    assert await store.spent(scopes[0]) == WORST
    assert await store.settle("diff:1", scopes, WORST) == Settlement("already")
    again = await budgeted_call(_plan("diff:1", scopes), provider, store, breaker, NOW)
    assert again.status is CallStatus.SKIPPED
    assert await store.spent(scopes[0]) == WORST
    assert len(fake_llm.received) == 1  # the SDK did not retry, the redelivery did not call
    second = await budgeted_call(_plan("diff:2", scopes), provider, store, breaker, NOW)
    assert second.status is CallStatus.ANSWERED
    assert await store.spent(scopes[0]) == WORST + ACTUAL
    assert len(fake_llm.received) == 2


async def test_an_expired_reservation_counts_as_spent(redis: Redis) -> None:
    """A reservation never settled in time (the worker died mid-call) keeps its worst case counted; a
    settle that comes after it expired changes nothing."""
    (scope,) = budget_scopes(WHO, BudgetLimits(repo_month=10_000), NOW)
    store = BudgetStore(redis, Ledger(), reservation_ttl_ms=100)
    assert await store.reserve("lost", [scope], 4_000, NOW) == Reserved("lost", 4_000)
    await asyncio.sleep(0.3)
    assert await store.settle("lost", [scope], 10) == Settlement("expired")
    assert await store.spent(scope) == 4_000
    assert isinstance(await store.reserve("next", [scope], 6_001, NOW), BudgetExhausted)


async def test_a_missing_counter_is_seeded_from_the_ledger(redis: Redis) -> None:
    """A counter Redis does not have (a new period, lost data) is seeded with what the ledger says was
    spent, never 0, with its period's lifetime; one that exists is not asked about again."""
    repo, stage = budget_scopes(WHO, BudgetLimits(repo_month=10_000, stage_month=10_000), NOW)
    ledger = Ledger({repo.key: 9_000})
    store = BudgetStore(redis, ledger)
    refused = await store.reserve("a", [repo, stage], 1_500, NOW)
    assert refused == BudgetExhausted(repo, 9_000, 1_500)
    assert sorted(ledger.asked) == sorted([repo.key, stage.key])
    assert await redis.ttl(repo.key) == repo.ttl_s(NOW)
    assert await store.reserve("b", [repo, stage], 1_000, NOW) == Reserved("b", 1_000)
    assert len(ledger.asked) == 2
    assert (await store.spent(repo), await store.spent(stage)) == (10_000, 1_000)


async def test_a_refused_reservation_holds_nothing_on_any_scope(redis: Redis) -> None:
    """All scopes or none: when one scope cannot take the worst case, no other counter moves."""
    pr, repo = budget_scopes(WHO, BudgetLimits(per_pr=100, repo_month=1_000_000), NOW)
    store = BudgetStore(redis, Ledger())
    assert await store.reserve("a", [pr, repo], 80, NOW) == Reserved("a", 80)
    assert isinstance(await store.reserve("b", [pr, repo], 80, NOW), BudgetExhausted)
    assert (await store.spent(pr), await store.spent(repo)) == (80, 80)
    assert await store.reserve("a", [pr, repo], 80, NOW) == AlreadyHeld("a", "reserved")


async def test_redis_down_means_no_call(fake_llm: FakeLLM, provider: Provider) -> None:
    """With nothing listening where Redis should be, the review is skipped and the provider never asked."""
    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        store = BudgetStore(client, Ledger())
        scopes = budget_scopes(WHO, BudgetLimits(repo_month=WORST * 10), NOW)
        assert isinstance(await store.reserve("x", scopes, 1, NOW), BudgetUnavailable)
        record = await budgeted_call(_plan("x", scopes), provider, store, CircuitBreaker(client), NOW)
    finally:
        await client.aclose()
    assert record.status is CallStatus.SKIPPED
    assert "Redis" in record.reason
    assert fake_llm.received == []
