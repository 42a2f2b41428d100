"""The review history job: record one event, then measure the pushes that became rework; a review submitted
or dismissed has the PR's check evaluated again, as its rounds, waiting time and approvals moved."""

from __future__ import annotations

import json
import logging
from contextlib import suppress
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from arq import Retry
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import DiffEntry
from redis.exceptions import LockError
from sqlalchemy.orm import Session

from bot.core.interdiff import FileDiff, rework_lines
from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    Push,
    Review,
    ReviewComment,
    ReviewState,
    ReviewThread,
    first_feedback_at,
)
from bot.gather.author_teams import author_teams
from bot.gather.timeline import read_timeline
from bot.github.gateway import PullRequestGateway
from bot.intake.jobs import EvaluatePullRequest, RecordReviewEvent, enqueue
from bot.ledger.reviews import (
    ReviewEventRecord,
    UnmeasuredPush,
    pull_request_history,
    record_review_events,
    set_push_lines,
    unmeasured_pushes,
)
from bot.ledger.reviews import (
    record_review_event as record,
)
from workers.context import WorkerContext, context
from workers.evaluate import MAX_TRIES
from workers.ledger import in_transaction
from workers.outages import is_outage

log = logging.getLogger(__name__)
# Long enough for a few comparisons; a worker that dies holding it frees it soon.
LOCK_SECONDS = 60.0
# Without these the history has no reviews but what the timeline says.
REVIEW_EVENTS = frozenset({"pull_request_review", "pull_request_review_comment"})
# The events at which the author's teams are asked (remembered a day): the author's pushes, and the
# closing, which every pull request the reports count has or will have; the opening adds no question to
# the burst of queries an opened pull request's evaluation makes.
TEAMS_ASKED_AT = frozenset({"push", "closed"})
# An installation accepting new events is seen within this long.
EVENTS_MEMORY_SECONDS = 600
T = TypeVar("T")


async def record_review_event(
    ctx: dict[str, Any],
    *,
    installation_id: int,
    repository_id: int,
    owner: str,
    repo: str,
    number: int,
    pr_author: str | None,
    kind: str,
    key: str,
    at: str,
    action: str | None = None,
    github_id: int | None = None,
    actor: str | None = None,
    state: str | None = None,
    before_sha: str | None = None,
    head_sha: str | None = None,
    base_sha: str | None = None,
    merged: bool | None = None,
    delivery_id: str | None = None,
) -> str:
    """Record the event once (its key again adds nothing); then, once the PR has had a review, measure
    every push since it that is not measured yet. A push before any review is recorded unmeasured: it is
    no rework, and costs GitHub nothing unless a review delivered late turns out to precede it.
    GitHub failing for a while, or the ledger or Redis not answering, tries again later."""
    worker = context(ctx)
    job = RecordReviewEvent(
        installation_id, repository_id, owner, repo, number, pr_author, kind, key, at, action, github_id,
        actor, state, before_sha, head_sha, base_sha, merged, delivery_id,
    )  # fmt: skip
    try_number = int(ctx.get("job_try", 1))
    try:
        return await _record(worker, job)
    except Retry:
        raise
    except Exception as error:
        wait = worker.retry.defer_for(error, try_number - 1)
        if wait is None and is_outage(error):
            wait = worker.retry.delay(try_number - 1)
        if wait is not None and try_number < MAX_TRIES:
            raise Retry(defer=wait) from error
        raise


