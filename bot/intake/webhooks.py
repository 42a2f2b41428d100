"""`POST /webhooks`: verify the signature, de-duplicate the delivery, enqueue its jobs, answer at once.

GitHub gives up on a delivery after 10 s and never redelivers a failed one by itself, so nothing here
calls GitHub: the workers do. https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from arq.connections import ArqRedis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bot.identity import AppIdentity, IdentitySource
from bot.intake import events, signature
from bot.intake.queue import enqueue_delivery
from bot.settings import Settings
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)

# GitHub never sends more; anything bigger is not from GitHub and is refused before it fills memory.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024
# A failed delivery can be redelivered, same X-GitHub-Delivery, for 3 days; no need to remember it longer.
# https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries
DELIVERY_TTL_SECONDS = 3 * 24 * 60 * 60
DELIVERY_KEY = "scopegate:delivery:{}"
# The event header is only trusted (and used as a metric label) once the signature checks out.
_UNVERIFIED = "unverified"
NOT_SET_UP = "the App is not set up yet: open /"


def webhook_router(
    settings: Settings, identity: IdentitySource, redis: ArqRedis, metrics: Metrics
) -> APIRouter:
    """The webhook route, bound to its settings, the App's identity, the queue and metrics."""
    router = APIRouter()

    @router.post("/webhooks")
    async def receive(request: Request) -> JSONResponse:
        """Verify, de-duplicate and enqueue one delivery."""
        event, outcome, response = await _receive(request, settings, identity, redis)
        metrics.deliveries.labels(event=event, outcome=outcome).inc()
        delivery = request.headers.get("x-github-delivery")
        log.info("delivery %s (%s): %s %s", delivery, event, outcome, response.status_code)
        return response

    return router


async def _receive(
    request: Request, settings: Settings, source: IdentitySource, redis: ArqRedis
) -> tuple[str, str, JSONResponse]:
    """The delivery's event (for metrics), its outcome and the response."""
    try:
        identity = await source.current()
    except SQLAlchemyError as error:
        log.warning("ledger unavailable while reading the webhook secret: %s", error)
        return _UNVERIFIED, "unavailable", _error(503, "ledger unavailable")
    if not identity.webhook_secrets:
        # Also the fate of the `ping` GitHub sends as it creates the App, before the setup page has stored
        # the secret: a failed delivery, which the workers ask GitHub to redeliver once they run as the App.
        return _UNVERIFIED, "not_set_up", JSONResponse({"reason": NOT_SET_UP}, status_code=503)
    body = await _read_body(request, MAX_PAYLOAD_BYTES)
    if body is None:
        return _UNVERIFIED, "too_large", _error(413, "payload larger than GitHub's 25 MB cap")
    header = request.headers.get("x-hub-signature-256")
    if not signature.verify(body, header, identity.webhook_secrets):
        return _UNVERIFIED, "unauthorized", _error(401, "missing or wrong X-Hub-Signature-256")
    event = request.headers.get("x-github-event")
    delivery = request.headers.get("x-github-delivery")
    if not event or not delivery:
        return event or _UNVERIFIED, "bad_request", _error(400, "missing X-GitHub-Event or X-GitHub-Delivery")
    payload = _parse(body)
    if payload is None:
        return event, "bad_request", _error(400, "body is not a JSON object")
    try:
        outcome, response = await _enqueue(
            settings, identity, redis, event=event, delivery=delivery, payload=payload
        )
    except RedisError as error:
        # 503 makes GitHub mark the delivery failed, so it can be redelivered once Redis is back.
        log.warning("delivery %s: Redis unavailable: %s", delivery, error)
        return event, "unavailable", _error(503, "queue unavailable")
    return event, outcome, response


async def _enqueue(
    settings: Settings,
    identity: AppIdentity,
    redis: ArqRedis,
    *,
    event: str,
    delivery: str,
    payload: dict[str, Any],
) -> tuple[str, JSONResponse]:
    """Enqueue the delivery's jobs unless it was queued before, and remember it as queued: one atomic
    Redis script, so a delivery is never half-queued and its redelivery is refused only once it is in."""
    plan = events.plan(
        event, payload, delivery_id=delivery, app_id=identity.app_id, bot_login=identity.bot_login
    )
    if not plan.jobs:
        return "ignored", JSONResponse({"queued": [], "reason": plan.reason}, status_code=200)
    done = await enqueue_delivery(
        redis,
        DELIVERY_KEY.format(delivery),
        plan.jobs,
        debounce_seconds=settings.debounce_seconds,
        mark_ttl=DELIVERY_TTL_SECONDS,
    )
    if done.earlier is not None:
        body = {"queued": [], "reason": "delivery already queued", "already_queued": list(done.earlier)}
        return "duplicate", JSONResponse(body, status_code=200)
    body = {"queued": list(done.queued), "already_queued": list(done.held), "reason": plan.reason}
    return "queued", JSONResponse(body, status_code=202)


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it grows past `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _parse(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None. App webhooks are always JSON, never form-encoded."""
    try:
        # orjson: parsing the payload was a quarter of a delivery's CPU with the standard library's json.
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def _error(status: int, message: str) -> JSONResponse:
    """A short JSON error response."""
    return JSONResponse({"error": message}, status_code=status)
