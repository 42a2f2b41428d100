"""Jobs that only record: installations and closed pull requests."""

from __future__ import annotations

from typing import Any

from bot.ledger.installations import record_installation as record
from bot.ledger.pull_requests import record_closure
from workers.context import context
from workers.heads import forget_pull_head
from workers.ledger import in_transaction


async def record_installation(
    ctx: dict[str, Any], *, event: str, action: str, payload: dict[str, Any]
) -> int | None:
    """Record an `installation` / `installation_repositories` event in the ledger."""
    worker = context(ctx)
    job_id = str(ctx.get("job_id", ""))
    return await in_transaction(worker.sessions, lambda session: record(session, payload, delivery_id=job_id))


async def record_pull_request_closed(
    ctx: dict[str, Any],
    *,
    installation_id: int,
    repository_id: int,
    owner: str,
    repo: str,
    number: int,
    merged: bool,
) -> None:
    """Record that the PR was closed, merged or not (the start of time-to-merge reports)."""
    worker = context(ctx)
    await forget_pull_head(worker.redis, owner, repo, number)
    await in_transaction(
        worker.sessions,
        lambda session: record_closure(
            session,
            github_repo_id=repository_id,
            repo_full_name=f"{owner}/{repo}",
            pr_number=number,
            merged=merged,
            installation_id=installation_id,
        ),
    )
