"""Repositories, keyed by GitHub's id: one row per repository whatever it is called now."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from bot.ledger.models import Repository
from bot.ledger.upsert import dialect_insert


def upsert_repository(
    session: Session,
    *,
    github_id: int,
    full_name: str,
    installation_id: int | None,
    at: datetime | None = None,
) -> int:
    """The surrogate id of the repository, inserting it or renaming it; a 0002 row with github_id NULL
    and the same full_name is adopted (its github_id set). `updated_at` is when it last changed."""
    now = at or datetime.now(UTC)
    # Most calls find the row as it is: read, not upsert, since an upsert locks the row until the
    # transaction commits, even when it changes nothing, and every evaluation of the repository (each
    # writing its findings in the same transaction) would wait for the one before it.
    columns = select(Repository.id, Repository.full_name, Repository.installation_id)
    row = session.execute(columns.where(Repository.github_id == github_id)).first()
    if row is not None and row.full_name == full_name and installation_id in (None, row.installation_id):
        return int(row.id)
    # Adopt only while no row holds the id: a carried-over name of a repository already known by its id
    # (an old name the ledger saw before a rename) stays as it is.
    holder = aliased(Repository)
    known = select(holder.id).where(holder.github_id == github_id).exists()
    session.execute(
        update(Repository)
        .where(Repository.github_id.is_(None), Repository.full_name == full_name, ~known)
        .values(github_id=github_id)
    )
    insert = dialect_insert(session, Repository).values(
        github_id=github_id,
        full_name=full_name,
        installation_id=installation_id,
        created_at=now,
        updated_at=now,
    )
    new = insert.excluded
    upsert = insert.on_conflict_do_update(
        index_elements=[Repository.github_id],
        set_={
            "full_name": new.full_name,
            "installation_id": func.coalesce(new.installation_id, Repository.installation_id),
            "updated_at": new.updated_at,
        },
    )
    repository_id: int = session.execute(upsert.returning(Repository.id)).scalar_one()
    return repository_id
