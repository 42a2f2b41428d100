"""A safe setup: only whoever reads the server's log can create its GitHub App, the App's URLs never come from
a request's Host header, and the probes anyone may read name no host. Real Redis, a real ledger, uvicorn."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from sqlalchemy.orm import Session, sessionmaker

from bot.identity import IdentitySource
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.setup import STATE_KEY, SetupToken
from tests.manifest_server import conversion_server, form
from tests.test_intake import closed_port, serve
from tests.test_setup import sessions  # noqa: F401 (a fixture)

TOKEN = "the-token-in-the-log"
EVIL = "attacker.example"


@pytest.fixture
async def unconfigured(
    clean_redis_url: str,
    sessions: sessionmaker[Session],  # noqa: F811
) -> AsyncIterator[tuple[httpx.AsyncClient, ArqRedis]]:
    """A client of a scopegate with a ledger and no App yet, whose setup token is `TOKEN`, and its Redis."""
    with conversion_server() as github:
        settings = load_settings(_env_file=None, redis_url=clean_redis_url, github_api_url=github.url)
        redis = ArqRedis(ConnectionPool.from_url(clean_redis_url))
        identity = IdentitySource(settings, sessions)
        app = create_app(settings, redis=redis, identity=identity, setup_token=SetupToken(TOKEN))
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{EVIL}") as http:
            yield http, redis
        await redis.aclose(close_connection_pool=True)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"token": "guessed"}, id="wrong-token"),
        pytest.param({"token": TOKEN[:-1]}, id="token-prefix"),
        pytest.param({"token": "", "url": "https://gate.example.org"}, id="address-without-token"),
    ],
)
async def test_without_the_token_nobody_starts_the_manifest_flow(
    unconfigured: tuple[httpx.AsyncClient, ArqRedis], params: dict[str, str]
) -> None:
    """Whoever reaches an unconfigured scopegate first is refused (403) unless they hold the token from
    its log: no manifest form, and no state the callback would accept."""
    http, redis = unconfigured
    response = await http.get("/", params=params)
    assert response.status_code == 403
    assert "setup link it printed to its log" in response.text
    assert 'name="manifest"' not in response.text
    assert await redis.keys(STATE_KEY.format("*")) == []


async def test_the_host_header_never_reaches_the_manifest(
    unconfigured: tuple[httpx.AsyncClient, ArqRedis],
) -> None:
    """With the token but no SCOPEGATE_PUBLIC_URL, the page asks its holder to confirm the address; only the
    confirmed address (not the request's Host) names the webhook and callback URLs."""
    http, _ = unconfigured
    asked = await http.get("/", params={"token": TOKEN}, headers={"host": EVIL})
    assert asked.status_code == 200
    assert 'name="manifest"' not in asked.text
    assert 'name="url"' in asked.text

    bad = await http.get("/", params={"token": TOKEN, "url": "javascript:alert(1)"})
    assert 'name="manifest"' not in bad.text
    assert "is not an http(s) address" in bad.text

    confirmed = await http.get(
        "/", params={"token": TOKEN, "url": "https://gate.example.org/"}, headers={"host": EVIL}
    )
    _, manifest = form(confirmed.text)
    assert manifest["hook_attributes"]["url"] == "https://gate.example.org/webhooks"
    assert manifest["redirect_url"] == "https://gate.example.org/setup/callback"
    assert EVIL not in str(manifest)


async def test_the_log_prints_a_setup_link_that_works_on_every_web_process(
    clean_redis_url: str,
    sessions: sessionmaker[Session],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A starting web process with no App prints one setup link with a token; the link opens the setup on
    another web process too (the tokens meet in Redis); once the App exists the link is spent."""
    with conversion_server() as github:
        settings = load_settings(
            _env_file=None,
            redis_url=clean_redis_url,
            github_api_url=github.url,
            public_url="https://gate.example.org",
        )
        caplog.set_level(logging.WARNING, logger="bot.web.setup")
        printing = create_app(settings, identity=IdentitySource(settings, sessions))
        other = create_app(settings, identity=IdentitySource(settings, sessions))
        with serve(printing), serve(other) as other_url:
            links = re.findall(r"open (https://gate\.example\.org/\?token=\S+)", caplog.text)
            assert len(links) == 2  # one per process, each with its own token
            token = parse_qs(urlsplit(links[0]).query)["token"][0]
            async with httpx.AsyncClient(base_url=other_url, timeout=10) as http:
                assert (await http.get("/")).status_code == 403
                opened = await http.get("/", params={"token": token})
                _, manifest = form(opened.text)
    assert manifest["hook_attributes"]["url"] == "https://gate.example.org/webhooks"


async def no_database() -> bool:
    """A database whose driver names its host in the error, as psycopg does."""
    raise OSError('connection to server at "db.internal.example" (10.1.2.3), port 5432 failed')


@pytest.mark.parametrize(
    ("redis_up", "database_ping"),
    [pytest.param(False, None, id="redis-down"), pytest.param(True, no_database, id="database-down")],
)
async def test_readyz_names_no_host(
    clean_redis_url: str, redis_up: bool, database_ping: Callable[[], Awaitable[bool]] | None
) -> None:
    """/readyz, which anyone may read, says what is down but not the host, address or port it tried."""
    port = closed_port()
    redis_url = clean_redis_url if redis_up else f"redis://127.0.0.1:{port}/0"
    settings = load_settings(_env_file=None, redis_url=redis_url, webhook_secret="s")
    with serve(create_app(settings, database_ping=database_ping)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            response = await http.get("/readyz")
    assert response.status_code == 503
    text = response.text
    for leak in ("127.0.0.1", str(port), "db.internal", "10.1.2.3", "5432"):
        assert leak not in text, text


@pytest.mark.parametrize("token", [TOKEN, "another-process-token"], ids=["this-process", "unknown"])
async def test_the_setup_page_names_no_host_when_redis_is_down(
    sessions: sessionmaker[Session],  # noqa: F811
    token: str,
) -> None:
    """With Redis down the setup page answers 503 saying so, without the address it tried."""
    port = closed_port()
    settings = load_settings(_env_file=None, redis_url=f"redis://127.0.0.1:{port}/0")
    app = create_app(settings, identity=IdentitySource(settings, sessions), setup_token=SetupToken(TOKEN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gate") as http:
        response = await http.get("/", params={"token": token, "url": "https://gate.example.org"})
    assert response.status_code == 503
    assert "Redis does not answer" in response.text
    assert "127.0.0.1" not in response.text
    assert str(port) not in response.text
