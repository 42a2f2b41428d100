"""The verdict for a person at a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot.core.findings import Severity
from bot.core.report.markdown import title
from bot.core.verdict import Conclusion, Verdict

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_verdict(verdict: Verdict, console: Console) -> None:
    """Headline, size table, findings, split plan and excluded files."""
    passed = verdict.conclusion is Conclusion.SUCCESS
    console.print(
        f"[{'bold green' if passed else 'bold red'}]{'PASS' if passed else 'FAIL'}[/] {title(verdict)}"
    )
    measure = verdict.measure
    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("", "added", "deleted", "files"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("counted", f"{measure.added:,}", f"{measure.deleted:,}", f"{len(measure.counted):,}")
    excluded = measure.excluded
    table.add_row(
        "excluded",
        f"{sum(f.additions for f in excluded):,}",
        f"{sum(f.deletions for f in excluded):,}",
        f"{len(excluded):,}",
    )
    console.print(table)
    for finding in verdict.findings:
        where = f"{finding.path}:{finding.line}: " if finding.path and finding.line else ""
        style = _STYLES[finding.severity]
        console.print(
            f"[{style}]{finding.severity.value}[/] {where}{finding.message} [dim]({finding.rule})[/]"
        )
    if verdict.split_plan:
        console.print(f"\nProposed split into {len(verdict.split_plan)} pull requests, in this order:")
        for number, part in enumerate(verdict.split_plan, 1):
            over = " (one file above the limit)" if part.lines > verdict.config.size.max_lines else ""
            files = f"{len(part.paths)} file{'s' * (len(part.paths) != 1)}"
            console.print(f"  {number}. {part.title}  {part.lines:,} lines, {files}{over}")
    for f in excluded:
        console.print(f"[dim]excluded ({f.kind.value}): {f.path} +{f.additions} -{f.deletions}[/]")
    for reason in verdict.snapshot.partial:
        console.print(f"[yellow]partial:[/] {reason}")
