"""Webhook signature verification."""

from __future__ import annotations

import pytest

from bot.intake.signature import sign, verify

# GitHub's own test vector.
# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
SECRET = "It's a Secret to Everybody"
BODY = b"Hello, World!"
SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_sign_matches_githubs_test_vector() -> None:
    """The signature of GitHub's example body under its example secret is the one GitHub publishes."""
    assert sign(SECRET, BODY) == SIGNATURE


def test_verify_accepts_githubs_test_vector() -> None:
    """GitHub's published signature verifies."""
    assert verify(BODY, SIGNATURE, [SECRET])


@pytest.mark.parametrize(
    ("body", "header", "secrets"),
    [
        (BODY, SIGNATURE, ["not the secret"]),
        (BODY, None, [SECRET]),
        (BODY, "", [SECRET]),
        (b"Hello, World?", SIGNATURE, [SECRET]),
        (BODY, SIGNATURE.removeprefix("sha256="), [SECRET]),
        (BODY, "sha1=" + SIGNATURE.removeprefix("sha256="), [SECRET]),
        (BODY, SIGNATURE.upper(), [SECRET]),
        (BODY, "sha256=ü" + "0" * 63, [SECRET]),
        (BODY, SIGNATURE, []),
        (BODY, sign("", BODY), [""]),
    ],
    ids=[
        "wrong-secret",
        "missing-header",
        "empty-header",
        "altered-body",
        "no-prefix",
        "sha1-prefix",
        "upper-case",
        "non-ascii-header",
        "no-secrets",
        "empty-secret",
    ],
)
def test_verify_rejects(body: bytes, header: str | None, secrets: list[str]) -> None:
    """Anything but the exact signature of the exact body under a configured, non-empty secret fails."""
    assert not verify(body, header, secrets)


@pytest.mark.parametrize("secrets", [["new secret", SECRET], [SECRET, "old secret"]], ids=["second", "first"])
def test_verify_accepts_any_configured_secret(secrets: list[str]) -> None:
    """While a secret is rotated, deliveries signed with either the new or the previous one verify."""
    assert verify(BODY, SIGNATURE, secrets)
