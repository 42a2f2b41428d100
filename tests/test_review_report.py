"""`scopegate report` over a seeded ledger on SQLite and PostgreSQL: the size by AI-share table with the
number of pull requests in each cell, the groupings, the comparison within sizes, and the formats."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.core.review_report import (
    PullRequestRecord,
    ai_bucket,
    build_report,
    owning_team,
    render_json,
    render_text,
    size_bucket,
)
from bot.core.rounds import (
    Opened,
    Push,
    Review,
    ReviewFigures,
    ReviewState,
    opened_key,
    push_key,
    review_key,
)
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.evaluations import EvaluationRecord, record_evaluation
from bot.ledger.migrate import upgrade
from bot.ledger.reviews import ReviewEventRecord, record_review_event

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
REPO_ID, REPO = 5150, "octo/app"


def at(hours: float) -> datetime:
    """`hours` after T0."""
    return T0 + timedelta(hours=hours)


# (number, effective lines, AI share, rounds, rework lines per round, author, owning team)
PULLS = [
    (1, 40, 0.0, 0, 0, "ada", "octo/web"),
    (2, 60, 0.0, 1, 10, "ada", "octo/web"),
    (3, 80, 0.8, 1, 30, "bo", "octo/web"),
    (4, 90, 0.9, 2, 20, "bo", "octo/api"),
    (5, 700, 0.0, 2, 50, "cy", "octo/api"),
    (6, 750, 0.7, 2, 60, "dependabot[bot]", None),
    (7, 20, 0.3, 0, 0, "cy", None),
]
# The authors' teams as the App recorded them at the opening: bo is in two; cy in none; the bot's were
# never known.
AUTHOR_TEAMS: dict[str, tuple[str, ...]] = {"ada": ("octo/web",), "bo": ("octo/api", "octo/web"), "cy": ()}


def seed(sessions: sessionmaker[Session]) -> None:
    """One evaluation per pull request and a history with its rounds: changes requested, a push of the
    round's rework lines, re-reviewed; the first review an hour after the opening."""
    for number, lines, share, rounds, rework, author, team in PULLS:
        with sessions.begin() as session:
            results: dict[str, Any] = {}
            if team is not None:
                results = {
                    "size": {"size": {"changed_files": [{"path": "src/x.py", "counted": lines}]}},
                    "routing": {"routing": {"owner_groups": [{"owners": [team], "paths": ["src/x.py"]}]}},
                }
            record_evaluation(
                session,
                EvaluationRecord(
                    REPO_ID,
                    REPO,
                    number,
                    "a" * 40,
                    "success",
                    pr_author=author,
                    results=results,
                    metrics={"effective_lines": lines, "ai_share": share},
                ),
                at=at(0),
            )
            events: list[Any] = [Opened(opened_key(number), at(0))]
            for r in range(rounds):
                state = ReviewState.CHANGES_REQUESTED
                events.append(
                    Review(
                        review_key(10 * number + r, "submitted"),
                        10 * number + r,
                        at(1 + 2 * r),
                        "maria",
                        state,
                    )
                )
                sha = f"{number:02d}{r:02d}".ljust(40, "c")
                events.append(Push(push_key(number, sha), at(2 + 2 * r), sha, "b" * 40, rework))
            approval = 10 * number + rounds
            events.append(
                Review(
                    review_key(approval, "submitted"),
                    approval,
                    at(1 + 2 * rounds),
                    "maria",
                    ReviewState.APPROVED,
                )
            )
            teams = AUTHOR_TEAMS.get(author)
            for event in events:
                # only the opening says the teams: the later events' None keeps them
                told = teams if isinstance(event, Opened) else None
                record = ReviewEventRecord(REPO_ID, REPO, number, event, pr_author=author, author_teams=told)
                record_review_event(session, record)


