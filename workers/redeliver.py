"""Nothing lost while the intake was down: ask GitHub again for deliveries that failed, until one attempt
succeeds or GitHub's three-day window ends.

GitHub never redelivers a failed delivery by itself; the App's delivery log keeps three days:
https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import GitHubException
from githubkit_schemas.latest.models import HookDeliveryItem

from workers.context import context

log = logging.getLogger(__name__)
WINDOW = timedelta(days=3)
MAX_DELIVERIES = 1000
# A Redis hash: delivery GUID -> {"id": the attempt last asked for again, "at": when, "asks": how many}.
ASKED = "scopegate:redeliveries"
# After an ask whose attempt failed too, the next waits 5 min, doubling up to 6 h: a long outage of the
# intake costs a few dozen asks per delivery over the three days, not one every sweep.
FIRST_WAIT_SECONDS = 300.0
MAX_WAIT_SECONDS = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Failed:
    """A delivery (GUID) none of whose attempts was answered 2xx."""

    guid: str
    latest_id: int  # the attempt to ask GitHub to redeliver
    first_at: datetime  # when GitHub first tried it: its three days run from here


async def redeliver_failed_deliveries(ctx: dict[str, Any]) -> int:
    """Ask again for each failed delivery of the last three days that is due; returns how many were asked
    for. A delivery is marked only once GitHub accepted the ask, so a failed ask is tried at the next run;
    one whose redelivered attempt failed too is asked for again after a growing wait."""
    worker = context(ctx)
    first_wait: float = ctx.get("redeliver_wait_seconds", FIRST_WAIT_SECONDS)
    gh = worker.app()
    deliveries = [d async for d in _recent(gh)]
    now = time.time()
    asked = 0
    for delivery in due(failed(deliveries), await _asked(worker.redis), now, first_wait):
        try:
            await gh.rest.apps.async_redeliver_webhook_delivery(delivery.latest_id)
        except GitHubException as error:  # not marked: the next run asks again
            log.warning("could not ask GitHub to redeliver %s: %r", delivery.guid, error)
            continue
        await _mark(worker.redis, delivery, now)
        asked += 1
    await worker.redis.expire(ASKED, int(WINDOW.total_seconds()) * 2)
    if asked:
        log.info("asked GitHub to redeliver %d failed deliveries", asked)
    return asked


def failed(deliveries: Iterable[HookDeliveryItem]) -> list[Failed]:
    """Each GUID none of whose attempts was answered 2xx, with its latest attempt and its first."""
    attempts: dict[str, list[HookDeliveryItem]] = {}
    for delivery in deliveries:
        attempts.setdefault(delivery.guid, []).append(delivery)
    return [
        Failed(guid, max(d.id for d in tries), min(d.delivered_at for d in tries))
        for guid, tries in attempts.items()
        if not any(200 <= d.status_code < 300 for d in tries)
    ]


def due(
    candidates: Iterable[Failed], asked: dict[str, dict[str, Any]], now: float, first_wait: float
) -> list[Failed]:
    """The failed deliveries to ask for now: within GitHub's three days of their first attempt, and never
    asked for, or asked for long enough ago (`first_wait`, doubling with each ask, at most 6 h)."""
    start = now - WINDOW.total_seconds()
    chosen = []
    for delivery in candidates:
        if delivery.first_at.timestamp() < start:
            continue
        earlier = asked.get(delivery.guid)
        if earlier is not None:
            wait = min(MAX_WAIT_SECONDS, first_wait * 2 ** (int(earlier["asks"]) - 1))
            if now < float(earlier["at"]) + wait:
                continue
        chosen.append(delivery)
    return chosen


async def _asked(redis: Any) -> dict[str, dict[str, Any]]:
    """What was asked for so far, by GUID."""
    raw = await cast(Awaitable[dict[bytes, bytes]], redis.hgetall(ASKED))
    return {guid.decode(): json.loads(state) for guid, state in raw.items()}


async def _mark(redis: Any, delivery: Failed, now: float) -> None:
    """Remember that GitHub accepted an ask for `delivery`."""
    earlier = await cast(Awaitable[bytes | None], redis.hget(ASKED, delivery.guid))
    asks = int(json.loads(earlier)["asks"]) + 1 if earlier else 1
    state = json.dumps({"id": delivery.latest_id, "at": now, "asks": asks})
    await cast(Awaitable[int], redis.hset(ASKED, delivery.guid, state))


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
