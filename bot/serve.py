"""Run the App: the web app (uvicorn), the worker (arq), or both in one process, until SIGINT or SIGTERM.

Nothing here assumes it is the only process: the queue, delivery de-duplication, locks and the setup
page's state live in Redis, the App's credentials in the database, so any number of `web` and `worker`
processes on any number of machines can share one Redis and one database.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import ExitStack
from typing import Any

import uvicorn
import uvloop
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.embedded import embedded_redis
from bot.identity import IdentitySource, environment_credentials
from bot.intake.webhooks import WebhookDoor
from bot.ledger.engine import create_engine_for, ping, session_factory
from bot.ledger.migrate import head_revision, require_head, upgrade
from bot.settings import Settings
from bot.web.app import create_app
from workers.supervise import run_worker

# Open connections get this long to finish on shutdown; a webhook is answered in milliseconds.
GRACEFUL_SECONDS = 10


class StartError(Exception):
    """The database could not be brought up to date; the message is one line."""


def serve_all(settings: Settings) -> None:
    """Web app and worker in one process; an embedded Redis under the data folder when no Redis URL is
    set (SQLite is already the database's default there); the database migrated first."""
    environment_credentials(settings)  # a half-configured App stops start-up here, not in a request
    # Until the event loop takes over, SIGTERM raises KeyboardInterrupt like SIGINT does, so the embedded
    # Redis is stopped rather than orphaned when the process is stopped while starting.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ExitStack() as stack:
        if "redis_url" not in settings.model_fields_set:
            redis_url = stack.enter_context(embedded_redis(settings.data_dir))
            settings = settings.model_copy(update={"redis_url": redis_url})
        migrate(settings)
        uvloop.run(_run(settings, web=True, work=True))


def serve_web(settings: Settings) -> None:
    """The web app alone (webhook intake, setup page, probes, metrics); refused on an unmigrated database."""
    environment_credentials(settings)
    require_migrated(settings)
    # uvloop, as uvicorn's own `run` would choose: its `serve()`, awaited here, runs on whatever loop it is
    # given, and asyncio's default one made each delivery cost more CPU.
    uvloop.run(_run(settings, web=True, work=False))


def serve_worker(settings: Settings) -> None:
    """The worker alone; it waits for the App's credentials when there are none yet. Refused on an
    unmigrated database."""
    environment_credentials(settings)
    require_migrated(settings)
    asyncio.run(_run(settings, web=False, work=True))


def migrate(settings: Settings) -> str | None:
    """Bring the database to the newest schema; returns that revision. Safe to run from several processes
    at once on PostgreSQL (an advisory lock); a deployment runs it once, before starting the new version."""
    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StartError(f"cannot migrate the database at {where}: {reason}") from error
    return head_revision()


def require_migrated(settings: Settings) -> None:
    """Stop start-up with a SchemaError (one line naming the fix) when the database answers but is not at
    the newest revision: `web` and `worker` leave migrating to `scopegate migrate`, once per deployment."""
    engine = create_engine_for(settings.database_url)
    try:
        require_head(engine)
    finally:
        engine.dispose()


def web_app(settings: Settings, engine: Engine) -> WebhookDoor:
    """The web app on the ledger at `engine`: the App's credentials may be stored there; /readyz pings it."""

    async def database_ping() -> bool:
        """Whether the database answers."""
        return await asyncio.to_thread(ping, engine)

    identity = IdentitySource(settings, session_factory(engine))
    return create_app(settings, database_ping=database_ping, identity=identity)


async def _run(settings: Settings, *, web: bool, work: bool) -> None:
    """Run the parts asked for until a signal, or until one of them stops; then stop the others."""
    engine = create_engine_for(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # uvicorn also listens for these signals while it serves (and stops itself); arq must not, or the
    # two would fight over the handlers: this function stops the worker.
    server = uvicorn.Server(uvicorn_config(web_app(settings, engine), settings)) if web else None
    tasks: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
    tasks += [asyncio.create_task(server.serve())] if server else []
    # The worker rides out Redis and database outages (a new arq worker after each), so the web app keeps
    # serving while it waits; stopping it cancels running jobs, which arq runs again (they are idempotent).
    tasks += [asyncio.create_task(run_worker(settings, stop))] if work else []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        if server is not None:
            server.should_exit = True
        results = await asyncio.gather(*tasks, return_exceptions=True)
        engine.dispose()
    for result in results:
        if isinstance(result, Exception):  # a part that crashed; CancelledError is how the others stop
            raise result


def uvicorn_config(app: WebhookDoor, settings: Settings) -> uvicorn.Config:
    """uvicorn's settings for `app`."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        # Named, not "auto": a missing httptools (in uvicorn[standard]) then stops start-up instead of
        # quietly falling back to h11, pure Python. The loop applies to `Server.run` only: `_run` awaits
        # `serve()` on the uvloop it starts itself.
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        # Off: the webhook door logs each delivery itself, with its id, event and outcome; uvicorn's line
        # per request said less, at a cost paid on every delivery.
        access_log=False,
    )
