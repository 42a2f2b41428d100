"""The dashboard's HTML: three plots of pull requests and five of LLM review cost (per pull request,
repository, team, stage and model), each over a table of the figures it draws. Pure; every value is
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
from bot.llm.costs import GROUPINGS, usd

STATIC = "/dashboard/static"
# The dearest keys (pull requests, repositories, ...) plotted and listed; the totals cover every one.
COST_ROWS = 25
# What a cost table's first column names, per `/api/cost?by=` grouping.
COST_KEYS = {"pr": "pull request", "repo": "repository", "team": "team", "stage": "stage", "model": "model"}
_COST_FIELDS = ("charged_usd", "calls", "answered", "failed", "skipped", "input_tokens", "output_tokens")
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
    costs: Mapping[str, Sequence[Mapping[str, Any]]]  # GET /api/cost?by=KEY, for each of GROUPINGS


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
        _cost_part(figures.costs),
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
    total = sum(int(row["charged_nano_usd"]) for row in figures.costs["pr"])
    compared = (
        "no size bucket has both AI-heavy and no-AI pull requests"
        if pooled is None
        else "AI-heavy minus no-AI rework within sizes: "
        f'<span data-field="within_sizes">{pooled}</span> lines'
    )
    return (
        f'<span data-field="prs">{figures.report["prs"]}</span> pull requests · '
        f'<a href="#llm-cost">LLM review $<span data-field="total_usd">{usd(total)}</span></a> · {compared}'
    )


def _section(name: str, title: str, table: str) -> str:
    return f'<section id="{name}"><h2>{escape(title)}</h2>{_chart(name, title)}{table}</section>'


def _chart(name: str, title: str, height: str = "") -> str:
    style = f' style="height:{height}"' if height else ""
    return (
        f'<div class="chart"{style}><canvas id="chart-{name}" role="img" aria-label="{escape(title)}">'
        "</canvas></div>"
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


def _cost_part(costs: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """What LLM review cost: the totals, then a plot and a table per grouping; or plainly, nothing yet."""
    every = costs["pr"]  # each call has one key in every grouping, so any grouping sums them all
    if every:
        sums = {f: sum(int(c[f]) for c in every) for f in ("calls", "answered", "failed", "skipped")}
        total = usd(sum(int(c["charged_nano_usd"]) for c in every))
        summary = (
            f"${_figure('charged_usd', total)} over {_figure('calls', sums['calls'])} calls: "
            + ", ".join(f"{_figure(f, sums[f])} {f}" for f in ("answered", "failed", "skipped"))
        )
        parts = "".join(_cost_section(by, costs[by]) for by in GROUPINGS)
    else:
        summary = "No LLM review call is recorded for this installation yet, so there is no cost to show."
        parts = ""
    return (
        f'<section id="llm-cost"><h2>LLM review cost</h2><p id="cost-summary">{summary}</p>{parts}</section>'
    )


def _cost_section(by: str, costs: Sequence[Mapping[str, Any]]) -> str:
    """One grouping's dearest keys, plotted in dollars and tabled with their calls and tokens."""
    name = f"cost-{by}"
    title = f"per {COST_KEYS[by]}"
    if len(costs) > COST_ROWS:
        title += f" (the {COST_ROWS} dearest of {len(costs)})"
    shown = costs[:COST_ROWS]
    head = f"<th>{escape(COST_KEYS[by])}</th><th>cost (USD)</th><th>calls</th><th>answered</th>"
    head += "<th>failed</th><th>skipped</th><th>input tokens</th><th>output tokens</th>"
    rows = [
        f'<tr data-key="{escape(c[by])}">{_cell(by, c[by])}'
        + "".join(_cell(f, c[f]) for f in _COST_FIELDS)
        + "</tr>"
        for c in shown
    ]
    more = len(costs) - len(shown)
    note = f"<p>and {more} cheaper, counted in the totals above</p>" if more else ""
    height = f"{min(18.0, 4 + 1.75 * len(shown)):g}rem"
    return (
        f'<section id="{name}"><h3>{escape(title)}</h3>{_chart(name, "LLM review cost " + title, height)}'
        f"{_table(name, head, rows)}{note}</section>"
    )


def _table(name: str, head: str, rows: Sequence[str]) -> str:
    if not rows:
        return f'<p id="table-{name}" class="empty">Nothing recorded yet.</p>'
    return f'<table id="table-{name}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _figure(field: str, value: Any) -> str:
    return f'<span data-field="{escape(field)}">{escape(str(value))}</span>'


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
        "cost_groupings": GROUPINGS,
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
