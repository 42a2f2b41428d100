"""The JSON output of `scopegate check --format json`: a documented, versioned contract.

Version 1 fields are documented in the README; fields are only ever added within a version.
"""

from __future__ import annotations

from typing import Any

from bot.core.verdict import Verdict

VERSION = 1


def _override(verdict: Verdict) -> dict[str, Any] | None:
    override = verdict.snapshot.override
    if override is None:
        return None
    return {
        "login": override.login,
        "at": override.at,
        "via": override.via,
        "reason": override.reason,
        "accepted": override.accepted,
    }


def to_contract(verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain JSON-ready data."""
    measure, pr, limits = verdict.measure, verdict.snapshot.pull_request, verdict.config.size
    return {
        "version": VERSION,
        "conclusion": verdict.conclusion.value,
        "base": {"ref": pr.base_ref, "sha": pr.base_sha},
        "head": {"ref": pr.head_ref, "sha": pr.head_sha},
        "size": {
            "effective_lines": measure.effective_lines,
            "added": measure.added,
            "deleted": measure.deleted,
            "files": len(measure.counted),
            "excluded_files": [
                {"path": f.path, "reason": f.kind.value, "added": f.additions, "deleted": f.deletions}
                for f in measure.excluded
            ],
            "label": next((label for label in verdict.labels if label.startswith("size/")), None),
            "limits": {
                "max_lines": limits.max_lines,
                "warn_lines": limits.warn_lines,
                "max_files": limits.max_files,
            },
        },
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "path": f.path,
                "line": f.line,
                "message": f.message,
            }
            for f in verdict.findings
        ],
        "split_plan": [
            {"title": part.title, "lines": part.lines, "paths": list(part.paths)}
            for part in verdict.split_plan
        ],
        "partial": list(verdict.snapshot.partial),
        "override": _override(verdict),
    }
