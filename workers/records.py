"""Jobs that only record: installations and closed pull requests."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.ledger.closures import record_closure
from bot.ledger.installations import record_installation as record
from workers.context import WorkerContext, context


async def record_installation(
    ctx: dict[str, Any], *, event: str, action: str, payload: dict[str, Any]
) -> int | None:
    """Record an `installation` / `installation_repositories` event in the ledger."""
    worker = context(ctx)
    return await asyncio.to_thread(_record, worker, payload, str(ctx.get("job_id", "")))


async def record_pull_request_closed(
    ctx: dict[str, Any], *, installation_id: int, owner: str, repo: str, number: int, merged: bool
) -> None:
    """Record that the PR was closed, merged or not (the start of time-to-merge reports)."""
    worker = context(ctx)
    await asyncio.to_thread(_closed, worker, f"{owner}/{repo}", number, merged, installation_id)


def _closed(worker: WorkerContext, repo: str, number: int, merged: bool, installation_id: int) -> None:
    with worker.sessions.begin() as session:
        record_closure(session, repo, number, merged=merged, installation_id=installation_id)


def _record(worker: WorkerContext, payload: dict[str, Any], job_id: str) -> int | None:
    with worker.sessions.begin() as session:
        return record(session, payload, delivery_id=job_id)
