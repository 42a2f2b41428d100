"""Pull requests of a repository: who opened them, when, and their latest closing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from bot.ledger.models import PullRequest
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import dialect_insert


def upsert_pull_request(
    session: Session,
    repository_id: int,
    number: int,
    *,
    author: str | None = None,
    opened_at: datetime | None = None,
    at: datetime | None = None,
) -> int:
    """The surrogate id of pull request `number` of the repository (a surrogate id), inserting it or
    updating what is known of it: a known value is never overwritten with None."""
    now = at or datetime.now(UTC)
    insert = dialect_insert(session, PullRequest).values(
        repository_id=repository_id,
        number=number,
        author=author,
        opened_at=opened_at,
        created_at=now,
        updated_at=now,
    )
    new = insert.excluded
    upsert = insert.on_conflict_do_update(
        index_elements=[PullRequest.repository_id, PullRequest.number],
        set_={
            "author": func.coalesce(new.author, PullRequest.author),
            "opened_at": func.coalesce(new.opened_at, PullRequest.opened_at),
            "updated_at": new.updated_at,
        },
    )
    pull_request_id: int = session.execute(upsert.returning(PullRequest.id)).scalar_one()
    return pull_request_id


def record_closure(
    session: Session,
    *,
    github_repo_id: int,
    repo_full_name: str,
    pr_number: int,
    merged: bool,
    installation_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Record the PR's latest closing on its row; closing again after a reopening moves it."""
    now = at or datetime.now(UTC)
    repository_id = upsert_repository(
        session, github_id=github_repo_id, full_name=repo_full_name, installation_id=installation_id, at=now
    )
    pull_request_id = upsert_pull_request(session, repository_id, pr_number, at=now)
    session.execute(
        update(PullRequest)
        .where(PullRequest.id == pull_request_id)
        .values(closed_at=now, merged=merged, merged_at=now if merged else None, updated_at=now)
    )
