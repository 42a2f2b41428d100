"""What the dashboard plots besides the report's table: pull requests by size, week by week, and how many
rounds of review pull requests took. Pure; `/api/trends` answers the same."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from bot.core.review_report import SIZES, PullRequestRecord, size_bucket

# Rounds from this many up are one bar: a long tail of single pull requests says nothing more.
ROUNDS_CAP = 5


def week_of(day: date) -> date:
    """The Monday starting the ISO week `day` falls in."""
    return day - timedelta(days=day.weekday())


def sizes_by_week(records: Iterable[PullRequestRecord]) -> list[dict[str, Any]]:
    """For each week (Monday, UTC) from the first pull request's to the last's, every week in between
    included, how many pull requests opened in it fell in each size bucket. Undated ones are left out."""
    counts: dict[date, Counter[str]] = {}
    for record in records:
        if record.opened_at is None:
            continue
        week = week_of(record.opened_at.date())
        counts.setdefault(week, Counter())[size_bucket(record.effective_lines)] += 1
    if not counts:
        return []
    weeks, week = [], min(counts)
    while week <= max(counts):
        weeks.append(week)
        week += timedelta(days=7)
    return [{"week": w.isoformat(), "sizes": {s: counts.get(w, Counter())[s] for s in SIZES}} for w in weeks]


def rounds_histogram(records: Iterable[PullRequestRecord]) -> list[dict[str, Any]]:
    """How many pull requests took 0, 1, … rounds of review, `ROUNDS_CAP`+ together."""
    counts = Counter(min(r.figures.rounds, ROUNDS_CAP) for r in records)
    top = max(counts, default=0)
    return [{"rounds": f"{n}+" if n == ROUNDS_CAP else str(n), "prs": counts[n]} for n in range(top + 1)]


def trends_json(records: Sequence[PullRequestRecord]) -> dict[str, Any]:
    """Both, as `/api/trends` answers them."""
    return {"prs": len(records), "sizes_by_week": sizes_by_week(records), "rounds": rounds_histogram(records)}
