"""Everything between the socket and a route handler: validation, injected faults, authentication, rate
limits, conditional requests, and the request log. Order follows GitHub: fault, auth, rate limit, 400/422."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from .apps import router as apps_router
from .auth import credential, verify_app_jwt
from .calls import Call, Reply, error, not_found
from .checks import router as checks_router
from .commits import router as commits_router
from .compare import router as compare_router
from .graphql_api import router as graphql_router
from .issues import router as issues_router
from .pulls import router as pulls_router
from .ratelimit import Window
from .recording import InvalidRequest, RequestRecord
from .repos import router as repos_router
from .routing import Route, Router
from .teams import router as teams_router
from .webflow import router as webflow_router

if TYPE_CHECKING:
    from .models import App, Token, UserToken
    from .server import FakeGitHub

ROUTER = Router().extend(
    apps_router, repos_router, pulls_router, checks_router, issues_router, teams_router, graphql_router
)
ROUTER.extend(compare_router, webflow_router)
ROUTER.extend(commits_router)
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
JSON = "application/json; charset=utf-8"
UNPARSABLE = "Problems parsing JSON"
_request_ids = itertools.count(1)


@dataclass(frozen=True)
class Incoming:
    """A request as it arrived: raw (still %-encoded) path, query pairs, lower-cased headers, body bytes."""

    method: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    api: str


@dataclass(frozen=True)
class Outgoing:
    """The answer to send."""

    status: int
    headers: dict[str, str]
    content: bytes
    media_type: str
    background: Callable[[], None] | None = None


def answer(fake: FakeGitHub, incoming: Incoming) -> Outgoing:
    """Answer one request and log it."""
    found = ROUTER.match(incoming.method, incoming.raw_path)
    body, problems = _check_request(fake, incoming, found[0] if found else None)
    with fake.lock:
        reply, window, from_handler = _reply(fake, incoming, found, body, problems)
        out = _finish(fake, incoming, reply, window)
    if problems or reply.invalid:
        query = urlencode(incoming.query)
        text = incoming.body.decode(errors="replace")
        reasons = tuple(problems + reply.invalid)
        fake.log.invalid_requests.append(
            InvalidRequest(incoming.method, incoming.raw_path, query, text, reasons)
        )
    checked = fake.check_responses and from_handler and found is not None and found[0].openapi
    if checked and 200 <= out.status < 300 and out.media_type == JSON:
        _check_response(fake, incoming, out)
    fake.log.record(RequestRecord(incoming.method, incoming.raw_path, urlencode(incoming.query), out.status))
    return out


def _check_request(fake: FakeGitHub, incoming: Incoming, route: Route | None) -> tuple[Any, list[str]]:
    """The parsed JSON body and what GitHub would refuse about the request (its OpenAPI description)."""
    body: Any = None
    form = incoming.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if route is not None and not route.openapi and form:
        return dict(parse_qsl(incoming.body.decode(errors="replace"))), []
    if incoming.body:
        try:
            body = json.loads(incoming.body)
        except ValueError:
            return None, [UNPARSABLE]
    if route is not None and not route.openapi:
        return body, []
    content_type = incoming.headers.get("content-type", "")
    return body, fake.validator.request_errors(
        incoming.method, incoming.raw_path, incoming.query, incoming.body, content_type
    )


def _authenticate(
    fake: FakeGitHub, route: Route, authorization: str | None
) -> tuple[Token | None, App | None] | Reply:
    """The installation token or App behind the `Authorization` header, or GitHub's 401."""
    value = credential(authorization) if route.auth != "none" else None
    if value is None:
        return (None, None) if route.auth in ("any", "none") else error(401, "Requires authentication")
    token = fake.tokens.get(value)
    if token is not None:
        if token.expires_at <= fake.now():
            return error(401, "Bad credentials")
        if route.auth == "app":
            return error(401, "A JSON web token could not be decoded")
        if route.auth == "user":
            return error(403, "Resource not accessible by integration")
        return token, fake.apps[fake.installations[token.installation_id].app_id]
    if route.auth in ("installation", "user"):
        return error(401, "Bad credentials")
    app = verify_app_jwt(value, fake.apps, fake.now())
    return error(401, app) if isinstance(app, str) else (None, app)


