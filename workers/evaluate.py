"""The evaluation job: re-fetch the PR, gather, evaluate, publish, record. Thin on purpose."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

import httpx
from arq import Retry
from githubkit.exception import GraphQLFailed, RateLimitExceeded, RequestFailed
from redis.asyncio.lock import Lock

from bot.core.config import load_config
from bot.core.snapshot import OverrideClaim
from bot.core.verdict import Conclusion, Verdict, evaluate
from bot.gather.github import PullFacts, fetch_pull, gather
from bot.github.gateway import PullRequestGateway
from bot.github.publish import (
    comment_text,
    complete_check_run,
    fail_check_run,
    start_check_run,
    sticky_comment,
    sync_labels,
    upsert_comment,
)
from bot.intake.events import check_run_external_id
from bot.intake.jobs import EvaluatePullRequest
from bot.worker_metrics import record_duration
from workers.context import WorkerContext, context
from workers.ledger import (
    comment_claims,
    evaluation_record,
    in_transaction,
    label_override_record,
    record_verdict,
)

log = logging.getLogger(__name__)
# Renewed while the evaluation runs, so the lock of a worker that died frees this soon after: well before
# arq runs its job again (job timeout + 10 s), and within the wait of the jobs queued behind it.
LOCK_SECONDS = 10.0
# How long a job waits for the PR's lock before trying again later (well inside the job timeout).
LOCK_WAIT_SECONDS = 60.0
CHECK_MEMORY_SECONDS = 30 * 24 * 3600
MAX_TRIES = 5


async def evaluate_pull_request(
    ctx: dict[str, Any],
    *,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    head_sha: str,
    delivery_id: str,
) -> str:
    """Evaluate PR `number` at `head_sha` and publish the verdict; a job whose head moved on does nothing.

    One evaluation per PR at a time (a Redis lock shared by every worker process); a second job for the
    same PR waits its turn, and after a minute of waiting tries again later.
    """
    job = EvaluatePullRequest(installation_id, owner, repo, number, head_sha, delivery_id)
    worker = context(ctx)
    lock = worker.redis.lock(f"scopegate:lock:{owner}/{repo}#{number}", timeout=LOCK_SECONDS)
    # Waiting here, not retrying later: a burst of pushes queues several jobs, most of them stale and quick,
    # and retries on one schedule would collide round after round, each round costing every loser a try.
    if not await lock.acquire(blocking_timeout=LOCK_WAIT_SECONDS):
        raise Retry(defer=LOCK_SECONDS)
    renewal = asyncio.create_task(_renew(lock))
    try:
        async with worker.github(installation_id) as gh:  # one HTTP client (and connection) per job
            gateway = PullRequestGateway(gh, owner, repo, number)
            return await _evaluate(worker, gateway, job, try_number=ctx.get("job_try", 1))
    finally:
        renewal.cancel()
        await asyncio.gather(renewal, return_exceptions=True)
        await lock.release()


async def _renew(lock: Lock) -> None:
    """Keep `lock` for as long as this task runs; a worker that dies stops renewing it and it expires."""
    while True:
        await asyncio.sleep(LOCK_SECONDS / 3)
        await lock.reacquire()


async def _evaluate(
    worker: WorkerContext, gateway: PullRequestGateway, job: EvaluatePullRequest, *, try_number: int
) -> str:
    """Gather → evaluate → publish → record; the check never stays in progress."""
    started = time.perf_counter()
    facts = await fetch_pull(gateway)
    if facts is None or facts.info.head_sha != job.head_sha:
        return "stale: the head moved on"
    if facts.state != "OPEN":
        return f"skipped: the pull request is {facts.state.lower()}"
    check_id: int | None = None
    try:
        snapshot = await gather(gateway, facts, worker.rules.needs)
        loaded = load_config(worker.rules, snapshot.repository.rules)
        check_id = await _start_check(worker, gateway, job, loaded.config.report.check_name)
        claims = await _claims(worker, gateway, facts, loaded.config.override.label)
        verdict = evaluate(replace(snapshot, override_claims=claims), worker.rules, loaded)
        await complete_check_run(gateway, check_id, verdict)
        await _comment(gateway, facts, verdict)
        await sync_labels(gateway, facts.info.labels, verdict)
        evaluation = evaluation_record(job, facts, verdict, check_id)
        audit = label_override_record(job, facts, verdict, claims)
        await in_transaction(worker.sessions, lambda session: record_verdict(session, evaluation, audit))
    except Exception as error:
        if _transient(error) and try_number < MAX_TRIES:
            raise Retry(defer=5 * try_number) from error
        # Never left in progress: the check completes saying what went wrong, and the job fails loudly.
        if check_id is not None:
            await fail_check_run(gateway, check_id, _reason(error))
        raise
    except asyncio.CancelledError:
        # arq's job timeout (or a worker stopping) cancels the job: say so rather than stay in progress.
        # A stopped worker's job runs again later and puts the check back in progress.
        if check_id is not None:
            await fail_check_run(gateway, check_id, "the evaluation was stopped (time limit)")
        raise
    elapsed = time.perf_counter() - started
    await record_duration(worker.redis, elapsed)
    log.info("evaluated %s/%s#%s@%s in %.3fs", job.owner, job.repo, job.number, job.head_sha, elapsed)
    return verdict.conclusion.value


def _transient(error: Exception) -> bool:
    """Worth another try later: GitHub's 5xx and rate limits (after githubkit's own retries), network errors.
    A 4xx is a fact about the request or the installation's permissions; trying again changes nothing."""
    if isinstance(error, RateLimitExceeded | httpx.TransportError | OSError):
        return True
    return isinstance(error, RequestFailed) and error.response.status_code >= 500


