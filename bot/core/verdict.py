"""Evaluate a snapshot under its rules file: the one pure function both front doors call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.config import ConfigProblem, ConfigSource, LoadedConfig, RulesFile, load_config
from bot.core.findings import Finding, Severity
from bot.core.snapshot import PullRequestSnapshot
from rules import RULES
from rules.base import Context
from rules.size.measure import SizeMeasure, measure_size
from rules.size.split import SplitPart


class Conclusion(StrEnum):
    """A check run's conclusion, as GitHub names it."""

    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything a renderer needs: the conclusion and why."""

    conclusion: Conclusion
    snapshot: PullRequestSnapshot
    config: RulesFile
    measure: SizeMeasure
    findings: tuple[Finding, ...]
    labels: tuple[str, ...]
    split_plan: tuple[SplitPart, ...]
    config_problems: tuple[ConfigProblem, ...]


def config_layers(snapshot: PullRequestSnapshot) -> tuple[ConfigSource, ...]:
    """The rules-file layers a snapshot carries, lowest precedence first."""
    return (
        ConfigSource(snapshot.org_rules_path, snapshot.org_rules_text),
        ConfigSource(snapshot.rules_path, snapshot.rules_text),
    )


def evaluate(snapshot: PullRequestSnapshot) -> Verdict:
    """Run every rule on `snapshot`. A broken rules file fails the gate (defaults still measure the PR);
    a rule that crashes is reported as an error finding and the others still run."""
    loaded: LoadedConfig = load_config(*config_layers(snapshot))
    config = loaded.config
    context = Context(snapshot, measure_size(snapshot, config.size.exclude))
    findings: list[Finding] = [_problem_finding(p) for p in loaded.problems]
    labels: list[str] = []
    plan: tuple[SplitPart, ...] = ()
    for rule in RULES:
        try:
            result = rule.evaluate(context, getattr(config, rule.SECTION))
        except Exception as error:  # one rule's bug must not hide the others' results
            findings.append(Finding(rule.ID, Severity.ERROR, f"rule crashed: {error!r}"))
            continue
        findings.extend(result.findings)
        labels.extend(result.labels)
        plan = plan or result.split_plan
    failed = any(f.severity is Severity.ERROR for f in findings)
    # An override passes the gate but hides nothing: the findings stay, with who, when and why.
    overridden = snapshot.override is not None and snapshot.override.accepted
    conclusion = Conclusion.FAILURE if failed and not overridden else Conclusion.SUCCESS
    return Verdict(
        conclusion=conclusion,
        snapshot=snapshot,
        config=config,
        measure=context.measure,
        findings=tuple(findings),
        labels=tuple(labels),
        split_plan=plan,
        config_problems=loaded.problems,
    )


def _problem_finding(problem: ConfigProblem) -> Finding:
    return Finding(
        rule="config",
        severity=Severity.ERROR,
        message=problem.message,
        path=problem.file,
        line=problem.line,
        column=problem.column,
    )
