"""The evaluation job: re-fetch the PR, gather, evaluate, publish, record. Thin on purpose."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from arq import Retry
from githubkit.exception import GraphQLFailed, RequestError, RequestFailed
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from bot.core.config import LoadedConfig, ReportConfig, load_config, section_config
from bot.core.snapshot import OverrideClaim, PullRequestSnapshot
from bot.core.verdict import Conclusion, Verdict, evaluate, later_needs
from bot.gather.github import PullFacts, fetch_pull, gather, gather_later
from bot.gather.people import gather_people
from bot.github.client import transient
from bot.github.gateway import CheckRunSeen, PullRequestGateway
from bot.github.publish import (
    CheckOutcome,
    Rendered,
    fail_check_run,
    failure_outcome,
    publish_check_run,
    render,
    request_reviewers,
    sticky_comment,
    sync_labels,
    upsert_comment,
    verdict_outcome,
)
from bot.intake.events import check_run_external_id
from bot.intake.jobs import EvaluatePullRequest
from bot.ledger.evaluations import EvaluationRecord
from bot.ledger.overrides import OverrideRecord
from bot.web.manifest import github_web_url
from bot.worker_metrics import record_duration
from rules.base import Catalogue
from rules.routing import RULE as ROUTING
from rules.routing import lookup
from workers.context import WorkerContext, context
from workers.heads import forget_pull_head, note_pull_head, share_verdict
from workers.ledger import (
    comment_claims,
    evaluation_record,
    in_transaction,
    label_override_record,
    read_review_history,
    record_verdict,
)
from workers.llm_review import review_after_gate
from workers.outages import is_outage
from workers.override import label_claim

log = logging.getLogger(__name__)
# How long a job waits for the PR's lock before trying again later (well inside the job timeout).
LOCK_WAIT_SECONDS = 60.0
CHECK_MEMORY_SECONDS = 30 * 24 * 3600
MAX_TRIES = 5
DEFAULT_CHECK_NAME: str = ReportConfig.model_fields["check_name"].default


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
    """Evaluate PR `number` at `head_sha` and publish the verdict; a job whose head moved on publishes
    nothing.

    One evaluation per PR at a time (a Redis lock shared by every worker process); a second job for the
    same PR waits its turn, and after a minute of waiting tries again later.
    """
    job = EvaluatePullRequest(installation_id, owner, repo, number, head_sha, delivery_id)
    worker = context(ctx)
    lock = worker.redis.lock(f"scopegate:lock:{owner}/{repo}#{number}", timeout=worker.lock_seconds)
    # Waiting here, not retrying later: a burst of pushes queues several jobs, most of them stale and quick,
    # and retries on one schedule would collide round after round, each round costing every loser a try.
    if not await lock.acquire(blocking_timeout=LOCK_WAIT_SECONDS):
        raise Retry(defer=worker.lock_seconds)
    renewal = asyncio.create_task(_renew(lock, worker.lock_seconds))
    try:
        async with worker.github(installation_id) as gh:  # one HTTP client (and connection) per job
            gateway = PullRequestGateway(gh, owner, repo, number)
            return await _evaluate(worker, gateway, job, try_number=ctx.get("job_try", 1))
    finally:
        renewal.cancel()
        await asyncio.gather(renewal, return_exceptions=True)
        with suppress(LockError):  # expired during a Redis outage: nothing of ours left to release
            await lock.release()


async def _renew(lock: Lock, seconds: float) -> None:
    """Keep `lock` for as long as this task runs; a worker that dies stops renewing it and it expires."""
    while True:
        await asyncio.sleep(seconds / 3)
        await lock.reacquire()


async def _evaluate(
    worker: WorkerContext, gateway: PullRequestGateway, job: EvaluatePullRequest, *, try_number: int
) -> str:
    """Gather → evaluate → publish → record. The check run is created (or updated) once the verdict is
    ready, already completed: it is never in progress, so a job that dies before publishing leaves the
    head without a completed run, which the sweep finds and evaluates."""
    started, begun = time.perf_counter(), datetime.now(UTC)
    check: CheckRunSeen | None = None
    current = publishing = False
    try:
        facts = await fetch_pull(gateway)
        if facts is None or facts.info.head_sha != job.head_sha:
            return "stale: the head moved on"
        if facts.state != "OPEN":
            await forget_pull_head(worker.redis, job.owner, job.repo, job.number)
            return f"skipped: the pull request is {facts.state.lower()}"
        current = True
        await note_pull_head(worker.redis, job)
        snapshot, loaded = await _gather(worker, gateway, job, facts)
        claims = await _claims(worker, gateway, facts, loaded.config.override.label)
        # CPU-bound (parsing, measuring): off the event loop, which keeps renewing the lock meanwhile.
        loop = asyncio.get_running_loop()
        history = await read_review_history(worker.sessions, facts.repository_id, job.number)
        judged = replace(snapshot, override_claims=claims, review_history=history)
        judging = loop.run_in_executor(worker.cpu, _judge, job.number, judged, worker.rules, loaded)
        verdict, rendered = await judging
        async with _head_lock(worker, job):
            others = await share_verdict(worker.redis, job, rendered.head)
            outcome = verdict_outcome(verdict, rendered.head, others)
            name = loaded.config.report.check_name
            publishing = True
            check = await _publish_check(
                worker, gateway, job, outcome, name=name, known=facts.check_runs, begun=begun
            )
        await _comment(gateway, facts, verdict, rendered.comment)
        await sync_labels(gateway, facts.info.labels, verdict)
        await request_reviewers(gateway, verdict)
        evaluation = evaluation_record(job, facts, verdict, check.id)
        audit = label_override_record(job, facts, verdict, claims)
        await _record_then_review(
            worker, gateway, job, snapshot=judged, verdict=verdict, evaluation=evaluation, audit=audit
        )
    except Retry:  # the head's lock stayed taken: this try did nothing, the next one will
        raise
    except Exception as error:
        wait = worker.retry.defer_for(error, try_number - 1)
        if wait is None and is_outage(error):  # the ledger (or Redis) not answering: try again later too
            wait = worker.retry.delay(try_number - 1)
        if wait is not None and try_number < MAX_TRIES:
            raise Retry(defer=wait) from error
        # Never a pass whose comment or labels could not be published, never no check at all: the check
        # completes saying what went wrong, and the job fails loudly.
        await _fail(worker, gateway, job, _reason(error, try_number), check=check, begun=begun)
        raise
    except asyncio.CancelledError:
        # arq's job timeout (or a worker stopping) cancels the job: the current head's check says so. Not
        # once publishing began: the check then carries the verdict, or its request is on its way. A
        # stopped worker's job runs again later and updates that check with the verdict.
        if current and not publishing:
            stopped = "the evaluation was stopped (time limit)"
            await _fail(worker, gateway, job, stopped, check=None, begun=begun)
        raise
    elapsed = time.perf_counter() - started
    await record_duration(worker.redis, elapsed)
    log.info("evaluated %s/%s#%s@%s in %.3fs", job.owner, job.repo, job.number, job.head_sha, elapsed)
    return verdict.conclusion.value


async def _record_then_review(
    worker: WorkerContext,
    gateway: PullRequestGateway,
    job: EvaluatePullRequest,
    *,
    snapshot: PullRequestSnapshot,
    verdict: Verdict,
    evaluation: EvaluationRecord,
    audit: OverrideRecord | None,
) -> None:
    """Record the verdict in the ledger; then, when a provider is configured, the LLM review and its own
    check run, after everything the gate publishes (it never raises: the gate has decided)."""
    await in_transaction(worker.sessions, lambda session: record_verdict(session, evaluation, audit))
    if worker.llm is not None:
        await review_after_gate(
            worker.llm, gateway, installation_id=job.installation_id, snapshot=snapshot, verdict=verdict
        )


def _judge(
    number: int, snapshot: PullRequestSnapshot, rules: Catalogue, loaded: LoadedConfig
) -> tuple[Verdict, Rendered]:
    """The verdict and its Markdown, in one turn of the evaluation thread (rendered after the evaluations
    other jobs queued meanwhile, a check would wait for all of them)."""
    verdict = evaluate(snapshot, rules, loaded)
    return verdict, render(number, verdict)


async def _fail(
    worker: WorkerContext,
    gateway: PullRequestGateway,
    job: EvaluatePullRequest,
    reason: str,
    *,
    check: CheckRunSeen | None,
    begun: datetime,
) -> None:
    """Complete the head's check run as failed with `reason`: the run the job published, else the head's
    run created (or updated) so (GitHub failing from the first request on, or the job stopped before its
    verdict). When even that fails, the job's failure is all that is left: it does not hold the head back
    (`EvaluatePullRequest.rerunnable`)."""
    try:
        if check is not None:
            await fail_check_run(gateway, check.id, reason)
            return
        async with _head_lock(worker, job):
            outcome = failure_outcome(reason)
            await _publish_check(
                worker, gateway, job, outcome, name=DEFAULT_CHECK_NAME, known=None, begun=begun
            )
    except Exception:
        log.exception("could not complete the check of %s/%s#%s", job.owner, job.repo, job.number)


@asynccontextmanager
async def _head_lock(worker: WorkerContext, job: EvaluatePullRequest) -> AsyncIterator[None]:
    """Hold the head's lock (renewed like the PR's): PRs sharing a head, each under its own PR lock, find
    or create its one check run, and complete it with their verdicts, one at a time."""
    lock = worker.redis.lock(
        f"scopegate:lock:{job.owner}/{job.repo}@{job.head_sha}", timeout=worker.lock_seconds
    )
    if not await lock.acquire(blocking_timeout=LOCK_WAIT_SECONDS):
        raise Retry(defer=worker.lock_seconds)
    renewal = asyncio.create_task(_renew(lock, worker.lock_seconds))
    try:
        yield
    finally:
        renewal.cancel()
        await asyncio.gather(renewal, return_exceptions=True)
        with suppress(LockError):
            await lock.release()


def _reason(error: Exception, tries: int) -> str:
    """What went wrong, for the check's summary; githubkit's errors print nothing useful by themselves."""
    after = f" (after {tries} tries)" if transient(error) is not None else ""
    if type(error) is RequestError:  # raised inside githubkit's auth flow: the token exchange
        return f"GitHub's installation token exchange failed{after}: {_reason(error.exc, 1)}"
    if isinstance(error, RequestFailed):
        response = error.response
        try:
            answer: Any = response.json()
        except ValueError:
            answer = None
        message = answer.get("message") if isinstance(answer, dict) else response.text[:500]
        request = error.request
        status = response.status_code
        return f"GitHub answered {status} to {request.method} {request.url.path}{after}: {message}"
    if isinstance(error, GraphQLFailed):
        return "GitHub's GraphQL API answered: " + "; ".join(e.message for e in error.response.errors or ())
    return f"{type(error).__name__}{after}: {error}"


async def _publish_check(
    worker: WorkerContext,
    gateway: PullRequestGateway,
    job: EvaluatePullRequest,
    outcome: CheckOutcome,
    *,
    name: str,
    known: Mapping[str, CheckRunSeen] | None,
    begun: datetime,
) -> CheckRunSeen:
    """Our check run for this head completed with `outcome`, under the head's lock: the newer of the run
    remembered in Redis and the one of that name the PR's query saw on the head (`known`; asked of GitHub
    when the job has not read it) updated, else a new one. A re-run so reuses it: one check run per head. A
    run another job created since the query is in Redis by then: both publish under the head's lock."""
    memory = f"scopegate:run:{job.owner}/{job.repo}@{job.head_sha}:{name}"
    remembered = await worker.redis.get(memory)
    if remembered is None and known is None:
        existing = await gateway.latest_check_run(job.head_sha, name)
    else:
        seen = [run for run in (_remembered(remembered), (known or {}).get(name)) if run is not None]
        # Run ids grow; of one run, the larger count is the safer (a crash after an update that carried
        # annotations, before Redis heard of it).
        existing = max(seen, key=lambda run: (run.id, run.annotations), default=None)
    check = await publish_check_run(
        gateway,
        outcome,
        head_sha=job.head_sha,
        name=name,
        external_id=check_run_external_id(job.number),
        started_at=begun,
        existing=existing,
    )
    await worker.redis.set(memory, f"{check.id} {check.annotations}", ex=CHECK_MEMORY_SECONDS)
    return check


