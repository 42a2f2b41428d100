"""The verdict for a person at a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bot.core.findings import Severity
from bot.core.report.markdown import title
from bot.core.sections import Block, Table, cell_text
from bot.core.verdict import Conclusion, Verdict

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_verdict(verdict: Verdict, console: Console) -> None:
    """Headline, findings, each rule's section, and what is partial."""
    passed = verdict.conclusion is Conclusion.SUCCESS
    verdict_style, word = ("bold green", "PASS") if passed else ("bold red", "FAIL")
    console.print(f"[{verdict_style}]{word}[/] {escape(title(verdict))}")
    override = verdict.override
    if override:
        state = "overridden" if override.accepted else "override refused"
        reason = f": {override.reason}" if override.reason else ""
        console.print(escape(f"{state} by @{override.login} ({override.via}) at {override.at}{reason}"))
    for finding in verdict.findings:
        where = f"{finding.path}:{finding.line}: " if finding.path and finding.line else ""
        style = _STYLES[finding.severity]
        text = escape(f"{where}{finding.message}")
        console.print(f"[{style}]{finding.severity.value}[/] {text} [dim]({escape(finding.rule)})[/]")
    for section in verdict.sections:
        for block in section.blocks:
            _block(block, console)
    for reason in verdict.partial:
        console.print(f"[yellow]partial:[/] {escape(reason)}")


def _block(block: Block, console: Console) -> None:
    if isinstance(block, Table) and not block.title:
        table = RichTable(box=None, show_header=True, pad_edge=False)
        for index, column in enumerate(block.columns):
            table.add_column(column, justify="right" if index else "left")
        for row in block.rows:
            table.add_row(*(escape(cell_text(c)) for c in row))
        console.print(table)
    elif isinstance(block, Table):
        console.print(f"\n{escape(block.title)}:")
        for row in block.rows:
            console.print(f"[dim]  {escape('  '.join(cell_text(c) for c in row))}[/]")
    else:
        console.print(f"\n{escape(block.intro)}")
        for number, item in enumerate(block.items, 1):
            console.print(f"  {number}. {escape(item.title)}  {escape(item.detail)}")
