"""`GET /api/report`: `scopegate report --format json` over HTTP, for dashboards and scripts.

The ledger speaks for every installation, so the API is off unless a bearer token is set
(`SCOPEGATE_API_TOKEN`), and each request must carry it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from bot.core.review_report import build_report, render_json
from bot.ledger.review_report import pull_request_records
from bot.settings import Settings
from bot.web.api_access import in_ledger, refused, utc

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
        denied = refused(settings, authorization, OFF)
        if denied is not None:
            return denied
        read = partial(pull_request_records, repo=repo, since=utc(since))
        records = await asyncio.to_thread(in_ledger, settings.database_url, read)
        return Response(render_json(build_report(records, group_by)), media_type="application/json")

    return router
