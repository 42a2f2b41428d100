"""From a rule's hits to findings: scope, suppression and fingerprints, the same for every check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    """Something a check found in a file: 1-based lines, 0-based column, and the node's text. `rule`
    names the finding's rule when it is not the check's own (a custom rule of the rules file, run by the
    one check that runs them all)."""

    line: int
    end_line: int
    column: int
    message: str
    text: str
    severity: Severity
    rule: str = ""


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


Check = tuple[Scope, Finder]  # what one check rule runs: its scope and its finder, configured


def findings_in(rule: str, scope: Scope, finder: Finder, files: Iterable[Source]) -> tuple[Finding, ...]:
    """Run `finder` over `files` and keep the hits in `scope` not suppressed."""
    return tuple(f for source in files for f in _found(rule, scope, finder, source))


def run_checks(checks: Mapping[str, Check], files: Iterable[Source]) -> dict[str, tuple[Finding, ...]]:
    """Every check over `files`, file by file: each file's tree is parsed once, read by every check, and
    let go before the next file's (trees take ~30 times their text in memory)."""
    found: dict[str, list[Finding]] = {rule: [] for rule in checks}
    for source in files:
        for rule, (scope, finder) in checks.items():
            found[rule].extend(_found(rule, scope, finder, source))
    return {rule: tuple(kept) for rule, kept in found.items()}


def _found(rule: str, scope: Scope, finder: Finder, source: Source) -> Iterator[Finding]:
    for hit in finder(source):
        if not in_scope(scope, hit.line, hit.end_line, source.added):
            continue
        if suppressed(source.lines, hit.line, hit.rule or rule):
            continue
        yield Finding(
            rule=hit.rule or rule,
            severity=hit.severity,
            message=hit.message,
            path=source.path,
            line=hit.line,
            end_line=hit.end_line,
            column=hit.column + 1,
            scope=scope,
            key=normalised(hit.text),
        )


def normalised(text: str) -> str:
    """A node's text with whitespace runs folded, so re-indenting keeps a finding's fingerprint."""
    return _SPACE.sub(" ", text).strip()[:500]
