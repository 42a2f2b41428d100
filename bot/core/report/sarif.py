"""The verdict as SARIF 2.1.0, for code-scanning uploads and editors."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any
from urllib.parse import quote

from bot.core.findings import Finding, Severity
from bot.core.locations import RULES_PATH
from bot.core.verdict import Verdict

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Lone surrogates outside U+DC80 to U+DCFF, the range `surrogateescape` gives the bytes of a name that is not
# UTF-8: they stand for no bytes at all.
_UNPAIRED = re.compile("[\ud800-\udc7f\udd00-\udfff]")
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


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference (RFC 3986 §4.2): each UTF-8 byte outside the
    unreserved characters and `/` percent-encoded, so a space, `#`, `%`, `?` or non-ASCII letter means
    itself, and a `:` cannot make the first segment read as a scheme."""
    # A name's undecodable bytes (as `surrogateescape` keeps them) are encoded as those bytes; any other
    # lone surrogate, which no file name can hold, as U+FFFD.
    return quote(_UNPAIRED.sub("\ufffd", path).encode("utf-8", "surrogateescape"), safe="/")


def _result(finding: Finding) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "partialFingerprints": {"scopegate/v1": finding.fingerprint},
        "locations": [{"physicalLocation": _location(finding)}],
    }


def _location(finding: Finding) -> dict[str, Any]:
    """Where the finding is. GitHub's code scanning does not take a result without a location whose
    `artifactLocation.uri` is a relative path and whose region has a `startLine` (the SARIF SDK's GitHub
    rules GH1001, GH1003 and GH1005 check exactly this). A pull-request-wide finding (a size limit) is
    therefore placed on line 1 of the rules file, where its limit is set; GitHub shows such a result even
    where the file does not exist, as it does OpenSSF Scorecard's repository-wide results."""
    if finding.path is None:
        return {"artifactLocation": {"uri": artifact_uri(RULES_PATH)}, "region": {"startLine": 1}}
    region = {"startLine": finding.line or 1}
    if finding.column:
        region["startColumn"] = finding.column
    return {"artifactLocation": {"uri": artifact_uri(finding.path)}, "region": region}
