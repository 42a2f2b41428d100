"""`rework`: review rounds, rework lines and time waiting for review so far, and an optional limit on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.core.findings import Finding, Severity
from bot.core.locations import RULES_PATH
from bot.core.rounds import (
    Opened,
    PullRequestHistory,
    Push,
    Review,
    ReviewFigures,
    ReviewHistory,
    ReviewState,
    ReviewWait,
    measure_review,
    review_wait,
)
from bot.core.sections import Section, Table
from bot.core.snapshot import (
    ChangedFile,
    ConfigSource,
    FileStatus,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from rules.base import Context, Example, Rule, RuleResult

ID = "rework"
HELP = """\
From the review history the App keeps (webhooks, or the pull request's timeline where deliveries were
missed), the check's summary shows the rounds so far — feedback (changes requested, or comments) from
someone other than the author and no bot, a push of the author's own lines, a re-review — the rework lines
(lines in which the pull request's own diff moved after the first review: a rebase or a merge of the base
counts 0), and the time it waited for a reviewer, in total and now. Off by default, `max_rounds` and
`max_rework_lines` act once either is reached: `ask: warn` only says so, `ask: split` asks for the rest to
go in another pull request, `ask: reviewer` asks for another reviewer; `severity: error` fails the check.
`scopegate check` has no review history and shows none of this."""

ASKS = {
    "warn": "",
    "split": "; split what is left into another pull request",
    "reviewer": "; ask another reviewer for a fresh look",
}


class Config(BaseModel):
    """Limits on rounds and rework, off unless set."""

    model_config = ConfigDict(extra="forbid")

    max_rounds: int | None = Field(None, ge=1, description="Rounds from which to act (off: null).")
    max_rework_lines: int | None = Field(
        None, ge=1, description="Rework lines from which to act (off: null)."
    )
    ask: Literal["warn", "split", "reviewer"] = Field(
        "warn", description="warn, split (ask for another pull request) or reviewer (ask for another)."
    )
    severity: Literal["warning", "error"] = Field("warning", description="warning or error (fails).")


def evaluate(context: Context, config: Config) -> RuleResult:
    """The figures as a section; a finding with its reason when a limit is reached."""
    known = context.snapshot.review_history
    if known is None:
        return RuleResult()
    figures = measure_review(known.history)
    wait = review_wait(known.history, known.as_of)
    reasons = _reasons(figures, config)
    findings: tuple[Finding, ...] = ()
    if reasons:
        message = f"{' and '.join(reasons)}{ASKS[config.ask]}."
        findings = (Finding(ID, Severity(config.severity), message[0].upper() + message[1:], key="limit"),)
    return RuleResult(findings, (), _section(figures, wait, known.as_of))


def _reasons(figures: ReviewFigures, config: Config) -> list[str]:
    """Which limits the pull request reached, each with its figure."""
    reasons = []
    if config.max_rounds is not None and figures.rounds >= config.max_rounds:
        reasons.append(f"{_rounds(figures.rounds)} of review (the limit is {config.max_rounds:,})")
    if config.max_rework_lines is not None and figures.rework_lines >= config.max_rework_lines:
        limit = config.max_rework_lines
        reasons.append(f"{figures.rework_lines:,} lines reworked after review (the limit is {limit:,})")
    return reasons


def _rounds(count: int) -> str:
    return f"{count:,} round{'s' * (count != 1)}"


def _section(figures: ReviewFigures, wait: ReviewWait, as_of: datetime) -> Section:
    """The review figures so far, as a table and as the JSON contract's `review`."""
    waiting = "no" if wait.since is None else f"yes, for {duration(as_of - wait.since)}"
    rows: list[tuple[str, str | int]] = [
        ("rounds", figures.rounds),
        ("rework lines", figures.rework_lines),
        ("waiting for review now", waiting),
        ("time waiting for review", duration(wait.total)),
    ]
    if figures.time_to_first_review is not None:
        rows.append(("time to first review", duration(figures.time_to_first_review)))
    data: dict[str, Any] = {
        "rounds": figures.rounds,
        "rework_lines": figures.rework_lines,
        "waiting_for_review_seconds": int(wait.total.total_seconds()),
        "waiting_since": None if wait.since is None else wait.since.isoformat(),
        "time_to_first_review_seconds": _seconds(figures.time_to_first_review),
        "time_to_approval_seconds": _seconds(figures.time_to_approval),
    }
    return Section(
        blocks=(Table(("review so far", "value"), tuple(rows)),),
        data={"review": data},
        metrics={"rounds": figures.rounds, "rework_lines": figures.rework_lines},
    )


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def duration(span: timedelta) -> str:
    """A span as people say it: `2 d 3 h`, `5 h 20 min`, `12 min`."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _example(rules: str | None) -> PullRequestSnapshot:
    """Two rounds: changes requested twice, each answered by a push of 30 lines, then approved."""
    head = "1" * 40
    events = (
        Opened("pull_request:7:opened", T0),
        Review("review:1:submitted", 1, T0 + timedelta(hours=1), "maria", ReviewState.CHANGES_REQUESTED),
        Push("push:7:c", T0 + timedelta(hours=2), "c" * 40, "0" * 40, 30),
        Review("review:2:submitted", 2, T0 + timedelta(hours=3), "maria", ReviewState.CHANGES_REQUESTED),
        Push("push:7:d", T0 + timedelta(hours=4), head, "0" * 40, 30),
        Review("review:3:submitted", 3, T0 + timedelta(hours=5), "maria", ReviewState.APPROVED),
    )
    history = ReviewHistory(PullRequestHistory("octocat", events), T0 + timedelta(hours=6))
    return PullRequestSnapshot(
        pull_request=PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha=head),
        files=(ChangedFile("src/app.py", FileStatus.MODIFIED, 60, 0),),
        repository=RepositoryFiles(rules=(ConfigSource(RULES_PATH, rules),)),
        review_history=history,
    )


RULE = Rule(
    id=ID,
    summary="Review rounds, rework lines and time waiting for review; optionally act after N rounds or M.",
    help=HELP,
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("two rounds pass by default", _example(None), passes=True),
        Example(
            "two rounds fail under `max_rounds: 2` with `severity: error`",
            _example(f"{ID}:\n  max_rounds: 2\n  severity: error\n  ask: split\n"),
            passes=False,
        ),
        Example(
            "60 rework lines pass under `max_rework_lines: 100`",
            _example(f"{ID}:\n  max_rework_lines: 100\n  severity: error\n"),
            passes=True,
        ),
    ),
)