def _user_token(fake: FakeGitHub, route: Route, authorization: str | None) -> UserToken | None:
    """The unexpired user access token of a `user` route's request (`_authenticate` refused the rest)."""
    value = credential(authorization) if route.auth == "user" else None
    token = fake.user_tokens.get(value) if value is not None else None
    return token if token is not None and token.expires_at > fake.now() else None


def _reply(
    fake: FakeGitHub,
    incoming: Incoming,
    found: tuple[Route, dict[str, str]] | None,
    body: Any,
    problems: list[str],
) -> tuple[Reply, tuple[Window, str] | None, bool]:
    """The reply, the rate-limit window it counts against, and whether a route handler produced it."""
    fault = fake.faults.take(incoming.method, incoming.raw_path)
    if fault is not None:
        return Reply(fault.status, fault.body, dict(fault.headers)), None, False
    if found is None:
        return not_found(), None, False
    route, params = found
    authorization = incoming.headers.get("authorization")
    user_token = _user_token(fake, route, authorization)
    who = (None, fake.apps[user_token.app_id]) if user_token else _authenticate(fake, route, authorization)
    if isinstance(who, Reply):
        return who, None, False
    token, app = who
    key = token.installation_id if token else -app.id if app else 0
    resource = "graphql" if route.template == "/graphql" else "core"
    window = (fake.rate.window(key, resource), resource)
    if window[0].remaining == 0 and route.template != "/rate_limit":
        return (
            error(403, f"API rate limit exceeded for installation ID {key}.", docs=RATE_DOCS),
            window,
            False,
        )
    if problems == [UNPARSABLE]:
        return error(400, UNPARSABLE), window, False
    if problems:
        return error(422, "Invalid request.\n\n" + "\n".join(problems)), window, False
    repo = None
    if "owner" in params and "repo" in params:
        repo = fake.repo(params["owner"], params["repo"])
        hidden = route.auth == "installation" and (
            token is None or repo is None or not fake.visible(token, repo)
        )
        if repo is None or hidden:
            return not_found(), window, False
    installation = fake.installations[token.installation_id] if token else None
    call = Call(
        incoming.method,
        incoming.raw_path,
        params,
        dict(incoming.query),
        incoming.headers,
        body,
        incoming.api,
        token,
        installation,
        app,
        repo,
        user_token=user_token,
    )
    return route.handler(fake, call), window, True


def _finish(
    fake: FakeGitHub, incoming: Incoming, reply: Reply, window: tuple[Window, str] | None
) -> Outgoing:
    """Encode the reply; answer 304 to a matching `If-None-Match`; charge and report the rate limit."""
    if isinstance(reply.body, bytes | str):
        content = reply.body.encode() if isinstance(reply.body, str) else reply.body
    else:
        content = b"" if reply.body is None else json.dumps(reply.body).encode()
    headers = {
        "x-github-api-version-selected": "2022-11-28",
        "x-github-media-type": "github.v3; format=json",
        "x-github-request-id": f"0000:FAKE:{next(_request_ids):06d}",
        **reply.headers,
    }
    status = reply.status
    if incoming.method == "GET" and status == 200:
        # Conditional requests: https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
        etag = f'W/"{hashlib.sha256(content).hexdigest()}"'
        headers |= {"etag": etag, "cache-control": "private, max-age=60, s-maxage=60"}
        if incoming.headers.get("if-none-match") == etag:
            status, content = 304, b""
    if window is not None:
        current, resource = window
        if status != 304 and incoming.raw_path != "/rate_limit":  # neither counts against the limit
            current.spend()
        headers |= current.headers(resource)
    return Outgoing(status, headers, content, reply.media_type, reply.background)


def _check_response(fake: FakeGitHub, incoming: Incoming, out: Outgoing) -> None:
    """Record a response of the fake's own that GitHub's description rejects: a bug in the fake."""
    problems = fake.validator.response_errors(incoming.method, incoming.raw_path, out.status, out.content)
    if problems:
        query = urlencode(incoming.query)
        fake.log.invalid_responses.append(
            InvalidRequest(
                incoming.method, incoming.raw_path, query, out.content.decode()[:2000], tuple(problems)
            )
        )
