"""The App's credentials: the environment wins, the setup page's stored credentials fill in."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.identity import IdentitySource, environment_credentials, resolve_identity, wait_for_credentials
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.ledger.models import AppCredentials as StoredApp
from bot.settings import AppCredentials, Settings, SettingsError, load_settings
from tests.manifest_server import conversion

STORED = StoredApp(
    app_id=987654,
    slug="scopegate-octo-org",
    webhook_secret="stored secret",
    private_key_pem="stored pem",
)


def settings(**values: Any) -> Settings:
    """Settings independent of the machine's environment file."""
    return load_settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("values", "stored", "app", "secrets", "login"),
    [
        pytest.param({}, None, None, (), None, id="nothing"),
        pytest.param(
            {}, STORED, (987654, "stored pem"), ("stored secret",), "scopegate-octo-org[bot]", id="ledger"
        ),
        pytest.param(
            {"app_id": 5, "private_key": "env pem", "webhook_secret": "env secret", "bot_login": "gate"},
            STORED,
            (5, "env pem"),
            ("env secret",),
            "gate[bot]",
            id="environment-wins",
        ),
        pytest.param(
            {"webhook_secret": "env secret", "webhook_secret_previous": "old"},
            STORED,
            (987654, "stored pem"),
            ("env secret", "old"),
            "scopegate-octo-org[bot]",
            id="secret-from-env-key-from-ledger",
        ),
        pytest.param(
            {"webhook_secret": ""},
            STORED,
            (987654, "stored pem"),
            ("stored secret",),
            "scopegate-octo-org[bot]",
            id="empty-secret-is-unset",
        ),
    ],
)
def test_resolve_identity(
    values: dict[str, Any],
    stored: StoredApp | None,
    app: tuple[int, str] | None,
    secrets: tuple[str, ...],
    login: str | None,
) -> None:
    """Each value comes from the environment when set there, else from the ledger; id and key together."""
    loaded = settings(**values)
    identity = resolve_identity(loaded, environment_credentials(loaded), stored)
    assert identity.credentials == (AppCredentials(*app) if app else None)
    assert identity.webhook_secrets == secrets
    assert identity.bot_login == login
    assert identity.configured is bool(app and secrets)


def test_half_an_app_in_the_environment_is_refused() -> None:
    """An App id without its key stops start-up, whatever the ledger holds."""
    with pytest.raises(
        SettingsError, match="SCOPEGATE_PRIVATE_KEY or SCOPEGATE_PRIVATE_KEY_PATH is required"
    ):
        IdentitySource(settings(app_id=7), None)


async def test_worker_waits_until_the_setup_page_stores_the_app(sqlite_url: str) -> None:
    """Without credentials the worker polls the ledger, and goes on once the setup page stored them."""
    upgrade(sqlite_url)
    engine = create_engine_for(sqlite_url)
    source = IdentitySource(settings(database_url=sqlite_url), session_factory(engine))
    waiting = asyncio.create_task(wait_for_credentials(source, poll_seconds=0.05))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await source.save(conversion("http://scopegate.test"))
    credentials = await asyncio.wait_for(waiting, 5)
    engine.dispose()
    assert credentials.app_id == 987654
    assert credentials.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
