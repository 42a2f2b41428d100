"""`POST /webhooks`: verify the signature, de-duplicate the delivery, enqueue its jobs, answer at once.

GitHub gives up on a delivery after 10 s and never redelivers a failed one by itself, so nothing here
calls GitHub: the workers do. https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.identity import AppIdentity, IdentitySource, environment_credentials, resolve_identity
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
# Bodies are read before their signature can be checked, so anyone can send them: the bytes held at once by
# one process, over every delivery being read, are capped (a few GitHub-size payloads), beyond which a
# delivery is refused with 503 (a failed delivery, which the workers ask GitHub to redeliver).
BODIES_BUDGET_BYTES = 64 * 1024 * 1024
# The event header is only trusted (and used as a metric label) once the signature checks out.
_UNVERIFIED = "unverified"
NOT_SET_UP = "the App is not set up yet: open /"
_TOO_LARGE = "payload larger than GitHub's 25 MB cap"
_BUSY = "too many large deliveries at once"


class BodyBudget:
    """The bytes of request bodies one process holds at once, capped: bounded memory whatever arrives."""

    def __init__(self, limit: int = BODIES_BUDGET_BYTES) -> None:
        """A budget of `limit` bytes."""
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        """Reserve `size` more bytes; False (nothing reserved) when that would pass the cap."""
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give(self, size: int) -> None:
        """Release `size` bytes."""
        self.held -= size


class _Held:
    """What one delivery holds of the budget, released once it is answered."""

    def __init__(self, budget: BodyBudget) -> None:
        self.budget, self.size = budget, 0

    def take(self, size: int) -> bool:
        """Reserve `size` more bytes, if the budget has them."""
        if not self.budget.take(size):
            return False
        self.size += size
        return True

    def release(self) -> None:
        """Give back all this delivery holds."""
        self.budget.give(self.size)
        self.size = 0


class WebhookDoor:
    """The ASGI app in front of `app`: `/webhooks` is answered here, everything else by `app`.

    The door reads the raw request and writes its own response, so nothing of a framework's middleware
    and routing runs around it: sampled under bench_intake's load, FastAPI's middleware, routing and
    endpoint wrapping took 28 % of the web process's time for a delivery, the door's own work 33 %."""

    def __init__(  # noqa: PLR0917 (the door's parts, as create_app holds them)
        self,
        app: ASGIApp,
        settings: Settings,
        identity: IdentitySource,
        redis: ArqRedis,
        metrics: Metrics,
        budget: BodyBudget | None = None,
    ) -> None:
        """The door, bound to its settings, the App's identity, the queue, metrics and the bodies'
        budget, in front of `app`."""
        self.app, self.metrics = app, metrics
        self.door = _Door(settings, identity, redis, budget or BodyBudget())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`POST /webhooks` here; any other method there 405; the rest to the app behind."""
        if scope["type"] != "http" or scope["path"] != "/webhooks":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await PlainTextResponse("Method Not Allowed", 405, {"Allow": "POST"})(scope, receive, send)
            return
        request = Request(scope, receive)
        event, outcome, response = await self.door.receive(request)
        self.metrics.deliveries.labels(event=event, outcome=outcome).inc()
        delivery = request.headers.get("x-github-delivery")
        # The web server's own access log is off (`scopegate web`): this line is the delivery's.
        log.info("delivery %s (%s): %s %s", delivery, event, outcome, response.status_code)
        await response(scope, receive, send)


