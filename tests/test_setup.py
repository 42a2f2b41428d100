"""The setup page and GitHub's manifest flow: real Redis, a real (PostgreSQL) ledger, a stand-in GitHub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from sqlalchemy.orm import Session, sessionmaker

from bot.identity import IdentitySource
from bot.intake.signature import sign
from bot.ledger.credentials import current_app_credentials
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.setup import STATE_KEY, STATE_TTL_SECONDS, SetupToken
from tests.manifest_server import GOOD_CODE, PEM, WEBHOOK_SECRET, ConversionServer, conversion_server, form

APP_URL = "http://scopegate.test"
# The setup link's token, as the log prints it, and the address its holder confirms.
TOKEN = "t0ken-printed-to-the-log"
HOLDER = {"token": TOKEN, "url": APP_URL}


@dataclass
class Setup:
    """The web app under test, its Redis, its ledger and the stand-in GitHub."""

    http: httpx.AsyncClient
    redis: ArqRedis
    sessions: sessionmaker[Session]
    github: ConversionServer

    def stored(self) -> Any:
        """The App credentials in the ledger, if any."""
        with self.sessions() as session:
            return current_app_credentials(session)


@pytest.fixture
def github() -> Iterator[ConversionServer]:
    """The stand-in for GitHub's conversion endpoint."""
    with conversion_server() as server:
        yield server


@pytest.fixture
def sessions(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on an empty, migrated ledger."""
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    yield session_factory(engine)
    engine.dispose()


async def app_client(
    redis_url: str, sessions: sessionmaker[Session], github: ConversionServer, **settings: Any
) -> tuple[httpx.AsyncClient, ArqRedis]:
    """A client of the web app (no App credentials in its settings) and the Redis it uses."""
    loaded = load_settings(_env_file=None, redis_url=redis_url, github_api_url=github.url, **settings)
    redis = ArqRedis(ConnectionPool.from_url(redis_url))
    identity = IdentitySource(loaded, sessions)
    app = create_app(loaded, redis=redis, identity=identity, setup_token=SetupToken(TOKEN))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=APP_URL), redis


@pytest.fixture
async def setup(
    clean_redis_url: str, sessions: sessionmaker[Session], github: ConversionServer
) -> AsyncIterator[Setup]:
    """The web app on a fresh machine: nothing set up yet."""
    http, redis = await app_client(clean_redis_url, sessions, github)
    async with http:
        yield Setup(http, redis, sessions, github)
    await redis.aclose(close_connection_pool=True)


async def start(setup: Setup, **query: str) -> str:
    """Open the setup page as the token's holder; the state its form carries."""
    response = await setup.http.get("/", params=HOLDER | query)
    assert response.status_code == 200
    action, _ = form(response.text)
    return parse_qs(urlsplit(action).query)["state"][0]


async def test_setup_page_posts_the_manifest_to_github(setup: Setup) -> None:
    """Before the App exists, / is a form posting app-manifest.yml, aimed at the address the setup token's
    holder confirmed, to GitHub."""
    response = await setup.http.get("/", params=HOLDER)
    assert response.status_code == 200
    action, manifest = form(response.text)
    parts = urlsplit(action)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{setup.github.url}/settings/apps/new"
    assert manifest["hook_attributes"] == {"url": f"{APP_URL}/webhooks", "active": True}
    assert manifest["redirect_url"] == f"{APP_URL}/setup/callback"
    assert manifest["url"] == f"{APP_URL}/"
    assert manifest["public"] is False
    assert manifest["default_permissions"]["checks"] == "write"
    state = parse_qs(parts.query)["state"][0]
    assert 0 < await setup.redis.ttl(STATE_KEY.format(state)) <= STATE_TTL_SECONDS


async def test_public_url_names_the_address_github_calls(
    clean_redis_url: str, sessions: sessionmaker[Session], github: ConversionServer
) -> None:
    """SCOPEGATE_PUBLIC_URL wins over the address the page was opened at (a proxy, a tunnel)."""
    http, redis = await app_client(clean_redis_url, sessions, github, public_url="https://gate.example.org/")
    async with http:
        _, manifest = form((await http.get("/", params={"token": TOKEN})).text)
    await redis.aclose(close_connection_pool=True)
    assert manifest["hook_attributes"]["url"] == "https://gate.example.org/webhooks"
    assert manifest["redirect_url"] == "https://gate.example.org/setup/callback"


@pytest.mark.parametrize(
    ("organization", "path", "problem"),
    [
        pytest.param("octo-org", "/organizations/octo-org/settings/apps/new", False, id="organization"),
        pytest.param("", "/settings/apps/new", False, id="personal"),
        pytest.param('"><script>x</script>', "/settings/apps/new", True, id="not-a-login"),
    ],
)
async def test_organization_owns_the_app_when_named(
    setup: Setup, organization: str, path: str, problem: bool
) -> None:
    """`?organization=ORG` posts to the organisation's App settings; anything but a login is refused and
    shown back escaped."""
    response = await setup.http.get("/", params=HOLDER | {"organization": organization})
    action, _ = form(response.text)
    assert urlsplit(action).path == path
    assert "<script>" not in response.text
    assert ("is not a GitHub organisation login" in response.text) is problem


async def test_callback_stores_the_app_and_webhooks_start_working(setup: Setup) -> None:
    """GitHub's redirect with a live state: the code is traded (no auth) for the App's credentials, which
    are stored; the page links to the App's installation; deliveries signed with its secret are queued."""
    body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    signed = {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body),
    }
    before = await setup.http.post("/webhooks", content=body, headers=signed)
    assert (before.status_code, before.json()) == (503, {"reason": "the App is not set up yet: open /"})

    state = await start(setup)
    response = await setup.http.get("/setup/callback", params={"code": GOOD_CODE, "state": state})

    assert response.status_code == 200
    assert 'href="https://github.com/apps/scopegate-octo-org/installations/new"' in response.text
    assert "scopegate &lt;octo-org&gt;" in response.text
    ((method, path, headers),) = setup.github.calls
    assert (method, path) == ("POST", f"/app-manifests/{GOOD_CODE}/conversions")
    assert "authorization" not in headers
    stored = setup.stored()
    assert (stored.app_id, stored.slug, stored.owner_login) == (987654, "scopegate-octo-org", "octo-org")
    assert (stored.webhook_secret, stored.private_key_pem) == (WEBHOOK_SECRET, PEM)
    assert stored.client_secret == "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    assert await setup.redis.exists(STATE_KEY.format(state)) == 0

    after = await setup.http.post("/webhooks", content=body, headers=signed)
    assert (after.status_code, after.json()["reason"]) == (200, "ping")
    home = await setup.http.get("/")
    assert "scopegate &lt;octo-org&gt;</a> of octo-org, id 987654" in home.text
    assert "redis: ok" in home.text


