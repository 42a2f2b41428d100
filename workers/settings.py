"""The arq worker: its functions, schedule and the clients built once per process."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Worker, func

from bot.identity import IdentitySource, wait_for_credentials
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import require_head
from bot.settings import Settings, load_settings
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
    Until the App is set up (its credentials in the environment or stored by the setup page) this waits,
    and no job starts: they stay queued in Redis.
    """
    settings: Settings = ctx.get("settings") or load_settings()
    engine = create_engine_for(settings.database_url)
    ctx["engine"] = engine
    await asyncio.to_thread(require_head, engine)
    sessions = session_factory(engine)
    credentials = await wait_for_credentials(IdentitySource(settings, sessions))
    ctx["scopegate"] = WorkerContext(settings, credentials, ctx["redis"], sessions)


async def shutdown(ctx: dict[str, Any]) -> None:
    """Release the database pool."""
    engine = ctx.get("engine")
    if engine is not None:
        engine.dispose()


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """An arq worker for `settings`; `overrides` reach arq's Worker (tests use `burst`, `job_timeout`, …)."""
    options: dict[str, Any] = {
        "functions": FUNCTION_SPECS,
        "cron_jobs": periodic_jobs(),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "ctx": {"settings": settings},
        "job_timeout": JOB_TIMEOUT,
        "max_tries": MAX_TRIES,
        "keep_result": 3600,
    }
    return Worker(**(options | overrides))


class WorkerSettings:
    """For `arq workers.settings.WorkerSettings`: settings are read from the environment at start-up."""

    functions = FUNCTION_SPECS
    cron_jobs = periodic_jobs()
    on_startup = startup
    on_shutdown = shutdown
    job_timeout = JOB_TIMEOUT
    max_tries = MAX_TRIES
    keep_result = 3600
