"""Evaluate a snapshot under its rules file: the one pure function both front doors call."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.core.config import ConfigProblem, CoreConfig, LoadedConfig, load_config, section_config
from bot.core.files import classify
from bot.core.findings import Finding, Scope, Severity
from bot.core.overrides import Override, decide_override
from bot.core.sections import Section
from bot.core.snapshot import PullRequestInfo, PullRequestSnapshot
from rules import RULES
from rules.base import Catalogue, Context, Need, Rule, RuleResult


class Conclusion(StrEnum):
    """A check run's conclusion, as GitHub names it."""

    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One rule and what it returned."""

    rule: Rule[Any]
    result: RuleResult


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything a renderer, the publisher and the ledger need: the conclusion and why."""

    conclusion: Conclusion
    findings: tuple[Finding, ...]
    outcomes: tuple[Outcome, ...]
    config: CoreConfig
    problems: tuple[ConfigProblem, ...]
    pull_request: PullRequestInfo
    partial: tuple[str, ...] = ()
    override: Override | None = None

    @property
    def sections(self) -> tuple[Section, ...]:
        """The rules' summary sections, in catalogue order."""
        return tuple(o.result.section for o in self.outcomes if o.result.section is not None)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the rules want on the pull request."""
        return tuple(label for o in self.outcomes for label in o.result.labels)

    @property
    def reviewers(self) -> tuple[str, ...]:
        """Every reviewer the rules want requested: logins, and `org/team` for teams."""
        return tuple(dict.fromkeys(r for o in self.outcomes for r in o.result.reviewers))


def later_needs(snapshot: PullRequestSnapshot, rules: Catalogue, loaded: LoadedConfig) -> frozenset[Need]:
    """What the rules ask the gatherer's second phase for, given the first phase's `snapshot`."""
    asked = (r.later_needs(snapshot, section_config(loaded.config, r)) for r in rules.rules)
    return frozenset().union(*asked)


def evaluate(
    snapshot: PullRequestSnapshot, rules: Catalogue = RULES, loaded: LoadedConfig | None = None
) -> Verdict:
    """Run every rule on `snapshot`. A broken rules file fails the gate (defaults still measure the PR);
    a rule that crashes is reported as an error finding and the others still run. `loaded` is the rules
    file when the caller has parsed it already (it is parsed once per evaluation)."""
    loaded = loaded or load_config(rules, snapshot.repository.rules)
    configs = {rule.id: section_config(loaded.config, rule) for rule in rules.rules}
    checks = {r.id: c for r in rules.rules if (c := r.check_for(snapshot, configs[r.id])) is not None}
    context = Context(snapshot, classify(snapshot), checks)
    findings: list[Finding] = [_problem_finding(p) for p in loaded.problems]
    outcomes: list[Outcome] = []
    for rule in rules.rules:
        try:
            result = rule.run(context, configs[rule.id])
        except Exception as error:  # one rule's bug must not hide the others' results
            result = RuleResult((Finding(rule.id, Severity.ERROR, f"rule crashed: {error!r}"),))
        outcomes.append(Outcome(rule, result))
        findings.extend(result.findings)
    pr = snapshot.pull_request
    override = decide_override(
        snapshot.override_claims, loaded.config.override, pr.head_sha, _effective_lines(outcomes)
    )
    failed = any(f.severity is Severity.ERROR for f in findings)
    # An override passes the gate but hides nothing: the findings stay, with who, when and why.
    passes = not failed or (override is not None and override.accepted)
    return Verdict(
        conclusion=Conclusion.SUCCESS if passes else Conclusion.FAILURE,
        findings=_numbered(findings),
        outcomes=tuple(outcomes),
        config=loaded.config,
        problems=loaded.problems,
        pull_request=pr,
        partial=snapshot.partial,
        override=override,
    )


def _effective_lines(outcomes: list[Outcome]) -> int | None:
    """The size the rules measured (the `effective_lines` metric, as the ledger keeps it), if one did."""
    sections = (o.result.section for o in outcomes if o.result.section is not None)
    return next((int(s.metrics["effective_lines"]) for s in sections if "effective_lines" in s.metrics), None)


def _numbered(findings: list[Finding]) -> tuple[Finding, ...]:
    """The findings, each repeat of an identical one numbered so that every fingerprint is unique."""
    seen: Counter[str] = Counter()
    numbered = []
    for finding in findings:
        repeats = seen[finding.fingerprint]
        seen[finding.fingerprint] += 1
        numbered.append(replace(finding, occurrence=repeats) if repeats else finding)
    return tuple(numbered)


def _problem_finding(problem: ConfigProblem) -> Finding:
    return Finding(
        rule="config",
        severity=Severity.ERROR,
        message=problem.message,
        path=problem.file,
        line=problem.line,
        column=problem.column,
        scope=Scope.FILE,
    )