async def _record(worker: WorkerContext, job: RecordReviewEvent) -> str:
    """Record, read the timeline where it is needed, and measure the pushes that became rework."""
    event = _event(job)
    entry = ReviewEventRecord(
        repository_id=job.repository_id,
        repo_full_name=f"{job.owner}/{job.repo}",
        pr_number=job.number,
        event=event,
        pr_author=job.pr_author,
        delivery_id=job.delivery_id,
        installation_id=job.installation_id,
        before_sha=job.before_sha,
        measured=not isinstance(event, Push),
        author_teams=await _author_teams(worker, job),
    )

    added = await in_transaction(worker.sessions, partial(record, record=entry))
    read = 0
    if await _timeline_needed(worker, job):
        read = await _read_timeline(worker, job)
    # One measurer per PR at a time: events of one PR arrive together, and each would compare the same
    # pushes. The lock's holder lists what is left unmeasured once it holds it.
    name = f"scopegate:lock:history:{job.owner}/{job.repo}#{job.number}"
    lock = worker.redis.lock(name, timeout=LOCK_SECONDS)
    if not await lock.acquire(blocking_timeout=LOCK_SECONDS):
        raise Retry(defer=LOCK_SECONDS)
    try:
        pending = await in_transaction(worker.sessions, partial(_pending, job=job))
        if pending:
            await _measure(worker, job, pending)
    finally:
        with suppress(LockError):
            await lock.release()
    if added and _moves_the_check(job):
        await _evaluate_again(worker, job)
    outcome = "recorded" if added else "already recorded"
    if read:
        outcome += f"; {read} event(s) from the timeline"
    return f"{outcome}; {len(pending)} push(es) measured" if pending else outcome


async def _author_teams(worker: WorkerContext, job: RecordReviewEvent) -> tuple[str, ...] | None:
    """At a push or the closing, the teams of the repository's organisation the author is in, for the
    reports (None: not asked, or GitHub refused: the installation lacks `members: read`)."""
    if job.kind not in TEAMS_ASKED_AT or job.pr_author is None:
        return None
    async with worker.github(job.installation_id) as gh:
        gateway = PullRequestGateway(gh, job.owner, job.repo, job.number)
        return await author_teams(gateway, worker.redis, job.owner, job.pr_author)


def _moves_the_check(job: RecordReviewEvent) -> bool:
    """Whether the event changes what the check says: a review submitted or dismissed by a person (an
    edit keeps its state; bots' reviews count for nothing)."""
    return (
        job.kind == "review"
        and job.action in {"submitted", "dismissed"}
        and not (job.actor or "").endswith("[bot]")
    )


async def _evaluate_again(worker: WorkerContext, job: RecordReviewEvent) -> None:
    """Queue an evaluation of the head the review was given on (dropped as stale if the PR moved on: its
    push has its own), after the review is in the ledger the evaluation reads."""
    evaluation = EvaluatePullRequest(
        job.installation_id, job.owner, job.repo, job.number, _given(job.head_sha), job.key, refresh=True
    )
    await enqueue(worker.redis, evaluation, debounce_seconds=worker.settings.debounce_seconds)


async def _timeline_needed(worker: WorkerContext, job: RecordReviewEvent) -> bool:
    """The closing reconciles the history with the timeline; a push reads it when the ledger never saw
    the PR's opening (older than the installation, a lost delivery), or when the installation is not
    subscribed to the review events (it has not accepted them yet), so the check's figures stay current."""
    if job.kind == "closed":
        return True
    if job.kind != "push":
        return False
    if not await in_transaction(worker.sessions, partial(_opened, job=job)):
        return True
    return not await subscribed_events(worker, job.installation_id) >= REVIEW_EVENTS


async def subscribed_events(worker: WorkerContext, installation_id: int) -> frozenset[str]:
    """The events the installation is subscribed to (`GET /app/installations/{id}`), remembered ten
    minutes in Redis; when GitHub does not say, the review events are taken as subscribed."""
    key = f"scopegate:installation-events:{installation_id}"
    remembered = await worker.redis.get(key)
    if remembered is not None:
        return frozenset(json.loads(remembered))
    try:
        async with worker.app() as gh:
            answer = await gh.rest.apps.async_get_installation(installation_id)
    except RequestFailed as error:
        log.warning("installation %s: its events are unknown: %s", installation_id, error)
        return REVIEW_EVENTS
    events = frozenset(answer.parsed_data.events)
    await worker.redis.set(key, json.dumps(sorted(events)), ex=EVENTS_MEMORY_SECONDS)
    return events


