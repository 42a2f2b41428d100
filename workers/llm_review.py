"""The LLM review after the gate's check is published (issue 13): its own check run in progress → the
head texts the packed diff needs → the budgeted review → the check completed → the ledger row.

The gate has decided before this runs, and nothing here can change its check. The review check never
stays in progress: whatever goes wrong ends it `neutral`, saying what, and the job goes on.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from githubkit.exception import RequestFailed
from redis.asyncio import Redis
from sqlalchemy.orm import Session, sessionmaker

from bot.core.files import EXCLUDED, classify
from bot.core.review_report import owning_team
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot
from bot.core.verdict import Conclusion, Verdict
from bot.github.gateway import PullRequestGateway
from bot.github.review_check import complete_review_check, start_review_check
from bot.inference.breaker import CircuitBreaker
from bot.inference.budget import BudgetStore
from bot.inference.cache import ReviewCache
from bot.inference.ledger import call_row, ledger_seed, record_call
from bot.inference.providers import build_provider
from bot.inference.review import Edges, Review, ReviewSettings, review_pull_request
from bot.inference.settings import LlmSettings
from bot.intake.events import check_run_external_id
from bot.llm.budgets import Attribution, narrowed, repository_models
from bot.llm.report import ReviewOutput, review_output
from bot.llm.when import review_decision

log = logging.getLogger(__name__)
# The packed prompt holds a few thousand lines at most: more files than this are not fetched for it.
MAX_TEXTS = 60
MAX_TEXT_BYTES = 512 * 1024
_FETCHES_AT_ONCE = 6


@dataclass(frozen=True, slots=True)
class LlmReviewer:
    """What a worker reviews with: built once at start-up, when a provider is configured."""

    edges: Edges
    settings: ReviewSettings
    sessions: sessionmaker[Session]
    fail_on_error: bool = False
    stage: str = "review"


def build_reviewer(
    settings: LlmSettings, redis: Redis, sessions: sessionmaker[Session]
) -> LlmReviewer | None:
    """The reviewer `settings` describe, or None when no provider is configured (no LLM review)."""
    provider_settings = settings.provider_settings()
    if provider_settings is None:
        return None
    edges = Edges(
        build_provider(provider_settings),
        BudgetStore(redis, ledger_seed(sessions)),
        CircuitBreaker(redis),
        ReviewCache(redis),
    )
    review = ReviewSettings(
        settings.model,
        tuple(settings.cheaper_models),
        settings.prompt_tokens,
        settings.max_output_tokens,
        settings.limits(),
    )
    return LlmReviewer(edges, review, sessions, settings.fail_on_error)


async def review_after_gate(
    reviewer: LlmReviewer,
    gateway: PullRequestGateway,
    *,
    installation_id: int,
    snapshot: PullRequestSnapshot,
    verdict: Verdict,
    now: datetime | None = None,
) -> Review | None:
    """Review the pull request the gate just judged and publish `scopegate / review`; None when the review
    itself failed (its check then says so). Never raises: the gate has decided and is published."""
    repository = verdict.config.llm
    if not repository.enabled:  # the rules file switched the review off: no check, no call
        return None
    models = repository_models(repository.model, reviewer.settings.model, reviewer.settings.cheaper_models)
    settings = replace(
        reviewer.settings,
        limits=narrowed(
            reviewer.settings.limits,
            per_pr=_nano(repository.per_pr_usd),
            repo_month=_nano(repository.repo_month_usd),
        ),
    )
    if not isinstance(models, str):  # the rules file's choice among the App's models
        settings = replace(settings, model=models[0], cheaper_models=models[1])
    fail_on_error = reviewer.fail_on_error or repository.fail_on_error
    now = now or datetime.now(UTC)
    head = snapshot.pull_request.head_sha
    results = {o.rule.id: o.result.section.data for o in verdict.outcomes if o.result.section is not None}
    who = Attribution(
        installation_id,
        f"{gateway.owner}/{gateway.repo}",
        gateway.number,
        reviewer.stage,
        team=owning_team(results),  # the CODEOWNERS team owning most counted lines, as `scopegate report`
    )
    where = f"{gateway.owner}/{gateway.repo}#{gateway.number}"
    try:
        # The gate's external id: a re-run asked for on this check re-evaluates the pull request.
        external_id = check_run_external_id(gateway.number)
        check_id = await start_review_check(gateway, head_sha=head, external_id=external_id)
    except Exception:  # the gate is published: a review that cannot even start must not undo the job
        log.exception("the LLM review check of %s could not be started", where)
        return None
    try:
        call, why = review_decision(snapshot, verdict)  # decided once: it may parse files at both ends
        if isinstance(models, str):  # a model the App does not offer: no call, and the check says why
            review = Review(verdict, models)
        elif not call:
            review = Review(verdict, why)
        else:
            texts = await head_texts(gateway, snapshot)
            review = await review_pull_request(
                snapshot, verdict, who, settings, reviewer.edges, now=now, texts=texts
            )
        if review.record is not None:
            wire = reviewer.edges.provider.wire.value
            await record_call(reviewer.sessions, call_row(review.record, who, wire, at=now, head_sha=head))
        output = review_output(review.facts(settings.model), fail_on_error=fail_on_error)
        await complete_review_check(gateway, check_id, output)
    except Exception as error:
        log.exception("the LLM review of %s failed", where)
        summary = f"The review could not be completed: {type(error).__name__}: {error}"
        with suppress(Exception):  # GitHub failing as well: nothing more can be said on the run
            await complete_review_check(
                gateway, check_id, ReviewOutput(Conclusion.NEUTRAL, "Review failed", summary)
            )
        return None
    return review


async def head_texts(gateway: PullRequestGateway, snapshot: PullRequestSnapshot) -> dict[str, str]:
    """The head texts of the files the packed diff could show and the snapshot lacks, for a review that
    calls the model: read from GitHub, up to `MAX_TEXTS` files of `MAX_TEXT_BYTES` each."""
    wanted = [
        file.path
        for file, facts in zip(snapshot.files, classify(snapshot), strict=True)
        if facts.kind not in EXCLUDED and _needs_text(file)
    ][:MAX_TEXTS]
    head = snapshot.pull_request.head_sha
    limit = asyncio.Semaphore(_FETCHES_AT_ONCE)

    async def fetch(path: str) -> tuple[str, bytes | None]:
        async with limit:
            try:
                return path, await gateway.raw_file(path, head)
            except RequestFailed:  # gone, or not a file (a submodule): packing lists it as not gathered
                return path, None

    fetched = await asyncio.gather(*(fetch(path) for path in wanted))
    return {
        path: data.decode("utf-8", "replace")
        for path, data in fetched
        if data is not None and len(data) <= MAX_TEXT_BYTES
    }


def _nano(usd: float | None) -> int | None:
    """USD from the rules file (a YAML number) in nano-USD, read through its decimal text."""
    return None if usd is None else int(Decimal(str(usd)) * 1_000_000_000)


def _needs_text(file: ChangedFile) -> bool:
    """A file that adds lines at the head and whose whole text the snapshot does not hold."""
    whole = file.head is not None and len(file.head) == file.head_size
    return file.status is not FileStatus.REMOVED and file.additions > 0 and bool(file.hunks) and not whole
