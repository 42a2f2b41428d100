"""`GET /api/report`: `scopegate report --format json` over HTTP, for dashboards and scripts; `GET
/api/trends`: the dashboard's pull requests by size week by week and rounds per pull request.

The ledger speaks for every installation, so the API is off unless a bearer token is set
(`SCOPEGATE_API_TOKEN`), and each request must carry it; or a dashboard session's cookie, which reads one
installation its user may see (`?installation=`, bot/web/viewer.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Header, Query
from fastapi.responses import JSONResponse, Response

from bot.core.review_report import PullRequestRecord, build_report, render_json
from bot.core.trends import trends_json
from bot.identity import IdentitySource
from bot.ledger.review_report import pull_request_records
from bot.settings import Settings
from bot.web.api_access import in_ledger, utc
from bot.web.session import SESSION_COOKIE
from bot.web.viewer import api_refusal

OFF = "the report API is off: set SCOPEGATE_API_TOKEN"
Grouping = Literal["size", "ai", "team", "author-team", "author-kind"]


def api_router(settings: Settings, identity: IdentitySource) -> APIRouter:
    """The report routes, reading the ledger `settings` name; a dashboard session (checked with the
    App's OAuth client `identity` knows) reads its own installations without the token."""
    router = APIRouter()
    may_read = partial(api_refusal, settings, identity, off=OFF)

    async def read_records(
        repo: str | None, since: datetime | None, installation: int | None
    ) -> list[PullRequestRecord]:
        """The covered pull requests' records, read from the ledger off the event loop."""
        read = partial(pull_request_records, repo=repo, since=utc(since), installation=installation)
        return await asyncio.to_thread(in_ledger, settings.database_url, read)

    @router.get("/api/report")
    async def report(
        *,
        repo: Annotated[str | None, Query(description="owner/name")] = None,
        since: Annotated[datetime | None, Query(description="opened on or after; naive is UTC")] = None,
        group_by: Annotated[Grouping | None, Query()] = None,
        installation: Annotated[int | None, Query(description="an installation's repositories only")] = None,
        authorization: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    ) -> Response:
        """The report as `scopegate report --format json` prints it."""
        denied = await may_read(authorization=authorization, cookie=session, installation=installation)
        if denied is not None:
            return denied
        records = await read_records(repo, since, installation)
        return Response(render_json(build_report(records, group_by)), media_type="application/json")

    @router.get("/api/trends")
    async def trends(
        *,
        repo: Annotated[str | None, Query(description="owner/name")] = None,
        since: Annotated[datetime | None, Query(description="opened on or after; naive is UTC")] = None,
        installation: Annotated[int | None, Query(description="an installation's repositories only")] = None,
        authorization: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    ) -> Response:
        """The same pull requests by size, week by week, and by their rounds of review."""
        denied = await may_read(authorization=authorization, cookie=session, installation=installation)
        if denied is not None:
            return denied
        records = await read_records(repo, since, installation)
        return JSONResponse(trends_json(records))

    return router
