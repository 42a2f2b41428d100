"""`scopegate rules backtest`: a candidate rules file replayed over a repository's merges and the ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.core.rounds import (
    Closed,
    Opened,
    Push,
    Review,
    ReviewState,
    closed_key,
    opened_key,
    push_key,
    review_key,
)
from bot.ledger.evaluations import EvaluationRecord, FindingRecord, record_evaluation
from bot.ledger.reviews import ReviewEventRecord, record_review_events
from tests.gitrepo import GitRepo, lines

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def merged_history(root: Path) -> GitRepo:
    """main with three branches merged (--no-ff) of 20, 300 and 900 Python lines, and one commit pushed
    to main directly (no pull request)."""
    repo = GitRepo(root)
    for name, count in (("small", 20), ("medium", 300), ("large", 900)):
        repo.git("checkout", "-q", "-b", name, "main")
        repo.write(f"src/{name}.py", lines(count, name))
        repo.commit(f"add {name}")
        repo.git("checkout", "-q", "main")
        repo.git("merge", "-q", "--no-ff", "-m", f"Merge {name}", name)
    repo.write("NOTES.md", "direct\n")
    repo.commit("a direct commit")
    return repo


def backtest(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run the command with --format json; its exit code and document."""
    code = main(["rules", "backtest", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, json.loads(out)


def test_merges_that_a_lower_limit_would_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each merge of the first-parent history is its branch's pull request: with `max_lines: 200` the
    300- and 900-line branches would fail; only the 300-line one passed under the defaults then."""
    repo = merged_history(tmp_path / "repo")
    candidate = tmp_path / "candidate.yml"
    candidate.write_text("size:\n  max_lines: 200\n")
    code, result = backtest(capsys, str(candidate), "--repo", str(repo.root))
    assert code == 0
    assert result["prs"] == 3
    assert [name.split(" ", 1)[1] for name in result["fail"]] == ["Merge large", "Merge medium"]
    assert [name.split(" ", 1)[1] for name in result["newly_failing"]] == ["Merge medium"]
    assert result["warn"] == []
    assert result["passed"] == 1
    assert (result["merged"], result["blocked_merged"]) == (3, 2)
    assert {"rule": "size", "fail": 2, "warn": 0} in result["by_rule"]


def test_text_says_what_share_it_would_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text output opens with the share of merged pull requests the file would have blocked."""
    repo = merged_history(tmp_path / "repo")
    candidate = tmp_path / "candidate.yml"
    candidate.write_text("size:\n  max_lines: 500\n")
    assert main(["rules", "backtest", str(candidate), "--repo", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "would have blocked 33% (1 of 3) of the merged pull requests" in out


def test_git_history_says_it_knows_no_rounds_or_rework(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Over a repository's merges a candidate's rework limits find nothing, and both the text and the JSON
    say plainly that rounds and rework come only from the ledger, not that these merges had none."""
    repo = merged_history(tmp_path / "repo")
    candidate = tmp_path / "candidate.yml"
    candidate.write_text("rework:\n  max_rounds: 1\n  max_rework_lines: 1\n  severity: error\n")
    _, result = backtest(capsys, str(candidate), "--repo", str(repo.root))
    assert all(count["rule"] != "rework" for count in result["by_rule"])
    assert result["rounds_and_rework"].startswith("not known: git history has no reviews")
    assert "only from the App's ledger" in result["rounds_and_rework"]
    assert main(["rules", "backtest", str(candidate), "--repo", str(repo.root)]) == 0
    headline = capsys.readouterr().out.splitlines()[:4]
    assert headline[3] == (
        "rounds and rework: not known: git history has no reviews, so rounds and rework come only from the "
        "App's ledger (backtest it with --repo OWNER/NAME); here the rework rule cannot warn or fail"
    )


def test_a_broken_rules_file_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken candidate exits 2, as `scopegate check` does on a broken rules file, naming file and line."""
    candidate = tmp_path / "candidate.yml"
    candidate.write_text("size:\n  max_lines: -3\n")
    assert main(["rules", "backtest", str(candidate), "--repo", str(tmp_path)]) == 2
    assert f"{candidate}:2:" in capsys.readouterr().err


def seed(sessions: sessionmaker[Session]) -> None:
    """Three merged pull requests of octo/repo: #1 of 900 counted lines after two rounds of review, #2 of
    300 after one, #3 of 40 lines plus a 5,000-line lockfile, with a debug-output warning, never reviewed."""
    sizes = {1: [("src/a.py", "source", 900)], 2: [("src/b.py", "source", 300)]}
    sizes[3] = [("src/c.py", "source", 40), ("poetry.lock", "lockfile", 5000)]
    with sessions.begin() as session:
        for number, files in sizes.items():
            changed = [{"path": p, "kind": k, "added": n, "deleted": 0} for p, k, n in files]
            findings = (FindingRecord("debug-output", "d", "warning", "src/c.py", 1, "print()"),) * (
                number == 3
            )
            record_evaluation(
                session,
                EvaluationRecord(
                    1, "octo/repo", number, f"{number}" * 40, "success" if number != 1 else "failure",
                    pr_author="ada", results={"size": {"size": {"changed_files": changed}}},
                    findings=findings,
                ),
                at=T0,
            )  # fmt: skip
            record_review_events(
                session, [ReviewEventRecord(1, "octo/repo", number, e) for e in events(number)]
            )


def events(number: int) -> list[Any]:
    """Opened, then `3 - number` rounds (changes requested, a push, a re-review), approved, merged."""
    at = T0 + timedelta(days=number)
    happened: list[Any] = [Opened(opened_key(number), at)]
    for round_ in range(max(0, 3 - number)):
        step = at + timedelta(hours=3 * round_)
        review_id = 100 * number + round_
        requested = ReviewState.CHANGES_REQUESTED
        key = review_key(review_id, "submitted")
        happened.append(Review(key, review_id, step + timedelta(hours=1), "maria", requested))
        sha = f"{number}{round_}".ljust(40, "f")
        happened.append(Push(push_key(number, sha), step + timedelta(hours=2), sha, "0" * 40, 10))
    approval = 100 * number + 9
    happened.append(Review(review_key(approval, "submitted"), approval, at + timedelta(hours=20), "maria",
                           ReviewState.APPROVED))  # fmt: skip
    happened.append(Closed(closed_key(number, at + timedelta(hours=21)), at + timedelta(hours=21), True))
    return happened


def test_ledger_counts(
    sql_url: str, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Replayed from the ledger: `max_lines: 250` fails #1 (already failing) and #2 (newly), the lockfile
    still counts 0 for #3, debug-output at `error` fails #3; both blocked merged PRs needed 1+ rounds,
    the 900-line one 2."""
    seed(sessions)
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", sql_url)
    candidate = tmp_path / "candidate.yml"
    candidate.write_text("size:\n  max_lines: 250\n")
    code, result = backtest(capsys, str(candidate), "--repo", "octo/repo")
    assert code == 0
    assert result["fail"] == ["octo/repo#1", "octo/repo#2"]
    assert result["warn"] == ["octo/repo#3"]  # the recorded debug-output warning stands
    assert (result["newly_failing"], result["newly_passing"]) == (["octo/repo#2"], [])
    assert (result["blocked_merged"], result["blocked_rounds_known"], result["blocked_two_rounds"]) == (
        2,
        2,
        1,
    )
    assert result["rounds_and_rework"] == "from the ledger's review history"
    candidate.write_text("size:\n  max_lines: 2000\nchecks:\n  debug-output: {severity: error}\n")
    code, result = backtest(capsys, str(candidate))
    assert result["fail"] == ["octo/repo#3"]
    assert (result["newly_failing"], result["newly_passing"]) == (["octo/repo#3"], ["octo/repo#1"])
