"""App keys and App JWTs, checked the way GitHub checks them.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

if TYPE_CHECKING:
    from .models import App

UNDECODABLE = "A JSON web token could not be decoded"
EXPIRED = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
NOT_YET = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
# GitHub rejects an `exp` more than ten minutes ahead; allow the same clock drift it tolerates.
MAX_LIFETIME_S = 600
CLOCK_DRIFT_S = 60


def generate_key_pair(private_pem: str | None = None) -> tuple[str, str]:
    """A PEM private key (the one given, or a new 2048-bit RSA key) and its public key."""
    if private_pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
    loaded = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_pem = loaded.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem.decode()


def credential(authorization: str | None) -> str | None:
    """The token in an `Authorization: token X` or `Bearer X` header."""
    if not authorization or " " not in authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() in {"token", "bearer"} else None


def verify_app_jwt(token: str, apps: Mapping[int, App], now: datetime) -> App | str:
    """The App that signed `token`, or GitHub's message for why it is refused."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return UNDECODABLE
    issuer = str(claims.get("iss", ""))
    app = next((a for a in apps.values() if issuer in {str(a.id), a.client_id}), None)
    if app is None:
        return UNDECODABLE
    try:
        # The clock checks below follow GitHub's rules, not PyJWT's defaults.
        jwt.decode(
            token,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return UNDECODABLE
    moment = now.timestamp()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(iat, int | float) or iat > moment + CLOCK_DRIFT_S:
        return NOT_YET
    if not isinstance(exp, int | float) or exp <= moment:
        return EXPIRED
    if exp > moment + MAX_LIFETIME_S + CLOCK_DRIFT_S:
        return TOO_FAR
    return app
