"""The LLM review of one pull request after its deterministic verdict, end to end but for publishing:
decide → pack → one budgeted call → parse → check against the diff → add to the verdict (issue 13).
While a budget refuses the call's worst case, the review degrades: a smaller context, then cheaper
models, then no call. A diff already reviewed (the same content the model would be shown) reuses the
earlier answer.

The gate's conclusion goes in and comes out unchanged, whatever the model answers: the model is asked
only when the gate passed, and what it says can only add findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.snapshot import PullRequestSnapshot
from bot.core.verdict import Verdict
from bot.inference.breaker import CircuitBreaker
from bot.inference.budget import BudgetStore
from bot.inference.cache import CachedAnswer, ReviewCache
from bot.inference.call import CallPlan, CallRecord, CallStatus, budgeted_call
from bot.inference.providers import Prompt, Provider
from bot.inference.texts import review_schema, system_prompt
from bot.llm.budgets import DEFAULT_LIMITS, Attribution, BudgetLimits, budget_scopes, degraded_attempts
from bot.llm.findings import (
    CheckedReview,
    MalformedReview,
    ParsedReview,
    check_against_diff,
    parse_review,
    with_review,
)
from bot.llm.packing import PackedDiff, pack_diff
from bot.llm.prices import ModelRates, RateOverride, model_rates
from bot.llm.report import ReviewFacts
from bot.llm.request import call_id, diff_hash, user_message
from bot.llm.when import review_decision


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """What the review may spend: the model (and cheaper ones to degrade to, cheapest last), the diff's
    token budget, the output cap and the limits."""

    model: str
    cheaper_models: tuple[str, ...] = ()
    prompt_tokens: int = 12_000
    max_output_tokens: int = 2_000
    limits: BudgetLimits = DEFAULT_LIMITS
    overrides: Mapping[str, RateOverride] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Review:
    """The outcome: `verdict` is the gate's with the review's findings added (same conclusion); `reason`
    says why there are none when the model was not asked or its answer was not used; `record` is the
    last call tried."""

    verdict: Verdict
    reason: str
    packed: PackedDiff | None = None
    record: CallRecord | None = None
    checked: CheckedReview | None = None
    degraded: str = ""  # how the call was cut down to fit the budget, '' when it was not
    reused: str = ""  # the model whose earlier answer on the same diff was reused, '' when none was

    @property
    def reviewed(self) -> bool:
        """Whether the model's findings were read and added."""
        return self.checked is not None

    def facts(self, configured_model: str) -> ReviewFacts:
        """What the review check reports, the model named as it answered (or as asked, or configured)."""
        record = self.record
        if record is None:
            model, charged = self.reused or configured_model, 0
        else:
            model = record.answer.model if record.answer is not None else record.model
            charged = record.charged_nano_usd
        return ReviewFacts(
            model, self.reason, self.checked, self.packed, charged, self.degraded, reused=bool(self.reused)
        )


@dataclass(frozen=True, slots=True)
class Edges:
    """The review's I/O: the provider, the budget counters, the circuit breaker and earlier reviews."""

    provider: Provider
    budget: BudgetStore
    breaker: CircuitBreaker
    cache: ReviewCache


async def review_pull_request(
    snapshot: PullRequestSnapshot,
    verdict: Verdict,
    who: Attribution,
    settings: ReviewSettings,
    edges: Edges,
    *,
    now: datetime,
    texts: Mapping[str, str] | None = None,
    attempt: int = 1,
) -> Review:
    """Review `snapshot` after its gate `verdict`, within the budgets, degrading while they refuse;
    `texts` are files' head texts the snapshot lacks."""
    call, why = review_decision(snapshot, verdict)
    if not call:
        return Review(verdict, why)
    outcome = Review(verdict, "no attempt could be priced")
    for planned in degraded_attempts(settings.model, settings.prompt_tokens, settings.cheaper_models):
        rates = model_rates(planned.model, at=now, overrides=settings.overrides)
        if not isinstance(rates, ModelRates):
            outcome = Review(verdict, f"{planned.model} has no price ({rates.reason}): no call")
            continue
        packed = pack_diff(snapshot, verdict.findings, planned.prompt_tokens, texts)
        if not packed.files:
            why = "; ".join(f"{u.path}: {u.reason}" for u in packed.unseen[:5])
            return Review(verdict, f"no changed file could be shown to the model ({why})", packed)
        hashed = diff_hash(packed)
        kept = await edges.cache.get(who.repo, planned.model, hashed)
        reused = _reused(snapshot, verdict, packed, kept, planned.degraded)
        if reused is not None:
            return reused
        prompt = Prompt(
            system_prompt(),
            user_message(snapshot.pull_request.title, packed),
            review_schema(),
            settings.max_output_tokens,
            who.metadata(),
        )
        scopes = budget_scopes(who, settings.limits, now)
        named = call_id(packed, planned.model, who, snapshot.pull_request.head_sha, attempt)
        plan = CallPlan(named, planned.model, rates, prompt, scopes)
        record = await budgeted_call(plan, edges.provider, edges.budget, edges.breaker, now)
        outcome = _outcome(snapshot, verdict, packed, record, planned.degraded)
        if outcome.reviewed and record.answer is not None:
            answer = CachedAnswer(record.answer.text, record.answer.model)
            await edges.cache.put(who.repo, planned.model, hashed, answer)
        if record.exhausted is None:
            break
    return outcome


def _reused(
    snapshot: PullRequestSnapshot,
    verdict: Verdict,
    packed: PackedDiff,
    kept: CachedAnswer | None,
    degraded: str,
) -> Review | None:
    """The review an earlier answer on the same diff gives, checked again; None without a usable one."""
    parsed = parse_review(kept.text) if kept is not None else None
    if kept is None or not isinstance(parsed, ParsedReview):
        return None
    checked = check_against_diff(parsed, snapshot, packed.files)
    merged = with_review(verdict, checked, kept.model)
    return Review(merged, "", packed, None, checked, degraded, reused=kept.model)


def _outcome(
    snapshot: PullRequestSnapshot, verdict: Verdict, packed: PackedDiff, record: CallRecord, degraded: str
) -> Review:
    """What one call brought: the verdict with its findings, or the verdict alone and why."""
    if record.status is not CallStatus.ANSWERED or record.answer is None:
        return Review(verdict, record.reason, packed, record, degraded=degraded)
    if not record.answer.complete:
        reason = "the answer was cut off (output cap reached): not used"
        return Review(verdict, reason, packed, record, degraded=degraded)
    parsed = parse_review(record.answer.text)
    if isinstance(parsed, MalformedReview):
        reason = f"the answer is not a review ({parsed.reason}): not used"
        return Review(verdict, reason, packed, record, degraded=degraded)
    checked = check_against_diff(parsed, snapshot, packed.files)
    merged = with_review(verdict, checked, record.answer.model)
    return Review(merged, "", packed, record, checked, degraded)