def _opened(session: Session, job: RecordReviewEvent) -> bool:
    """Whether the ledger holds the PR's opening."""
    history = pull_request_history(session, job.repository_id, job.number)
    return history is not None and any(isinstance(e, Opened) for e in history.events)


async def _read_timeline(worker: WorkerContext, job: RecordReviewEvent) -> int:
    """Record the PR's timeline events the ledger lacks; how many it added."""
    async with worker.github(job.installation_id) as gh:
        timeline = await read_timeline(PullRequestGateway(gh, job.owner, job.repo, job.number))
    if timeline is None:
        return 0
    entries = [
        ReviewEventRecord(
            repository_id=job.repository_id,
            repo_full_name=f"{job.owner}/{job.repo}",
            pr_number=job.number,
            event=item.event,
            pr_author=timeline.author or job.pr_author,
            installation_id=job.installation_id,
            before_sha=item.before_sha,
            measured=not isinstance(item.event, Push),
        )
        for item in timeline.events
    ]

    return await in_transaction(worker.sessions, partial(record_review_events, records=entries))


def _pending(session: Session, job: RecordReviewEvent) -> list[UnmeasuredPush]:
    """The PR's pushes since its first review that are not measured yet."""
    history = pull_request_history(session, job.repository_id, job.number)
    since = None if history is None else first_feedback_at(history)
    return [] if since is None else unmeasured_pushes(session, job.repository_id, job.number, after=since)


async def _measure(worker: WorkerContext, job: RecordReviewEvent, pushes: list[UnmeasuredPush]) -> None:
    """Measure each push as the move of the PR's own diff from the head it replaced to its head."""
    async with worker.github(job.installation_id) as gh:
        gateway = PullRequestGateway(gh, job.owner, job.repo, job.number)
        for push in pushes:
            lines = await push_rework(gateway, push)
            await in_transaction(
                worker.sessions, partial(set_push_lines, row_id=push.row_id, changed_lines=lines)
            )


async def push_rework(gateway: PullRequestGateway, push: UnmeasuredPush) -> int:
    """Lines in which the PR's diff (from the base's merge base) moved between the push's two heads; 0
    when the replaced head is unknown or GitHub no longer has it (a force push's old head, collected)."""
    if push.before_sha is None:
        return 0
    try:
        before = await gateway.compare_files(push.base_sha, push.before_sha)
        after = await gateway.compare_files(push.base_sha, push.head_sha)
    except RequestFailed as error:
        if error.response.status_code != 404:
            raise
        log.info("push %s of %s: a head is gone, measured as 0", push.head_sha[:7], gateway.number)
        return 0
    return rework_lines(_diffs(before), _diffs(after))


def _diffs(entries: list[DiffEntry]) -> list[FileDiff]:
    """GitHub's diff entries as the core's."""
    return [FileDiff(e.filename, e.patch or None, e.additions, e.deletions) for e in entries]


def _event(job: RecordReviewEvent) -> Event:
    """The core's event for a job's fields (the intake fills those of its kind)."""
    key, at, actor = job.key, datetime.fromisoformat(job.at), job.actor
    match job.kind:
        case "review":
            state = ReviewState(_given(job.state))
            return Review(key, _given(job.github_id), at, _given(actor), state, _given(job.action))
        case "review_comment":
            return ReviewComment(key, _given(job.github_id), at, _given(actor), _given(job.action))
        case "review_thread":
            return ReviewThread(key, at, _given(actor), _given(job.action))
        case "push":
            # measured later (see record_review_event): the lines are placeholders until then
            return Push(key, at, _given(job.head_sha), _given(job.base_sha), changed_lines=0)
        case "opened":
            return Opened(key, at)
        case "closed":
            return Closed(key, at, bool(job.merged))
    raise ValueError(f"review event kind {job.kind!r} is not one this worker knows")


def _given(value: T | None) -> T:
    """A field the intake fills for the event's kind."""
    if value is None:
        raise ValueError("a review event job lacks a field of its kind")
    return value
