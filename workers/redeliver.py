"""Nothing lost while the intake was down: ask GitHub again for deliveries that failed, once each.

GitHub never redelivers a failed delivery by itself; the App's delivery log keeps three days:
https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from githubkit import AppAuthStrategy, GitHub
from githubkit.utils import UNSET

from bot.github.client import RETRY
from workers.context import context

log = logging.getLogger(__name__)
WINDOW = timedelta(days=3)
MAX_PAGES = 10
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


def failed(deliveries: Iterable[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """`(guid, latest delivery id)` of each GUID none of whose attempts was answered 2xx."""
    attempts: dict[str, list[Mapping[str, Any]]] = {}
    for delivery in deliveries:
        if delivery.get("guid") and delivery.get("id"):
            attempts.setdefault(str(delivery["guid"]), []).append(delivery)
    return [
        (guid, int(max(tries, key=lambda d: int(d["id"]))["id"]))
        for guid, tries in attempts.items()
        if not any(200 <= int(d.get("status_code") or 0) < 300 for d in tries)
    ]


async def _recent(gh: GitHub[AppAuthStrategy]) -> Any:
    """Deliveries of the last three days, newest first, following GitHub's cursor pagination."""
    since = datetime.now(UTC) - WINDOW
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = await gh.rest.apps.async_list_webhook_deliveries(per_page=100, cursor=cursor or UNSET)
        page: Any = response.json()
        for delivery in page:
            delivered = str(delivery.get("delivered_at") or "")
            if delivered and datetime.fromisoformat(delivered.replace("Z", "+00:00")) < since:
                return
            yield delivery
        cursor = _next_cursor(response.headers.get("link", ""))
        if cursor is None:
            return


def _next_cursor(link: str) -> str | None:
    for part in link.split(","):
        if 'rel="next"' in part and "cursor=" in part:
            return part.split("cursor=", 1)[1].split("&", 1)[0].split(">", 1)[0]
    return None
