"""The arq worker: its functions, schedule and the clients built once per process."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import replace
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, Worker, func
from arq.worker import create_worker as arq_worker
from redis.asyncio.retry import Retry
from redis.backoff import EqualJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.identity import IdentitySource, wait_for_credentials
from bot.inference.settings import LlmSettings, load_llm_settings
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import require_head
from bot.settings import Settings, load_settings
from bot.worker_metrics import HEARTBEAT_SECONDS, forget_worker, record_heartbeat
from rules import RULES
from rules.base import Catalogue
from workers.context import WorkerContext
from workers.evaluate import MAX_TRIES, evaluate_pull_request
from workers.llm_review import LlmReviewer, build_reviewer
from workers.merge_group import report_merge_group
from workers.override import override_by_comment
from workers.records import record_installation, record_pull_request_closed
from workers.redeliver import redeliver_failed_deliveries
from workers.repository import reevaluate_repository
from workers.reviews import record_review_event
from workers.sweep import SWEEP_MINUTES, sweep, sweep_installation

log = logging.getLogger(__name__)
JOB_TIMEOUT = 300
# Every Redis command of the worker (arq's polling included) rides out a Redis restart of up to about
# 30 s by retrying with jittered back-off (0.1 s doubling to 2 s); a longer outage ends the worker, and
# `workers.supervise` starts a new one.
REDIS_RETRY = Retry(EqualJitterBackoff(cap=2.0, base=0.1), retries=20)
FUNCTIONS = (
    evaluate_pull_request,
    reevaluate_repository,
    record_installation,
    override_by_comment,
    record_pull_request_closed,
    sweep_installation,
    report_merge_group,
    record_review_event,
)

FUNCTION_SPECS = tuple(func(f, max_tries=MAX_TRIES) for f in FUNCTIONS)


def periodic_jobs() -> list[CronJob]:
    """The periodic jobs, new for each worker: arq keeps a job's next run time on the object, so a shared one
    would run at start-up for the first worker of a process only. The sweep does not run at start-up: a
    worker restarted in a loop would sweep each time."""
    # GitHub keeps failed deliveries three days; looking every five minutes loses none of them.
    redeliver = cron(redeliver_failed_deliveries, minute=set(range(0, 60, 5)), run_at_startup=True)
    reconcile = cron(sweep, minute=set(range(0, 60, SWEEP_MINUTES)))
    return [redeliver, reconcile]


async def startup(ctx: dict[str, Any]) -> None:
    """Build the worker context once per process; settings come injected, or from the environment.

    A database that answers but is not migrated stops the worker here (SchemaError), before any job runs.
    The rule catalogue comes injected as `rules` in the ctx too (tests run extra rules), else `RULES`; so
    may `retry` (a `Backoff`) and `lock_seconds` (tests make them short).
    Until the App is set up (its credentials in the environment or stored by the setup page) this waits,
    and no job starts: they stay queued in Redis.
    """
    settings: Settings = ctx.get("settings") or load_settings()
    ctx.setdefault("job_timeout_seconds", JOB_TIMEOUT)  # arq's own CLI builds the ctx without it
    await warn_unless_durable(ctx["redis"])
    ctx["heartbeat"] = asyncio.create_task(_beat(ctx["redis"], _worker_id()))
    engine = create_engine_for(settings.database_url)
    ctx["engine"] = engine
    await asyncio.to_thread(require_head, engine)
    sessions = session_factory(engine)
    credentials = await wait_for_credentials(IdentitySource(settings, sessions))
    rules: Catalogue = ctx.get("rules") or RULES
    # One thread: evaluations leave the event loop free (locks renewed, jobs answered) and never run two
    # at once over the shared parsers; they are CPU-bound, so more threads would not make them faster.
    ctx["cpu"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluate")
    tuning = {key: ctx[key] for key in ("retry", "lock_seconds") if key in ctx}
    # The LLM review: the operator's SCOPEGATE_LLM_* settings (or injected ones); none without a provider.
    llm_settings: LlmSettings = ctx.get("llm_settings") or load_llm_settings()
    ctx["llm"] = build_reviewer(llm_settings, ctx["redis"], sessions)
    ctx["scopegate"] = WorkerContext(
        settings, credentials, ctx["redis"], sessions, rules, ctx["cpu"], **tuning, llm=ctx["llm"]
    )


async def warn_unless_durable(redis: Any) -> bool:
    """Log a warning when Redis keeps no append-only file: a restart then forgets every queued job, and a
    delivery answered 202 is lost (the sweep finds its PR again within ten minutes). True when it does. A
    Redis that refuses CONFIG (managed services often do) is taken at its operator's word."""
    try:
        answer = await redis.config_get("appendonly")
    except RedisError:
        return True
    durable: bool = answer.get("appendonly") == "yes"
    if not durable:
        log.warning(
            "Redis persistence is off (appendonly no): a Redis restart loses the queued jobs; "
            "run it with appendonly yes, appendfsync everysec"
        )
    return durable


