"""Signing in to the dashboard with GitHub: the GitHub App's web application flow, and the installations
GitHub says the signed-in user may see.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
https://docs.github.com/en/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

TIMEOUT_SECONDS = 10.0
_API_HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
    "User-Agent": "scopegate",
}
# A page cap, so a misbehaving `Link` header cannot keep the sign-in looping.
_MAX_PAGES = 50


class OAuthError(Exception):
    """GitHub refused the sign-in, or answered something that is not its answer; the message says which."""


class OAuthRefused(OAuthError):
    """GitHub answered, and refused to trade the code for a token (its `error` and description)."""


def authorize_url(web_url: str, client_id: str, state: str, redirect_uri: str | None) -> str:
    """Where the browser is sent to sign in. Without `redirect_uri` GitHub sends it back to the App's
    first callback URL (the manifest sets `PUBLIC_URL/dashboard/callback`)."""
    query = {"client_id": client_id, "state": state, "allow_signup": "false"}
    if redirect_uri is not None:
        query["redirect_uri"] = redirect_uri
    return f"{web_url}/login/oauth/authorize?{urlencode(query)}"


async def exchange_code(
    web_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str | None
) -> str:
    """The user access token GitHub trades for `code`. GitHub answers an error with 200 and an `error`
    field (`bad_verification_code`, `incorrect_client_credentials`, `redirect_uri_mismatch`)."""
    body = {"client_id": client_id, "client_secret": client_secret, "code": code}
    if redirect_uri is not None:
        body["redirect_uri"] = redirect_uri
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        try:
            response = await client.post(
                f"{web_url}/login/oauth/access_token",
                json=body,
                headers={"Accept": "application/json", "User-Agent": "scopegate"},
            )
        except httpx.HTTPError as error:
            raise OAuthError(f"GitHub did not answer: {type(error).__name__}") from error
    answer = _json(response)
    token = answer.get("access_token")
    if isinstance(token, str) and token:
        return token
    reason = answer.get("error_description") or answer.get("error") or f"HTTP {response.status_code}"
    raise OAuthRefused(f"GitHub refused the sign-in: {reason}")


async def viewer_installations(api_url: str, token: str) -> tuple[str, list[tuple[int, str]]]:
    """The signed-in user's login and the App's installations they may see (id, account login), as
    `GET /user` and `GET /user/installations` answer for their user access token."""
    headers = {**_API_HEADERS, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, headers=headers) as client:
        try:
            user = _json(await client.get(f"{api_url}/user"), ok_only=True)
            installations = await _installations(client, f"{api_url}/user/installations?per_page=100")
        except httpx.HTTPError as error:
            raise OAuthError(f"GitHub did not answer: {type(error).__name__}") from error
    login = user.get("login")
    if not isinstance(login, str):
        raise OAuthError("GitHub's /user answer has no login")
    return login, installations


async def _installations(client: httpx.AsyncClient, url: str | None) -> list[tuple[int, str]]:
    """Every page of `/user/installations`, following `Link: rel="next"`."""
    found: list[tuple[int, str]] = []
    for _ in range(_MAX_PAGES):
        if url is None:
            break
        response = await client.get(url)
        page = _json(response, ok_only=True).get("installations")
        if not isinstance(page, list):
            raise OAuthError("GitHub's /user/installations answer has no installations list")
        for item in page:
            account = item.get("account") if isinstance(item, dict) else None
            login = account.get("login") if isinstance(account, dict) else None
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                found.append((item["id"], login if isinstance(login, str) else str(item["id"])))
        url = response.links.get("next", {}).get("url")
    return found


def _json(response: httpx.Response, *, ok_only: bool = False) -> dict[str, Any]:
    """The answer's JSON object; OAuthError for an error status (when `ok_only`) or anything else."""
    if ok_only and response.status_code != 200:
        raise OAuthError(f"GitHub answered {response.status_code} to {response.request.url.path}")
    try:
        body = response.json()
    except ValueError as error:
        raise OAuthError(f"GitHub's answer to {response.request.url.path} is not JSON") from error
    if not isinstance(body, dict):
        raise OAuthError(f"GitHub's answer to {response.request.url.path} is not a JSON object")
    return body
