"""The verdict as Markdown: exactly what the App posts as check-run summary and comment."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.core.findings import Finding, Severity
from bot.core.sections import Block, Cell, Code, Items, Table, cell_text
from bot.core.verdict import Conclusion, Verdict

# Check-run `output.summary` and issue comments both stop at 65535 characters:
# https://docs.github.com/en/rest/checks/runs#create-a-check-run
GITHUB_TEXT_LIMIT = 65535
ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}  # noqa: RUF001
# Long lists are shortened step by step until the text fits: all, 100, 20, none of their entries.
_LIST_LIMITS = (None, 100, 20, 0)


def title(verdict: Verdict) -> str:
    """One line for the check-run title and the top of the comment: the rules' headlines and the outcome."""
    headline = "; ".join(s.headline for s in verdict.sections if s.headline) or "scopegate"
    errors = sum(f.severity is Severity.ERROR for f in verdict.findings)
    override = verdict.override
    if override and override.accepted and errors:
        return f"{headline}: overridden by @{override.login}"
    if verdict.conclusion is Conclusion.SUCCESS:
        return f"{headline}: within limits"
    return f"{headline}: {errors} blocking finding{'s' * (errors != 1)}"


def to_markdown(verdict: Verdict, max_chars: int = GITHUB_TEXT_LIMIT) -> str:
    """Render the verdict, shortening long lists (then cutting) to stay within `max_chars`."""
    for limit in _LIST_LIMITS:
        text = "\n".join(_document(verdict, limit))
        if len(text) <= max_chars:
            return text
    note = "\n\n… (cut to fit GitHub's size limit)"
    return text[: max_chars - len(note)] + note


def _document(verdict: Verdict, limit: int | None) -> Iterator[str]:
    icon = "✅" if verdict.conclusion is Conclusion.SUCCESS else "❌"
    yield f"### {icon} scopegate: {title(verdict)}\n"
    override = verdict.override
    if override:
        reason = f": {override.reason}" if override.reason else ""
        state = "Overridden" if override.accepted else "Override refused"
        yield f"> **{state}** by @{override.login} ({override.via}) at {override.at}{reason}\n"
    if verdict.findings:
        yield "**Findings**\n"
        yield from (_finding(f) for f in verdict.findings)
        yield ""
    for section in verdict.sections:
        for block in section.blocks:
            yield from _block(block, limit)
    for reason in verdict.partial:
        yield f"> **Partial result:** {reason}\n"


def _finding(finding: Finding) -> str:
    where = f" `{finding.path}:{finding.line}`" if finding.path and finding.line else ""
    return f"- {ICONS[finding.severity]} **{finding.rule}**{where} {finding.message}"


def _block(block: Block, limit: int | None) -> Iterator[str]:
    if isinstance(block, Table):
        yield from _table(block, limit)
    else:
        yield from _items(block, limit)


def _table(table: Table, limit: int | None) -> Iterator[str]:
    # Only a titled (collapsible) table is shortened: an untitled one is a summary of a few rows.
    rows = table.rows if limit is None or not table.title else table.rows[:limit]
    numeric = [
        bool(table.rows) and all(isinstance(r[i], int) for r in table.rows) for i in range(len(table.columns))
    ]
    if table.title:
        yield f"<details><summary>{table.title}</summary>\n"
    yield "| " + " | ".join(table.columns) + " |"
    yield "|" + "|".join("---:" if n else "---" for n in numeric) + "|"
    yield from ("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    yield from _more(len(table.rows), len(rows))
    yield "\n</details>\n" if table.title else ""


def _items(block: Items, limit: int | None) -> Iterator[str]:
    yield f"**{block.intro}**\n"
    for number, item in enumerate(block.items, 1):
        yield f"{number}. `{item.title}`: {item.detail}"
        shown: Sequence[str] = item.members if limit is None else item.members[:limit]
        if shown:
            yield "   <details><summary>files</summary>\n"
            yield from (f"   - `{member}`" for member in shown)
            yield from (f"   {line}" for line in _more(len(item.members), len(shown)))
            yield "\n   </details>"
    yield ""


def _cell(cell: Cell) -> str:
    return f"`{cell.text}`" if isinstance(cell, Code) else cell_text(cell)


def _more(total: int, shown: int) -> Iterator[str]:
    if total > shown:
        yield f"- … and {total - shown:,} more"
