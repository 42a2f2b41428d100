"""From a rule's hits to findings: scope, suppression and fingerprints, the same for every check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.checks.scopes import in_scope
from bot.core.checks.source import Source, sources
from bot.core.checks.suppression import suppressed
from bot.core.files import FileFacts
from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import PullRequestSnapshot

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Hit:
    """Something a check found in a file: 1-based lines, 0-based column, and the node's text."""

    line: int
    end_line: int
    column: int
    message: str
    text: str
    severity: Severity


Finder = Callable[[Source], Iterable[Hit]]


def run_check(
    rule: str,
    scope: Scope,
    finder: Finder,
    snapshot: PullRequestSnapshot,
    facts: tuple[FileFacts, ...],
) -> tuple[Finding, ...]:
    """Run `finder` over every reviewable changed file and keep the hits in `scope` not suppressed."""
    return findings_in(rule, scope, finder, sources(snapshot.files, facts))


def findings_in(rule: str, scope: Scope, finder: Finder, files: Iterable[Source]) -> tuple[Finding, ...]:
    """Run `finder` over `files` (their trees shared by every rule) and keep the hits in `scope` not
    suppressed."""
    found: list[Finding] = []
    for source in files:
        for hit in finder(source):
            if not in_scope(scope, hit.line, hit.end_line, source.added):
                continue
            if suppressed(source.lines, hit.line, rule):
                continue
            found.append(
                Finding(
                    rule=rule,
                    severity=hit.severity,
                    message=hit.message,
                    path=source.path,
                    line=hit.line,
                    end_line=hit.end_line,
                    column=hit.column + 1,
                    scope=scope,
                    key=normalised(hit.text),
                )
            )
    return tuple(found)


def normalised(text: str) -> str:
    """A node's text with whitespace runs folded, so re-indenting keeps a finding's fingerprint."""
    return _SPACE.sub(" ", text).strip()[:500]
