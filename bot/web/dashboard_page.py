"""The dashboard's HTML: four plots, each over a table of the figures it draws. Pure; every value is
escaped (logins, repository names and team names come from GitHub).

The figures are the `/api/` answers themselves (`report_json`, `trends_json`, `costs_json`), written into
the page once as JSON for the charts (bot/web/static/dashboard.js, drawn with the vendored Chart.js) and
once as table cells, so what a reader sees and what a script reads cannot differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from bot.core.review_report import AI_BUCKETS, SIZES
from bot.llm.costs import usd

STATIC = "/dashboard/static"
# The dearest pull requests plotted and listed; the total covers every one.
COST_ROWS = 25
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;line-height:1.4}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}"
    "td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.chart{position:relative;height:18rem}"
    "header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap}"
)
NONE = "-"


@dataclass(frozen=True, slots=True)
class Figures:
    """One installation's figures, as the `/api/` endpoints answer them for `?installation=`."""

    report: Mapping[str, Any]  # GET /api/report
    trends: Mapping[str, Any]  # GET /api/trends
    costs: Sequence[Mapping[str, Any]]  # GET /api/cost?by=pr


def dashboard_page(
    login: str, installations: Sequence[tuple[int, str]], current: tuple[int, str], figures: Figures
) -> str:
    """The page for `login` looking at installation `current`, with links to their other ones."""
    number, account = current
    others = " · ".join(
        f'<a href="/dashboard?installation={n}">{escape(name)}</a>' if n != number else escape(name)
        for n, name in installations
    )
    body = [
        "<header>",
        f"<h1>scopegate · {escape(account)}</h1>",
        f'<p>Signed in as <strong id="viewer">{escape(login)}</strong> · '
        '<a href="/dashboard/logout">sign out</a></p></header>',
        f'<nav id="installations">Installations: {others}</nav>' if len(installations) > 1 else "",
        f'<p id="summary">{_summary(figures)}</p>',
        _section("sizes", "Pull requests by size, week by week", _sizes_table(figures.trends)),
        _section("rework", "Rework by size and AI share", _rework_table(figures.report)),
        _section("rounds", "Rounds of review per pull request", _rounds_table(figures.trends)),
        _section("cost", "LLM review cost per pull request", _cost_table(figures.costs)),
        f'<script type="application/json" id="dashboard-data">{_data(number, figures)}</script>',
        f'<script src="{STATIC}/chart.umd.min.js"></script>',
        f'<script src="{STATIC}/dashboard.js"></script>',
    ]
    return _page(f"scopegate · {account}", "".join(body))


def message_page(title: str, message: str) -> str:
    """A one-message page (signed out, nothing to show, GitHub refused)."""
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")


def _summary(figures: Figures) -> str:
    """The pull requests counted, what review cost them, and the one comparison the report exists for."""
    pooled = figures.report["ai_heavy_vs_no_ai"]["within_sizes"]
    total = sum(int(row["charged_nano_usd"]) for row in figures.costs)
    compared = (
        "no size bucket has both AI-heavy and no-AI pull requests"
        if pooled is None
        else "AI-heavy minus no-AI rework within sizes: "
        f'<span data-field="within_sizes">{pooled}</span> lines'
    )
    return (
        f'<span data-field="prs">{figures.report["prs"]}</span> pull requests · '
        f'LLM review $<span data-field="total_usd">{usd(total)}</span> · {compared}'
    )


def _section(name: str, title: str, table: str) -> str:
    return (
        f'<section id="{name}"><h2>{escape(title)}</h2>'
        f'<div class="chart"><canvas id="chart-{name}" role="img" aria-label="{escape(title)}">'
        "</canvas></div>"
        f"{table}</section>"
    )


def _sizes_table(trends: Mapping[str, Any]) -> str:
    head = "".join(f"<th>{escape(s)}</th>" for s in SIZES)
    rows = [
        f'<tr data-week="{escape(w["week"])}"><td>{escape(w["week"])}</td>'
        + "".join(_cell(s, w["sizes"][s]) for s in SIZES)
        + "</tr>"
        for w in trends["sizes_by_week"]
    ]
    return _table("sizes", f"<th>week of</th>{head}", rows)


def _rework_table(report: Mapping[str, Any]) -> str:
    fields = ("prs", "rounds_mean", "rework_lines_mean", "rework_lines_median")
    head = "<th>size</th><th>AI share</th><th>PRs</th><th>rounds (mean)</th>"
    head += "<th>rework lines (mean)</th><th>rework lines (median)</th>"
    rows = [
        f'<tr data-size="{escape(g["size"])}" data-ai="{escape(g["ai share"])}">'
        f"<td>{escape(g['size'])}</td><td>{escape(g['ai share'])}</td>"
        + "".join(_cell(f, g[f]) for f in fields)
        + "</tr>"
        for g in report["groups"]
    ]
    return _table("rework", head, rows)


def _rounds_table(trends: Mapping[str, Any]) -> str:
    rows = [
        f'<tr data-rounds="{escape(r["rounds"])}"><td>{escape(r["rounds"])}</td>{_cell("prs", r["prs"])}</tr>'
        for r in trends["rounds"]
    ]
    return _table("rounds", "<th>rounds</th><th>PRs</th>", rows)


def _cost_table(costs: Sequence[Mapping[str, Any]]) -> str:
    fields = ("calls", "answered", "input_tokens", "output_tokens", "charged_usd")
    head = "<th>pull request</th><th>calls</th><th>answered</th><th>input tokens</th>"
    head += "<th>output tokens</th><th>cost (USD)</th>"
    rows = [
        f'<tr data-pr="{escape(c["pr"])}"><td>{escape(c["pr"])}</td>'
        + "".join(_cell(f, c[f]) for f in fields)
        + "</tr>"
        for c in costs[:COST_ROWS]
    ]
    more = len(costs) - COST_ROWS
    note = f"<p>and {more} cheaper pull requests, counted in the total above</p>" if more > 0 else ""
    return _table("cost", head, rows) + note


def _table(name: str, head: str, rows: Sequence[str]) -> str:
    if not rows:
        return f'<p id="table-{name}" class="empty">Nothing recorded yet.</p>'
    return f'<table id="table-{name}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _cell(field: str, value: Any) -> str:
    """A figure as the API has it (`-` for null), named so a reader and a test can find it."""
    return f'<td data-field="{escape(field)}">{NONE if value is None else escape(str(value))}</td>'


def _data(installation: int, figures: Figures) -> str:
    """The figures as JSON inside a <script> element: `<` escaped, so no value can close the element."""
    payload = {
        "installation": installation,
        "sizes": SIZES,
        "ai_buckets": AI_BUCKETS,
        "cost_rows": COST_ROWS,
        "report": figures.report,
        "trends": figures.trends,
        "costs": figures.costs,
    }
    return json.dumps(payload).replace("<", "\\u003c")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style>'
        f"</head><body>{body}</body></html>"
    )
