"""What every job reads from arq's `ctx`: built once per worker process in `on_startup`."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.github.client import RETRY, Backoff, Client, installation_client
from bot.settings import AppCredentials, Settings
from rules.base import Catalogue
from workers.llm_review import LlmReviewer


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """Settings, the App's credentials, Redis (queue, locks, token cache), the ledger's sessions, the
    rule catalogue the jobs evaluate with, the thread that runs evaluations off the event loop, how GitHub's
    transient failures are retried, and how long a PR's lock lasts unless renewed."""

    settings: Settings
    credentials: AppCredentials
    redis: ArqRedis
    sessions: sessionmaker[Session]
    rules: Catalogue
    cpu: Executor
    retry: Backoff = RETRY
    # Renewed while the evaluation runs, so the lock of a worker that died frees soon after: well before
    # arq runs its job again (job timeout + 10 s), and within the wait of the jobs queued behind it.
    lock_seconds: float = 10.0
    llm: LlmReviewer | None = None  # the LLM review after the gate, when a provider is configured

    def app(self) -> GitHub[AppAuthStrategy]:
        """A client acting as the App itself (a JWT): its installations, its webhook deliveries."""
        credentials = self.credentials
        return GitHub(
            AppAuthStrategy(credentials.app_id, credentials.private_key),
            base_url=self.settings.github_api_url,
            http_cache=False,
            auto_retry=self.retry,
        )

    def github(self, installation_id: int) -> Client:
        """A client acting as `installation_id`."""
        return installation_client(
            self.settings.github_api_url,
            self.credentials.app_id,
            self.credentials.private_key,
            installation_id,
            self.redis,
            retry=self.retry,
        )


def context(ctx: dict[str, Any]) -> WorkerContext:
    """The worker context `on_startup` stored in arq's ctx."""
    found: WorkerContext = ctx["scopegate"]
    return found
