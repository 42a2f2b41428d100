"""Re-evaluate a repository's open pull requests when its rules file or CODEOWNERS changed."""

from __future__ import annotations

from typing import Any

from bot.github.client import collect
from bot.intake.jobs import EvaluatePullRequest, enqueue
from workers.context import context

MAX_PULLS = 1000


async def reevaluate_repository(ctx: dict[str, Any], *, installation_id: int, owner: str, repo: str) -> int:
    """Queue an evaluation of every open PR at its current head; returns how many were queued."""
    worker = context(ctx)
    async with worker.github(installation_id) as gh:  # one HTTP client (and connection) per job
        pulls = gh.rest.paginate(gh.rest.pulls.async_list, owner=owner, repo=repo, state="open", per_page=100)
        queued = 0
        for pull in await collect(pulls, MAX_PULLS):
            job = EvaluatePullRequest(
                installation_id=installation_id,
                owner=owner,
                repo=repo,
                number=pull.number,
                head_sha=pull.head.sha,
                delivery_id=f"reevaluate:{ctx.get('job_id', '')}",
                refresh=True,  # these heads may have been evaluated already under the old rules
            )
            queued += await enqueue(worker.redis, job, debounce_seconds=worker.settings.debounce_seconds)
        return queued
