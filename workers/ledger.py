"""The workers' one way into the ledger: each call is a transaction, run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.core.rounds import ReviewHistory
from bot.core.snapshot import OverrideClaim
from bot.core.verdict import Verdict
from bot.gather.github import PullFacts
from bot.intake.jobs import EvaluatePullRequest
from bot.ledger.evaluations import EvaluationRecord, FindingRecord, record_evaluation
from bot.ledger.overrides import OverrideRecord, pull_request_overrides, record_override
from bot.ledger.reviews import pull_request_history

T = TypeVar("T")


async def in_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction, in a thread (the ledger's driver is synchronous)."""

    def run() -> T:
        with sessions.begin() as session:
            return work(session)

    return await asyncio.to_thread(run)


async def comment_claims(
    sessions: sessionmaker[Session], repository_id: int, number: int
) -> tuple[OverrideClaim, ...]:
    """The `/scopegate override` comments recorded for the PR, as claims the core decides on."""
    rows = await in_transaction(sessions, lambda s: pull_request_overrides(s, repository_id, number))
    return tuple(
        OverrideClaim(
            login=row.actor_login,
            at=row.created_at.isoformat(),
            via="comment",
            permission=row.permission or "none",
            reason=row.reason or "",
            head_sha=row.head_sha,
        )
        for row in rows
        if row.source == "comment"
    )


def evaluation_record(
    job: EvaluatePullRequest, facts: PullFacts, verdict: Verdict, check_id: int
) -> EvaluationRecord:
    """What the ledger keeps of a published verdict: every rule's results, metrics, labels and findings."""
    metrics: dict[str, int | float] = {}
    for section in verdict.sections:
        metrics |= section.metrics
    return EvaluationRecord(
        repository_id=facts.repository_id,
        repo_full_name=f"{job.owner}/{job.repo}",
        pr_number=job.number,
        head_sha=job.head_sha,
        conclusion=verdict.conclusion.value,
        pr_author=facts.info.author,
        results={o.rule.id: o.result.section.data for o in verdict.outcomes if o.result.section},
        metrics=metrics,
        labels=verdict.labels,
        findings=tuple(
            FindingRecord(f.rule, f.fingerprint, f.severity.value, f.path, f.line, f.message)
            for f in verdict.findings
        ),
        check_run_id=check_id,
        delivery_id=job.delivery_id,
        installation_id=job.installation_id,
    )


def label_override_record(
    job: EvaluatePullRequest, facts: PullFacts, verdict: Verdict, claims: tuple[OverrideClaim, ...]
) -> OverrideRecord | None:
    """The audit row of a label override the verdict decided on (accepted or refused), if there was one."""
    override = verdict.override
    claim = next((c for c in claims if c.via != "comment"), None)
    if override is None or claim is None or override.via != claim.via:
        return None
    return OverrideRecord(
        repository_id=facts.repository_id,
        repo_full_name=f"{job.owner}/{job.repo}",
        pr_number=job.number,
        head_sha=job.head_sha,
        actor_login=claim.login,
        source="label",
        accepted=override.accepted,
        idempotency_key=f"label:{facts.repository_id}#{job.number}@{job.head_sha}:{claim.login}:{claim.at}",
        permission=claim.permission,
        installation_id=job.installation_id,
    )


def record_verdict(session: Session, evaluation: EvaluationRecord, override: OverrideRecord | None) -> None:
    """Record the evaluation and, when a label override was decided on, its audit row."""
    record_evaluation(session, evaluation)
    if override is not None:
        record_override(session, override)


async def read_review_history(
    sessions: sessionmaker[Session], repository_id: int, number: int
) -> ReviewHistory | None:
    """The PR's review history as the ledger holds it now, for the rework rule; None for a PR the ledger
    has no row of."""
    history = await in_transaction(sessions, lambda s: pull_request_history(s, repository_id, number))
    return None if history is None else ReviewHistory(history, datetime.now(UTC))
