"""The verdict for a person at a terminal or reading a CI log (rich).

Everything dynamic is a `rich.text.Text`, never markup: a path such as `[/]` or `[bold]` is shown as it
is, and its control characters (ESC would drive the terminal) as escapes.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from bot.core.findings import Severity
from bot.core.report.markdown import title
from bot.core.sections import Block, Table, cell_text, visible
from bot.core.verdict import Conclusion, Verdict

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
# Not a terminal (a CI log, a pipe): lines as long as their content, as `git` and `grep` write them.
LOG_WIDTH = 1_000_000


def console_for(stream: TextIO) -> Console:
    """A console writing to `stream`: at a terminal, its width; elsewhere no wrapping at 80 columns (rich's
    default off a terminal). Colour codes only at a terminal or where `FORCE_COLOR` asks (rich decides)."""
    if stream.isatty():
        return Console(file=stream, highlight=False, emoji=False)
    return Console(file=stream, highlight=False, emoji=False, soft_wrap=True, width=LOG_WIDTH)


def print_verdict(verdict: Verdict, console: Console) -> None:
    """Headline, findings, each rule's section, and what is partial."""
    passed = verdict.conclusion is Conclusion.SUCCESS
    verdict_style, word = ("bold green", "PASS") if passed else ("bold red", "FAIL")
    console.print(Text.assemble((word, verdict_style), " ", _plain(title(verdict))))
    override = verdict.override
    if override:
        state = "overridden" if override.accepted else "override refused"
        reason = f": {override.reason}" if override.reason else ""
        console.print(_plain(f"{state} by @{override.login} ({override.via}) at {override.at}{reason}"))
    for finding in verdict.findings:
        where = f"{finding.path}:{finding.line}: " if finding.path and finding.line else ""
        severity = (finding.severity.value, _STYLES[finding.severity])
        rule = (f"({visible(finding.rule)})", "dim")
        console.print(Text.assemble(severity, " ", _plain(f"{where}{finding.message}"), " ", rule))
    for section in verdict.sections:
        for block in section.blocks:
            _block(block, console)
    for reason in verdict.partial:
        console.print(Text.assemble(("partial:", "yellow"), " ", _plain(reason)))


def _block(block: Block, console: Console) -> None:
    if isinstance(block, Table) and not block.title:
        table = RichTable(box=None, show_header=True, pad_edge=False)
        for index, column in enumerate(block.columns):
            table.add_column(_plain(column), justify="right" if index else "left")
        for row in block.rows:
            table.add_row(*(_plain(cell_text(c)) for c in row))
        console.print(table)
    elif isinstance(block, Table):
        console.print(Text.assemble("\n", _plain(block.title), ":"))
        for row in block.rows:
            console.print(Text("  " + "  ".join(visible(cell_text(c)) for c in row), style="dim"))
    else:
        console.print(Text.assemble("\n", _plain(block.intro)))
        for number, item in enumerate(block.items, 1):
            console.print(_plain(f"  {number}. {item.title}  {item.detail}"))
            for member in item.members:
                console.print(_plain(f"       {member}"), style="dim")


def _plain(value: str) -> Text:
    """`value` as literal text: no markup, no emoji codes, control characters escaped."""
    return Text(visible(value))
