"""`merge_group.checks_requested`: the merge queue waits for the gate's check on its group's commit.

GitHub's merge queue builds a commit of the base with the queued pull requests applied in order and asks for
the required checks on it. Each pull request ahead in the queue has a group commit of its own, checked in
turn, so the group named after pull request N carries N's verdict: the conclusion and title of the gate's
completed check on N's head. A head not yet evaluated is evaluated first, and this job waits for it.
https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/configuring-pull-request-merges/managing-a-merge-queue
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arq import Retry

from bot.github.gateway import PullRequestGateway
from bot.intake.jobs import EvaluatePullRequest, enqueue
from workers.context import context

# How long to wait for the pull request's own check between tries (arq's tries bound the whole wait).
WAIT_SECONDS = 10.0


async def report_merge_group(
    ctx: dict[str, Any], *, installation_id: int, owner: str, repo: str, head_sha: str, number: int
) -> str:
    """Create the check on the group's commit from pull request `number`'s completed check."""
    worker = context(ctx)
    async with worker.github(installation_id) as gh:
        gateway = PullRequestGateway(gh, owner, repo, number)
        pull = (await gh.rest.pulls.async_get(owner, repo, number)).parsed_data
        response = await gh.rest.checks.async_list_for_ref(
            owner, repo, pull.head.sha, app_id=worker.credentials.app_id, filter_="latest"
        )
        done = [run for run in response.parsed_data.check_runs if run.status == "completed"]
        if not done:
            job = EvaluatePullRequest(installation_id, owner, repo, number, pull.head.sha, "merge-group")
            await enqueue(worker.redis, job, debounce_seconds=0)
            raise Retry(defer=ctx.get("merge_group_wait_seconds", WAIT_SECONDS))
        run = done[0]
        verdict = run.output.title or str(run.conclusion)
        body: Any = {
            "name": run.name,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": run.conclusion,
            "completed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "output": {
                "title": f"#{number}: {verdict}"[:1000],
                "summary": (
                    f"The merge queue's commit for #{number} carries the verdict of its check at "
                    f"{pull.head.sha[:7]} ({run.html_url or 'the pull request'}); the pull requests ahead "
                    "of it in the queue were checked on their own group commits."
                ),
            },
        }
        await gateway.create_check_run(body)
        return f"merge group {head_sha[:7]}: {run.conclusion} from #{number}"
