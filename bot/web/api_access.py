"""What the ledger's HTTP APIs (`/api/report`, `/api/cost`) share: the bearer token that lets a request
through, naive times read as UTC, and a ledger session of its own per request (the APIs are rarely asked)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from bot.ledger.engine import create_engine_for, session_factory
from bot.settings import Settings

T = TypeVar("T")


def refused(settings: Settings, authorization: str | None, off: str) -> Response | None:
    """The answer to a request the token does not let through (404 `off` when no token is set, 401 for
    a missing or wrong one), or None."""
    token = settings.api_token
    if token is None:
        return JSONResponse({"reason": off}, status_code=404)
    expected = f"Bearer {token.get_secret_value()}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        return JSONResponse({"reason": "missing or wrong bearer token"}, status_code=401)
    return None


def utc(moment: datetime | None) -> datetime | None:
    """`moment`, a naive one read as UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def in_ledger(database_url: str, work: Callable[[Session], T], *, write: bool = False) -> T:
    """`work` in a session (a transaction when `write`) on a connection of its own, closed after."""
    engine = create_engine_for(database_url)
    try:
        sessions = session_factory(engine)
        if write:
            with sessions.begin() as session:
                return work(session)
        with sessions() as session:
            return work(session)
    finally:
        engine.dispose()