async def _beat(redis: Any, worker_id: str) -> None:
    """Record this worker's heartbeat every few seconds for as long as it runs (`/readyz` and `/metrics`
    show it); a missed beat during a Redis outage is only logged."""
    try:
        while True:
            try:
                await record_heartbeat(redis, worker_id)
            except RedisError as error:
                log.warning("heartbeat not recorded: %s", error)
            await asyncio.sleep(HEARTBEAT_SECONDS)
    finally:
        # Redis down or the loop closing: the heartbeat goes stale instead.
        with suppress(RedisError, asyncio.CancelledError):
            await asyncio.shield(forget_worker(redis, worker_id))


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def stop_heartbeat(ctx: dict[str, Any]) -> None:
    """Stop the heartbeat task `startup` started, if it did."""
    beat: asyncio.Task[None] | None = ctx.pop("heartbeat", None)
    if beat is not None:
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)


async def shutdown(ctx: dict[str, Any]) -> None:
    """Stop the heartbeat; close the LLM provider's connections; release the database pool."""
    await stop_heartbeat(ctx)
    reviewer: LlmReviewer | None = ctx.pop("llm", None)
    if reviewer is not None:
        await reviewer.edges.provider.close()
    cpu: ThreadPoolExecutor | None = ctx.pop("cpu", None)
    if cpu is not None:
        cpu.shutdown(wait=False, cancel_futures=True)
    engine = ctx.get("engine")
    if engine is not None:
        engine.dispose()


class WorkerSettings:
    """The worker, as arq reads it (`arq workers.settings.WorkerSettings` reads settings from the
    environment at start-up); `create_worker` builds the same worker with settings injected."""

    functions: Sequence[WorkerCoroutine | Function] = FUNCTION_SPECS
    cron_jobs: Sequence[CronJob] | None = periodic_jobs()
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    job_timeout = JOB_TIMEOUT
    max_tries = MAX_TRIES
    keep_result = 3600


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """An arq worker for `settings`; `overrides` reach arq's Worker (tests use `burst`, `job_timeout`, `ctx`
    with a `rules` catalogue, …). Its cron jobs are its own (see `periodic_jobs`)."""
    # The sweep tells a run in progress too long by the job timeout.
    timeout = overrides.get("job_timeout", JOB_TIMEOUT)
    ctx = {"settings": settings, "job_timeout_seconds": timeout} | overrides.pop("ctx", {})
    options: dict[str, Any] = {
        "redis_settings": redis_settings(settings.redis_url),
        "cron_jobs": periodic_jobs(),
    }
    return arq_worker(WorkerSettings, **(options | overrides), ctx=ctx)


def redis_settings(redis_url: str) -> RedisSettings:
    """arq's connection settings for `redis_url`, every command retried through a short outage."""
    return replace(
        RedisSettings.from_dsn(redis_url),
        retry=REDIS_RETRY,
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        retry_on_timeout=True,
    )
