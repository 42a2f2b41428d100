"""The arq worker: its functions, schedule and the clients built once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, Worker, func
from arq.worker import create_worker as arq_worker

from bot.identity import IdentitySource, wait_for_credentials
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import require_head
from bot.settings import Settings, load_settings
from rules import RULES
from rules.base import Catalogue
from workers.context import WorkerContext
from workers.evaluate import MAX_TRIES, evaluate_pull_request
from workers.override import override_by_comment
from workers.records import record_installation, record_pull_request_closed
from workers.redeliver import redeliver_failed_deliveries
from workers.repository import reevaluate_repository

JOB_TIMEOUT = 300
FUNCTIONS = (
    evaluate_pull_request,
    reevaluate_repository,
    record_installation,
    override_by_comment,
    record_pull_request_closed,
)

FUNCTION_SPECS = tuple(func(f, max_tries=MAX_TRIES) for f in FUNCTIONS)


def periodic_jobs() -> list[CronJob]:
    """The periodic jobs, new for each worker: arq keeps a job's next run time on the object, so a shared one
    would run at start-up for the first worker of a process only."""
    # GitHub keeps failed deliveries three days; looking every five minutes loses none of them.
    return [cron(redeliver_failed_deliveries, minute=set(range(0, 60, 5)), run_at_startup=True)]


async def startup(ctx: dict[str, Any]) -> None:
    """Build the worker context once per process; settings come injected, or from the environment.

    A database that answers but is not migrated stops the worker here (SchemaError), before any job runs.
    The rule catalogue comes injected as `rules` in the ctx too (tests run extra rules), else `RULES`.
    Until the App is set up (its credentials in the environment or stored by the setup page) this waits,
    and no job starts: they stay queued in Redis.
    """
    settings: Settings = ctx.get("settings") or load_settings()
    engine = create_engine_for(settings.database_url)
    ctx["engine"] = engine
    await asyncio.to_thread(require_head, engine)
    sessions = session_factory(engine)
    credentials = await wait_for_credentials(IdentitySource(settings, sessions))
    rules: Catalogue = ctx.get("rules") or RULES
    ctx["scopegate"] = WorkerContext(settings, credentials, ctx["redis"], sessions, rules)


async def shutdown(ctx: dict[str, Any]) -> None:
    """Release the database pool."""
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
    options: dict[str, Any] = {
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        "cron_jobs": periodic_jobs(),
    }
    return arq_worker(WorkerSettings, **(options | overrides))
