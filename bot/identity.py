"""Who the App is: its id, private key, webhook secret and bot login, from the environment or the ledger.

A value set in the environment wins; otherwise the credentials the setup page stored in the ledger apply.
The App id and its key travel together (an id from one App and the key of another would never work).
Every web and worker process reads the same ledger, so an App set up through one process is seen by all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger.credentials import current_app_credentials, save_app_credentials
from bot.ledger.models import AppCredentials as StoredApp
from bot.settings import ENV_PREFIX, AppCredentials, Settings, app_credentials

log = logging.getLogger(__name__)

# Stored credentials change only through the setup page; a minute of caching spares the ledger a query
# per delivery while still picking up a change made through another process.
CACHE_SECONDS = 60.0
WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class AppIdentity:
    """The App's effective credentials and, when the setup page created it, what GitHub said about it."""

    credentials: AppCredentials | None
    webhook_secrets: tuple[str, ...]
    bot_login: str | None
    stored: StoredApp | None

    @property
    def configured(self) -> bool:
        """Whether deliveries can be verified and the workers can act as the App."""
        return bool(self.webhook_secrets) and self.credentials is not None

    @property
    def app_id(self) -> int | None:
        """The App's id, if known."""
        return self.credentials.app_id if self.credentials else None


def environment_credentials(settings: Settings) -> AppCredentials | None:
    """The App id and key from the environment; None when it names neither; SettingsError when half."""
    if settings.app_id is None and settings.private_key is None and settings.private_key_path is None:
        return None
    return app_credentials(settings)


def resolve_identity(settings: Settings, env: AppCredentials | None, stored: StoredApp | None) -> AppIdentity:
    """Combine the environment (`settings`, `env`) with the stored credentials, the environment winning."""
    credentials = env or (AppCredentials(stored.app_id, stored.private_key_pem) if stored else None)
    secrets = settings.webhook_secrets()
    if not secrets and stored is not None and stored.webhook_secret:
        secrets = (stored.webhook_secret,)
    bot_login = settings.bot_login or (f"{stored.slug}[bot]" if stored is not None else None)
    return AppIdentity(credentials, secrets, bot_login, stored)


class IdentitySource:
    """Resolves the App's identity, reading the ledger (when there is one) in a thread and caching it."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session] | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Check the environment's credentials now, so a half-set App stops start-up (SettingsError)."""
        self._settings = settings
        self._env = environment_credentials(settings)
        self._sessions = sessions
        self._clock = clock
        self._cached: tuple[float, AppIdentity] | None = None

    @property
    def can_store(self) -> bool:
        """Whether the setup page has a ledger to store the App's credentials in."""
        return self._sessions is not None

    async def current(self) -> AppIdentity:
        """The identity now; a configured one is cached for a minute, an unconfigured one never."""
        if self._cached is not None and self._clock() - self._cached[0] < CACHE_SECONDS:
            return self._cached[1]
        stored = await asyncio.to_thread(_read, self._sessions) if self._sessions is not None else None
        identity = resolve_identity(self._settings, self._env, stored)
        self._cached = (self._clock(), identity) if identity.configured else None
        return identity

    async def save(self, conversion: Mapping[str, object]) -> AppIdentity:
        """Store the manifest conversion GitHub returned; ValueError when it lacks a required field."""
        if self._sessions is None:
            raise RuntimeError("no ledger to store the App's credentials in")
        await asyncio.to_thread(_write, self._sessions, conversion)
        self._cached = None
        return await self.current()


def _read(sessions: sessionmaker[Session]) -> StoredApp | None:
    """The stored credentials, if any."""
    with sessions() as session:
        return current_app_credentials(session)


def _write(sessions: sessionmaker[Session], conversion: Mapping[str, object]) -> None:
    """Store a manifest conversion in its own transaction."""
    with sessions.begin() as session:
        save_app_credentials(session, conversion)


async def wait_for_credentials(source: IdentitySource, poll_seconds: float = WAIT_SECONDS) -> AppCredentials:
    """The App's credentials, waiting (polling the ledger) until the setup page has stored them."""
    waiting_logged = False
    while True:
        try:
            credentials = (await source.current()).credentials
        except SQLAlchemyError as error:
            # e.g. a worker started before `scopegate migrate` finished: wait for the ledger too
            log.warning("ledger unavailable while looking for the App's credentials: %s", error)
            credentials = None
        if credentials is not None:
            return credentials
        if not waiting_logged:
            log.warning(
                "the App is not set up yet: waiting for %sAPP_ID and a key, or for the setup page at /",
                ENV_PREFIX,
            )
            waiting_logged = True
        await asyncio.sleep(poll_seconds)
