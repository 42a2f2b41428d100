"""The verdict as Markdown: exactly what the App posts as check-run summary and comment.

Everything that comes from a repository or a person (paths, titles, messages, reasons) is either a code
span that nothing can break out of or text whose Markdown, HTML and mentions are escaped, so a hostile
file name can neither change the layout, close a `<details>`, hide text in an HTML comment, nor ping
anyone. Control characters are shown as escapes (`bot.core.sections.visible`).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from bot.core.findings import Finding, Severity
from bot.core.sections import Block, Cell, Code, Items, Table, cell_text, visible
from bot.core.verdict import Conclusion, Verdict

# GitHub documents 65,535 *characters* for a check run's `output.summary`
# (https://docs.github.com/en/rest/checks/runs#create-a-check-run) but rejects a longer body in UTF-8
# *bytes*: a 3,000-file refactor of 65,545 bytes (fewer characters) was answered 422. Budget in bytes.
SUMMARY_LIMIT = 65535
ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}  # noqa: RUF001
# Long lists are shortened step by step until the text fits: all, 100, 20, 5, none of their entries.
_LIST_LIMITS = (None, 100, 20, 5, 0)
# A single value (a path, a message) is shown up to this many characters, its middle elided, so that no
# one line can take the whole budget; the JSON contract keeps it whole.
VALUE_CHARS = 500
_CUT_NOTE = "… (cut to fit GitHub's size limit)"
# A word joiner (U+2060) after `@` or before a digit after `#` keeps the text as it reads but stops GitHub
# from linking it: no `@user`/`@org/team` is notified, no `#123` gets a cross-reference.
_JOINER = "\u2060"
_REFERENCE = re.compile(r"@|#(?=\d)")
# Markdown punctuation that could start emphasis, a link, code, a table cell, strikethrough or math.
# `_` between two letters or digits is left alone: it never opens emphasis there (CommonMark 6.2), and
# `max_lines` stays readable in the source.
_MARKDOWN = re.compile(r"[\\`*\[\]|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")


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


def to_markdown(verdict: Verdict, max_bytes: int = SUMMARY_LIMIT) -> str:
    """Render the verdict, shortening long lists (then cutting whole lines) to stay within `max_bytes` of
    UTF-8; a cut closes the `<details>` it leaves open."""
    for limit in _LIST_LIMITS:
        text = "\n".join(_document(verdict, limit))
        if _size(text) <= max_bytes:
            return text
    return _cut(text, max_bytes)


def code(text: str, in_table: bool = False) -> str:
    """`text` as one inline code span that nothing inside can close: its fence is one backtick longer than
    the longest run in it (CommonMark 6.1). In a table, `|` is escaped even inside code (GFM 4.10)."""
    shown = visible(_clip(text)) or " "
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    # The parser strips one space from each end when both ends have one; pad when the text starts or
    # ends with a backtick (it would join the fence) or with spaces at both ends (they would be lost).
    if shown[0] == "`" or shown[-1] == "`" or (shown[0] == shown[-1] == " " and shown.strip(" ")):
        shown = f" {shown} "
    if in_table:
        shown = shown.replace("|", "\\|")
    return f"{fence}{shown}{fence}"


def text(value: str, mentions: bool = False) -> str:
    """`value` as inline text shown as it reads: Markdown punctuation backslash-escaped, `<`, `>` and `&`
    as entities, and, unless `mentions`, `@name` and `#123` kept from linking."""
    escaped = _MARKDOWN.sub(lambda m: "\\" + m[0], html.escape(visible(_clip(value)), quote=False))
    return escaped if mentions else _REFERENCE.sub(lambda m: m[0] + _JOINER, escaped)


def _html(value: str) -> str:
    """`value` inside an HTML block (`<summary>`), where Markdown is not read: entities and no links."""
    return _REFERENCE.sub(lambda m: m[0] + _JOINER, html.escape(visible(_clip(value)), quote=False))


def _clip(value: str) -> str:
    if len(value) <= VALUE_CHARS:
        return value
    half = VALUE_CHARS // 2
    return f"{value[:half]}…{value[-half:]}"


def _size(markdown: str) -> int:
    return len(markdown.encode())


def _cut(markdown: str, max_bytes: int) -> str:
    """Whole lines while they fit, then the `</details>` still open (at their indentation) and a note
    saying it was cut. Code spans never span lines, so a cut between lines leaves none open."""
    kept: list[str] = []
    used = -1  # n lines take n - 1 newlines
    open_at: list[str] = []  # the indentation of each `<details>` still open
    for line in markdown.split("\n"):
        after = _details_after(open_at, line)
        if used + 1 + _size(line) + _size(_tail(after)) > max_bytes:
            break
        kept.append(line)
        used += 1 + _size(line)
        open_at = after
    return "\n".join(kept) + _tail(open_at)


def _details_after(open_at: list[str], line: str) -> list[str]:
    """The `<details>` open after `line`. Ours are the lines that start with the tag: a path's `<details>`
    is inside a code span or an entity, never at the start of a line."""
    bare = line.lstrip(" ")
    if bare.startswith("<details>"):
        return [*open_at, line[: len(line) - len(bare)]]
    return open_at[:-1] if bare == "</details>" else open_at


def _tail(open_at: Sequence[str]) -> str:
    return "".join(f"\n\n{indent}</details>" for indent in reversed(open_at)) + f"\n\n{_CUT_NOTE}"


def _document(verdict: Verdict, limit: int | None) -> Iterator[str]:
    icon = "✅" if verdict.conclusion is Conclusion.SUCCESS else "❌"
    yield f"### {icon} scopegate: {text(title(verdict))}\n"
    override = verdict.override
    if override:
        # The login is GitHub's own (letters, digits, hyphens): the one person named on purpose. The reason
        # is what that person typed in their comment: escaped, its mentions left as they wrote them.
        reason = f": {text(override.reason, mentions=True)}" if override.reason else ""
        state = "Overridden" if override.accepted else "Override refused"
        via, at = text(override.via), text(override.at)
        yield f"> **{state}** by @{text(override.login, mentions=True)} ({via}) at {at}{reason}\n"
    if verdict.findings:
        yield "**Findings**\n"
        yield from _by_rule(verdict.findings)
        shown = verdict.findings if limit is None else verdict.findings[:limit]
        yield from (_finding(f) for f in shown)
        yield from _more(len(verdict.findings), len(shown))
        yield ""
    for section in verdict.sections:
        for block in section.blocks:
            yield from _block(block, limit)
    for reason in verdict.partial:
        yield f"> **Partial result:** {text(reason)}\n"


def _by_rule(findings: Sequence[Finding]) -> Iterator[str]:
    """One row per rule and severity, errors first, then in the order the rules ran: the count stays
    readable when the list below is shortened (the annotations carry every located finding)."""
    counts = Counter((f.rule, f.severity) for f in findings)
    order = {s: i for i, s in enumerate(Severity)}
    yield "| rule | severity | findings |"
    yield "|---|---|---:|"
    for (rule, severity), count in sorted(counts.items(), key=lambda item: order[item[0][1]]):
        yield f"| {code(rule, in_table=True)} | {ICONS[severity]} {severity.value} | {count:,} |"
    yield ""


def _finding(finding: Finding) -> str:
    where = f" {code(f'{finding.path}:{finding.line}')}" if finding.path and finding.line else ""
    return f"- {ICONS[finding.severity]} **{text(finding.rule)}**{where} {text(finding.message)}"


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
        yield f"<details><summary>{_html(table.title)}</summary>\n"
    yield "| " + " | ".join(text(c) for c in table.columns) + " |"
    yield "|" + "|".join("---:" if n else "---" for n in numeric) + "|"
    yield from ("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    yield from _more(len(table.rows), len(rows))
    yield "\n</details>\n" if table.title else ""


def _items(block: Items, limit: int | None) -> Iterator[str]:
    yield f"**{text(block.intro)}**\n"
    for number, item in enumerate(block.items, 1):
        yield f"{number}. {code(item.title)}: {text(item.detail)}"
        shown: Sequence[str] = item.members if limit is None else item.members[:limit]
        if shown:
            yield "   <details><summary>files</summary>\n"
            yield from (f"   - {code(member)}" for member in shown)
            yield from (f"   {line}" for line in _more(len(item.members), len(shown)))
            yield "\n   </details>"
    yield ""


def _cell(cell: Cell) -> str:
    return code(cell.text, in_table=True) if isinstance(cell, Code) else text(cell_text(cell))


def _more(total: int, shown: int) -> Iterator[str]:
    if total > shown:
        yield f"- … and {total - shown:,} more"
