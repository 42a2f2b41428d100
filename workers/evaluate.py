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

from bot.core.config import OverrideConfig, load_config
from bot.core.snapshot import Override
from bot.core.verdict import Conclusion, Verdict, config_layers, evaluate
from bot.gather.github import PullFacts, fetch_pull, gather
from bot.github.client import Client
from bot.github.permissions import allows, permission_of
from bot.github.publish import (
    comment_text,
    complete_check_run,
    fail_check_run,
    find_check_run,
    start_check_run,
    sticky_comment,
    sync_size_label,
    upsert_comment,
)
from bot.intake.events import check_run_external_id
from bot.intake.jobs import EvaluatePullRequest
from bot.ledger.evaluations import EvaluationRecord, record_evaluation
from bot.ledger.overrides import OverrideRecord, pull_request_overrides, record_override
from bot.worker_metrics import record_duration
from workers.context import WorkerContext, context

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
            return await _evaluate(worker, gh, job, try_number=ctx.get("job_try", 1))
    finally:
        renewal.cancel()
        await asyncio.gather(renewal, return_exceptions=True)
        await lock.release()


async def _renew(lock: Lock) -> None:
    """Keep `lock` for as long as this task runs; a worker that dies stops renewing it and it expires."""
    while True:
        await asyncio.sleep(LOCK_SECONDS / 3)
        await lock.reacquire()


async def _evaluate(worker: WorkerContext, gh: Client, job: EvaluatePullRequest, *, try_number: int) -> str:
    started = time.perf_counter()
    facts = await fetch_pull(gh, job.owner, job.repo, job.number)
    if facts is None or facts.info.head_sha != job.head_sha:
        return "stale: the head moved on"
    if facts.state != "OPEN":
        return f"skipped: the pull request is {facts.state.lower()}"
    check_id: int | None = None
    try:
        snapshot = await gather(gh, job.owner, job.repo, facts)
        config = load_config(*config_layers(snapshot)).config
        check_id = await _start_check(worker, gh, job, config.report.check_name)
        override = await _override(worker, gh, job, facts, config.override)
        verdict = evaluate(replace(snapshot, override=override))
        await complete_check_run(gh, job.owner, job.repo, check_id, verdict)
        await _comment(gh, job, facts, verdict)
        wanted = next((label for label in verdict.labels if label.startswith("size/")), None)
        await sync_size_label(
            gh, job.owner, job.repo, number=job.number, current=facts.info.labels, wanted=wanted
        )
        await asyncio.to_thread(_record, worker, job, verdict, check_id)
    except Exception as error:
        if _transient(error) and try_number < MAX_TRIES:
            raise Retry(defer=5 * try_number) from error
        # Never left in progress: the check completes saying what went wrong, and the job fails loudly.
        if check_id is not None:
            await fail_check_run(gh, job.owner, job.repo, check_id, _reason(error))
        raise
    except asyncio.CancelledError:
        # arq's job timeout (or a worker stopping) cancels the job: say so rather than stay in progress.
        # A stopped worker's job runs again later and puts the check back in progress.
        if check_id is not None:
            await fail_check_run(gh, job.owner, job.repo, check_id, "the evaluation was stopped (time limit)")
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


async def _start_check(worker: WorkerContext, gh: Client, job: EvaluatePullRequest, name: str) -> int:
    """Our check run for this head in progress: the one remembered in Redis, else found by name and SHA,
    else a new one. A re-run after a crash so reuses it: one check run per head."""
    memory = f"scopegate:check:{job.owner}/{job.repo}@{job.head_sha}:{name}"
    remembered = await worker.redis.get(memory)
    existing = (
        int(remembered) if remembered else await find_check_run(gh, job.owner, job.repo, job.head_sha, name)
    )
    check_id = await start_check_run(
        gh,
        job.owner,
        job.repo,
        head_sha=job.head_sha,
        name=name,
        existing=existing,
        external_id=check_run_external_id(job.number),
    )
    await worker.redis.set(memory, check_id, ex=CHECK_MEMORY_SECONDS)
    return check_id


async def _override(
    worker: WorkerContext, gh: Client, job: EvaluatePullRequest, facts: PullFacts, config: OverrideConfig
) -> Override | None:
    """An accepted comment override for this head (from the ledger), else the override label's latest adder,
    whose permission is checked now."""
    repo = f"{job.owner}/{job.repo}"
    rows = await asyncio.to_thread(_overrides, worker, repo, job.number)
    for row in reversed(rows):
        if row.accepted and row.source == "comment" and row.head_sha == job.head_sha:
            return Override(row.actor_login, row.created_at.isoformat(), "comment", row.reason or "")
    if config.label not in facts.info.labels:
        return None
    added = [e for e in facts.label_events if e.label == config.label and e.login]
    if not added:
        return None
    login, at = added[-1].login or "", added[-1].at
    permission = await permission_of(gh, job.owner, job.repo, login)
    accepted = allows(permission, config.min_permission)
    record = OverrideRecord(
        repo_full_name=repo,
        pr_number=job.number,
        head_sha=job.head_sha,
        actor_login=login,
        source="label",
        accepted=accepted,
        permission=permission,
        delivery_id=f"label:{repo}#{job.number}@{job.head_sha}:{login}:{at}",
        installation_id=job.installation_id,
    )
    await asyncio.to_thread(_audit, worker, record)
    reason = "" if accepted else f"needs {config.min_permission} permission; @{login} has {permission}"
    return Override(login, at, f"label {config.label}", reason, accepted)


async def _comment(gh: Client, job: EvaluatePullRequest, facts: PullFacts, verdict: Verdict) -> None:
    mode = verdict.config.report.comment
    has_comment = sticky_comment(facts.comments) is not None
    failing = verdict.conclusion is Conclusion.FAILURE
    # on-failure: post while failing, and keep an existing comment truthful once the PR passes.
    if mode == "sticky" or (mode == "on-failure" and (failing or has_comment)):
        text = comment_text(verdict)
        await upsert_comment(
            gh, job.owner, job.repo, number=job.number, comments=facts.comments, markdown=text
        )


def _overrides(worker: WorkerContext, repo: str, number: int) -> list[Any]:
    with worker.sessions() as session:
        return list(pull_request_overrides(session, repo, number))


def _audit(worker: WorkerContext, record: OverrideRecord) -> None:
    with worker.sessions.begin() as session:
        record_override(session, record)


def _record(worker: WorkerContext, job: EvaluatePullRequest, verdict: Verdict, check_id: int) -> None:
    measure, pr = verdict.measure, verdict.snapshot.pull_request
    record = EvaluationRecord(
        repo_full_name=f"{job.owner}/{job.repo}",
        pr_number=pr.number or 0,
        head_sha=pr.head_sha,
        conclusion=verdict.conclusion.value,
        effective_lines=measure.effective_lines,
        added=measure.added,
        deleted=measure.deleted,
        files=len(measure.counted),
        excluded_files=len(measure.excluded),
        size_label=next((label for label in verdict.labels if label.startswith("size/")), None),
        check_run_id=check_id,
        delivery_id=job.delivery_id,
        installation_id=job.installation_id,
    )
    with worker.sessions.begin() as session:
        record_evaluation(session, record)
