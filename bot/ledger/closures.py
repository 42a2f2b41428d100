"""Record closed pull requests: one row per PR, updated when it is closed again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import PullRequestClosure
from bot.ledger.upsert import dialect_insert


def record_closure(
    session: Session,
    repo_full_name: str,
    pr_number: int,
    *,
    merged: bool,
    installation_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Insert or update the PR's closing."""
    values = {
        "repo_full_name": repo_full_name,
        "pr_number": pr_number,
        "merged": merged,
        "installation_id": installation_id,
        "closed_at": at or datetime.now(UTC),
    }
    insert = dialect_insert(session, PullRequestClosure).values(**values)
    changed = {name: insert.excluded[name] for name in ("merged", "installation_id", "closed_at")}
    session.execute(
        insert.on_conflict_do_update(index_elements=["repo_full_name", "pr_number"], set_=changed)
    )


def find_closure(session: Session, repo_full_name: str, pr_number: int) -> PullRequestClosure | None:
    """The PR's latest closing, if any."""
    return session.scalars(
        select(PullRequestClosure).where(
            PullRequestClosure.repo_full_name == repo_full_name, PullRequestClosure.pr_number == pr_number
        )
    ).one_or_none()
