"""`GET /`, the App's setup page, starts GitHub's manifest flow; `GET /setup/callback` ends it and stores
the new App's credentials in the ledger. Once the App is set up, `GET /` shows its name and health.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from arq.connections import ArqRedis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from githubkit import GitHub
from githubkit.exception import GitHubException
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bot.identity import AppIdentity, IdentitySource
from bot.settings import Settings
from bot.web.manifest import (
    CALLBACK_PATH,
    build_manifest,
    creation_url,
    github_web_url,
    is_login,
    load_manifest,
)
from bot.web.setup_pages import address_form, configured_page, created_page, message_page, setup_form

log = logging.getLogger(__name__)

STATE_KEY = "scopegate:setup-state:{}"
TOKENS_KEY = "scopegate:setup-tokens"
# Long enough to sign in and read GitHub's confirmation page; short enough that a leaked link soon dies.
STATE_TTL_SECONDS = 30 * 60
# State tokens are ours (token_urlsafe); GitHub's codes are hex. Both end up in a key or a URL path.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")

_NO_TOKEN = (
    "This scopegate has no GitHub App yet. Open the setup link it printed to its log: it carries a token, "
    "so that only whoever runs this server can set it up."
)
_NOT_STORED = "The ledger did not store the new App: delete it in GitHub's App settings, then start again."

Readiness = Callable[[], Awaitable[dict[str, str]]]


class _Unavailable(Exception):
    """The ledger or Redis did not answer."""


class SetupToken:
    """The secret an unconfigured scopegate prints to its log: only whoever reads the log may set it up.

    Whoever reached the setup page first would otherwise own the instance. Each web process has its own
    token and registers it in Redis, so a link printed by one process works on every process."""

    def __init__(self, token: str | None = None) -> None:
        """A fresh token, unless one is given (tests)."""
        self.token = token or secrets.token_urlsafe(32)

    def link(self, settings: Settings) -> str:
        """The setup page's address with the token, as the log prints it."""
        host = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
        base = settings.public_url or f"http://{host}:{settings.port}"
        return f"{base}/?{urlencode({'token': self.token})}"

    async def admits(self, redis: ArqRedis, given: str) -> bool:
        """Whether `given` is this process's token or another web process's."""
        if not given or not _TOKEN.fullmatch(given):
            return False
        if secrets.compare_digest(given, self.token):
            return True
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.sadd(TOKENS_KEY, self.token)
            pipe.sismember(TOKENS_KEY, given)
            _, known = await pipe.execute()
        except RedisError as error:
            raise _Unavailable(f"Redis does not answer ({type(error).__name__})") from error
        return bool(known)

    async def register(self, redis: ArqRedis) -> None:
        """Make this process's token good on every web process."""
        pipe = redis.pipeline(transaction=False)
        pipe.sadd(TOKENS_KEY, self.token)
        await pipe.execute()


async def announce_setup(
    settings: Settings, identity: IdentitySource, redis: ArqRedis, token: SetupToken
) -> None:
    """Print the one-time setup link to the log when the App is not set up yet (as notebook servers do)."""
    try:
        if (await identity.current()).configured or not identity.can_store:
            return
    except SQLAlchemyError as error:
        log.warning("ledger unavailable while looking for the App's credentials: %s", error)
    try:
        await token.register(redis)
    except RedisError as error:
        log.warning("Redis unavailable: the setup link works on this process only: %s", error)
    log.warning("scopegate is not set up yet; to set it up, open %s", token.link(settings))


