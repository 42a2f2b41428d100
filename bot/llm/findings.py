"""The model's answer, read strictly: parsed against `review_schema.json`, checked against the lines the
pull request adds, and added to the deterministic verdict without ever changing its conclusion (DESIGN §8,
issue 13).

Everything the model says is untrusted text: a diff can carry instructions to it. So nothing it answers
reaches the gate but findings on lines the pull request added, at most a warning there, and the gate's
conclusion is copied, never computed from the model's output.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, replace

from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import PullRequestSnapshot
from bot.core.verdict import Verdict

RULE = "llm-review"
MAX_FINDINGS = 50  # one check-run request's worth of annotations; more is noise from a reviewer
MAX_MESSAGE_CHARS = 1000
_FIELDS = {"path": str, "line": int, "severity": str, "message": str}


@dataclass(frozen=True, slots=True)
class ModelFinding:
    """One finding as the model stated it."""

    path: str
    line: int
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class ParsedReview:
    """The model's findings in the schema's shape; `malformed` counts entries that were not (dropped)."""

    findings: tuple[ModelFinding, ...]
    malformed: int = 0


@dataclass(frozen=True, slots=True)
class MalformedReview:
    """An answer that is not the schema's object at all: the review failed, nothing is kept."""

    reason: str


@dataclass(frozen=True, slots=True)
class CheckedReview:
    """The findings on added lines of files the model was shown, and what was dropped, by why."""

    findings: tuple[ModelFinding, ...]
    not_added: int
    malformed: int
    over_limit: int


def parse_review(text: str) -> ParsedReview | MalformedReview:
    """The findings in the model's answer `text` (a JSON object `{"findings": [...]}`).

    Fields the schema does not name are ignored, entries that break it are dropped and counted, and the
    answer fails whole only when it is not a JSON object with a `findings` list.
    """
    try:
        answer = json.loads(text)
    except ValueError as error:
        return MalformedReview(f"not JSON: {error}")
    if not isinstance(answer, dict) or not isinstance(answer.get("findings"), list):
        return MalformedReview("not an object with a findings list")
    findings: list[ModelFinding] = []
    malformed = 0
    for entry in answer["findings"]:
        finding = _finding(entry)
        if finding is None:
            malformed += 1
        else:
            findings.append(finding)
    return ParsedReview(tuple(findings), malformed)


def check_against_diff(
    review: ParsedReview, snapshot: PullRequestSnapshot, shown: Collection[str]
) -> CheckedReview:
    """`review`'s findings that sit on a line the pull request adds in a file of `shown` (the files the
    model saw), the first `MAX_FINDINGS` of them; the others counted by why they were dropped."""
    added = {(f.path, n) for f in snapshot.files if f.path in shown for h in f.hunks for n in h.added}
    on_added = [f for f in review.findings if (f.path, f.line) in added]
    return CheckedReview(
        findings=tuple(on_added[:MAX_FINDINGS]),
        not_added=len(review.findings) - len(on_added),
        malformed=review.malformed,
        over_limit=max(0, len(on_added) - MAX_FINDINGS),
    )


def gate_findings(review: CheckedReview, model: str) -> tuple[Finding, ...]:
    """The checked findings as findings of the gate's kind, the model named in each: advisory, so an
    `error` from the model is a warning here (a model never fails the gate)."""
    return tuple(
        Finding(
            rule=RULE,
            severity=Severity.WARNING if f.severity is Severity.ERROR else f.severity,
            message=f"{f.message} ({model})",
            path=f.path,
            line=f.line,
            scope=Scope.ADDED,
            key=f"{f.line}:{f.message}",
        )
        for f in review.findings
    )


def with_review(verdict: Verdict, review: CheckedReview, model: str) -> Verdict:
    """`verdict` with the review's findings after its own: same conclusion, same findings first."""
    return replace(verdict, findings=(*verdict.findings, *gate_findings(review, model)))


def _finding(entry: object) -> ModelFinding | None:
    """An entry of the answer's list in the schema's shape, or None."""
    if not isinstance(entry, dict):
        return None
    for name, kind in _FIELDS.items():
        value = entry.get(name)
        # bool is an int in Python; a JSON true is no line number.
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    path, line, severity, message = (entry[name] for name in _FIELDS)
    if not path or line < 1 or severity not in set(Severity) or not message.strip():
        return None
    return ModelFinding(path, line, Severity(severity), message.strip()[:MAX_MESSAGE_CHARS])
