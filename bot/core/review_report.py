"""What review costs, by pull-request size and AI share: the figures behind `scopegate report`.

The question it answers from an organisation's own ledger: once size is controlled for, does AI share still
predict rework? So besides the size by AI-share table, every size bucket compares the rework of AI-heavy
pull requests with that of pull requests without AI lines, with the number of pull requests on each side
(a cell of three is noise), and the comparisons are pooled with Mantel-Haenszel weights (n1*n2/(n1+n2)),
which give no weight to a bucket that has only one side.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO
from statistics import mean, median
from typing import Any

from bot.core.rounds import ReviewFigures, is_bot

# Prow's buckets (https://github.com/kubernetes-sigs/prow, plugins/size), the rules file's defaults; a
# repository's own labels are not used here, so every repository is bucketed alike.
SIZE_BOUNDS = (("XS", 10), ("S", 30), ("M", 100), ("L", 500), ("XL", 1000))
SIZES = (*(name for name, _ in SIZE_BOUNDS), "XXL", "unmeasured")
# Strict AI share (ai lines / attributed lines) at the pull request's latest evaluation.
AI_HEAVY = 0.5
AI_BUCKETS = ("no AI", "some AI", "AI-heavy", "unmeasured")
GROUPINGS = ("size", "ai", "team", "author-team", "author-kind")
NO_TEAM = "(no team)"
# The author's teams were never asked of GitHub, or GitHub would not say (no `members: read`).
UNKNOWN_TEAM = "(unknown team)"


@dataclass(frozen=True, slots=True)
class PullRequestRecord:
    """One pull request as the ledger knows it: its latest evaluation's size and AI share (None where no
    evaluation measured them), the team owning most of its changed lines, its review figures, when it
    was opened (first seen, where the opening was not recorded), and its author's teams in the
    organisation (`org/slug`; () for none; None when not known)."""

    repo: str
    number: int
    author: str
    effective_lines: int | None
    ai_share: float | None
    team: str | None
    figures: ReviewFigures
    opened_at: datetime | None = None
    author_teams: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """The figures of a group of pull requests."""

    prs: int
    rounds_mean: float
    rework_mean: float
    rework_median: float
    first_review_hours_median: float | None
    merge_hours_median: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Within one size bucket: the mean rework of AI-heavy and of no-AI pull requests, and how many."""

    size: str
    ai_heavy: int
    ai_heavy_rework: float | None
    no_ai: int
    no_ai_rework: float | None

    @property
    def difference(self) -> float | None:
        """AI-heavy minus no-AI mean rework lines; None without both sides."""
        if self.ai_heavy_rework is None or self.no_ai_rework is None:
            return None
        return self.ai_heavy_rework - self.no_ai_rework


@dataclass(frozen=True, slots=True)
class Report:
    """The groups (by `group_by`) or the size by AI-share table, and the comparisons within sizes."""

    group_by: str | None
    prs: int
    groups: Mapping[tuple[str, ...], Cell]
    comparisons: tuple[Comparison, ...]
    pooled_difference: float | None  # Mantel-Haenszel-weighted AI-heavy minus no-AI rework
    crude_difference: float | None  # the same, ignoring size
    in_several_groups: int = 0  # pull requests counted in more than one group (an author in two teams)


def size_bucket(lines: int | None) -> str:
    """Prow's size name for `lines`, `unmeasured` when no evaluation counted them."""
    if lines is None:
        return "unmeasured"
    return next((name for name, bound in SIZE_BOUNDS if lines < bound), "XXL")


def ai_bucket(share: float | None) -> str:
    """`no AI` (share 0), `some AI`, `AI-heavy` (from 50 %), `unmeasured`. Without markers lines are
    unknown, not human: `no AI` means no line was attributed to an agent."""
    if share is None:
        return "unmeasured"
    if share <= 0:
        return "no AI"
    return "AI-heavy" if share >= AI_HEAVY else "some AI"


def author_kind(login: str) -> str:
    """`bot` for an App's account, else `person`."""
    return "bot" if is_bot(login, frozenset()) else "person"