async def expire(setup: Setup, state: str) -> None:
    """Let the state's time run out."""
    await setup.redis.pexpire(STATE_KEY.format(state), 1)
    await asyncio.sleep(0.05)


async def use(setup: Setup, state: str) -> None:
    """Use the state once, with a code GitHub does not know (so nothing is stored)."""
    await setup.http.get("/setup/callback", params={"code": "deadbeef", "state": state})
    setup.github.calls.clear()


async def keep(setup: Setup, state: str) -> None:
    """Leave the state alone (the callback then names another one)."""


@pytest.mark.parametrize(
    ("spoil", "sent"),
    [
        pytest.param(keep, "not-a-state-we-issued", id="unknown"),
        pytest.param(expire, None, id="expired"),
        pytest.param(use, None, id="used"),
        pytest.param(keep, "", id="missing"),
        pytest.param(keep, "../../etc", id="malformed"),
    ],
)
async def test_callback_without_a_live_state_stores_nothing(
    setup: Setup, spoil: Any, sent: str | None
) -> None:
    """A state that is unknown, expired, already used or missing is answered 400; GitHub is not asked."""
    state = await start(setup)
    await spoil(setup, state)
    response = await setup.http.get(
        "/setup/callback", params={"code": GOOD_CODE, "state": state if sent is None else sent}
    )
    assert response.status_code == 400
    assert setup.github.calls == []
    assert setup.stored() is None


async def test_code_github_refuses_stores_nothing(setup: Setup) -> None:
    """A code GitHub does not convert (expired, used) is a 502 page; nothing is stored."""
    state = await start(setup)
    response = await setup.http.get("/setup/callback", params={"code": "0123abcd", "state": state})
    assert response.status_code == 502
    assert len(setup.github.calls) == 1
    assert setup.stored() is None


async def test_second_app_is_refused_once_set_up(setup: Setup) -> None:
    """With an App set up, a state issued before is still spent but the callback keeps the first App."""
    early = await start(setup)
    await setup.http.get("/setup/callback", params={"code": GOOD_CODE, "state": await start(setup)})
    setup.github.calls.clear()
    response = await setup.http.get("/setup/callback", params={"code": GOOD_CODE, "state": early})
    assert response.status_code == 409
    assert setup.github.calls == []
