"""INSERT … ON CONFLICT for the two dialects the ledger runs on, so writes keyed by natural keys are
atomic without a read-then-write race between workers; and statements built once per dialect, since
building and compiling an upsert costs more than running it (most of an evaluation's write, measured)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.ledger.models import Base

S = TypeVar("S")
DialectInsert = postgresql.Insert | sqlite.Insert


def dialect_insert(session: Session, model: type[Base]) -> DialectInsert:
    """An INSERT into `model`'s table that supports `on_conflict_do_update` / `on_conflict_do_nothing`."""
    if dialect_of(session) == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def dialect_of(session: Session) -> str:
    """The session's dialect name: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


def table_of(model: type[Base]) -> Table:
    """`model`'s table. Statements on the table, not the model, skip the ORM's bulk-insert layer, which
    a write of plain values does not need."""
    return Base.metadata.tables[model.__tablename__]


def table_insert(dialect: str, model: type[Base]) -> DialectInsert:
    """An INSERT into `model`'s table in `dialect`'s own flavour (with ON CONFLICT)."""
    table = table_of(model)
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def built_once(build: Callable[[str], S]) -> Callable[[Session], S]:
    """`build(dialect)` memoised per dialect: a statement with bound parameters, reused for every row (its
    cache key and compiled form then come from SQLAlchemy's caches instead of being made again)."""
    per_dialect = cache(build)
    return lambda session: per_dialect(dialect_of(session))
