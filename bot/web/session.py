"""The dashboard's signed cookies: who signed in and which installations GitHub said they may see, and the
OAuth `state` of a sign-in under way. Pure: the key and the time are handed in.

The key is derived from the App's OAuth client secret, so every web process of a deployment signs and
checks alike without another setting, and a rotated secret signs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

SESSION_COOKIE = "scopegate_session"
STATE_COOKIE = "scopegate_oauth_state"
# GitHub's answer about installations is trusted this long; then the user signs in again (GitHub sends an
# App already authorised straight back, so it is one redirect, not a prompt).
SESSION_SECONDS = 3600
STATE_SECONDS = 600  # GitHub's authorization codes live ten minutes too


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in GitHub user and the App's installations they may see, by id, with the account's login."""

    login: str
    installations: tuple[tuple[int, str], ...]
    expires: int  # Unix time

    def may_see(self, installation: int) -> bool:
        """Whether GitHub listed `installation` for this user."""
        return any(number == installation for number, _ in self.installations)


def session_key(client_secret: str) -> bytes:
    """The signing key for `client_secret`, kept apart from any other use of the secret."""
    return hmac.new(client_secret.encode(), b"scopegate dashboard session v1", hashlib.sha256).digest()


def sign(key: bytes, payload: dict[str, object]) -> str:
    """`payload` as a cookie value: base64url JSON, a dot, base64url HMAC-SHA256 of the first part."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verified(key: bytes, value: str | None, now: float) -> dict[str, object] | None:
    """The payload of a cookie `sign` wrote with `key` and whose `exp` is after `now`; None otherwise."""
    if not value or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        payload: object = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    expires = payload.get("exp")
    if not isinstance(expires, int) or expires <= now:
        return None
    return {str(k): v for k, v in payload.items()}


def session_value(key: bytes, viewer: Viewer) -> str:
    """The session cookie for `viewer`."""
    listed = [[number, login] for number, login in viewer.installations]
    return sign(key, {"login": viewer.login, "installations": listed, "exp": viewer.expires})


def viewer_of(key: bytes, value: str | None, now: float) -> Viewer | None:
    """The viewer a valid, unexpired session cookie names."""
    payload = verified(key, value, now)
    if payload is None:
        return None
    login, listed, expires = payload.get("login"), payload.get("installations"), payload.get("exp")
    if not isinstance(login, str) or not isinstance(listed, list) or not isinstance(expires, int):
        return None
    installations = tuple(
        (int(item[0]), str(item[1])) for item in listed if isinstance(item, list) and len(item) == 2
    )
    return Viewer(login, installations, expires)


def state_value(key: bytes, state: str, now: float) -> str:
    """The cookie holding the OAuth `state` this browser was sent to GitHub with."""
    return sign(key, {"state": state, "exp": int(now) + STATE_SECONDS})


def state_matches(key: bytes, cookie: str | None, state: str, now: float) -> bool:
    """Whether GitHub's redirect carries the `state` this browser's cookie holds (no forged callback)."""
    payload = verified(key, cookie, now)
    held = payload.get("state") if payload else None
    return isinstance(held, str) and bool(state) and hmac.compare_digest(held, state)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
