"""Lenient readers for webhook payloads: GitHub's payloads drift from the schema, so a field of the
wrong type reads as missing instead of raising."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime


def dig(payload: object, *path: str) -> object:
    """The value at `path` through nested mappings, or None where any step is missing."""
    value = payload
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def as_int(value: object) -> int | None:
    """`value` if it is an integer (JSON booleans are not)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_str(value: object) -> str | None:
    """`value` if it is a non-empty string."""
    return value if isinstance(value, str) and value else None


def as_time(value: object) -> datetime | None:
    """An aware datetime from an ISO 8601 string or Unix seconds; older payloads use the latter."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def as_mappings(value: object) -> list[Mapping[str, object]]:
    """The mapping items of `value` if it is a list; anything else is skipped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
