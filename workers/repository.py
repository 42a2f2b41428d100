"""Re-evaluate a repository's open pull requests when its rules file or CODEOWNERS changed."""

from __future__ import annotations

from typing import Any

from bot.intake.jobs import EvaluatePullRequest, enqueue
from workers.context import context

MAX_PAGES = 10


async def reevaluate_repository(ctx: dict[str, Any], *, installation_id: int, owner: str, repo: str) -> int:
    """Queue an evaluation of every open PR at its current head; returns how many were queued."""
    worker = context(ctx)
    async with worker.github(installation_id) as gh:  # one HTTP client (and connection) per job
        queued = 0
        for page in range(1, MAX_PAGES + 1):
            response = await gh.rest.pulls.async_list(owner, repo, state="open", per_page=100, page=page)
            pulls: Any = response.json()
            for pull in pulls:
                job = EvaluatePullRequest(
                    installation_id=installation_id,
                    owner=owner,
                    repo=repo,
                    number=int(pull["number"]),
                    head_sha=str(pull["head"]["sha"]),
                    delivery_id=f"reevaluate:{ctx.get('job_id', '')}",
                    refresh=True,  # these heads may have been evaluated already under the old rules
                )
                queued += await enqueue(worker.redis, job, debounce_seconds=worker.settings.debounce_seconds)
            if 'rel="next"' not in response.headers.get("link", ""):
                break
        return queued
