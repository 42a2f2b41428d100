"""Nothing lost while the intake was down: ask GitHub again for deliveries that failed, once each.

GitHub never redelivers a failed delivery by itself; the App's delivery log keeps three days:
https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from githubkit import AppAuthStrategy, GitHub
from githubkit_schemas.latest.models import HookDeliveryItem

from bot.github.client import RETRY
from workers.context import context

log = logging.getLogger(__name__)
WINDOW = timedelta(days=3)
MAX_DELIVERIES = 1000
ASKED = "scopegate:redelivered"  # a Redis set of delivery GUIDs already asked for again


async def redeliver_failed_deliveries(ctx: dict[str, Any]) -> int:
    """Ask for each failed delivery (by GUID, never delivered 2xx) of the last three days again; returns
    how many were asked for. A GUID is asked for at most once, whichever worker process runs this."""
    worker = context(ctx)
    credentials = worker.credentials
    gh = GitHub(
        AppAuthStrategy(credentials.app_id, credentials.private_key),
        base_url=worker.settings.github_api_url,
        http_cache=False,
        auto_retry=RETRY,
    )
    deliveries = [d async for d in _recent(gh)]
    asked = 0
    for guid, delivery_id in failed(deliveries):
        if await cast(Awaitable[int], worker.redis.sadd(ASKED, guid)):
            await gh.rest.apps.async_redeliver_webhook_delivery(delivery_id)
            asked += 1
    await worker.redis.expire(ASKED, int(WINDOW.total_seconds()) * 2)
    if asked:
        log.info("asked GitHub to redeliver %d failed deliveries", asked)
    return asked


def failed(deliveries: Iterable[HookDeliveryItem]) -> list[tuple[str, int]]:
    """`(guid, latest delivery id)` of each GUID none of whose attempts was answered 2xx."""
    attempts: dict[str, list[HookDeliveryItem]] = {}
    for delivery in deliveries:
        attempts.setdefault(delivery.guid, []).append(delivery)
    return [
        (guid, max(d.id for d in tries))
        for guid, tries in attempts.items()
        if not any(200 <= d.status_code < 300 for d in tries)
    ]


async def _recent(gh: GitHub[AppAuthStrategy]) -> AsyncIterator[HookDeliveryItem]:
    """Deliveries of the last three days, newest first, following GitHub's cursor pagination."""
    since = datetime.now(UTC) - WINDOW
    list_deliveries = gh.rest.apps.async_list_webhook_deliveries
    pages: AsyncIterator[HookDeliveryItem] = gh.rest.paginate(list_deliveries, per_page=100)
    seen = 0
    async for delivery in pages:
        seen += 1
        if delivery.delivered_at < since or seen > MAX_DELIVERIES:
            return
        yield delivery
