"""INSERT … ON CONFLICT for the two dialects the ledger runs on, so writes keyed by natural keys are
atomic without a read-then-write race between workers."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.ledger.models import Base


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model`'s table that supports `on_conflict_do_update` / `on_conflict_do_nothing`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
