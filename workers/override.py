"""`/scopegate override <reason>`: a permitted person passes the gate for the PR's current head."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from githubkit.exception import RequestFailed
from sqlalchemy.orm import Session

from bot.core.config import load_config
from bot.core.overrides import allows
from bot.core.snapshot import OverrideClaim
from bot.gather.github import PullFacts, base_rules, fetch_pull
from bot.github.gateway import PullRequestGateway
from bot.intake.events import OVERRIDE_LABEL_SECONDS, override_label_key_for
from bot.intake.jobs import EvaluatePullRequest, enqueue
from bot.ledger.evaluations import pull_request_evaluations
from bot.ledger.overrides import OverrideRecord, pull_request_overrides, record_override
from workers.context import WorkerContext, context
from workers.ledger import in_transaction

COMMAND = "/scopegate override"
# The App's one reply to refused commands on a PR, edited for each refusal: anyone may comment, and a new
# comment per refusal would let any commenter make the App spam the PR.
REPLY_KEY = "scopegate:override-reply:{}/{}#{}"
REPLY_MEMORY_SECONDS = 90 * 24 * 3600


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
        gateway = PullRequestGateway(gh, owner, repo, number)
        facts = await fetch_pull(gateway)
        if facts is None:
            return "no such pull request"
        head = facts.info.head_sha
        config = load_config(worker.rules, await base_rules(gateway, facts.base_tip)).config.override
        reason = body.strip().removeprefix(COMMAND).strip().splitlines()[0] if body.strip() != COMMAND else ""
        permission = await gateway.permission(login)
        accepted = allows(permission, config.min_permission)
        record = OverrideRecord(
            repository_id=facts.repository_id,
            repo_full_name=f"{owner}/{repo}",
            pr_number=number,
            head_sha=head,
            actor_login=login,
            source="comment",
            accepted=accepted,
            idempotency_key=f"comment:{comment_id}",
            reason=reason,
            permission=permission,
            installation_id=installation_id,
        )
        await in_transaction(worker.sessions, lambda session: record_override(session, record))
        if not accepted:
            answer = (
                f"@{login} `{COMMAND}` needs **{config.min_permission}** permission on this repository "
                f"(you have {permission}). Nothing changed."
            )
            await answer_refusal(worker.redis, gateway, answer)
            return "refused"
        job = EvaluatePullRequest(
            installation_id, owner, repo, number, head, f"override:{comment_id}", refresh=True
        )
        await enqueue(worker.redis, job, debounce_seconds=0)
        return "accepted"


async def answer_refusal(redis: ArqRedis, gateway: PullRequestGateway, answer: str) -> int:
    """Edit the App's earlier reply to a refused command on this PR (its id kept in Redis), else post one."""
    key = REPLY_KEY.format(gateway.owner, gateway.repo, gateway.number)
    known = await redis.get(key)
    if known is not None:
        try:
            await gateway.update_comment(int(known), answer)
            return int(known)
        except RequestFailed as error:
            if error.response.status_code != 404:  # deleted since: post a new one
                raise
    reply = await gateway.create_comment(answer)
    await redis.set(key, reply, ex=REPLY_MEMORY_SECONDS)
    return reply


async def label_claim(
    worker: WorkerContext, gateway: PullRequestGateway, facts: PullFacts, label: str
) -> OverrideClaim | None:
    """The override label's claim while the label is on: its latest adder, their permission, and the head
    it was given at, so that it holds for that head only (bot.core.overrides). Called at each evaluation
    with the rules file's label, which it also tells the intake.

    That head is the one the App first judged the label at (its audit row in the ledger), else the
    current head: GitHub's label events carry a time but no commit, and a commit's dates are its author's
    to choose."""
    # The intake ignores label changes but this label's from now on (bot.intake.events).
    key = override_label_key_for(gateway.owner, gateway.repo)
    await worker.redis.set(key, label, ex=OVERRIDE_LABEL_SECONDS)
    added = [e for e in facts.label_events if e.label == label and e.login]
    if label not in facts.info.labels or not added:
        return None
    login, at = added[-1].login or "", added[-1].at
    permission = await gateway.permission(login)
    number = gateway.number
    pinned, lines_at = await in_transaction(
        worker.sessions, lambda session: label_head(session, facts.repository_id, number, login, at)
    )
    head = pinned or facts.info.head_sha
    return OverrideClaim(login, at, f"label {label}", permission, head_sha=head, lines_at=lines_at)


def label_head(
    session: Session, repository_id: int, number: int, login: str, at: str
) -> tuple[str | None, int | None]:
    """The head of the first audit row of the label `login` added at `at`, if the App judged it before,
    and the effective lines the App measured at that head. Its rows' keys end in `:{login}:{at}`
    (workers.ledger.label_override_record)."""
    rows = pull_request_overrides(session, repository_id, number)
    suffix = f":{login}:{at}"
    head = next(
        (r.head_sha for r in rows if r.source == "label" and r.idempotency_key.endswith(suffix)), None
    )
    evaluations = pull_request_evaluations(session, repository_id, number)
    return head, next((e.effective_lines for e in evaluations if e.head_sha == head), None)
