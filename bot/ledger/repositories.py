"""Repositories, keyed by GitHub's id: one row per repository whatever it is called now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from bot.ledger.models import Repository
from bot.ledger.upsert import built_once, table_insert, table_of

_TABLE = table_of(Repository)
_FIND = select(_TABLE.c.id, _TABLE.c.full_name, _TABLE.c.installation_id).where(
    _TABLE.c.github_id == bindparam("github_id")
)
# Adopt only while no row holds the id: a carried-over name of a repository already known by its id
# (an old name the ledger saw before a rename) stays as it is.
_HOLDER = _TABLE.alias("holder")
_ADOPT = (
    update(_TABLE)
    .where(
        _TABLE.c.github_id.is_(None),
        _TABLE.c.full_name == bindparam("name"),
        ~select(_HOLDER.c.id).where(_HOLDER.c.github_id == bindparam("holder_id")).exists(),
    )
    .values(github_id=bindparam("adopted_id"))
)


@built_once
def _upsert(dialect: str) -> ReturningInsert[Any]:
    insert = table_insert(dialect, Repository)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.github_id],
        set_={
            "full_name": new.full_name,
            "installation_id": func.coalesce(new.installation_id, _TABLE.c.installation_id),
            "updated_at": new.updated_at,
        },
    ).returning(_TABLE.c.id)


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
    row = session.execute(_FIND, {"github_id": github_id}).first()
    if row is not None and row.full_name == full_name and installation_id in (None, row.installation_id):
        return int(row.id)
    session.execute(_ADOPT, {"name": full_name, "holder_id": github_id, "adopted_id": github_id})
    values = {
        "github_id": github_id,
        "full_name": full_name,
        "installation_id": installation_id,
        "created_at": now,
        "updated_at": now,
    }
    repository_id: int = session.execute(_upsert(session), values).scalar_one()
    return repository_id
