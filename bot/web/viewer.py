"""Who is looking: the App's OAuth client the dashboard signs users in with, and the signed-in viewer its
session cookie names, for the dashboard and for `/api/` requests made with that cookie instead of the
bearer token.

The OAuth client is `SCOPEGATE_CLIENT_ID` and `SCOPEGATE_CLIENT_SECRET` when both are set, else the one the
setup page stored (GitHub's manifest conversion returns it). An App configured from the environment without
them has no dashboard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response

from bot.identity import IdentitySource
from bot.settings import ENV_PREFIX, Settings
from bot.web.api_access import refused
from bot.web.session import Viewer, session_key, viewer_of

NO_CLIENT = (
    "The dashboard signs you in with the GitHub App's OAuth client: the one the setup page stored, or "
    f"{ENV_PREFIX}CLIENT_ID and {ENV_PREFIX}CLIENT_SECRET. This scopegate has neither."
)


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """The App's OAuth client: its id and secret, and the App's name to show."""

    client_id: str
    client_secret: str
    app_name: str


async def oauth_client(settings: Settings, identity: IdentitySource) -> OAuthClient | str:
    """The OAuth client the environment names, else the setup page's; otherwise why there is none.
    SQLAlchemyError when the ledger does not answer."""
    client_id = settings.client_id or ""
    secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
    if client_id and secret:
        return OAuthClient(client_id, secret, (settings.bot_login or "the App").removesuffix("[bot]"))
    if client_id or secret:
        missing = "CLIENT_SECRET" if client_id else "CLIENT_ID"
        return f"{ENV_PREFIX}{missing} is not set (the dashboard needs both of the App's OAuth client's)."
    stored = (await identity.current()).stored
    if stored is None:
        return NO_CLIENT
    return OAuthClient(stored.client_id, stored.client_secret, stored.slug)


async def api_refusal(
    settings: Settings,
    identity: IdentitySource,
    *,
    authorization: str | None,
    cookie: str | None,
    installation: int | None,
    off: str,
) -> Response | None:
    """The answer to an `/api/` read the request may not have, or None. A bearer token is checked as
    `refused` does (every installation); without one, a dashboard session lets through the reads of one
    installation its user may see: 400 without `?installation=`, 404 for any other (as for one that does
    not exist)."""
    viewer = None
    if authorization is None and cookie is not None:
        viewer = await _viewer(settings, identity, cookie)
    if viewer is None:
        return refused(settings, authorization, off)
    if installation is None:
        reason = "a signed-in user reads one installation at a time: add ?installation=ID"
        return JSONResponse({"reason": reason}, status_code=400)
    if not viewer.may_see(installation):
        reason = f"no installation {installation} among those {viewer.login} belongs to"
        return JSONResponse({"reason": reason}, status_code=404)
    return None


async def _viewer(settings: Settings, identity: IdentitySource, cookie: str) -> Viewer | None:
    client = await oauth_client(settings, identity)
    if isinstance(client, str):
        return None
    return viewer_of(session_key(client.client_secret), cookie, time.time())
