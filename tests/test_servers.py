"""The servers tests run on, and the embedded Redis of `scopegate serve`, really serve."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.embedded import RedisStartError, embedded_redis, redis_server_binary, start_redis
from tests.servers import (
    flush_redis,
    private_postgres,
    private_postgres_server,
    private_redis,
    scratch_database,
)


def _sql(url: str, query: str) -> object:
    """The first column of the first row `query` returns on `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar()
    finally:
        engine.dispose()


def test_redis_fixture_answers(redis_url: str) -> None:
    """The session's Redis answers PING and keeps what it is given."""
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping()
        client.set("scopegate:test:ping", "pong")
        assert client.get("scopegate:test:ping") == b"pong"
    finally:
        client.close()


def test_clean_redis_url_starts_empty(clean_redis_url: str) -> None:
    """A test's Redis database holds no keys when the test starts."""
    client = redis.Redis.from_url(clean_redis_url)
    try:
        assert client.dbsize() == 0
    finally:
        client.close()


def test_flush_redis_empties_only_its_database(tmp_path: Path) -> None:
    """Flushing one logical database leaves the others alone."""
    with private_redis(tmp_path) as url:
        # the database number in a URL wins over a `db=` argument, so spell the other one as a URL
        mine, other = redis.Redis.from_url(url), redis.Redis.from_url(url.rsplit("/", 1)[0] + "/1")
        mine.set("k", "v")
        other.set("k", "v")
        flush_redis(url)
        assert (mine.dbsize(), other.dbsize()) == (0, 1)
        mine.close()
        other.close()


def test_private_redis_stops(tmp_path: Path) -> None:
    """Leaving the block stops the private redis-server."""
    with private_redis(tmp_path) as url:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        assert client.ping()
    with pytest.raises(redis.ConnectionError):
        client.ping()


def test_database_fixture_runs_sql(database_url: str) -> None:
    """The session's PostgreSQL runs SQL and is new enough for DROP DATABASE … WITH (FORCE)."""
    version = _sql(database_url, "SHOW server_version_num")
    assert isinstance(version, str)
    assert int(version) >= 130000


def test_postgres_url_is_a_fresh_database(database_url: str, postgres_url: str) -> None:
    """Each test's PostgreSQL database is new, separate from the server's, and has no tables."""
    assert make_url(postgres_url).database != make_url(database_url).database
    assert (
        _sql(postgres_url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        == 0
    )


def test_scratch_database_is_dropped(database_url: str) -> None:
    """The scratch database disappears with its block, even while a connection is still open."""
    with scratch_database(database_url) as url:
        name = make_url(url).database
        engine = create_engine(url)
        leaked = engine.connect()
        leaked.execute(text("SELECT 1"))
    assert _sql(database_url, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == 0
    leaked.invalidate()  # the server already closed it
    engine.dispose()


def test_private_postgres_runs_sql_and_cleans_up() -> None:
    """pgserver starts here even when the suite uses a configured server, so the fallback stays tested;
    its folder is gone afterwards."""
    with private_postgres() as url:
        assert _sql(url, "SELECT 6 * 7") == 42
        folder = Path(str(make_url(url).query["host"])).parent
    assert not folder.exists()


def test_private_postgres_comes_back_after_an_outage() -> None:
    """The chaos benchmark's database outage: stopped, the server refuses connections; started again, it
    answers on the same URL with its data kept."""
    with private_postgres_server() as postgres:
        engine = create_engine(postgres.url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (n int)"))
            connection.execute(text("INSERT INTO kept VALUES (7)"))
        engine.dispose()
        postgres.stop()
        with pytest.raises(OperationalError):
            _sql(postgres.url, "SELECT 1")
        postgres.start()
        assert _sql(postgres.url, "SELECT n FROM kept") == 7


def test_sqlite_url_is_a_file_in_tmp_path(sqlite_url: str, tmp_path: Path) -> None:
    """The SQLite fixture points into the test's temporary folder."""
    assert _sql(sqlite_url, "SELECT 1") == 1
    assert (tmp_path / "ledger.db").exists()


def test_embedded_redis_survives_restart(tmp_path: Path) -> None:
    """What is written to the embedded Redis is there again after the server restarts."""
    with embedded_redis(tmp_path) as url:
        redis.Redis.from_url(url).set("budget:2026-11", "1234")
    assert (tmp_path / "redis" / "appendonly.aof").exists()
    with embedded_redis(tmp_path) as url:
        assert redis.Redis.from_url(url).get("budget:2026-11") == b"1234"


def test_embedded_redis_listens_on_loopback_only(tmp_path: Path) -> None:
    """The embedded Redis is bound to 127.0.0.1."""
    with embedded_redis(tmp_path) as url:
        assert make_url(url).host == "127.0.0.1"
        assert redis.Redis.from_url(url).config_get("bind") == {"bind": "127.0.0.1"}


def test_start_redis_reports_a_failing_server(tmp_path: Path) -> None:
    """A redis-server that cannot start raises with its log instead of hanging."""
    (tmp_path / "blocked").write_text("a file where the data folder should be")
    with pytest.raises(FileExistsError):
        start_redis(tmp_path / "blocked")
    assert redis_server_binary().is_file()
    with pytest.raises(RedisStartError, match="did not answer PING"):
        start_redis(tmp_path, timeout=0.0)
