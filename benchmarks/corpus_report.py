"""The corpus benchmark's tally of one repository (or all of them), its figures on stdout (one JSON object
per line, DESIGN §10) and its examples on stderr."""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from benchmarks.corpus_audit import CATEGORIES

EXAMPLES = 6


@dataclass
class Tally:
    """Everything counted for one repository (or the total)."""

    prs: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    crashes: list[tuple[str, str]] = field(default_factory=list)
    user_errors: list[tuple[str, str]] = field(default_factory=list)
    failures: int = 0
    shapes: Counter[str] = field(default_factory=Counter)
    compared_files: int = 0
    disagreements: list[str] = field(default_factory=list)
    total_mismatches: list[str] = field(default_factory=list)
    binary_counted: list[str] = field(default_factory=list)
    renames_skipped: int = 0
    counted_lines: int = 0
    audited_lines: Counter[str] = field(default_factory=Counter)
    audited_files: Counter[str] = field(default_factory=Counter)
    audited_prs: set[str] = field(default_factory=set)
    audited_noted_lines: Counter[str] = field(default_factory=Counter)
    audited_silent: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    excluded_lines: int = 0
    excluded_by_reason: Counter[str] = field(default_factory=Counter)
    excluded_plain: list[tuple[str, int, str]] = field(default_factory=list)
    excluded_by_attribute: list[tuple[str, int, str]] = field(default_factory=list)
    self_declared: list[tuple[str, int, str]] = field(default_factory=list)
    binary_source: list[tuple[str, int, str]] = field(default_factory=list)
    flips: list[str] = field(default_factory=list)
    check_seconds: list[float] = field(default_factory=list)
    numstat_seconds: list[float] = field(default_factory=list)
    floor_seconds: list[float] = field(default_factory=list)
    bare: str = ""
    bare_refused: int = 0
    branch_merges: int = 0

    def add(self, other: Tally) -> None:
        """Fold another repository's tally into this one."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, list):
                mine.extend(value)
            elif isinstance(mine, Counter | set):
                mine.update(value)
            elif isinstance(mine, int):
                setattr(self, name, mine + value)
            elif isinstance(mine, dict):
                for key, items in value.items():
                    mine[key].extend(items)


def emit(
    repository: str, name: str, value: float, unit: str, *, baseline: str | None = None, base: float = 0.0
) -> None:
    """One figure as a JSON line (DESIGN §10), tagged with its repository ("total" for all of them)."""
    row: dict[str, object] = {"figure": name, "value": round(value, 3), "unit": unit}
    if baseline is not None:
        row |= {
            "baseline": baseline,
            "baseline_value": round(base, 3),
            "ratio": round(value / base, 2) if base else None,
        }
    row["repository"] = repository
    print(json.dumps(row), flush=True)


def report(repository: str, tally: Tally) -> None:
    """Every figure of one tally on stdout, its examples on stderr."""
    emit(repository, "PRs checked", tally.prs, "PRs")
    emit(repository, "merge commits passed over (subject names no PR)", tally.branch_merges, "commits")
    emit(
        repository, "crashes (exit other than 0/1/2, traceback, timeout, no JSON)", len(tally.crashes), "PRs"
    )
    emit(repository, "user errors (exit 2)", len(tally.user_errors), "PRs")
    emit(repository, "gate failures (conclusion failure)", tally.failures, "PRs")
    emit(repository, "per-file disagreements with git diff --numstat -M", len(tally.disagreements), "files")
    emit(repository, "files compared per file with numstat", tally.compared_files, "files")
    emit(
        repository,
        "PRs whose effective + excluded lines differ from numstat's sum",
        len(tally.total_mismatches),
        "PRs",
    )
    emit(repository, "counted (effective) lines", tally.counted_lines, "lines")
    audited = sum(tally.audited_lines.values())
    emit(
        repository,
        "counted lines in files the audit calls generated/snapshot/lockfile/vendored",
        audited,
        "lines",
    )
    share = 100 * audited / tally.counted_lines if tally.counted_lines else 0.0
    emit(repository, "audited share of counted lines", share, "%")
    for category in CATEGORIES:
        emit(repository, f"counted lines the audit calls {category}", tally.audited_lines[category], "lines")
        emit(repository, f"counted files the audit calls {category}", tally.audited_files[category], "files")
    noted = sum(tally.audited_noted_lines.values())
    emit(
        repository,
        "audited counted lines the gate counts with a stated reason (a kind it does not believe)",
        noted,
        "lines",
    )
    emit(
        repository,
        "audited counted lines the gate calls plain source (no reason given)",
        audited - noted,
        "lines",
    )
    emit(repository, "audited counted files the gate calls plain source", len(tally.audited_silent), "files")
    emit(repository, "PRs with audited counted lines", len(tally.audited_prs), "PRs")
    emit(repository, "gate flips failure → success without audited files", len(tally.flips), "PRs")
    emit(repository, "excluded lines", tally.excluded_lines, "lines")
    plain = sum(lines for _, lines, _ in tally.excluded_plain)
    emit(repository, "excluded lines the audit calls plain, no base attribute (hidden?)", plain, "lines")
    by_attribute = sum(lines for _, lines, _ in tally.excluded_by_attribute)
    emit(
        repository,
        "excluded lines the audit calls plain, by a base .gitattributes line",
        by_attribute,
        "lines",
    )
    emit(repository, "binary files counted without lines", len(tally.binary_counted), "files")
    hidden = sum(n for _, n, _ in tally.binary_source)
    emit(repository, "lines of binary files with a source-code name (0 in any diff count)", hidden, "lines")
    declared = sum(n for _, n, _ in tally.self_declared)
    emit(
        repository, "excluded lines whose kind only the head declares (no base attribute)", declared, "lines"
    )
    emit(repository, "PRs where git skipped rename detection", tally.renames_skipped, "PRs")
    emit(repository, "bare repositories check failed on (a --shared clone used)", tally.bare_refused, "repos")
    floor = "the floor: a Python process running the same git commands and summing the counts"
    for against, baseline, times in (
        ("the floor", floor, tally.floor_seconds),
        ("git numstat", "git diff --numstat -M -z on the same range", tally.numstat_seconds),
    ):
        if not (tally.check_seconds and times):
            continue
        for name, pick in (("median", statistics.median), ("slowest", max)):
            emit(
                repository,
                f"scopegate check per PR ({name}, process) vs {against}",
                pick(tally.check_seconds) * 1000,
                "ms",
                baseline=baseline,
                base=pick(times) * 1000,
            )
        emit(
            repository,
            f"scopegate check over the corpus (sum, processes) vs {against}",
            sum(tally.check_seconds),
            "s",
            baseline=baseline,
            base=sum(times),
        )
    notes(repository, tally)


def say(text: str) -> None:
    """A note for the human on stderr."""
    print(text, file=sys.stderr, flush=True)


def notes(repository: str, tally: Tally) -> None:
    """Human-readable examples on stderr."""
    say(f"== {repository}: {tally.prs} PRs ({dict(tally.kinds)})" + (f"; {tally.bare}" if tally.bare else ""))
    say(f"   JSON shape compared: {dict(tally.shapes)}")
    say(f"   excluded lines by the gate's reason: {dict(tally.excluded_by_reason.most_common())}")
    for title, rows in (
        ("crash", [f"{pr}: {line}" for pr, line in tally.crashes]),
        ("exit 2", [f"{pr}: {line}" for pr, line in tally.user_errors]),
        ("per-file disagreement", tally.disagreements),
        ("total mismatch", tally.total_mismatches),
        ("flip", tally.flips),
        ("audited, counted as plain source", tally.audited_silent),
        ("binary counted", tally.binary_counted),
        ("excluded, audit says plain", [f"{p} ({n} lines, reason {r})" for p, n, r in tally.excluded_plain]),
        (
            "excluded by a base attribute, audit says plain",
            [f"{p} ({n} lines)" for p, n, _ in tally.excluded_by_attribute],
        ),
        ("excluded on the head's word", [f"{p} ({n} lines, reason {r})" for p, n, r in tally.self_declared]),
        ("binary source file", [f"{p} ({n} lines, {r})" for p, n, r in tally.binary_source]),
    ):
        for row in rows[:EXAMPLES]:
            say(f"   {title}: {row}")
        if len(rows) > EXAMPLES:
            say(f"   {title}: … {len(rows) - EXAMPLES} more")
    for category in CATEGORIES:
        for row in tally.examples.get(category, []):
            say(f"   audit {category}: {row}")
