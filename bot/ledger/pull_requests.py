"""Pull requests of a repository: who opened them, when, and their latest closing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from bot.ledger.models import PullRequest
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import built_once, table_insert, table_of

_TABLE = table_of(PullRequest)
_FIND = select(_TABLE.c.id, _TABLE.c.author, _TABLE.c.opened_at, _TABLE.c.author_teams).where(
    _TABLE.c.repository_id == bindparam("repository_id"), _TABLE.c.number == bindparam("number")
)
_CLOSE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("pull_request_id"))
    .values(
        closed_at=bindparam("closed_at"),
        merged=bindparam("merged"),
        merged_at=bindparam("merged_at"),
        updated_at=bindparam("closed_at"),
    )
)


@built_once
def _upsert(dialect: str) -> ReturningInsert[Any]:
    insert = table_insert(dialect, PullRequest)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.repository_id, _TABLE.c.number],
        set_={
            "author": func.coalesce(new.author, _TABLE.c.author),
            "opened_at": func.coalesce(new.opened_at, _TABLE.c.opened_at),
            "author_teams": func.coalesce(new.author_teams, _TABLE.c.author_teams),
            "updated_at": new.updated_at,
        },
    ).returning(_TABLE.c.id)


def upsert_pull_request(
    session: Session,
    repository_id: int,
    number: int,
    *,
    author: str | None = None,
    opened_at: datetime | None = None,
    author_teams: Sequence[str] | None = None,
    at: datetime | None = None,
) -> int:
    """The surrogate id of pull request `number` of the repository, inserting it or updating what is
    known of it: a known value is never overwritten with None (the author's teams are replaced by what
    GitHub said last). `updated_at` is when it last changed."""
    now = at or datetime.now(UTC)
    # Read first, as upsert_repository does: nearly every write (each evaluation, each review event) finds
    # the row as it is, and an upsert would lock it for the rest of the transaction all the same.
    row = session.execute(_FIND, {"repository_id": repository_id, "number": number}).first()
    teams = None if author_teams is None else list(author_teams)
    if (
        row is not None
        and author in (None, row.author)
        and opened_at in (None, row.opened_at)
        and teams in (None, row.author_teams)
    ):
        return int(row.id)
    values = {
        "repository_id": repository_id,
        "number": number,
        "author": author,
        "opened_at": opened_at,
        "author_teams": teams,
        "created_at": now,
        "updated_at": now,
    }
    pull_request_id: int = session.execute(_upsert(session), values).scalar_one()
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
    closing = {"pull_request_id": pull_request_id, "closed_at": now, "merged": merged}
    session.execute(_CLOSE, closing | {"merged_at": now if merged else None})
