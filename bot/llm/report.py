"""The review's own check run (`scopegate / review`), as plain data: conclusion, title, summary and
annotations (issue 13). The gate's check is never held open for a model and never changed by one: this
run is separate, `neutral` whenever the review was skipped or its answer not used, and `failure` only
when the rules file lets the model's errors fail it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.findings import Severity
from bot.core.verdict import Conclusion
from bot.llm.budgets import format_usd
from bot.llm.findings import CheckedReview
from bot.llm.packing import PackedDiff

NAME = "scopegate / review"
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}
_LISTED = 30  # files not shown, listed by name
_TITLE_CHARS = 160
# A check run's summary holds at most 65535 characters (DESIGN §9); 50 findings of 1,000 characters fit.
_SUMMARY_CHARS = 65_000


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the review check reports: `checked` is None when no answer was used, and `reason` says why."""

    model: str
    reason: str
    checked: CheckedReview | None = None
    packed: PackedDiff | None = None
    charged_nano_usd: int = 0
    degraded: str = ""
    reused: bool = False  # the answer is an earlier one on the same diff: no call was made


@dataclass(frozen=True, slots=True)
class ReviewOutput:
    """The check run's completion."""

    conclusion: Conclusion
    title: str
    summary: str
    annotations: tuple[dict[str, Any], ...] = field(default=())


def review_output(facts: ReviewFacts, *, fail_on_error: bool = False) -> ReviewOutput:
    """The review check for `facts`; `fail_on_error` (a rules-file option) lets a model error fail it."""
    cost = format_usd(facts.charged_nano_usd)
    notes = _notes(facts)
    if facts.checked is None:
        summary = "\n".join([f"No LLM review: {facts.reason}.", *notes, "", _ADVISORY])
        return ReviewOutput(Conclusion.NEUTRAL, f"Skipped: {_first_clause(facts.reason)}", summary)
    findings = facts.checked.findings
    failed = fail_on_error and any(f.severity is Severity.ERROR for f in findings)
    counted = f"{len(findings)} finding{'' if len(findings) == 1 else 's'}" if findings else "No findings"
    said = (
        f"Reviewed by {facts.model} earlier, on the same diff: no new call, $0."
        if facts.reused
        else f"Reviewed by {facts.model} for {cost}."
    )
    lines = [said, *notes]
    if findings:
        lines += ["", "| file | line | severity | finding |", "|---|---|---|---|"]
        lines += [f"| `{f.path}` | {f.line} | {f.severity.value} | {_cell(f.message)} |" for f in findings]
    annotations = tuple(
        {
            "path": f.path,
            "start_line": f.line,
            "end_line": f.line,
            "annotation_level": _LEVELS[f.severity],
            "title": f"{facts.model} ({f.severity.value})",
            "message": f.message,
        }
        for f in findings
    )
    return ReviewOutput(
        Conclusion.FAILURE if failed else Conclusion.SUCCESS,
        f"{counted} ({facts.model}, {cost})",
        "\n".join([*lines, "", _ADVISORY])[:_SUMMARY_CHARS],
        annotations,
    )


_ADVISORY = (
    "The review is advisory: the `scopegate` check alone gates the pull request, and nothing the model "
    "says can change it."
)


def _notes(facts: ReviewFacts) -> list[str]:
    """What the reader should know besides the findings: cost, degrading, what the model did not see,
    what was dropped."""
    notes: list[str] = []
    if facts.checked is None and facts.charged_nano_usd:
        notes.append(f"The call was charged {format_usd(facts.charged_nano_usd)}.")
    if facts.degraded:
        notes.append(f"To fit the budget the review used {facts.degraded}.")
    packed = facts.packed
    if packed is not None and packed.unseen:
        notes.append(f"Not shown to the model ({len(packed.unseen)}):")
        notes += [f"- `{u.path}`: {u.reason}" for u in packed.unseen[:_LISTED]]
        if len(packed.unseen) > _LISTED:
            notes.append(f"- and {len(packed.unseen) - _LISTED:,} more")
    if packed is not None and any(packed.stripped.values()):
        stripped = ", ".join(f"{n:,} {s.value}" for s, n in packed.stripped.items() if n)
        notes.append(f"Stripped to fit: {stripped}.")
    checked = facts.checked
    if checked is not None:
        dropped = [
            (checked.not_added, "on lines the pull request did not add"),
            (checked.malformed, "not in the answer's schema"),
            (checked.over_limit, "over the limit of findings"),
        ]
        said = [f"{n} {why}" for n, why in dropped if n]
        if said:
            notes.append(f"Dropped: {'; '.join(said)}.")
    return notes


def _first_clause(reason: str) -> str:
    """The reason up to its first colon or semicolon outside brackets, cut at a word past
    `_TITLE_CHARS`."""
    depth, end = 0, len(reason)
    for index, char in enumerate(reason):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth <= 0 and char in ":;":
            end = index
            break
    clause = reason[:end].strip()
    if len(clause) <= _TITLE_CHARS:
        return clause
    return clause[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")
