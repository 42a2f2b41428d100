"""`/api/cost`: the LLM cost ledger over HTTP, for dashboards and for pipelines (issue 13).

- `GET /api/cost?by=pr|repo|team|stage|model&repo=&since=&until=&format=json|focus`: what
  `scopegate cost --format json` prints, or every call as FOCUS CSV.
- `POST /api/cost`: record a call made outside the App (a CI step) with the App's tags, priced like the
  App's own, once per `call_id`: what `scopegate cost record` does, for a pipeline without the ledger's
  database at hand.

Off unless `SCOPEGATE_API_TOKEN` is set, like the report API, and every request carries it; a dashboard
session's cookie reads one installation its user may see instead (GET only).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Header, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from redis.asyncio import Redis

from bot.identity import IdentitySource
from bot.inference.ledger import ExternalCall, charge_outside, external_row
from bot.inference.providers import Wire
from bot.inference.settings import load_llm_settings
from bot.ledger.llm_calls import cost_rows, record_llm_call
from bot.llm.costs import focus_csv, group_costs, render_json, usd
from bot.llm.prices import RateOverride
from bot.settings import Settings
from bot.web.api_access import in_ledger, refused, utc
from bot.web.session import SESSION_COOKIE
from bot.web.viewer import api_refusal

OFF = "the cost API is off: set SCOPEGATE_API_TOKEN"
Grouping = Literal["pr", "repo", "team", "stage", "model"]


class OutsideCall(BaseModel):
    """A call made outside the App: the response's `usage` object as the provider sent it, and its tags."""

    provider: Wire
    model: str = Field(min_length=1)
    usage: dict[str, object]
    repo: str = Field(min_length=1, description="owner/name")
    stage: str = Field("ci", min_length=1)
    pr: int | None = None
    team: str | None = None
    installation: int | None = None
    call_id: str | None = Field(None, description="idempotency key; recording it again writes nothing")
    tags: dict[str, str] = Field(default_factory=dict)
    input_rate: Decimal | None = Field(None, gt=0, description="USD per million input tokens, if unpriced")
    output_rate: Decimal | None = Field(None, gt=0, description="USD per million output tokens, if unpriced")


def cost_router(settings: Settings, identity: IdentitySource) -> APIRouter:
    """The cost routes, on the ledger `settings` name; outside calls count against the operator's LLM
    budgets (SCOPEGATE_LLM_*, read once here). A dashboard session (checked with the App's OAuth client
    `identity` knows) reads its own installations' costs without the token; recording needs the token."""
    router = APIRouter()
    may_read = partial(api_refusal, settings, identity, off=OFF)
    limits = load_llm_settings().limits()

    @router.get("/api/cost")
    async def cost(
        *,
        by: Grouping = "pr",
        repo: Annotated[str | None, Query(description="owner/name")] = None,
        since: Annotated[datetime | None, Query(description="on or after; naive is UTC")] = None,
        until: Annotated[datetime | None, Query(description="before; naive is UTC")] = None,
        format: Literal["json", "focus"] = "json",
        installation: Annotated[int | None, Query(description="an installation's calls only")] = None,
        authorization: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    ) -> Response:
        """The calls summed per `by`, or as FOCUS rows."""
        denied = await may_read(authorization=authorization, cookie=session, installation=installation)
        if denied is not None:
            return denied
        read = partial(cost_rows, repo=repo, since=utc(since), until=utc(until), installation=installation)
        rows = await asyncio.to_thread(in_ledger, settings.database_url, read)
        if format == "focus":
            return Response(focus_csv(rows), media_type="text/csv")
        return Response(render_json(group_costs(rows, by), by), media_type="application/json")

    @router.post("/api/cost", status_code=201)
    async def record(call: OutsideCall, authorization: Annotated[str | None, Header()] = None) -> Response:
        """Price and record one outside call and count it against the budgets it names: 201, or 200 when its
        call id was recorded before (nothing counted again); 422 when it cannot be priced (never a $0 row)."""
        denied = refused(settings, authorization, OFF)
        if denied is not None:
            return denied
        outside = ExternalCall(
            call_id=call.call_id or f"external:{uuid.uuid4()}",
            wire=call.provider,
            model=call.model,
            usage=call.usage,
            repo=call.repo,
            stage=call.stage,
            at=datetime.now(UTC),
            pr=call.pr,
            team=call.team,
            installation=call.installation,
            tags=call.tags,
        )
        overrides = {}
        if call.input_rate is not None or call.output_rate is not None:
            overrides[call.model] = RateOverride(uncached_input=call.input_rate, output=call.output_rate)
        row = external_row(outside, overrides)
        if isinstance(row, str):
            return JSONResponse({"reason": f"not recorded: {row}"}, status_code=422)
        charged = {"charged_nano_usd": row.charged_nano_usd, "charged_usd": usd(row.charged_nano_usd)}
        write = partial(record_llm_call, record=row)
        if not await asyncio.to_thread(in_ledger, settings.database_url, write, write=True):
            return JSONResponse({"call_id": row.call_id, **charged, "recorded": "before"}, status_code=200)
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=2)
        try:
            counted = await charge_outside(client, row, limits)
        finally:
            await client.aclose()
        return JSONResponse({"call_id": row.call_id, **charged, "budgets_counted": counted}, status_code=201)

    return router