def setup_router(
    settings: Settings,
    identity: IdentitySource,
    redis: ArqRedis,
    readiness: Readiness,
    setup_token: SetupToken,
) -> APIRouter:
    """The setup page and the manifest flow's callback."""
    router = APIRouter()
    template = load_manifest()

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request, organization: str = "", token: str = "", url: str = "") -> HTMLResponse:
        """The App's state when it is set up; otherwise, to the holder of the setup token, the form that
        creates it on GitHub, once the address GitHub reaches this server at is known."""
        try:
            app = await _identity(identity)
            if app.configured:
                return HTMLResponse(configured_page(app, await readiness()))
            if not identity.can_store:
                return _message(503, "Not set up", "No ledger to store the App in: set SCOPEGATE_* instead.")
            if not await setup_token.admits(redis, token):
                return _message(403, "Not set up", _NO_TOKEN)
            owner, problem = _organization(organization)
            # Never the Host header: anyone can send one, and GitHub would then deliver to their address.
            base_url = settings.public_url or _confirmed(url)
            if base_url is None:
                suggested = str(request.base_url).rstrip("/")
                return HTMLResponse(address_form(token, suggested, organization, _address_problem(url)))
            state = secrets.token_urlsafe(32)
            await _remember(redis, state)
        except _Unavailable as error:
            log.warning("setup: %s: %s", error, error.__cause__)
            return _message(503, "Unavailable", str(error))
        action = creation_url(github_web_url(settings.github_api_url), state, owner)
        confirmed = "" if settings.public_url else base_url
        manifest = build_manifest(template, base_url)
        return HTMLResponse(setup_form(action, manifest, owner, problem, token=token, url=confirmed))

    @router.get(CALLBACK_PATH, response_class=HTMLResponse)
    async def callback(code: str = "", state: str = "") -> HTMLResponse:
        """Check the state (only the token's holder was given one), trade GitHub's code for the App's
        credentials and store them."""
        try:
            if not _TOKEN.fullmatch(state) or not await _take(redis, state):
                return _message(400, "Setup link expired", "This setup link is unknown, used or expired.")
            if not _TOKEN.fullmatch(code):
                return _message(400, "No code", "GitHub's redirect carries no usable code.")
            if (await _identity(identity)).configured:
                return _message(409, "Already set up", "This scopegate already has its GitHub App.")
        except _Unavailable as error:
            log.warning("setup: %s: %s", error, error.__cause__)
            return _message(503, "Unavailable", str(error))
        try:
            conversion = await exchange_code(settings.github_api_url, code)
            app = await identity.save(conversion)
        except (GitHubException, ValueError) as error:
            log.warning("manifest conversion failed: %s", error)
            return _message(502, "GitHub did not hand over the App", str(error))
        except SQLAlchemyError as error:
            # GitHub hands the private key over once: the App it created is of no use without it.
            log.error("could not store the new App's credentials: %s", error)
            return _message(503, "Not stored", _NOT_STORED)
        log.info("stored the credentials of GitHub App %s", app.app_id)
        try:
            await redis.delete(TOKENS_KEY)  # one-time: the setup links are spent
        except RedisError as error:
            log.warning("could not forget the setup tokens: %s", error)
        return HTMLResponse(created_page(app))

    return router


def _confirmed(url: str) -> str | None:
    """The address the token's holder confirmed, without a trailing slash; None unless an http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    return url.strip().rstrip("/")


def _address_problem(url: str) -> str:
    """Why a confirmed address was not taken, if one was given."""
    return f"{url!r} is not an http(s) address." if url.strip() else ""


async def exchange_code(api_url: str, code: str) -> dict[str, Any]:
    """`POST /app-manifests/{code}/conversions`: the App's id, key and secrets. The code is the only
    credential (no auth), it works once, and within an hour of the App's creation."""
    # No retries: a retried conversion that GitHub had already made would only come back 404.
    async with GitHub(base_url=api_url, auto_retry=False, http_cache=False, user_agent="scopegate") as gh:
        response = await gh.rest.apps.async_create_from_manifest(code)
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("the manifest conversion is not a JSON object")
    return body


async def _identity(source: IdentitySource) -> AppIdentity:
    """The App's identity; _Unavailable when the ledger does not answer."""
    try:
        return await source.current()
    except SQLAlchemyError as error:
        raise _Unavailable(f"the ledger does not answer: {type(error).__name__}") from error


async def _remember(redis: ArqRedis, state: str) -> None:
    """Keep `state` in Redis (shared by every web process) until it is used or expires."""
    try:
        await redis.set(STATE_KEY.format(state), "1", ex=STATE_TTL_SECONDS)
    except RedisError as error:
        raise _Unavailable(f"Redis does not answer ({type(error).__name__})") from error


async def _take(redis: ArqRedis, state: str) -> bool:
    """Whether `state` was issued and is still live; it is deleted, so it works once (DEL is atomic)."""
    try:
        return bool(await redis.delete(STATE_KEY.format(state)))
    except RedisError as error:
        raise _Unavailable(f"Redis does not answer ({type(error).__name__})") from error


def _organization(name: str) -> tuple[str | None, str]:
    """The organisation to own the App (None: the user), and a problem to show with the name."""
    name = name.strip()
    if not name or is_login(name):
        return name or None, ""
    return None, f"{name!r} is not a GitHub organisation login; the App would belong to your account."


def _message(status: int, title: str, message: str) -> HTMLResponse:
    """A one-message page with `status`."""
    return HTMLResponse(message_page(title, message), status_code=status)
