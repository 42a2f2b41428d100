"""What counts as an outage of the services the workers lean on, rather than a bug or a bad configuration."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError


def is_outage(error: BaseException) -> bool:
    """Whether `error` says Redis or the database cannot be reached (not a bug, not a bad configuration)."""
    if isinstance(error, DBAPIError):
        return isinstance(error, OperationalError) or error.connection_invalidated
    return isinstance(error, RedisError | OSError)
