"""Reading a webhook payload leniently: only the fields a job uses, each checked for its type and shape.

Payloads drift from GitHub's published schema, so a missing or malformed field raises `MissingField`, which
the mapping turns into "no job, and why" rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

# What a job may name: a login (alphanumerics and hyphens; underscores in Enterprise Managed Users'), a
# repository name (alphanumerics, `-`, `_`, `.`; at most 100), a commit (SHA-1, or SHA-256 for repositories
# in that object format). Anything else in a signed payload is not GitHub's, and is no job's business.
# https://docs.github.com/en/enterprise-cloud@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
# An App's account, e.g. `scopegate[bot]`: a login with GitHub's suffix.
ACTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\[bot\])?")
REPOSITORY = re.compile(r"(?!\.\.?\Z)[A-Za-z0-9._-]{1,100}")
SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# A GraphQL node id, e.g. `PRRT_kwDOEL39TM4w7XDQ` (base64url-ish, never long).
NODE_ID = re.compile(r"[A-Za-z0-9_=+/-]{1,100}")

T = TypeVar("T")


class MissingField(Exception):
    """A field a job needs is absent from the payload or has the wrong type."""


def find(payload: Mapping[str, Any], path: str) -> Any:
    """The value at dotted `path`, or None where any step is missing."""
    value: Any = payload
    for key in path.split("."):
        # A JSON object is a dict: the Mapping ABC's isinstance, some 40 times a delivery, is much slower.
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def read(payload: Mapping[str, Any], path: str, kind: type[T]) -> T:
    """The value at dotted `path`, which a job needs: it must be there and of type `kind`."""
    value = find(payload, path)
    # JSON has one number type: a bool is not an id, and an int is never a flag.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MissingField(path)
    return value


def read_matching(payload: Mapping[str, Any], path: str, pattern: re.Pattern[str]) -> str:
    """The string at dotted `path`, which must match `pattern` whole (a name or a SHA a job carries)."""
    value = read(payload, path, str)
    if not pattern.fullmatch(value):
        raise MissingField(path)
    return value


def read_time(payload: Mapping[str, Any], path: str) -> str:
    """The timestamp at dotted `path` (GitHub's ISO 8601, `Z` for UTC), normalised to an aware UTC ISO
    string so jobs carry it as plain text."""
    value = read(payload, path, str)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MissingField(path) from None
    if moment.tzinfo is None:
        raise MissingField(path)
    return moment.isoformat()


def is_int(value: object) -> bool:
    """Whether a JSON value is an integer (and not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)