def _remembered(value: bytes | None) -> CheckRunSeen | None:
    """A check run as Redis remembers it: `id annotations`."""
    if value is None:
        return None
    check_id, annotations = value.split()
    return CheckRunSeen(int(check_id), int(annotations))


async def _gather(
    worker: WorkerContext, gateway: PullRequestGateway, job: EvaluatePullRequest, facts: PullFacts
) -> tuple[PullRequestSnapshot, LoadedConfig]:
    """The snapshot and its rules file: the first gathering, what the rules ask for once they saw it, and
    the people routing asks about."""
    snapshot = await gather(gateway, facts, worker.rules.needs)
    loaded = load_config(worker.rules, snapshot.repository.rules)
    needs = later_needs(snapshot, worker.rules, loaded)
    snapshot = await gather_later(gateway, snapshot, needs, redis=worker.redis)
    return await _people(worker, gateway, job, snapshot, loaded), loaded


async def _people(
    worker: WorkerContext,
    gateway: PullRequestGateway,
    job: EvaluatePullRequest,
    snapshot: PullRequestSnapshot,
    loaded: LoadedConfig,
) -> PullRequestSnapshot:
    """Routing's second gathering phase: the facts of the people the core names, when it names any (none
    when routing is off, the PR is a draft or has its reviewers)."""
    if ROUTING not in worker.rules.rules:
        return snapshot
    wanted = lookup(snapshot, section_config(loaded.config, ROUTING))
    if wanted is None:
        return snapshot
    # Teams belong to organisations: this is where an organisation owner accepts new permissions.
    web = github_web_url(worker.settings.github_api_url)
    url = f"{web}/organizations/{job.owner}/settings/installations/{job.installation_id}"
    return await gather_people(gateway, worker.redis, snapshot, wanted, url)


async def _claims(
    worker: WorkerContext, gateway: PullRequestGateway, facts: PullFacts, label: str
) -> tuple[OverrideClaim, ...]:
    """The override claims on this PR: recorded comment commands, and the override label's latest adder
    (while the label is on) pinned to the head it was given at, each with the permission GitHub reports;
    the core decides which counts."""
    claims = await comment_claims(worker.sessions, facts.repository_id, gateway.number)
    labelled = await label_claim(worker, gateway, facts, label)
    return claims if labelled is None else (*claims, labelled)


async def _comment(gateway: PullRequestGateway, facts: PullFacts, verdict: Verdict, text: str) -> None:
    mode = verdict.config.report.comment
    has_comment = sticky_comment(facts.comments) is not None
    failing = verdict.conclusion is Conclusion.FAILURE
    # on-failure: post while failing, and keep an existing comment truthful once the PR passes.
    if mode == "sticky" or (mode == "on-failure" and (failing or has_comment)):
        await upsert_comment(gateway, facts.comments, text)