@pytest.fixture
def ledger(sql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, seeded ledger that `scopegate report` reads (through SCOPEGATE_DATABASE_URL)."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    try:
        seed(session_factory(engine))
    finally:
        engine.dispose()
    monkeypatch.chdir(tmp_path)  # no `.env` of the working tree
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", sql_url)
    return sql_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """`scopegate report ARGV…`'s output; it must exit 0."""
    assert main(["report", *argv]) == 0
    return capsys.readouterr().out


def test_json_size_by_ai_share(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each size by AI-share cell has its pull requests, rounds and rework; within S and L the AI-heavy
    and no-AI pull requests are compared with their n, pooled across sizes."""
    out = json.loads(run(capsys, "--format", "json"))
    assert out["prs"] == 7
    cells = {
        (g["size"], g["ai share"]): (g["prs"], g["rounds_mean"], g["rework_lines_mean"])
        for g in out["groups"]
    }
    assert cells == {
        ("S", "some AI"): (1, 0, 0),
        ("M", "no AI"): (2, 0.5, 5),
        ("M", "AI-heavy"): (2, 1.5, 35),
        ("XL", "no AI"): (1, 2, 100),
        ("XL", "AI-heavy"): (1, 2, 120),
    }
    by_size = {
        c["size"]: (c["ai_heavy_prs"], c["no_ai_prs"], c["difference"])
        for c in out["ai_heavy_vs_no_ai"]["by_size"]
    }
    assert by_size == {"M": (2, 2, 30), "XL": (1, 1, 20)}
    # weights n1*n2/(n1+n2): 1 for M, 0.5 for XL
    assert out["ai_heavy_vs_no_ai"]["within_sizes"] == pytest.approx((30 * 1 + 20 * 0.5) / 1.5)
    assert out["ai_heavy_vs_no_ai"]["ignoring_size"] == pytest.approx((35 * 2 + 120) / 3 - (5 * 2 + 100) / 3)
    assert out["groups"][0]["first_review_hours_median"] == 1


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        pytest.param("size", {"S": 1, "M": 4, "XL": 2}, id="size"),
        pytest.param("ai", {"no AI": 3, "some AI": 1, "AI-heavy": 3}, id="ai"),
        pytest.param("team", {"octo/web": 3, "octo/api": 2, "(no team)": 2}, id="team"),
        pytest.param(
            "author-team",
            {"octo/api": 2, "octo/web": 4, "(no team)": 2, "(unknown team)": 1},
            id="author-team",
        ),
        pytest.param("author-kind", {"person": 6, "bot": 1}, id="author-kind"),
    ],
)
def test_csv_groupings(
    ledger: str, capsys: pytest.CaptureFixture[str], group_by: str, expected: dict[str, int]
) -> None:
    """`--group-by` gives one CSV row per group with its number of pull requests."""
    rows = list(csv.DictReader(StringIO(run(capsys, "--group-by", group_by, "--format", "csv"))))
    assert {row[group_by]: int(row["prs"]) for row in rows} == expected


def test_repo_and_since_filter(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--repo` takes owner/name in any case; `--since` after every opening leaves nothing."""
    assert json.loads(run(capsys, "--repo", "OCTO/App", "--format", "json"))["prs"] == 7
    assert json.loads(run(capsys, "--repo", "octo/other", "--format", "json"))["prs"] == 0
    assert json.loads(run(capsys, "--since", "2099-01-01", "--format", "json"))["prs"] == 0


def test_text_names_the_comparison_and_its_n(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The text form prints the table and the comparison within each size with the n of each side."""
    text = run(capsys)
    assert text.startswith("7 pull requests\n")
    assert "within sizes (Mantel-Haenszel weights): +26.7 rework lines" in text
    [m_row] = [line for line in text.splitlines() if line.startswith("M ") and "+30.0" in line]
    assert m_row.split() == ["M", "2", "35.0", "2", "5.0", "+30.0"]


def test_unmigrated_ledger_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ledger without the schema: exit 2, saying to migrate."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["report"]) == 2
    assert "scopegate migrate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lines", "size"), [(None, "unmeasured"), (0, "XS"), (9, "XS"), (10, "S"), (499, "L"), (1000, "XXL")]
)
def test_size_bucket(lines: int | None, size: str) -> None:
    """Prow's buckets: each bound is the first size above it."""
    assert size_bucket(lines) == size


@pytest.mark.parametrize(
    ("share", "bucket"), [(None, "unmeasured"), (0.0, "no AI"), (0.49, "some AI"), (0.5, "AI-heavy")]
)
def test_ai_bucket(share: float | None, bucket: str) -> None:
    """AI-heavy from half the attributed lines."""
    assert ai_bucket(share) == bucket


def test_owning_team_by_lines() -> None:
    """The team owning most counted lines wins; users and unknown paths count for nobody."""
    results = {
        "size": {"size": {"changed_files": [{"path": "a", "counted": 5}, {"path": "b", "counted": 9}]}},
        "routing": {
            "routing": {
                "owner_groups": [
                    {"owners": ["octo/a", "ada"], "paths": ["a"]},
                    {"owners": ["octo/b"], "paths": ["b", "gone"]},
                    {"owners": ["bo"], "paths": ["a", "b"]},
                ]
            }
        },
    }
    assert owning_team(results) == "octo/b"
    assert owning_team({}) is None


def test_author_team_counts_in_each_of_the_authors_teams() -> None:
    """By author team, a pull request counts in each of its author's teams, and the report says how many
    count twice; an author in no team (or of a user's repository) is `(no team)`, one whose teams GitHub
    never told is `(unknown team)`; the owning team of the code plays no part."""
    figures = [ReviewFigures(rounds, rework, None, None, None) for rounds, rework in ((2, 40), (0, 10))]
    records = [
        PullRequestRecord("o/r", 1, "bo", 50, 0.0, "o/db", figures[0], author_teams=("o/api", "o/web")),
        PullRequestRecord("o/r", 2, "ada", 50, 0.0, "o/api", figures[1], author_teams=("o/web",)),
        PullRequestRecord("o/r", 3, "cy", 50, 0.0, "o/web", figures[1], author_teams=()),
        PullRequestRecord("o/r", 4, "dee", 50, 0.0, "o/web", figures[1]),
    ]
    report = build_report(records, "author-team")
    assert {key: (cell.prs, cell.rework_mean) for key, cell in report.groups.items()} == {
        ("(no team)",): (1, 10),
        ("(unknown team)",): (1, 10),
        ("o/api",): (1, 40),
        ("o/web",): (2, 25),
    }
    assert (report.prs, report.in_several_groups) == (4, 1)
    assert "in more than one group (an author in several teams counts in each): 1 of the 4," in (
        render_text(report)
    )
    document = json.loads(render_json(report))
    assert (document["group_by"], document["prs"], document["prs_in_several_groups"]) == ("author-team", 4, 1)
    assert [group["author-team"] for group in document["groups"]] == [
        "(no team)",
        "(unknown team)",
        "o/api",
        "o/web",
    ]


def test_empty_report() -> None:
    """No pull request: no group, no comparison, and the text says so."""
    report = build_report([])
    assert (report.prs, dict(report.groups), report.pooled_difference) == (0, {}, None)
    assert "no pull request of either kind" in render_text(report)


def test_unknown_grouping_is_refused() -> None:
    """A grouping the report does not know is a programming error, named."""
    record = PullRequestRecord("o/r", 1, "ada", 10, 0.0, None, ReviewFigures(0, 0, None, None, None))
    with pytest.raises(ValueError, match="cannot group by 'colour'"):
        build_report([record], "colour")
