"""Private Redis and PostgreSQL servers for tests on machines that run none, and per-test scratch space."""

from __future__ import annotations

import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.embedded import start_redis


@contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """Run a throwaway redis-server (nothing written to disk) for the block; yield its URL."""
    server = start_redis(folder, persist=False)
    try:
        yield server.url
    finally:
        server.stop()


def flush_redis(url: str) -> None:
    """Empty the logical database `url` names (and only that one)."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass(frozen=True)
class Postgres:
    """A private PostgreSQL server: its SQLAlchemy URL, and a way to take it down and bring it back."""

    url: str
    server: Any  # pgserver's PostgresServer

    def stop(self) -> None:
        """Stop the server (fast shutdown: clients are cut off, as in an outage)."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        """Start it again on the same socket."""
        self.server.ensure_postgres_running()


@contextmanager
def private_postgres() -> Iterator[str]:
    """Run PostgreSQL from the pgserver wheel in a new temporary folder for the block; yield its URL."""
    with private_postgres_server() as postgres:
        yield postgres.url


@contextmanager
def private_postgres_server() -> Iterator[Postgres]:
    """Run PostgreSQL from the pgserver wheel in a new temporary folder for the block.

    Not under pytest's tmp_path: run as root, pgserver starts postgres as a `pgserver` user and opens the
    folder's parents to it, but every new pytest session resets /tmp/pytest-of-<user> to mode 0700, which
    cuts a running server off from its own data.
    """
    with warnings.catch_warnings():
        # pgserver picks its lock folder at import; without XDG_RUNTIME_DIR (containers, CI) it says so
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from pgserver.postgres_server import get_server  # here: only sessions without a server pay for it
    with tempfile.TemporaryDirectory(prefix="scopegate-pg-", ignore_cleanup_errors=True) as folder:
        try:
            server = get_server(Path(folder) / "pgdata", cleanup_mode="delete")
        except Exception as error:  # pgserver raises whatever initdb/pg_ctl raised; name the way out
            raise RuntimeError(
                "could not start PostgreSQL with pgserver; point SCOPEGATE_TEST_DATABASE_URL at a server"
            ) from error
        try:
            yield Postgres(sqlalchemy_url(server.get_uri()), server)
        finally:
            server.cleanup()


def sqlalchemy_url(libpq_url: str) -> str:
    """A libpq URL (pgserver's, over a unix socket) as a SQLAlchemy URL for the psycopg 3 driver."""
    url = make_url(libpq_url).set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of `server_url` for the block, then drop it; yield its URL."""
    name = f"scopegate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE (PostgreSQL 13+): a test that leaked a connection must not leak its database too
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
