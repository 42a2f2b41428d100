"""The reconciliation sweep: every open PR's current head ends with a completed scopegate check, whatever was
lost on the way (a missed or failed delivery, a Redis restart without persistence, an App installed on a
repository that has open PRs, a worker that died mid-evaluation).

A periodic job queues one sweep per installation; each lists the installation's repositories and their open
PRs, asks GitHub for the App's check runs on each head, and queues an evaluation of every head without a
completed one. A run in progress for longer than a job may take is completed as failed (it would otherwise
stay in progress for good; neutral would pass a required check) and evaluated again; a head whose check says
it could not be evaluated (GitHub failing through every try of the job) is evaluated again by the next
sweeps, a few times, so a passing outage leaves no head unjudged. Each sweep spends only
what the installation's rate limit can spare: it stops, until the next sweep, once the remaining requests
fall to a reserve.
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from githubkit_schemas.latest.models import CheckRun, Installation, PullRequestSimple, Repository

from bot.github.client import Client, collect
from bot.github.gateway import PullRequestGateway
from bot.github.publish import COULD_NOT_EVALUATE, fail_check_run
from bot.intake.jobs import EvaluatePullRequest, SweepInstallation, enqueue
from workers.context import WorkerContext, context

log = logging.getLogger(__name__)
SWEEP_MINUTES = 10
MAX_INSTALLATIONS = 10_000
MAX_REPOSITORIES = 1000
MAX_PULLS = 1000  # per repository, as the re-evaluation of a repository (workers.repository)
# Left to the evaluations and to everything else the installation does: a tenth of its hourly limit.
RESERVE_SHARE = 0.1
# An evaluation costs about 8 requests (bench_evaluate.py): no more are queued than the budget pays for.
EVALUATION_COST = 8
# How long past the job timeout a run may stay in progress: arq runs a dead worker's job again 10 s after
# the timeout, and that try puts the run back in progress.
STUCK_MARGIN_SECONDS = 30.0
# How many sweeps evaluate again a head whose check could not be evaluated; past them (an error that does
# not pass), its check stays as it is until a re-run or a push. Remembered a day: a few sweeps' time.
UNJUDGED_RETRIES = 3
UNJUDGED_MEMORY_SECONDS = 24 * 3600


@dataclass
class Tally:
    """What one installation's sweep did."""

    heads: int = 0  # open PRs' heads looked at
    queued: int = 0  # evaluations queued for heads without a completed check
    timed_out: int = 0  # runs in progress too long, completed and evaluated again
    unjudged: int = 0  # heads whose check could not be evaluated, evaluated again
    exhausted: bool = False  # stopped at the rate limit's reserve; the next sweep goes on


async def sweep(ctx: dict[str, Any]) -> int:
    """The periodic job: queue a sweep of each of the App's installations; returns how many were queued."""
    worker = context(ctx)
    app = worker.app()
    listing: AsyncIterator[Installation] = app.rest.paginate(
        app.rest.apps.async_list_installations, per_page=100
    )
    queued = 0
    for installation in await collect(listing, MAX_INSTALLATIONS):
        if installation.suspended_at is None:
            queued += await enqueue(worker.redis, SweepInstallation(installation.id), debounce_seconds=0)
    return queued


async def sweep_installation(ctx: dict[str, Any], *, installation_id: int) -> str:
    """Reconcile one installation's open PRs with their checks, within its rate limit's spare requests."""
    worker = context(ctx)
    stuck_after = timedelta(seconds=ctx["job_timeout_seconds"] + STUCK_MARGIN_SECONDS)
    tally = Tally()
    async with worker.github(installation_id) as gh:
        limits = (await gh.rest.rate_limit.async_get()).parsed_data.resources.core  # free of charge
        reserve = int(limits.limit * RESERVE_SHARE)
        spare = limits.remaining - reserve
        if spare <= 0:
            log.warning(
                "sweep of installation %s skipped: %s requests left", installation_id, limits.remaining
            )
            return "skipped: rate limit"
        listing: AsyncIterator[Repository] = gh.rest.paginate(
            gh.rest.apps.async_list_repos_accessible_to_installation,
            map_func=lambda response: response.parsed_data.repositories,
            per_page=100,
        )
        scope = _Scope(worker, gh, installation_id, reserve, stuck_after)
        for repository in await collect(listing, MAX_REPOSITORIES):
            if not repository.archived:
                await _sweep_repository(scope, repository, tally)
            if tally.exhausted:
                break
    log.info("sweep of installation %s: %s", installation_id, tally)
    return (
        f"{tally.heads} heads, {tally.queued} queued, {tally.timed_out} timed out, "
        f"{tally.unjudged} could not be evaluated"
        + (", stopped at the rate limit's reserve" if tally.exhausted else "")
    )


@dataclass(frozen=True, slots=True)
class _Scope:
    """What every repository's sweep in one installation uses."""

    worker: WorkerContext
    gh: Client
    installation_id: int
    reserve: int  # requests left to everything else
    stuck_after: timedelta


async def _sweep_repository(scope: _Scope, repository: Repository, tally: Tally) -> None:
    """Look at each open PR's head in one repository, queueing what its checks lack."""
    gh = scope.gh
    owner, repo = repository.full_name.split("/", 1)
    pulls: AsyncIterator[PullRequestSimple] = gh.rest.paginate(
        gh.rest.pulls.async_list, owner=owner, repo=repo, state="open", per_page=100
    )
    for pull in await collect(pulls, MAX_PULLS):
        response = await gh.rest.checks.async_list_for_ref(
            owner, repo, pull.head.sha, app_id=scope.worker.credentials.app_id, filter_="latest"
        )
        tally.heads += 1
        left = int(response.headers.get("x-ratelimit-remaining", scope.reserve + 1))
        if left - EVALUATION_COST * (tally.queued + 1) <= scope.reserve:
            tally.exhausted = True
            return
        runs = response.parsed_data.check_runs
        stuck = [run for run in runs if _stuck(run, scope.stuck_after)]
        unjudged = any(run.output.title == COULD_NOT_EVALUATE for run in runs) and await _retry_unjudged(
            scope.worker, repository.full_name, pull.head.sha
        )
        if runs and not stuck and not unjudged:  # a verdict, or in progress within a job's time
            continue
        tally.unjudged += unjudged
        gateway = PullRequestGateway(gh, owner, repo, pull.number)
        minutes = scope.stuck_after.total_seconds() / 60
        for run in stuck:
            reason = f"the evaluation did not finish within {minutes:.0f} minutes; it is running again"
            await fail_check_run(gateway, run.id, reason)
        tally.timed_out += len(stuck)
        job = EvaluatePullRequest(scope.installation_id, owner, repo, pull.number, pull.head.sha, "sweep")
        tally.queued += await enqueue(scope.worker.redis, job, debounce_seconds=0)


async def _retry_unjudged(worker: WorkerContext, full_name: str, head_sha: str) -> bool:
    """Whether the sweep evaluates again a head whose check could not be evaluated: the first
    `UNJUDGED_RETRIES` times it finds it."""
    key = f"scopegate:unjudged:{full_name}@{head_sha}"
    async with worker.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, UNJUDGED_MEMORY_SECONDS)
        tries, _ = await pipe.execute()
    return int(tries) <= UNJUDGED_RETRIES


def _stuck(run: CheckRun, after: timedelta) -> bool:
    """Whether a run has been in progress (or queued) for longer than a job may take."""
    if run.status == "completed":
        return False
    started = run.started_at or datetime.min.replace(tzinfo=UTC)
    return datetime.now(UTC) - started > after
