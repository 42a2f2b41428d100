"""`/scopegate override <reason>`: a permitted person passes the gate for the PR's current head."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.config import RULES_PATH, ConfigSource, load_config
from bot.gather.github import ORG_RULES_KEY, fetch_pull, read_blobs
from bot.github.permissions import allows, permission_of
from bot.intake.jobs import EvaluatePullRequest, enqueue
from bot.ledger.overrides import OverrideRecord, record_override
from workers.context import WorkerContext, context

COMMAND = "/scopegate override"


async def override_by_comment(
    ctx: dict[str, Any],
    *,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    comment_id: int,
    login: str,
    body: str,
) -> str:
    """Check the commenter's permission against the base branch's rules; record the attempt; on success
    re-evaluate the head (the check passes, showing who, when and why), else answer and change nothing."""
    worker = context(ctx)
    async with worker.github(installation_id) as gh:  # one HTTP client (and connection) per job
        facts = await fetch_pull(gh, owner, repo, number)
        if facts is None:
            return "no such pull request"
        head = facts.info.head_sha
        repo_rules = f"{facts.base_tip}:{RULES_PATH}"
        blobs = await read_blobs(gh, owner, repo, [repo_rules], org_rules=True)
        layers = [
            ConfigSource(
                name, (blobs[key].text or b"").decode("utf-8", errors="replace") if key in blobs else None
            )
            for name, key in ((f"{owner}/.github:{RULES_PATH}", ORG_RULES_KEY), (RULES_PATH, repo_rules))
        ]
        config = load_config(*layers).config.override
        reason = body.strip().removeprefix(COMMAND).strip().splitlines()[0] if body.strip() != COMMAND else ""
        permission = await permission_of(gh, owner, repo, login)
        accepted = allows(permission, config.min_permission)
        record = OverrideRecord(
            repo_full_name=f"{owner}/{repo}",
            pr_number=number,
            head_sha=head,
            actor_login=login,
            source="comment",
            accepted=accepted,
            reason=reason,
            permission=permission,
            delivery_id=f"comment:{comment_id}",
            installation_id=installation_id,
        )
        await asyncio.to_thread(_audit, worker, record)
        if not accepted:
            answer = (
                f"@{login} `{COMMAND}` needs **{config.min_permission}** permission on this repository "
                f"(you have {permission}). Nothing changed."
            )
            await gh.rest.issues.async_create_comment(owner, repo, number, body=answer)
            return "refused"
        job = EvaluatePullRequest(
            installation_id, owner, repo, number, head, f"override:{comment_id}", refresh=True
        )
        await enqueue(worker.redis, job, debounce_seconds=0)
        return "accepted"


def _audit(worker: WorkerContext, record: OverrideRecord) -> None:
    with worker.sessions.begin() as session:
        record_override(session, record)