def owning_team(results: Mapping[str, Any]) -> str | None:
    """The team (an `org/team` owner) owning most counted lines of an evaluation's changed files, from the
    size rule's per-file counts and the routing rule's CODEOWNERS groups (read at the base)."""
    size = _dig(results, "size", "size")
    routing = _dig(results, "routing", "routing")
    if not isinstance(size, Mapping) or not isinstance(routing, Mapping):
        return None
    counted = {
        f.get("path"): f.get("counted", 0)
        for f in size.get("changed_files") or ()
        if isinstance(f, Mapping) and isinstance(f.get("counted", 0), int)
    }
    lines: dict[str, int] = {}
    for group in routing.get("owner_groups") or ():
        if not isinstance(group, Mapping):
            continue
        owned = sum(counted.get(path, 0) for path in group.get("paths") or ())
        for owner in group.get("owners") or ():
            if isinstance(owner, str) and "/" in owner:
                lines[owner] = lines.get(owner, 0) + owned
    if not lines:
        return None
    return min(lines, key=lambda team: (-lines[team], team))


def build_report(records: Iterable[PullRequestRecord], group_by: str | None = None) -> Report:
    """Group `records` by `group_by` (None: size by AI share) and compare rework within sizes."""
    listed = list(records)
    keys = _keys(group_by)
    grouped: dict[tuple[str, ...], list[PullRequestRecord]] = {}
    several = 0
    for record in listed:
        found = keys(record)
        several += len(found) > 1
        for key in found:
            grouped.setdefault(key, []).append(record)
    order = _order(group_by)
    groups = {k: _cell(grouped[k]) for k in sorted(grouped, key=order)}
    comparisons = tuple(_compare(size, listed) for size in SIZES if size != "unmeasured")
    comparisons = tuple(c for c in comparisons if c.ai_heavy or c.no_ai)
    crude = _compare("all", listed).difference
    return Report(group_by, len(listed), groups, comparisons, _pooled(comparisons), crude, several)


def _keys(group_by: str | None) -> Callable[[PullRequestRecord], tuple[tuple[str, ...], ...]]:
    """The group or groups a record counts in: one, but an author's every team."""
    match group_by:
        case None:
            return lambda r: ((size_bucket(r.effective_lines), ai_bucket(r.ai_share)),)
        case "size":
            return lambda r: ((size_bucket(r.effective_lines),),)
        case "ai":
            return lambda r: ((ai_bucket(r.ai_share),),)
        case "team":
            return lambda r: ((r.team or NO_TEAM,),)
        case "author-team":
            return lambda r: tuple((team,) for team in author_team_groups(r.author_teams))
        case "author-kind":
            return lambda r: ((author_kind(r.author),),)
    raise ValueError(f"cannot group by {group_by!r}; use one of {', '.join(GROUPINGS)}")


def author_team_groups(teams: tuple[str, ...] | None) -> tuple[str, ...]:
    """The author-team groups of a pull request: each of its author's teams, `(no team)` when the author
    is in none (or the repository's owner is a user), `(unknown team)` when GitHub was not asked or would
    not say."""
    if teams is None:
        return (UNKNOWN_TEAM,)
    return teams or (NO_TEAM,)


def _order(group_by: str | None) -> Callable[[tuple[str, ...]], tuple[Any, ...]]:
    """Sizes from XS up, AI buckets from none up, anything else alphabetically."""
    known = {**{s: i for i, s in enumerate(SIZES)}, **{a: i for i, a in enumerate(AI_BUCKETS)}}
    return lambda key: tuple((known.get(part, len(known)), part) for part in key)


def _cell(records: Sequence[PullRequestRecord]) -> Cell:
    rework = [r.figures.rework_lines for r in records]
    return Cell(
        prs=len(records),
        rounds_mean=float(mean(r.figures.rounds for r in records)),
        rework_mean=float(mean(rework)),
        rework_median=float(median(rework)),
        first_review_hours_median=_median_hours(r.figures.time_to_first_review for r in records),
        merge_hours_median=_median_hours(r.figures.time_to_merge for r in records),
    )


def _median_hours(spans: Iterable[timedelta | None]) -> float | None:
    known = [s.total_seconds() / 3600 for s in spans if s is not None]
    return median(known) if known else None


def _compare(size: str, records: Sequence[PullRequestRecord]) -> Comparison:
    inside = [r for r in records if size == "all" or size_bucket(r.effective_lines) == size]
    heavy = [r.figures.rework_lines for r in inside if ai_bucket(r.ai_share) == "AI-heavy"]
    none = [r.figures.rework_lines for r in inside if ai_bucket(r.ai_share) == "no AI"]
    return Comparison(
        size, len(heavy), mean(heavy) if heavy else None, len(none), mean(none) if none else None
    )


def _pooled(comparisons: Sequence[Comparison]) -> float | None:
    weighted = [
        (c.ai_heavy * c.no_ai / (c.ai_heavy + c.no_ai), c.difference)
        for c in comparisons
        if c.difference is not None
    ]
    total = sum(w for w, _ in weighted)
    return sum(w * d for w, d in weighted if d is not None) / total if total else None


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _columns(group_by: str | None) -> tuple[str, ...]:
    return ("size", "ai share") if group_by is None else (group_by,)


