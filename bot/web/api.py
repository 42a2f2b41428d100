"""`GET /api/report`: `scopegate report --format json` over HTTP, for dashboards and scripts.

The ledger speaks for every installation, so the API is off unless a bearer token is set
(`SCOPEGATE_API_TOKEN`), and each request must carry it.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from bot.core.review_report import PullRequestRecord, build_report, render_json
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.review_report import pull_request_records
from bot.settings import Settings

OFF = "the report API is off: set SCOPEGATE_API_TOKEN"
Grouping = Literal["size", "ai", "team", "author-kind"]


def api_router(settings: Settings) -> APIRouter:
    """The report route, reading the ledger `settings` name."""
    router = APIRouter()

    @router.get("/api/report")
    async def report(
        repo: Annotated[str | None, Query(description="owner/name")] = None,
        since: Annotated[datetime | None, Query(description="opened on or after; naive is UTC")] = None,
        group_by: Annotated[Grouping | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """The report as `scopegate report --format json` prints it."""
        token = settings.api_token
        if token is None:
            return JSONResponse({"reason": OFF}, status_code=404)
        expected = f"Bearer {token.get_secret_value()}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return JSONResponse({"reason": "missing or wrong bearer token"}, status_code=401)
        start = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
        records = await asyncio.to_thread(_records, settings.database_url, repo, start)
        return Response(render_json(build_report(records, group_by)), media_type="application/json")

    return router


def _records(database_url: str, repo: str | None, since: datetime | None) -> list[PullRequestRecord]:
    """The ledger's pull requests, read in a connection of their own (a report is rare)."""
    engine = create_engine_for(database_url)
    try:
        with session_factory(engine)() as session:
            return pull_request_records(session, repo=repo, since=since)
    finally:
        engine.dispose()
