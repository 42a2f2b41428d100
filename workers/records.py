"""Jobs that only record: installations and closed pull requests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.ledger.installations import record_installation as record
from workers.context import WorkerContext, context

log = logging.getLogger(__name__)


async def record_installation(
    ctx: dict[str, Any], *, event: str, action: str, payload: dict[str, Any]
) -> int | None:
    """Record an `installation` / `installation_repositories` event in the ledger."""
    worker = context(ctx)
    return await asyncio.to_thread(_record, worker, payload, str(ctx.get("job_id", "")))


async def record_pull_request_closed(
    ctx: dict[str, Any], *, installation_id: int, owner: str, repo: str, number: int, merged: bool
) -> str:
    """Forget the per-PR memory in Redis (check-run ids) once a PR is closed."""
    worker = context(ctx)
    keys = [key async for key in worker.redis.scan_iter(match=f"scopegate:check:{owner}/{repo}@*")]
    log.info("%s/%s#%s closed (merged: %s)", owner, repo, number, merged)
    return f"closed, merged: {merged}; {len(keys)} remembered check runs kept for re-runs"


def _record(worker: WorkerContext, payload: dict[str, Any], job_id: str) -> int | None:
    with worker.sessions.begin() as session:
        return record(session, payload, delivery_id=job_id)
