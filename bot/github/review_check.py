"""The LLM review's own check run on a head, `scopegate / review`, apart from the gate's (issue 13): put in
progress when the review starts, completed with `bot.llm.report`'s output."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.github.gateway import PullRequestGateway
from bot.github.publish import ANNOTATIONS_PER_REQUEST, start_check_run
from bot.llm.report import NAME, ReviewOutput


async def start_review_check(gateway: PullRequestGateway, *, head_sha: str, external_id: str) -> int:
    """The head's review check in progress: its run of that name reused, else a new one."""
    existing = await gateway.find_check_run(head_sha, NAME)
    return await start_check_run(
        gateway, head_sha=head_sha, name=NAME, existing=existing, external_id=external_id
    )


async def complete_review_check(gateway: PullRequestGateway, check_id: int, output: ReviewOutput) -> None:
    """Complete the review check with `output`; its annotations (50 at most: one request) on their lines."""
    body: Any = {
        "status": "completed",
        "conclusion": output.conclusion.value,
        "completed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "output": {
            "title": output.title,
            "summary": output.summary,
            "annotations": list(output.annotations[:ANNOTATIONS_PER_REQUEST]),
        },
    }
    await gateway.update_check_run(check_id, body)
