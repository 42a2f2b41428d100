"""What every job reads from arq's `ctx`: built once per worker process in `on_startup`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.orm import Session, sessionmaker

from bot.github.client import Client, installation_client
from bot.settings import AppCredentials, Settings
from rules.base import Catalogue


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """Settings, the App's credentials, Redis (queue, locks, token cache), the ledger's sessions and the
    rule catalogue the jobs evaluate with."""

    settings: Settings
    credentials: AppCredentials
    redis: ArqRedis
    sessions: sessionmaker[Session]
    rules: Catalogue

    def github(self, installation_id: int) -> Client:
        """A client acting as `installation_id`."""
        return installation_client(
            self.settings.github_api_url,
            self.credentials.app_id,
            self.credentials.private_key,
            installation_id,
            self.redis,
        )


def context(ctx: dict[str, Any]) -> WorkerContext:
    """The worker context `on_startup` stored in arq's ctx."""
    found: WorkerContext = ctx["scopegate"]
    return found
