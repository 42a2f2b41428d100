"""The override audit trail: every attempt to pass a failing gate, accepted or refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import Override, PullRequest, Repository
from bot.ledger.pull_requests import upsert_pull_request
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import dialect_insert


@dataclass(frozen=True, slots=True)
class OverrideRecord:
    """Who tried to override which head commit, how, and whether their permission sufficed."""

    repository_id: int  # GitHub's repository id, not the ledger's surrogate
    repo_full_name: str
    pr_number: int
    head_sha: str
    actor_login: str
    source: Literal["label", "comment"]
    accepted: bool
    idempotency_key: str  # the same attempt seen again (a redelivery, a re-run) carries the same key
    reason: str | None = None
    permission: str | None = None
    installation_id: int | None = None


def record_override(session: Session, record: OverrideRecord, *, at: datetime | None = None) -> bool:
    """Append an audit row; return False when its idempotency key was recorded already."""
    now = at or datetime.now(UTC)
    repository_id = upsert_repository(
        session,
        github_id=record.repository_id,
        full_name=record.repo_full_name,
        installation_id=record.installation_id,
        at=now,
    )
    pull_request_id = upsert_pull_request(session, repository_id, record.pr_number, at=now)
    insert = dialect_insert(session, Override).values(
        pull_request_id=pull_request_id,
        installation_id=record.installation_id,
        head_sha=record.head_sha,
        actor_login=record.actor_login,
        source=record.source,
        reason=record.reason,
        permission=record.permission,
        accepted=record.accepted,
        idempotency_key=record.idempotency_key,
        created_at=now,
    )
    result = session.execute(
        insert.on_conflict_do_nothing(index_elements=[Override.idempotency_key]).returning(Override.id)
    )
    return result.first() is not None


def pull_request_overrides(session: Session, github_repo_id: int, number: int) -> list[Override]:
    """Every override attempt on a pull request, oldest first."""
    return list(
        session.scalars(
            select(Override)
            .join(PullRequest, PullRequest.id == Override.pull_request_id)
            .join(Repository, Repository.id == PullRequest.repository_id)
            .where(Repository.github_id == github_repo_id, PullRequest.number == number)
            .order_by(Override.created_at, Override.id)
        )
    )
