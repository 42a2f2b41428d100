"""A GitHub App's OAuth web application flow on github.com, and what its user access token may read.

- `GET /login/oauth/authorize`: the browser, signed in to GitHub (`sign_in_on_web`), is sent back to the
  redirect URI with `code` and `state` (or `error`, as GitHub does for a redirect URI it does not know).
- `POST /login/oauth/access_token`: the code traded for a `ghu_` user token; JSON with
  `Accept: application/json`, form-encoded otherwise; a refused exchange is a 200 with `error`.
- `GET /user`, `GET /user/installations`: the signed-in user and the App's installations they may see,
  with that token only.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
https://docs.github.com/en/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token

These are not in the vendored REST description (the OAuth endpoints are not REST; the two user routes
were not vendored), so they are served unvalidated (`openapi=False`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .calls import Call, Reply, paginate
from .models import OAuthCode, UserToken
from .routing import Router
from .shapes import installation, timestamp, user

if TYPE_CHECKING:
    from .models import App
    from .state import GitHubState

router = Router()
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
TROUBLESHOOTING = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
)
AUTHORIZE_TROUBLESHOOTING = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/"
)
CODE_LIFETIME = timedelta(minutes=10)
USER_TOKEN_LIFETIME = timedelta(hours=8)  # expires_in 28800, as for Apps with expiring user tokens
REFRESH_TOKEN_SECONDS = 15_897_600
ERRORS = {
    "bad_verification_code": ("The code passed is incorrect or expired.", "#bad-verification-code"),
    "incorrect_client_credentials": (
        "The client_id and/or client_secret passed are incorrect.",
        "#incorrect-client-credentials",
    ),
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this application.",
        "#redirect-uri-mismatch2",
    ),
}


@router.route("GET", "/login/oauth/authorize", auth="none", openapi=False)
def authorize(state: GitHubState, call: Call) -> Reply:
    """Send the signed-in browser back with a code, as GitHub does for an App the user authorised."""
    app = _app_by_client_id(state, call.query.get("client_id", ""))
    if app is None:
        return _html(404, "Not Found", "No application has that client_id.")
    if state.web_login is None:
        return _html(200, "Sign in to GitHub", "Sign in to continue to the application.")
    wanted = call.query.get("redirect_uri")
    back = wanted if wanted is not None else (app.callback_urls[0] if app.callback_urls else None)
    if back is None or back not in app.callback_urls:
        if not app.callback_urls:
            return _html(400, "Bad request", "The application has no callback URL.")
        description = "The redirect_uri MUST match the registered callback URL for this application."
        query = {"error": "redirect_uri_mismatch", "error_description": description}
        query["error_uri"] = AUTHORIZE_TROUBLESHOOTING + "#redirect-uri-mismatch"
        return _redirect(app.callback_urls[0], query | _state(call))
    code = OAuthCode(secrets.token_hex(10), app.id, state.web_login, wanted, state.now() + CODE_LIFETIME)
    state.oauth_codes[code.value] = code
    return _redirect(back, {"code": code.value} | _state(call))


@router.route("POST", "/login/oauth/access_token", auth="none", openapi=False)
def access_token(state: GitHubState, call: Call) -> Reply:
    """Trade a code for a user access token; parameters from the query, a JSON or a form body."""
    given: dict[str, Any] = {**call.query, **(call.body if isinstance(call.body, dict) else {})}
    as_json = "application/json" in call.headers.get("accept", "")
    app = _app_by_client_id(state, str(given.get("client_id", "")))
    if app is None or not secrets.compare_digest(str(given.get("client_secret", "")), app.client_secret):
        return _token_error("incorrect_client_credentials", as_json)
    code = state.oauth_codes.get(str(given.get("code", "")))
    if code is None or code.app_id != app.id or code.expires_at <= state.now():
        return _token_error("bad_verification_code", as_json)
    redirect_uri = given.get("redirect_uri")
    if redirect_uri is not None and redirect_uri != code.redirect_uri:
        return _token_error("redirect_uri_mismatch", as_json)
    del state.oauth_codes[code.value]  # a code is good for one exchange
    token = UserToken(
        f"ghu_{secrets.token_urlsafe(27)}", app.id, code.login, state.now() + USER_TOKEN_LIFETIME
    )
    state.user_tokens[token.value] = token
    body = {
        "access_token": token.value,
        "expires_in": int(USER_TOKEN_LIFETIME.total_seconds()),
        "refresh_token": f"ghr_{secrets.token_urlsafe(56)}",
        "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
        "scope": "",
        "token_type": "bearer",
    }
    return Reply(200, body) if as_json else Reply(200, urlencode(body), media_type=FORM)


@router.route("GET", "/user", auth="user", openapi=False)
def authenticated_user(state: GitHubState, call: Call) -> Reply:
    """The user the token speaks for, as a `private-user` (the fields a client reads)."""
    account = state.user(_user_token(call).login)
    created = timestamp(state.now())
    body = user(call.api, account) | {
        "name": account.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": account.email,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": created,
        "updated_at": created,
    }
    return Reply(200, body)


@router.route("GET", "/user/installations", auth="user", openapi=False)
def user_installations(state: GitHubState, call: Call) -> Reply:
    """The token's App's installations its user may see, paged, wrapped in `total_count`."""
    token = _user_token(call)
    visible = state.user_installations(token.app_id, token.login)
    page, headers = paginate(call, visible)
    body = {"total_count": len(visible), "installations": [installation(call.api, state, i) for i in page]}
    return Reply(200, body, headers)


def _user_token(call: Call) -> UserToken:
    """The user token the gate checked (a `user` route is answered only with one)."""
    if call.user_token is None:
        raise LookupError(f"{call.path} was answered without a user token")
    return call.user_token


def _app_by_client_id(state: GitHubState, client_id: str) -> App | None:
    return next((a for a in state.apps.values() if client_id and a.client_id == client_id), None)


def _state(call: Call) -> dict[str, str]:
    """The `state` the client sent, handed back unchanged."""
    return {"state": call.query["state"]} if "state" in call.query else {}


def _redirect(target: str, query: dict[str, str]) -> Reply:
    separator = "&" if "?" in target else "?"
    return Reply(302, "", {"location": f"{target}{separator}{urlencode(query)}"}, media_type=HTML)


def _token_error(code: str, as_json: bool) -> Reply:
    """GitHub's refusal of an exchange: 200, with `error`, `error_description` and `error_uri`."""
    description, anchor = ERRORS[code]
    body = {"error": code, "error_description": description, "error_uri": TROUBLESHOOTING + anchor}
    return Reply(200, body) if as_json else Reply(200, urlencode(body), media_type=FORM)


def _html(status: int, title: str, text: str) -> Reply:
    page = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(text)}</p>"
    return Reply(status, page, media_type=HTML)
