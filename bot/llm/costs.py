"""The cost ledger's answers (issue 13): what LLM calls cost per pull request, repository, team, stage or
model, and every call as a FOCUS row for a FinOps tool.

FOCUS (the FinOps Open Cost and Usage Specification, https://focus.finops.org/) names the columns: each
call is a `Usage` charge in the `AI and Machine Learning` service category, priced in tokens, and the
attribution rides in `x_` columns (the specification's prefix for columns of one's own) and in `Tags`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

GROUPINGS = ("pr", "repo", "team", "stage", "model")
_VENDORS = {"openai": "OpenAI", "anthropic": "Anthropic"}
_SERVICES = {
    "openai-responses": "OpenAI Responses API",
    "openai-chat": "OpenAI Chat Completions API",
    "anthropic-messages": "Anthropic Messages API",
}


@dataclass(frozen=True, slots=True)
class CostRow:
    """One ledger row as the reports read it."""

    call_id: str
    recorded_at: datetime
    repo: str
    pr: int | None
    team: str | None
    stage: str
    provider: str
    model: str
    status: str
    input_tokens: int
    output_tokens: int
    charged_nano_usd: int
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CostGroup:
    """The calls of one key: how many, how they ended, their tokens and what they were charged."""

    key: str
    calls: int
    answered: int
    failed: int
    skipped: int
    input_tokens: int
    output_tokens: int
    charged_nano_usd: int


def group_costs(rows: Iterable[CostRow], by: str) -> list[CostGroup]:
    """`rows` summed per `by` (one of `GROUPINGS`), dearest first."""
    key_of: Callable[[CostRow], str] = {
        "pr": lambda r: f"{r.repo}#{r.pr}" if r.pr is not None else f"{r.repo} (no PR)",
        "repo": lambda r: r.repo,
        "team": lambda r: r.team or "(no team)",
        "stage": lambda r: r.stage,
        "model": lambda r: r.model,
    }[by]
    groups: dict[str, list[CostRow]] = {}
    for row in rows:
        groups.setdefault(key_of(row), []).append(row)
    summed = [
        CostGroup(
            key,
            len(members),
            sum(r.status == "answered" for r in members),
            sum(r.status == "failed" for r in members),
            sum(r.status == "skipped" for r in members),
            sum(r.input_tokens for r in members),
            sum(r.output_tokens for r in members),
            sum(r.charged_nano_usd for r in members),
        )
        for key, members in groups.items()
    ]
    return sorted(summed, key=lambda g: (-g.charged_nano_usd, g.key))


def usd(nano_usd: int) -> str:
    """nano-USD as an exact decimal number of dollars (nine places)."""
    return f"{Decimal(nano_usd).scaleb(-9):.9f}"


def render_text(groups: Sequence[CostGroup], by: str) -> str:
    """An aligned table with a total line."""
    header = (by, "calls", "answered", "failed", "skipped", "input tokens", "output tokens", "cost (USD)")
    table = [header, *(_cells(g) for g in groups), _cells(_total(groups))]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_json(groups: Sequence[CostGroup], by: str) -> str:
    """The groups as a JSON list, amounts in nano-USD and in dollars."""
    return json.dumps(costs_json(groups, by), indent=2) + "\n"


def costs_json(groups: Sequence[CostGroup], by: str) -> list[dict[str, object]]:
    """The groups as `render_json` writes them, before encoding (the dashboard shows these very values)."""
    return [
        {
            by: g.key,
            "calls": g.calls,
            "answered": g.answered,
            "failed": g.failed,
            "skipped": g.skipped,
            "input_tokens": g.input_tokens,
            "output_tokens": g.output_tokens,
            "charged_nano_usd": g.charged_nano_usd,
            "charged_usd": usd(g.charged_nano_usd),
        }
        for g in groups
    ]


def render_csv(groups: Sequence[CostGroup], by: str) -> str:
    """The groups as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [by, "calls", "answered", "failed", "skipped", "input_tokens", "output_tokens", "cost_usd"]
    )
    for g in groups:
        counts = (g.calls, g.answered, g.failed, g.skipped, g.input_tokens, g.output_tokens)
        writer.writerow([g.key, *counts, usd(g.charged_nano_usd)])
    return out.getvalue()


FOCUS_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeDescription",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "ResourceId",
    "ResourceName",
    "Tags",
    "x_repository",
    "x_pull_request",
    "x_team",
    "x_stage",
    "x_model",
    "x_status",
    "x_call_id",
)


def focus_csv(rows: Iterable[CostRow]) -> str:
    """Every call as a FOCUS row (a skipped review cost nothing and is left out)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, FOCUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if row.status == "skipped":
            continue
        vendor = _VENDORS.get(row.provider.split("-")[0], row.provider)
        cost = usd(row.charged_nano_usd)
        at = row.recorded_at.astimezone(UTC)
        month = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        tokens = row.input_tokens + row.output_tokens
        writer.writerow(
            {
                "BilledCost": cost,
                "EffectiveCost": cost,
                "ListCost": cost,
                "ContractedCost": cost,
                "BillingCurrency": "USD",
                "BillingPeriodStart": _iso(month),
                "BillingPeriodEnd": _iso((month + timedelta(days=32)).replace(day=1)),
                "ChargePeriodStart": _iso(day),
                "ChargePeriodEnd": _iso(day + timedelta(days=1)),
                "ChargeCategory": "Usage",
                "ChargeDescription": f"LLM review call to {row.model} ({row.status})",
                "ConsumedQuantity": tokens,
                "ConsumedUnit": "Tokens",
                "PricingQuantity": tokens,
                "PricingUnit": "Tokens",
                "ProviderName": vendor,
                "PublisherName": vendor,
                "InvoiceIssuerName": vendor,
                "ServiceCategory": "AI and Machine Learning",
                "ServiceName": _SERVICES.get(row.provider, row.provider),
                "SkuId": row.model,
                "ResourceId": row.call_id,
                "ResourceName": f"{row.repo}#{row.pr}" if row.pr is not None else row.repo,
                "Tags": json.dumps(dict(row.tags), sort_keys=True, separators=(",", ":")),
                "x_repository": row.repo,
                "x_pull_request": "" if row.pr is None else row.pr,
                "x_team": row.team or "",
                "x_stage": row.stage,
                "x_model": row.model,
                "x_status": row.status,
                "x_call_id": row.call_id,
            }
        )
    return out.getvalue()


def _total(groups: Sequence[CostGroup]) -> CostGroup:
    return CostGroup(
        "total",
        sum(g.calls for g in groups),
        sum(g.answered for g in groups),
        sum(g.failed for g in groups),
        sum(g.skipped for g in groups),
        sum(g.input_tokens for g in groups),
        sum(g.output_tokens for g in groups),
        sum(g.charged_nano_usd for g in groups),
    )


def _cells(group: CostGroup) -> tuple[str, ...]:
    counts = (
        group.calls,
        group.answered,
        group.failed,
        group.skipped,
        group.input_tokens,
        group.output_tokens,
    )
    return (group.key, *(f"{n:,}" for n in counts), usd(group.charged_nano_usd))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
