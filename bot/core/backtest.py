"""Backtest a candidate rules file: what it would have said of past pull requests, against what happened.

Pure: the CLI hands in each pull request's findings under the candidate (from a fresh evaluation of a
merge in local history, or replayed from the ledger's records, `bot/core/replay.py`), what was decided
then, and the rounds of review it took where the ledger knows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from bot.core.findings import Severity

# Severities in the order a pull request's outcome is decided by: its worst finding.
FAIL, WARN, PASS = "fail", "warn", "pass"
FROM_LEDGER = "from the ledger's review history"
# Git keeps commits, not reviews: a replay of merges knows no round and no rework line.
NOT_IN_GIT = (
    "not known: git history has no reviews, so rounds and rework come only from the App's ledger "
    "(backtest it with --repo OWNER/NAME); here the rework rule cannot warn or fail"
)


@dataclass(frozen=True, slots=True)
class Case:
    """One past pull request: its name, what the candidate's rules find (rule id and severity of each
    error or warning), what was decided when it was evaluated (a conclusion, None when unknown), whether
    it was merged, and its rounds of review (None when unknown)."""

    name: str
    found: tuple[tuple[str, Severity], ...]
    happened: str | None = None
    merged: bool = True
    rounds: int | None = None

    @property
    def outcome(self) -> str:
        """fail, warn or pass under the candidate."""
        severities = {severity for _, severity in self.found}
        return FAIL if Severity.ERROR in severities else WARN if Severity.WARNING in severities else PASS


@dataclass(frozen=True, slots=True)
class RuleCount:
    """Pull requests one rule would fail and warn."""

    rule: str
    fail: int
    warn: int


@dataclass(frozen=True, slots=True)
class Backtest:
    """The candidate's verdicts over the pull requests, and how they differ from what happened."""

    source: str  # e.g. "git history of /repo (40 merges)", "ledger"
    prs: int
    fail: tuple[str, ...]
    warn: tuple[str, ...]
    passed: int
    newly_failing: tuple[str, ...]  # passed (or was neutral) then, would fail now
    newly_passing: tuple[str, ...]  # failed then, would not fail now
    by_rule: tuple[RuleCount, ...]
    merged: int
    blocked_merged: int  # merged pull requests the candidate would fail
    blocked_rounds_known: int
    blocked_two_rounds: int  # of those, how many needed 2+ rounds
    merged_rounds_known: int
    merged_two_rounds: int
    rounds_and_rework: str = FROM_LEDGER  # where they come from, or NOT_IN_GIT
    notes: tuple[str, ...] = field(default=())


def backtest(
    source: str, cases: Sequence[Case], notes: Iterable[str] = (), *, rounds_and_rework: str = FROM_LEDGER
) -> Backtest:
    """Count the candidate's verdicts and the changes against what happened; `rounds_and_rework` says
    where those came from (NOT_IN_GIT for a repository's merges)."""
    fail = tuple(c.name for c in cases if c.outcome == FAIL)
    warn = tuple(c.name for c in cases if c.outcome == WARN)
    rules = sorted({rule for c in cases for rule, _ in c.found})
    by_rule = tuple(
        RuleCount(
            rule,
            sum(1 for c in cases if (rule, Severity.ERROR) in c.found),
            sum(1 for c in cases if _warns_only(c, rule)),
        )
        for rule in rules
    )
    merged = [c for c in cases if c.merged]
    blocked = [c for c in merged if c.outcome == FAIL]
    return Backtest(
        source=source,
        prs=len(cases),
        fail=fail,
        warn=warn,
        passed=len(cases) - len(fail) - len(warn),
        newly_failing=tuple(
            c.name for c in cases if c.outcome == FAIL and c.happened is not None and c.happened != "failure"
        ),
        newly_passing=tuple(c.name for c in cases if c.outcome != FAIL and c.happened == "failure"),
        by_rule=by_rule,
        merged=len(merged),
        blocked_merged=len(blocked),
        blocked_rounds_known=sum(1 for c in blocked if c.rounds is not None),
        blocked_two_rounds=sum(1 for c in blocked if c.rounds is not None and c.rounds >= 2),
        merged_rounds_known=sum(1 for c in merged if c.rounds is not None),
        merged_two_rounds=sum(1 for c in merged if c.rounds is not None and c.rounds >= 2),
        rounds_and_rework=rounds_and_rework,
        notes=tuple(notes),
    )


def _warns_only(case: Case, rule: str) -> bool:
    """Whether `rule` warns `case` and does not fail it."""
    return (rule, Severity.WARNING) in case.found and (rule, Severity.ERROR) not in case.found


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part:,} of {whole:,})" if whole else "- (0 of 0)"


def render_text(result: Backtest) -> str:
    """The backtest for a terminal: the headline figures, the changes, each rule's counts."""
    lines = [
        f"{result.prs:,} pull requests from {result.source}",
        f"would fail {len(result.fail):,}, warn {len(result.warn):,}, pass {result.passed:,}",
        f"this rules file would have blocked {_share(result.blocked_merged, result.merged)} of the merged"
        " pull requests",
    ]
    if result.rounds_and_rework == NOT_IN_GIT:
        lines.append(f"rounds and rework: {NOT_IN_GIT}")
    elif result.blocked_rounds_known:
        lines.append(
            f"of those with known rounds, {_share(result.blocked_two_rounds, result.blocked_rounds_known)}"
            f" needed 2+ rounds of review (all merged: "
            f"{_share(result.merged_two_rounds, result.merged_rounds_known)})"
        )
    elif result.blocked_merged:
        lines.append("rounds of review: not known for these pull requests (no ledger records)")
    lines.append(f"newly failing (did not fail then): {len(result.newly_failing):,}")
    lines += [f"  {name}" for name in result.newly_failing]
    lines.append(f"newly passing (failed then): {len(result.newly_passing):,}")
    lines += [f"  {name}" for name in result.newly_passing]
    if result.by_rule:
        width = max(len("rule"), *(len(r.rule) for r in result.by_rule))
        lines += ["", f"{'rule':<{width}}  {'fail':>6}  {'warn':>6}"]
        lines += [f"{r.rule:<{width}}  {r.fail:>6,}  {r.warn:>6,}" for r in result.by_rule]
    if result.fail:
        lines += ["", "would fail:"] + [f"  {name}" for name in result.fail]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def render_json(result: Backtest) -> str:
    """The backtest as one JSON document (every field of `Backtest`)."""
    return json.dumps(asdict(result), indent=2) + "\n"
