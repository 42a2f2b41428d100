"""An installation's githubkit client: App auth with tokens cached in Redis, retries, GHES base URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import TypeVar

from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.cache.redis import AsyncRedisCacheStrategy
from githubkit.retry import RetryChainDecision, RetryRateLimit, RetryServerError
from redis.asyncio import Redis

from bot.worker_metrics import record_response

Client = GitHub[AppInstallationAuthStrategy]
T = TypeVar("T")

# githubkit retries secondary rate limits after their `retry-after` and 5xx with back-off (1, 4, 9 s):
# https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
RETRY = RetryChainDecision(RetryRateLimit(max_retry=3), RetryServerError(max_retry=3))


def installation_client(
    api_url: str, app_id: int, private_key: str, installation_id: int, redis: Redis
) -> Client:
    """A client acting as one installation. Its token is cached in Redis (shared by every worker) until a
    minute before it expires; HTTP caching is off so every evaluation reads the PR as it is now."""
    return GitHub(
        AppInstallationAuthStrategy(app_id, private_key, installation_id),
        base_url=api_url,
        cache_strategy=AsyncRedisCacheStrategy(redis, prefix="scopegate:githubkit"),
        http_cache=False,
        auto_retry=RETRY,
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
