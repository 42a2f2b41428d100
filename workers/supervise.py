"""Keep a worker running through Redis and database outages: an outage ends one arq worker, and a new one
starts after a jittered back-off, until the process is told to stop."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from contextlib import suppress
from typing import Any

from arq.worker import Worker
from redis.exceptions import RedisError

from bot.settings import Settings
from workers.outages import is_outage
from workers.settings import create_worker, stop_heartbeat

log = logging.getLogger(__name__)
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
# A worker that ran this long before its outage starts the back-off afresh.
HEALTHY_SECONDS = 60.0
# Closing a worker during an outage cannot tell Redis about its jobs; it gets this long to try.
CLOSE_SECONDS = 5.0


async def run_worker(settings: Settings, stop: asyncio.Event, **overrides: Any) -> None:
    """Run arq workers for `settings`, one after another, until `stop` is set: a worker ended by an outage
    is followed by a new one (jittered exponential back-off); any other error ends this too."""
    delay = FIRST_DELAY_SECONDS
    while not stop.is_set():
        worker = create_worker(settings, **({"handle_signals": False} | overrides))
        started = time.monotonic()
        error = await _run_until(worker, stop)
        if stop.is_set() or error is None:
            return
        if not is_outage(error):
            raise error
        if time.monotonic() - started > HEALTHY_SECONDS:
            delay = FIRST_DELAY_SECONDS
        wait = delay * random.uniform(0.5, 1.0)
        log.warning(
            "worker stopped by an outage (%s: %s); starting again in %.1fs", type(error).__name__, error, wait
        )
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        delay = min(delay * 2, MAX_DELAY_SECONDS)


async def _run_until(worker: Worker, stop: asyncio.Event) -> BaseException | None:
    """Run `worker` until it ends or `stop` is set; close it; return the error that ended it, if one did."""
    running = asyncio.create_task(worker.async_run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    error = running.exception() if running.done() and not running.cancelled() else None
    try:
        await asyncio.wait_for(worker.close(), CLOSE_SECONDS)  # cancels running jobs; arq runs them again
    except (TimeoutError, RedisError, OSError) as closing:
        log.warning("worker closed without reaching Redis: %s", closing)
        await _release(worker)
    await asyncio.gather(running, return_exceptions=True)
    return error


async def _release(worker: Worker) -> None:
    """What `Worker.close` would have released, when Redis was not there for it."""
    await stop_heartbeat(worker.ctx)
    engine = worker.ctx.get("engine")
    if engine is not None:
        engine.dispose()
    # arq keeps no public handle to drop a pool it could not close.
    pool = worker._pool
    if pool is not None:
        with suppress(RedisError, OSError):
            await pool.connection_pool.disconnect()
        worker._pool = None
