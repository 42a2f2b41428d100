"""A candidate rules file replayed over what the ledger recorded of an evaluation, without its diff.

What can be replayed: the size rule from the recorded changed files (path, kind, lines: a file the old
rules file's `exclude` left out counts again unless the candidate excludes it), the rework rule from the
review history, and each check rule's recorded findings at the candidate's severity (`off` drops them;
a check that was off when the pull request was evaluated left no finding to replay). Every other rule's
findings stand as recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.config import LoadedConfig, section_config
from bot.core.files import FileFacts, Kind
from bot.core.findings import Severity
from bot.core.rounds import ReviewHistory
from bot.core.snapshot import PullRequestInfo, PullRequestSnapshot
from rules.base import Catalogue, Context

RERUN = ("size", "rework")  # rules whose whole input the ledger keeps
DROPPED = ("config",)  # the recorded rules file's own problems: the candidate is checked before
_NO_SHA = "0" * 40


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the ledger kept of a pull request's latest evaluation, as the replay reads it."""

    files: tuple[FileFacts, ...] | None  # None when the size rule recorded no changed files
    findings: tuple[tuple[str, Severity], ...]  # rule id and severity of each recorded finding
    history: ReviewHistory | None = None


def recorded_files(results: Mapping[str, Any]) -> tuple[FileFacts, ...] | None:
    """The changed files the size rule recorded (`results["size"]["size"]["changed_files"]`)."""
    size = results.get("size")
    listed = size.get("size", {}).get("changed_files") if isinstance(size, Mapping) else None
    if not isinstance(listed, list):
        return None
    files = []
    for entry in listed:
        kind = Kind(entry["kind"])
        # excluded by the old rules file's globs: what it is otherwise is not recorded; counted as source
        files.append(FileFacts(entry["path"], Kind.SOURCE if kind is Kind.CONFIGURED else kind,
                               int(entry["added"]), int(entry["deleted"])))  # fmt: skip
    return tuple(files)


def replay(
    recorded: Recorded, catalogue: Catalogue, loaded: LoadedConfig
) -> tuple[tuple[str, Severity], ...]:
    """The errors and warnings the candidate `loaded` would give the recorded pull request."""
    rules = {rule.id: rule for rule in catalogue.rules}
    found: list[tuple[str, Severity]] = []
    for rule_id, recorded_severity in recorded.findings:
        rule = rules.get(rule_id)
        if rule_id in RERUN or rule_id in DROPPED:
            continue
        if rule is not None and (rule.check is not None or rule.section.startswith("checks.")):
            configured = getattr(section_config(loaded.config, rule), "severity", None)
            if configured == "off":
                continue
            found.append((rule_id, Severity(configured) if configured else recorded_severity))
            continue
        found.append((rule_id, recorded_severity))
    info = PullRequestInfo(base_ref="", head_ref="", base_sha=_NO_SHA, head_sha=_NO_SHA)
    snapshot = PullRequestSnapshot(pull_request=info, files=(), review_history=recorded.history)
    context = Context(snapshot, recorded.files or ())
    for rule_id in RERUN:
        rule = rules.get(rule_id)
        if rule is None or (rule_id == "size" and recorded.files is None):
            continue
        result = rule.run(context, section_config(loaded.config, rule))
        found += [(rule_id, f.severity) for f in result.findings]
    return tuple((rule, level) for rule, level in found if level in (Severity.ERROR, Severity.WARNING))
