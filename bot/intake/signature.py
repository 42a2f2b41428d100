"""Webhook signatures: `X-Hub-Signature-256`, an HMAC-SHA256 of the raw request body.

https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(secret: str, body: bytes | bytearray) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body` under `secret`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(body: bytes | bytearray, header: str | None, secrets: Iterable[str]) -> bool:
    """Whether `header` signs `body` under any of `secrets` (several while a secret is rotated)."""
    if header is None or not header.startswith(PREFIX):
        return False
    # Every secret is tried, and compare_digest takes the same time wherever the first difference is,
    # so the answer's timing says nothing about how close a forged signature came.
    # Bytes, not str: compare_digest refuses non-ASCII str, and the header is whatever the client sent.
    given = header.encode()
    matches = [hmac.compare_digest(sign(secret, body).encode(), given) for secret in secrets if secret]
    return any(matches)
