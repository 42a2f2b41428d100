"""The `rework` rule on snapshots with a review history: its figures, its limits and their reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.findings import Severity
from bot.core.locations import RULES_PATH
from bot.core.sections import Table
from bot.core.snapshot import ConfigSource, PullRequestSnapshot, RepositoryFiles
from bot.core.verdict import Conclusion, evaluate
from rules.rework import RULE, duration

EXAMPLE = RULE.examples[0].snapshot  # two rounds, 60 rework lines, approved after 5 h


def with_rules(text: str | None) -> PullRequestSnapshot:
    """The example under the rules file `text`."""
    return replace(EXAMPLE, repository=RepositoryFiles(rules=(ConfigSource(RULES_PATH, text),)))


@pytest.mark.parametrize(
    ("rules", "severity", "message"),
    [
        pytest.param(None, None, None, id="off-by-default"),
        pytest.param("rework:\n  max_rounds: 3\n", None, None, id="under-the-rounds"),
        pytest.param(
            "rework:\n  max_rounds: 2\n",
            Severity.WARNING,
            "2 rounds of review (the limit is 2).",
            id="rounds-warn",
        ),
        pytest.param(
            "rework:\n  max_rework_lines: 50\n  ask: split\n  severity: error\n",
            Severity.ERROR,
            "60 lines reworked after review (the limit is 50); split what is left into another pull request.",
            id="lines-split",
        ),
        pytest.param(
            "rework:\n  max_rounds: 1\n  max_rework_lines: 60\n  ask: reviewer\n",
            Severity.WARNING,
            "2 rounds of review (the limit is 1) and 60 lines reworked after review (the limit is 60); "
            "ask another reviewer for a fresh look.",
            id="both-reviewer",
        ),
    ],
)
def test_limits_and_their_reasons(rules: str | None, severity: Severity | None, message: str | None) -> None:
    """A limit reached gives one finding saying which figure reached which limit and what to do."""
    verdict = evaluate(with_rules(rules))
    findings = [(f.severity, f.message) for f in verdict.findings if f.rule == "rework"]
    assert findings == ([] if message is None else [(severity, message)])
    assert (verdict.conclusion is Conclusion.FAILURE) is (severity is Severity.ERROR)


def test_the_summary_figures() -> None:
    """The section's table and contract carry the rounds, rework lines and waiting times."""
    verdict = evaluate(EXAMPLE)
    [section] = [o.result.section for o in verdict.outcomes if o.rule.id == "rework"]
    assert section is not None
    [table] = section.blocks
    assert isinstance(table, Table)
    assert dict(table.rows) == {
        "rounds": 2,
        "rework lines": 60,
        "waiting for review now": "no",
        "time waiting for review": "3 h 0 min",
        "time to first review": "1 h 0 min",
    }
    assert section.data["review"]["rounds"] == 2
    assert section.data["review"]["time_to_approval_seconds"] == 5 * 3600


def test_no_history_no_section() -> None:
    """`scopegate check` has no review history: the rule says nothing."""
    verdict = evaluate(replace(EXAMPLE, review_history=None))
    [outcome] = [o for o in verdict.outcomes if o.rule.id == "rework"]
    assert outcome.result.section is None
    assert not outcome.result.findings


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=75), "1 h 15 min"),
        (timedelta(days=2, hours=3), "2 d 3 h"),
    ],
)
def test_duration(span: timedelta, text: str) -> None:
    """Spans read as people say them."""
    assert duration(span) == text
