"""The verdict as SARIF 2.1.0, for code-scanning uploads and editors."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from bot.core.findings import Finding, Severity
from bot.core.verdict import Verdict

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(verdict: Verdict) -> dict[str, Any]:
    """One run whose driver lists every rule and whose results are the findings."""
    rules = [
        {"id": o.rule.id, "shortDescription": {"text": o.rule.summary}, "help": {"text": o.rule.help}}
        for o in verdict.outcomes
    ]
    rules.append({"id": "config", "shortDescription": {"text": "The rules file is valid."}})
    driver = {"name": "scopegate", "version": version("scopegate"), "rules": rules}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": [_result(f) for f in verdict.findings]}],
    }


def _result(finding: Finding) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "partialFingerprints": {"scopegate/v1": finding.fingerprint},
    }
    if finding.path:
        region = {"startLine": finding.line or 1}
        if finding.column:
            region["startColumn"] = finding.column
        location = {"artifactLocation": {"uri": finding.path}, "region": region}
        result["locations"] = [{"physicalLocation": location}]
    return result
