"""Alembic, configured in code: bring any ledger database to head, and compare models with migrations."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.errors import UserError
from bot.ledger.engine import create_engine_for
from bot.ledger.models import Base

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py keeps it

# Any constant works: it only has to be the same in every process that migrates this database.
_PG_MIGRATION_LOCK = 0x5C09E6A7E


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config without alembic.ini; `migrations/env.py` runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # `%%` because Alembic's config is a ConfigParser: revision files are named like 0002_add_rounds.py
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` (empty or older) to `revision`."""
    engine = create_engine_for(database_url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate `engine`'s database to `revision` in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # the web app and the workers may start together: let one migrate while the others wait
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    # Read Alembic's table directly: a MigrationContext logs two INFO lines, and `web` / `worker` read the
    # revision at every start, where a refusal must be the only line they print.
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        revision: str | None = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return revision


def head_revision() -> str | None:
    """The newest revision shipped with the package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaError(UserError):
    """The database answers but does not hold the schema this version of scopegate runs on."""


def require_head(engine: Engine) -> None:
    """Raise SchemaError when the database answers but is not at the newest revision (a configuration
    error: a process must not start on it); when it does not answer, that is an outage, not a reason to
    refuse to start, so only warn."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except OperationalError as error:  # refused, timed out, locked: the driver's "cannot talk to it"
        logger.warning("the database at %s does not answer, starting anyway: %s", where, _first_line(error))
        return
    except SQLAlchemyError as error:  # it answered, with a refusal (permissions, a broken table)
        raise SchemaError(
            f"cannot read the revision of the database at {where}: {_first_line(error)}"
        ) from error
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaError(
            f"the database at {where} has no ledger schema, not revision {head}: run scopegate migrate"
        )
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError as error:  # a newer scopegate migrated it: migrating backwards is not this version's
        raise SchemaError(
            f"the database at {where} is at revision {current}, which this version of scopegate does not "
            f"know (its newest is {head}): run the version that migrated it"
        ) from error
    raise SchemaError(f"the database at {where} is at revision {current}, not {head}: run scopegate migrate")


def _first_line(error: Exception) -> str:
    """The first line of an error's message (drivers append the SQL and a link)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def schema_drift(engine: Engine) -> list[object]:
    """Differences between the models and the database's schema; empty when they match."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs: list[object] = compare_metadata(context, Base.metadata)
        return diffs
