"""An installation's githubkit client: App auth with tokens cached in Redis, retries, GHES base URL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TypeVar

import httpx
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.cache.redis import AsyncRedisCacheStrategy
from githubkit.exception import GitHubException, RateLimitExceeded, RequestError, RequestFailed
from githubkit.typing import RetryOption
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.worker_metrics import record_response

Client = GitHub[AppInstallationAuthStrategy]
T = TypeVar("T")


def transient(error: BaseException) -> BaseException | None:
    """The transient failure behind `error`, if it is one: GitHub's 5xx or rate limit, a network error, or
    the token cache's Redis not answering. githubkit wraps what fails inside its auth flow (the token
    exchange) in a bare `RequestError`, so the cause is looked for there too. A 4xx other than a rate
    limit is a fact about the request or the installation's permissions: trying again changes nothing."""
    cause = error.exc if type(error) is RequestError else error
    if isinstance(cause, RateLimitExceeded):
        return cause
    if isinstance(cause, RequestFailed):
        return cause if cause.response.status_code >= 500 else None
    if isinstance(cause, RequestError):  # RequestTimeout and the like: the request never got an answer
        cause = cause.exc
    return cause if isinstance(cause, httpx.TransportError | RedisError | OSError) else None


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retries of transient GitHub failures: `tries` retries, waiting what a rate limit's `retry-after`
    asks (up to `max_wait`) or a jittered exponential back-off (`base` doubling up to `cap`, each wait
    between half and all of it, so workers that failed together do not retry together).

    https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
    """

    tries: int = 5
    base: float = 1.0
    cap: float = 16.0
    max_wait: float = 120.0

    def delay(self, attempt: int) -> float:
        """The jittered wait before retry number `attempt` (0 for the first)."""
        step = min(self.cap, self.base * 2.0**attempt)
        return step * random.uniform(0.5, 1.0)

    def wait_for(self, error: BaseException, attempt: int) -> float | None:
        """How long to wait before retrying after `error`, or None when it is not worth retrying."""
        cause = transient(error)
        if cause is None:
            return None
        if isinstance(cause, RateLimitExceeded):
            asked = cause.retry_after.total_seconds()
            return asked + self.delay(0) / 4 if asked <= self.max_wait else None
        return self.delay(attempt)

    def defer_for(self, error: BaseException, attempt: int) -> float | None:
        """How long a job should wait before its next try after `error`, or None when no try will help: a
        rate limit's whole `retry-after` (a primary limit resets within the hour), else the back-off."""
        cause = transient(error)
        if isinstance(cause, RateLimitExceeded):
            return cause.retry_after.total_seconds() + self.delay(0)
        return None if cause is None else self.delay(attempt)

    def __call__(self, error: GitHubException, retry_count: int) -> RetryOption:
        """githubkit's retry decision for every request a client makes."""
        wait = self.wait_for(error, retry_count) if retry_count < self.tries else None
        if wait is None:
            return RetryOption(False)
        return RetryOption(True, timedelta(seconds=wait))


RETRY = Backoff()


def installation_client(
    api_url: str, app_id: int, private_key: str, installation_id: int, redis: Redis, *, retry: Backoff = RETRY
) -> Client:
    """A client acting as one installation. Its token is cached in Redis (shared by every worker) until a
    minute before it expires; HTTP caching is off so every evaluation reads the PR as it is now."""
    return GitHub(
        AppInstallationAuthStrategy(app_id, private_key, installation_id),
        base_url=api_url,
        cache_strategy=AsyncRedisCacheStrategy(redis, prefix="scopegate:githubkit"),
        http_cache=False,
        auto_retry=retry,
        timeout=30.0,
        user_agent="scopegate",
        async_event_hooks={"response": [partial(record_response, redis, installation_id)]},
    )


async def collect(pages: AsyncIterator[T], limit: int) -> list[T]:
    """The first `limit` items of a paginated listing (`gh.rest.paginate`, which follows `Link` headers)."""
    items: list[T] = []
    async for item in pages:
        items.append(item)
        if len(items) >= limit:
            break
    return items
