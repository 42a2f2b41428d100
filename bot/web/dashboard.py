"""`/dashboard`: the ledger's figures for the installations a GitHub user belongs to, behind GitHub sign-in.

The App's own OAuth client (SCOPEGATE_CLIENT_ID and SCOPEGATE_CLIENT_SECRET, or the client id and secret
the setup page's manifest flow stored) signs the user in; `GET /user/installations` with their token
decides which installations they may see, and a signed cookie remembers both for an hour. The figures come
from the same functions as `/api/report`, `/api/trends` and `/api/cost?by=pr|repo|team|stage|model` with
`?installation=`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from functools import partial
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Cookie
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.core.review_report import build_report, report_json
from bot.core.trends import trends_json
from bot.identity import IdentitySource
from bot.ledger.llm_calls import cost_rows
from bot.ledger.review_report import pull_request_records
from bot.llm.costs import GROUPINGS, costs_json, group_costs
from bot.settings import Settings
from bot.web.api_access import in_ledger
from bot.web.dashboard_page import Figures, dashboard_page, message_page
from bot.web.manifest import DASHBOARD_CALLBACK_PATH, github_web_url
from bot.web.oauth import OAuthError, OAuthRefused, authorize_url, exchange_code, viewer_installations
from bot.web.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    STATE_COOKIE,
    STATE_SECONDS,
    Viewer,
    session_key,
    session_value,
    state_matches,
    state_value,
    viewer_of,
)
from bot.web.viewer import OAuthClient, oauth_client

log = logging.getLogger(__name__)

STATIC_FILES = {
    "chart.umd.min.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "chart.js-LICENSE.md": "text/markdown",
}
# Scripts from this server only: the page's data is JSON in a non-executed <script> element.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}


def read_figures(session: Session, installation: int) -> Figures:
    """An installation's figures, as `/api/report`, `/api/trends` and `/api/cost?by=` each grouping
    answer them."""
    records = pull_request_records(session, installation=installation)
    calls = cost_rows(session, installation=installation)
    costs = {by: costs_json(group_costs(calls, by), by) for by in GROUPINGS}
    return Figures(report_json(build_report(records)), trends_json(records), costs)


def dashboard_router(settings: Settings, identity: IdentitySource) -> APIRouter:
    """The dashboard, its sign-in and sign-out, and its two scripts."""
    router = APIRouter()
    web_url = github_web_url(settings.github_api_url)
    redirect_uri = f"{settings.public_url}{DASHBOARD_CALLBACK_PATH}" if settings.public_url else None
    secure = (settings.public_url or "").startswith("https://")

    client = partial(_client, settings, identity)

    @router.get("/dashboard")
    async def dashboard(
        installation: int | None = None,
        session: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    ) -> Response:
        """The figures of one installation the signed-in user may see (the first, unless one is asked)."""
        app = await client()
        if isinstance(app, Response):
            return app
        viewer = viewer_of(session_key(app.client_secret), session, time.time())
        if viewer is None:
            return RedirectResponse("/dashboard/login", status_code=303)
        if not viewer.installations:
            text = f"GitHub lists no installation of {app.app_name} that {viewer.login} belongs to."
            return _page(403, "Nothing to show", text)
        chosen = installation if installation is not None else viewer.installations[0][0]
        if not viewer.may_see(chosen):
            # The same answer whether or not the installation exists: nothing about it is shown.
            return _page(404, "Not found", f"No installation {chosen} among those {viewer.login} belongs to.")
        figures = await _figures(settings.database_url, chosen)
        if isinstance(figures, Response):
            return figures
        current = next(item for item in viewer.installations if item[0] == chosen)
        page = dashboard_page(viewer.login, viewer.installations, current, figures)
        return HTMLResponse(page, headers=_HEADERS)

    @router.get("/dashboard/login")
    async def login() -> Response:
        """Send the browser to GitHub to sign in, with a `state` only this browser's cookie holds."""
        app = await client()
        if isinstance(app, Response):
            return app
        state = secrets.token_urlsafe(32)
        target = authorize_url(web_url, app.client_id, state, redirect_uri)
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(
            STATE_COOKIE, state_value(session_key(app.client_secret), state, time.time()),
            max_age=STATE_SECONDS, path="/dashboard", httponly=True, samesite="lax", secure=secure,
        )  # fmt: skip
        return response

    @router.get(DASHBOARD_CALLBACK_PATH)
    async def callback(
        code: str = "",
        state: str = "",
        error: str = "",
        held: Annotated[str | None, Cookie(alias=STATE_COOKIE)] = None,
    ) -> Response:
        """GitHub's redirect back: check the state, trade the code for a user token, ask GitHub which
        installations the user may see, and remember that in the session cookie."""
        app = await client()
        if isinstance(app, Response):
            return app
        key = session_key(app.client_secret)
        if not state_matches(key, held, state, time.time()):
            return _page(400, "Sign-in expired", "This sign-in is unknown or expired: open /dashboard again.")
        if error:
            return _page(403, "Not signed in", f"GitHub did not sign you in: {error}.")
        try:
            token = await exchange_code(web_url, app.client_id, app.client_secret, code, redirect_uri)
            login, installations = await viewer_installations(settings.github_api_url, token)
        except OAuthRefused as problem:
            return _page(403, "Not signed in", f"{problem}. Open /dashboard to sign in again.")
        except OAuthError as problem:
            log.warning("dashboard sign-in failed: %s", problem)
            return _page(502, "Not signed in", str(problem))
        viewer = Viewer(login, tuple(installations), int(time.time()) + SESSION_SECONDS)
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, session_value(key, viewer), max_age=SESSION_SECONDS, path="/", httponly=True,
            samesite="lax", secure=secure,
        )  # fmt: skip
        response.delete_cookie(STATE_COOKIE, path="/dashboard")
        return response

    _plain_routes(router)
    return router


async def _client(settings: Settings, identity: IdentitySource) -> OAuthClient | Response:
    """The App's OAuth client, or the page saying why there is none."""
    try:
        found = await oauth_client(settings, identity)
    except SQLAlchemyError as error:
        log.warning("dashboard: the ledger does not answer: %s", error)
        return _page(503, "Unavailable", "The ledger does not answer; try again shortly.")
    return _page(503, "No dashboard", found) if isinstance(found, str) else found


async def _figures(database_url: str, installation: int) -> Figures | Response:
    """`read_figures` in a thread, or the page saying the ledger does not answer."""
    try:
        return await asyncio.to_thread(
            in_ledger, database_url, partial(read_figures, installation=installation)
        )
    except SQLAlchemyError as error:
        log.warning("dashboard: the ledger does not answer: %s", error)
        return _page(503, "Unavailable", "The ledger does not answer; try again shortly.")


def _plain_routes(router: APIRouter) -> None:
    """Sign-out and the static files: nothing to look up."""

    @router.get("/dashboard/logout")
    async def logout() -> Response:
        """Forget the session."""
        response = _page(200, "Signed out", "You are signed out of the scopegate dashboard.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/dashboard/static/{name}")
    async def static(name: str) -> Response:
        """The vendored Chart.js, its licence and the dashboard's script, from the package."""
        if name not in STATIC_FILES:
            return Response(status_code=404)
        data = resources.files("bot.web").joinpath("static", name).read_bytes()
        headers = {"Cache-Control": "public, max-age=3600"}
        return Response(data, media_type=STATIC_FILES[name], headers=headers)


def _page(status: int, title: str, text: str) -> HTMLResponse:
    return HTMLResponse(message_page(title, text), status_code=status, headers=_HEADERS)
