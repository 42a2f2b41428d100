"""The web app: webhook intake, App setup page, health and readiness probes, Prometheus metrics, the
report and cost APIs, the dashboard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from arq.connections import ArqRedis
from arq.constants import default_queue_name
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from bot.identity import IdentitySource
from bot.intake.webhooks import WebhookDoor
from bot.settings import Settings
from bot.web.api import api_router
from bot.web.cost_api import cost_router
from bot.web.dashboard import dashboard_router
from bot.web.metrics import CONTENT_TYPE, Metrics, create_metrics, render
from bot.web.setup import SetupToken, announce_setup, setup_router
from bot.worker_metrics import HEARTBEAT_STALE_SECONDS, live_workers

log = logging.getLogger(__name__)

# A webhook must be answered within 10 s; a Redis that hangs should cost a 503, not the deadline.
_REDIS_TIMEOUT_SECONDS = 2.0

DatabasePing = Callable[[], Awaitable[bool]]


def create_app(
    settings: Settings,
    *,
    redis: ArqRedis | None = None,
    database_ping: DatabasePing | None = None,
    metrics: Metrics | None = None,
    identity: IdentitySource | None = None,
    setup_token: SetupToken | None = None,
) -> WebhookDoor:
    """The web app: FastAPI behind the webhook door. `redis` (used on the serving loop), `database_ping`,
    `metrics`, `identity` and `setup_token` may be injected. Without `identity`, the App's credentials
    come from the environment only; without `setup_token`, a fresh one is printed to the log while the App
    is not set up."""
    queue = redis if redis is not None else connect_queue(settings.redis_url)
    metrics = metrics if metrics is not None else create_metrics()
    identity = identity if identity is not None else IdentitySource(settings, None)

    setup_token = setup_token if setup_token is not None else SetupToken()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Print the setup link when the App is not set up; close the queue's connections on shutdown
        when this app opened them."""
        await announce_setup(settings, identity, queue, setup_token)
        yield
        if redis is None:
            await queue.aclose(close_connection_pool=True)

    app = FastAPI(title="scopegate", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    async def readiness() -> dict[str, str]:
        """`ok`, `not configured` or the problem, for Redis, the database and the workers."""
        return {
            "redis": await _check_redis(queue),
            "database": await _check_database(database_ping),
            "worker": await _check_workers(queue),
        }

    app.include_router(setup_router(settings, identity, queue, readiness, setup_token))
    app.include_router(api_router(settings, identity))
    app.include_router(cost_router(settings, identity))
    app.include_router(dashboard_router(settings, identity))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready when Redis answers PING and the database (if one is wired in) answers too. The workers'
        heartbeat is shown, not required: this process can take deliveries without one (they wait queued)."""
        checks = await readiness()
        ready = all(checks[part] in ("ok", "not configured") for part in ("redis", "database"))
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def prometheus() -> Response:
        """Prometheus metrics; the queue depth is read from Redis at scrape time."""
        try:
            metrics.queue_depth.set(await queue.zcard(default_queue_name))
            await metrics.workers.refresh(queue)
        except RedisError as error:
            log.warning("queue depth unavailable: %s", error)
        return Response(render(metrics), media_type=CONTENT_TYPE)

    return WebhookDoor(app, settings, identity, queue, metrics)


def connect_queue(redis_url: str) -> ArqRedis:
    """An arq client for `redis_url`; it connects on first use."""
    # Not arq.create_pool: it PINGs Redis, retrying for seconds, and raises when Redis is down, so the
    # intake could not start during a Redis outage. Started anyway, it answers 503 (GitHub marks the
    # delivery failed, to be redelivered) and /readyz says why.
    pool = ConnectionPool.from_url(
        redis_url, socket_connect_timeout=_REDIS_TIMEOUT_SECONDS, socket_timeout=_REDIS_TIMEOUT_SECONDS
    )
    return ArqRedis(pool)


async def _check_redis(queue: ArqRedis) -> str:
    """`ok`, or why Redis is not reachable."""
    try:
        await queue.ping()
    except RedisError as error:
        return _failure("Redis", error)
    return "ok"


async def _check_workers(queue: ArqRedis) -> str:
    """`ok (N alive)`, or that no worker's heartbeat reached Redis lately."""
    try:
        alive = await live_workers(queue)
    except RedisError as error:
        return _failure("the workers' heartbeat", error)
    if alive == 0:
        return f"error: no worker heartbeat in the last {HEARTBEAT_STALE_SECONDS:.0f} s"
    return f"ok ({alive} alive)"


async def _check_database(database_ping: DatabasePing | None) -> str:
    """`ok`, `not configured`, or why the database check failed."""
    if database_ping is None:
        return "not configured"
    try:
        answered = await database_ping()
    except Exception as error:  # a probe reports every failure; it must not turn one into a 500
        return _failure("the database", error)
    return "ok" if answered else "error: no answer"


def _failure(part: str, error: Exception) -> str:
    """`error: <kind>` for a probe's answer, which anyone may read: driver messages name hosts, ports
    and users, so they go to the log only."""
    log.warning("readiness: %s: %s", part, error)
    return f"error: {type(error).__name__}"
