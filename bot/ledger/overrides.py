"""The override audit trail: every attempt to pass a failing gate, accepted or refused."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import Override
from bot.ledger.upsert import dialect_insert


@dataclass(frozen=True, slots=True)
class OverrideRecord:
    """Who tried to override which head commit, how, and whether their permission sufficed."""

    repo_full_name: str
    pr_number: int
    head_sha: str
    actor_login: str
    source: Literal["label", "comment"]
    accepted: bool
    reason: str | None = None
    permission: str | None = None
    delivery_id: str | None = None
    installation_id: int | None = None


def record_override(session: Session, record: OverrideRecord, *, at: datetime | None = None) -> bool:
    """Append an audit row; return False when this delivery was already recorded (a redelivery)."""
    insert = dialect_insert(session, Override).values(**asdict(record), created_at=at or datetime.now(UTC))
    result = session.execute(
        insert.on_conflict_do_nothing(index_elements=[Override.delivery_id]).returning(Override.id)
    )
    return result.first() is not None


def pull_request_overrides(session: Session, repo_full_name: str, pr_number: int) -> list[Override]:
    """Every override attempt on a pull request, oldest first."""
    return list(
        session.scalars(
            select(Override)
            .where(Override.repo_full_name == repo_full_name, Override.pr_number == pr_number)
            .order_by(Override.created_at, Override.id)
        )
    )