CELL_COLUMNS = ("prs", "rounds (mean)", "rework lines (mean)", "rework lines (median)")
TIME_COLUMNS = ("first review h (median)", "merge h (median)")


def _cell_values(cell: Cell) -> tuple[Any, ...]:
    return (
        cell.prs,
        round(cell.rounds_mean, 2),
        round(cell.rework_mean, 1),
        round(cell.rework_median, 1),
        None if cell.first_review_hours_median is None else round(cell.first_review_hours_median, 1),
        None if cell.merge_hours_median is None else round(cell.merge_hours_median, 1),
    )


def render_json(report: Report) -> str:
    """The report as JSON: groups with their keys and figures, comparisons with their n."""
    return json.dumps(report_json(report), indent=2) + "\n"


def report_json(report: Report) -> dict[str, Any]:
    """The report as `render_json` writes it, before encoding (the dashboard shows these very values)."""
    names = _columns(report.group_by)
    return {
        "prs": report.prs,
        "group_by": report.group_by or "size x ai",
        "prs_in_several_groups": report.in_several_groups,
        "groups": [
            {
                **dict(zip(names, key, strict=True)),
                "prs": cell.prs,
                "rounds_mean": round(cell.rounds_mean, 3),
                "rework_lines_mean": round(cell.rework_mean, 2),
                "rework_lines_median": cell.rework_median,
                "first_review_hours_median": cell.first_review_hours_median,
                "merge_hours_median": cell.merge_hours_median,
            }
            for key, cell in report.groups.items()
        ],
        "ai_heavy_vs_no_ai": {
            "by_size": [
                {
                    "size": c.size,
                    "ai_heavy_prs": c.ai_heavy,
                    "ai_heavy_rework_mean": c.ai_heavy_rework,
                    "no_ai_prs": c.no_ai,
                    "no_ai_rework_mean": c.no_ai_rework,
                    "difference": c.difference,
                }
                for c in report.comparisons
            ],
            "within_sizes": report.pooled_difference,
            "ignoring_size": report.crude_difference,
        },
    }


def render_csv(report: Report) -> str:
    """The groups as CSV, one row each (the comparisons are in the text and JSON forms)."""
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*_columns(report.group_by), *CELL_COLUMNS, *TIME_COLUMNS))
    for key, cell in report.groups.items():
        writer.writerow((*key, *("" if v is None else v for v in _cell_values(cell))))
    return out.getvalue()


def render_text(report: Report) -> str:
    """The groups as an aligned table, then the AI-heavy vs no-AI comparison within each size."""
    header = (*_columns(report.group_by), *CELL_COLUMNS, *TIME_COLUMNS)
    rows = [(*key, *_text_values(c)) for key, c in report.groups.items()]
    keys = len(_columns(report.group_by))
    lines = [f"{report.prs:,} pull requests", "", *_aligned(header, rows, keys)]
    if report.in_several_groups:
        lines += [
            "",
            "in more than one group (an author in several teams counts in each): "
            f"{report.in_several_groups:,} of the {report.prs:,}, so the groups add up to more",
        ]
    lines += ["", "Rework of AI-heavy vs no-AI pull requests within each size (n = pull requests):"]
    compared = [
        (
            c.size,
            str(c.ai_heavy),
            _number(c.ai_heavy_rework),
            str(c.no_ai),
            _number(c.no_ai_rework),
            _signed(c.difference),
        )
        for c in report.comparisons
    ]
    columns = ("size", "n AI-heavy", "rework", "n no AI", "rework", "difference")
    lines += _aligned(columns, compared) if compared else ["  no pull request of either kind"]
    lines += [
        "",
        f"within sizes (Mantel-Haenszel weights): {_signed(report.pooled_difference)} rework lines",
        f"ignoring size: {_signed(report.crude_difference)} rework lines",
    ]
    return "\n".join(lines) + "\n"


def _text_values(cell: Cell) -> tuple[str, ...]:
    """A cell's figures as the text table shows them."""
    return (
        f"{cell.prs:,}",
        f"{cell.rounds_mean:.2f}",
        _number(cell.rework_mean),
        _number(cell.rework_median),
        _number(cell.first_review_hours_median),
        _number(cell.merge_hours_median),
    )


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell: the first `left` (names) to the left, figures to the right."""
    widths = [max(len(x) for x in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(
            v.ljust(w) if i < left else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in (header, *rows)
    ]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+,.1f}"