def _reason(error: Exception) -> str:
    """What went wrong, for the check's summary; githubkit's errors print nothing useful by themselves."""
    if isinstance(error, RequestFailed):
        response = error.response
        try:
            answer: Any = response.json()
        except ValueError:
            answer = None
        message = answer.get("message") if isinstance(answer, dict) else response.text[:500]
        request = error.request
        return f"GitHub answered {response.status_code} to {request.method} {request.url.path}: {message}"
    if isinstance(error, GraphQLFailed):
        return "GitHub's GraphQL API answered: " + "; ".join(e.message for e in error.response.errors or ())
    return f"{type(error).__name__}: {error}"


async def _start_check(
    worker: WorkerContext, gateway: PullRequestGateway, job: EvaluatePullRequest, name: str
) -> int:
    """Our check run for this head in progress: the one remembered in Redis, else found by name and SHA,
    else a new one. A re-run after a crash so reuses it: one check run per head."""
    memory = f"scopegate:check:{job.owner}/{job.repo}@{job.head_sha}:{name}"
    remembered = await worker.redis.get(memory)
    existing = int(remembered) if remembered else await gateway.find_check_run(job.head_sha, name)
    check_id = await start_check_run(
        gateway,
        head_sha=job.head_sha,
        name=name,
        existing=existing,
        external_id=check_run_external_id(job.number),
    )
    await worker.redis.set(memory, check_id, ex=CHECK_MEMORY_SECONDS)
    return check_id


async def _claims(
    worker: WorkerContext, gateway: PullRequestGateway, facts: PullFacts, label: str
) -> tuple[OverrideClaim, ...]:
    """The override claims on this PR: recorded comment commands, and the override label's latest adder
    (while the label is on), each with the permission GitHub reports; the core decides which counts."""
    claims = await comment_claims(worker.sessions, facts.repository_id, gateway.number)
    added = [e for e in facts.label_events if e.label == label and e.login]
    if label not in facts.info.labels or not added:
        return claims
    login, at = added[-1].login or "", added[-1].at
    permission = await gateway.permission(login)
    return (*claims, OverrideClaim(login, at, f"label {label}", permission))


async def _comment(gateway: PullRequestGateway, facts: PullFacts, verdict: Verdict) -> None:
    mode = verdict.config.report.comment
    has_comment = sticky_comment(facts.comments) is not None
    failing = verdict.conclusion is Conclusion.FAILURE
    # on-failure: post while failing, and keep an existing comment truthful once the PR passes.
    if mode == "sticky" or (mode == "on-failure" and (failing or has_comment)):
        await upsert_comment(gateway, facts.comments, comment_text(verdict))
