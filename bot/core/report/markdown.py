"""The verdict as Markdown: exactly what the App posts as check-run summary and comment."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.core.findings import Finding, Severity
from bot.core.verdict import Conclusion, Verdict

# Check-run `output.summary` and issue comments both stop at 65535 characters:
# https://docs.github.com/en/rest/checks/runs#create-a-check-run
GITHUB_TEXT_LIMIT = 65535
ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}  # noqa: RUF001
_LIST_LIMITS = (None, 100, 20, 0)


def title(verdict: Verdict) -> str:
    """One line for the check-run title and the top of the comment."""
    lines = verdict.measure.effective_lines
    label = next((label for label in verdict.labels if label.startswith("size/")), "")
    errors = sum(f.severity is Severity.ERROR for f in verdict.findings)
    override = verdict.snapshot.override
    if override and override.accepted and errors:
        return f"{lines:,} effective lines ({label}): overridden by @{override.login}"
    if verdict.conclusion is Conclusion.SUCCESS:
        return f"{lines:,} effective lines ({label}): within limits"
    return f"{lines:,} effective lines ({label}): {errors} blocking finding{'s' * (errors != 1)}"


def to_markdown(verdict: Verdict, max_chars: int = GITHUB_TEXT_LIMIT) -> str:
    """Render the verdict, shortening file lists (then cutting) to stay within `max_chars`."""
    for limit in _LIST_LIMITS:
        text = "\n".join(_sections(verdict, limit))
        if len(text) <= max_chars:
            return text
    note = "\n\n… (cut to fit GitHub's size limit)"
    return text[: max_chars - len(note)] + note


def _sections(verdict: Verdict, limit: int | None) -> Iterator[str]:
    icon = "✅" if verdict.conclusion is Conclusion.SUCCESS else "❌"
    yield f"### {icon} scopegate: {title(verdict)}\n"
    override = verdict.snapshot.override
    if override:
        reason = f": {override.reason}" if override.reason else ""
        state = "Overridden" if override.accepted else "Override refused"
        yield f"> **{state}** by @{override.login} ({override.via}) at {override.at}{reason}\n"
    measure = verdict.measure
    yield "| | added | deleted | files |"
    yield "|---|---:|---:|---:|"
    yield f"| counted | {measure.added:,} | {measure.deleted:,} | {len(measure.counted):,} |"
    excluded = measure.excluded
    ex_added, ex_deleted = sum(f.additions for f in excluded), sum(f.deletions for f in excluded)
    yield f"| excluded | {ex_added:,} | {ex_deleted:,} | {len(excluded):,} |\n"
    if verdict.findings:
        yield "**Findings**\n"
        yield from (_finding(f) for f in verdict.findings)
        yield ""
    if verdict.split_plan:
        yield from _split_plan(verdict, limit)
    if excluded:
        yield f"<details><summary>Excluded from the size ({len(excluded):,} files)</summary>\n"
        yield "| file | reason | added | deleted |"
        yield "|---|---|---:|---:|"
        shown = excluded if limit is None else excluded[:limit]
        yield from (f"| `{f.path}` | {f.kind.value} | {f.additions:,} | {f.deletions:,} |" for f in shown)
        yield from _more(len(excluded), len(shown))
        yield "\n</details>\n"
    for reason in verdict.snapshot.partial:
        yield f"> **Partial result:** {reason}\n"


def _finding(finding: Finding) -> str:
    where = f" `{finding.path}:{finding.line}`" if finding.path and finding.line else ""
    return f"- {ICONS[finding.severity]} **{finding.rule}**{where} {finding.message}"


def _split_plan(verdict: Verdict, limit: int | None) -> Iterator[str]:
    cap = verdict.config.size.max_lines
    yield f"**Proposed split** — {len(verdict.split_plan)} pull requests of at most {cap:,} lines each, "
    yield "grouped by area with tests beside the code they test; each can merge on its own, in this order:\n"
    for number, part in enumerate(verdict.split_plan, 1):
        files = f"{len(part.paths)} file{'s' * (len(part.paths) != 1)}"
        over = " (one file above the limit on its own)" if part.lines > cap else ""
        yield f"{number}. `{part.title}`: {part.lines:,} lines, {files}{over}"
        shown: Sequence[str] = part.paths if limit is None else part.paths[:limit]
        if shown:
            yield "   <details><summary>files</summary>\n"
            yield from (f"   - `{path}`" for path in shown)
            yield from (f"   {line}" for line in _more(len(part.paths), len(shown)))
            yield "\n   </details>"
    yield ""


def _more(total: int, shown: int) -> Iterator[str]:
    if total > shown:
        yield f"- … and {total - shown:,} more"