class _Door:
    """One process's intake: the identity it knows from the environment, and the bodies it holds."""

    def __init__(
        self, settings: Settings, source: IdentitySource, redis: ArqRedis, budget: BodyBudget
    ) -> None:
        self.settings, self.source, self.redis, self.budget = settings, source, redis, budget
        # With the App's id, key and secret all in the environment, the ledger has nothing to add to a
        # delivery's check: it stays off this path, so a database outage does not refuse deliveries.
        environment = resolve_identity(settings, environment_credentials(settings), None)
        self.environment = environment if environment.configured else None

    async def receive(self, request: Request) -> tuple[str, str, Response]:
        """The delivery's event (for metrics), its outcome and the response."""
        try:
            identity = self.environment or await self.source.current()
        except SQLAlchemyError as error:
            log.warning("ledger unavailable while reading the webhook secret: %s", error)
            return _UNVERIFIED, "unavailable", _error(503, "ledger unavailable")
        if not identity.webhook_secrets:
            # Also the fate of the `ping` GitHub sends as it creates the App, before the setup page has
            # stored the secret: a failed delivery, which the workers ask GitHub to redeliver once they run
            # as the App.
            return _UNVERIFIED, "not_set_up", _json(503, {"reason": NOT_SET_UP})
        declared = _content_length(request)
        if declared is not None and declared > MAX_PAYLOAD_BYTES:
            # Refused on the header alone: not one byte of the body is read.
            return _UNVERIFIED, "too_large", _error(413, _TOO_LARGE)
        held = _Held(self.budget)
        try:
            read = await self._read_body(request, declared, held)
            if isinstance(read, Response):
                return _UNVERIFIED, "too_large" if read.status_code == 413 else "busy", read
            return await self._handle(request, identity, read)
        finally:
            held.release()  # also when the client went away mid-body

    async def _read_body(self, request: Request, declared: int | None, held: _Held) -> bytearray | Response:
        """The raw body, read within the cap and the process's budget; an error response otherwise.
        A declared length is reserved at once; without one (chunked), each chunk as it comes."""
        if declared is not None and not held.take(declared):
            return _error(503, _BUSY)
        limit = MAX_PAYLOAD_BYTES if declared is None else declared
        body = bytearray()
        async for chunk in request.stream():
            if len(body) + len(chunk) > limit:
                return _error(413, _TOO_LARGE)
            if declared is None and not held.take(len(chunk)):
                return _error(503, _BUSY)
            body += chunk
        return body

    async def _handle(
        self, request: Request, identity: AppIdentity, body: bytearray
    ) -> tuple[str, str, Response]:
        """Check the signature of a body read whole, then map and enqueue the delivery."""
        header = request.headers.get("x-hub-signature-256")
        if not signature.verify(body, header, identity.webhook_secrets):
            return _UNVERIFIED, "unauthorized", _error(401, "missing or wrong X-Hub-Signature-256")
        event = request.headers.get("x-github-event")
        delivery = request.headers.get("x-github-delivery")
        if not event or not delivery:
            missing = "missing X-GitHub-Event or X-GitHub-Delivery"
            return event or _UNVERIFIED, "bad_request", _error(400, missing)
        payload = _parse(body)
        if payload is None:
            return event, "bad_request", _error(400, "body is not a JSON object")
        try:
            outcome, response = await _enqueue(
                self.settings, identity, self.redis, event=event, delivery=delivery, payload=payload
            )
        except RedisError as error:
            # 503 makes GitHub mark the delivery failed, so it can be redelivered once Redis is back.
            log.warning("delivery %s: Redis unavailable: %s", delivery, error)
            return event, "unavailable", _error(503, "queue unavailable")
        return event, outcome, response


def _content_length(request: Request) -> int | None:
    """The declared body length; None when absent (chunked)."""
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdecimal() else None


async def _enqueue(
    settings: Settings,
    identity: AppIdentity,
    redis: ArqRedis,
    *,
    event: str,
    delivery: str,
    payload: dict[str, Any],
) -> tuple[str, Response]:
    """Enqueue the delivery's jobs unless it was queued before, and remember it as queued: one atomic
    Redis script, so a delivery is never half-queued and its redelivery is refused only once it is in."""
    override_label = await _override_label(redis, event, payload)
    plan = events.plan(
        event,
        payload,
        delivery_id=delivery,
        app_id=identity.app_id,
        bot_login=identity.bot_login,
        override_label=override_label,
    )
    if not plan.jobs:
        return "ignored", _json(200, {"queued": [], "reason": plan.reason})
    done = await enqueue_delivery(
        redis,
        DELIVERY_KEY.format(delivery),
        plan.jobs,
        debounce_seconds=settings.debounce_seconds,
        mark_ttl=DELIVERY_TTL_SECONDS,
    )
    if done.earlier is not None:
        body = {"queued": [], "reason": "delivery already queued", "already_queued": list(done.earlier)}
        return "duplicate", _json(200, body)
    body = {"queued": list(done.queued), "already_queued": list(done.held), "reason": plan.reason}
    return "queued", _json(202, body)


async def _override_label(redis: ArqRedis, event: str, payload: dict[str, Any]) -> str | None:
    """The repository's override label as its workers last read it, for a label change only (one GET)."""
    key = events.override_label_key(payload) if events.needs_override_label(event, payload) else None
    if key is None:
        return None
    value = await redis.get(key)
    return value.decode() if isinstance(value, bytes) else None


def _parse(body: bytearray) -> dict[str, Any] | None:
    """The body as a JSON object, or None. App webhooks are always JSON, never form-encoded."""
    try:
        # orjson: parsing the payload was a quarter of a delivery's CPU with the standard library's json.
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def _error(status: int, message: str) -> Response:
    """A short JSON error response."""
    return _json(status, {"error": message})


def _json(status: int, body: dict[str, Any]) -> Response:
    """`body` as a JSON response: the bytes and headers of Starlette's JSONResponse, encoded by orjson
    instead of the standard library's json."""
    return Response(orjson.dumps(body), status, media_type="application/json")
