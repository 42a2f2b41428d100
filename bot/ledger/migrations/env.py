"""Alembic's environment script: it runs (when Alembic loads it) on the connection `bot.ledger.migrate` passes."""

from __future__ import annotations

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from bot.ledger.models import Base
from bot.ledger.types import UtcDateTime


def run_migrations(connection: Connection) -> None:
    """Run the pending revisions on `connection`; SQLite alters tables by copying them (batch mode)."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def render_item(kind: str, item: object, _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes the SQL type a decorated column stores, so revisions never import app code."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Alembic executes this file as a script; there is no alembic.ini, so the connection must come from code.
_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("run the ledger's migrations through bot.ledger.migrate, which passes a connection")
run_migrations(_connection)
