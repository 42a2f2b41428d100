"""`duplicate-block`: the same block of added lines twice or more in one pull request, in one file or
across files: code pasted instead of shared, which every later fix must find in each copy."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from pydantic import Field

from bot.core.checks.engine import Hit, findings_in
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Scope, Severity
from bot.core.snapshot import (
    PullRequestSnapshot,
)
from rules.base import Context, Example, Need, Rule, RuleResult
from rules.checks.common import CheckConfig, Level, added, example_pull_request, severity_of

ID = "duplicate-block"
_WORD = re.compile(r"[A-Za-z0-9]")
_COMMENTS = {
    "python": ("#",),
    "javascript": ("//", "/*", "*", "*/"),
    "typescript": ("//", "/*", "*", "*/"),
    "tsx": ("//", "/*", "*", "*/"),
    "go": ("//", "/*", "*", "*/"),
    "java": ("//", "/*", "*", "*/"),
    "rust": ("//", "/*", "*", "*/"),
    "ruby": ("#",),
}
# A line that starts an import: the same imports atop several new files are no pasted code.
_IMPORT_WORDS = ("import", "from", "const", "let", "var")
_IMPORT = re.compile(r"(?:import\b|from\s+\S+\s+import\b|(?:const|let|var)\s+.*=\s*require\()")


class Config(CheckConfig):
    """Blocks of added lines repeated within the pull request."""

    severity: Level = Field("warning", description="error, warning, info or off.")
    min_lines: int = Field(
        6,
        ge=2,
        le=200,
        description="Lines a block must have to count (blank, comment-only, import and punctuation-only "
        "lines not counted).",
    )


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive added lines of one file that count: their numbers, and an id per distinct text."""

    path: str
    numbers: list[int]
    code: list[int]


def _stripped(source: Source) -> tuple[list[int], list[str]]:
    """The file's added line numbers and their text without indentation or trailing space."""
    lines = source.lines
    numbers = sorted(source.added)
    while numbers and numbers[-1] > len(lines):
        numbers.pop()
    return numbers, [lines[n - 1].strip() for n in numbers]


_SKIP, _IMPORT_LINE, _UNIQUE = -1, -2, -3


def _kind(text: str, comments: tuple[str, ...], counts: Mapping[str, int], ids: dict[str, int]) -> int:
    """A stripped line's id when it is code that occurs twice or more in the pull request; else whether
    it is skipped (blank, comment-only, punctuation-only), an import, or code that occurs once."""
    if not text or text.startswith(comments):
        return _SKIP
    if text.startswith(_IMPORT_WORDS) and _IMPORT.match(text):
        return _IMPORT_LINE
    if counts[text] < 2:  # most lines: not read further (one of punctuation alone ends a run too)
        return _UNIQUE
    return ids.setdefault(text, len(ids)) if _WORD.search(text) else _SKIP


def _depth(text: str) -> int:
    return text.count("(") + text.count("{") - text.count(")") - text.count("}")


def _runs(
    source: Source,
    numbers: list[int],
    texts: list[str],
    counts: Mapping[str, int],
    ids: dict[str, int],
    *,
    size: int,
) -> Iterator[_Run]:
    """The file's runs of `size` added lines or more that count and may repeat: consecutive, without blank,
    comment-only, punctuation-only and import lines (a multi-line import to its close). A line of code
    that occurs once in the pull request ends a run (no window holding it can repeat); each distinct
    line is classified once."""
    comments = _COMMENTS.get(source.language or "", ())
    kinds: dict[str, int] = {}
    run, previous, depth = _Run(source.path, [], []), -1, 0
    for number, text in zip(numbers, texts, strict=True):
        if number != previous + 1 or depth < 0:
            depth = 0
            if len(run.code) >= size:
                yield run
                run = _Run(source.path, [], [])
            elif run.code:
                run.numbers.clear()
                run.code.clear()
        previous = number
        if depth > 0:  # inside a multi-line import
            depth = max(0, depth + _depth(text))
            continue
        kind = kinds.get(text)
        if kind is None:
            kind = kinds[text] = _kind(text, comments, counts, ids)
        if kind >= 0:
            run.numbers.append(number)
            run.code.append(kind)
        elif kind == _UNIQUE:
            depth = -1  # ends the run
        elif kind == _IMPORT_LINE:
            depth = max(0, _depth(text))
    if len(run.code) >= size:
        yield run


def duplicates(sources: Iterable[Source], size: int) -> dict[str, list[Hit]]:
    """The repeated blocks of at least `size` counted lines, by path: one hit on each copy after the
    first (in path and line order), naming the first."""
    ordered = sorted(sources, key=lambda s: s.path)
    stripped = [_stripped(s) for s in ordered]
    counts = Counter(text for _, texts in stripped for text in texts)
    ids: dict[str, int] = {}
    runs = [
        run
        for s, (numbers, texts) in zip(ordered, stripped, strict=True)
        for run in _runs(s, numbers, texts, counts, ids, size=size)
    ]
    first: dict[tuple[int, ...], tuple[int, int]] = {}  # a window's first place: (run, start)
    repeats: dict[int, dict[int, tuple[int, int]]] = {}
    for r, run in enumerate(runs):
        code = run.code
        i, last = 0, len(code) - size
        while i <= last:
            seen = first.setdefault(tuple(code[i : i + size]), (r, i))
            if seen[0] == r and i - seen[1] < size:  # the first, or overlapping it
                i += 1
                continue
            # A copy: the windows after it that continue the same earlier copy line by line are
            # compared by their last line alone (their earliest place is in `first` already).
            marked, other, shift = repeats.setdefault(r, {}), runs[seen[0]].code, seen[1] - i
            marked[i] = seen
            stop = min(last, len(other) - shift - size)
            while i < stop and code[i + size] == other[i + shift + size]:
                i += 1
                marked[i] = (seen[0], i + shift)
            i += 1
    texts = list(ids)
    found: dict[str, list[Hit]] = {}
    for r, marked in repeats.items():
        run = runs[r]
        for start, end in _spans(sorted(marked)):
            copied, at = runs[marked[start][0]], marked[start][1]
            where = "above" if copied.path == run.path else f"in `{copied.path}`"
            lines = end - start + size
            message = (
                f"these {lines} lines repeat lines {copied.numbers[at]}-"
                f"{copied.numbers[min(at + lines, len(copied.numbers)) - 1]} {where}, added in this pull "
                "request too: share one copy"
            )
            text = "\n".join(texts[c] for c in run.code[start : start + size])
            found.setdefault(run.path, []).append(
                Hit(run.numbers[start], run.numbers[end + size - 1], 0, message, text, Severity.WARNING)
            )
    return found


def _spans(indexes: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive window indexes as (first, last) spans."""
    start = previous = indexes[0]
    for index in indexes[1:]:
        if index != previous + 1:
            yield start, previous
            start = index
        previous = index
    yield start, previous


def _counted(sources: Iterable[Source]) -> list[Source]:
    """The changed files whose added lines count: source files a grammar reads (tests repeat their
    arrangements on purpose; data, docs and configuration repeat by nature)."""
    return [s for s in sources if s.kind is Kind.SOURCE and s.language is not None and s.added]


def evaluate(context: Context, config: Config) -> RuleResult:
    """The repeated blocks of the pull request's added lines."""
    severity = severity_of(config)
    if severity is None:
        return RuleResult()
    counted = _counted(context.sources)
    found = duplicates(counted, config.min_lines)
    if not found:
        return RuleResult()

    def find(source: Source) -> Iterator[Hit]:
        for h in found.get(source.path, ()):
            yield Hit(h.line, h.end_line, h.column, h.message, h.text, severity)

    return RuleResult(findings_in(ID, Scope.ADDED, find, (s for s in counted if s.path in found)))


def pull_request(files: Mapping[str, str], rules: str | None = None) -> PullRequestSnapshot:
    """A pull request adding each file of `files` (path → text), under the rules file `rules`."""
    return example_pull_request((added(path, text) for path, text in files.items()), rules)


_BLOCK = """\
def total(order):
    amount = 0
    for item in order.items:
        if item.taxable:
            amount += item.price * (1 + order.tax_rate)
        else:
            amount += item.price
    return round(amount, 2)
"""
_JS_BLOCK = """\
export function total(order) {
  let amount = 0;
  for (const item of order.items) {
    if (item.taxable) {
      amount += item.price * (1 + order.taxRate);
    } else {
      amount += item.price;
    }
  }
  return Math.round(amount * 100) / 100;
}
"""
_STRICT = f"checks:\n  {ID}:\n    severity: error\n"
RULE: Rule[Config] = Rule(
    id=ID,
    summary="The same block of added lines twice or more in the pull request, in one file or across files.",
    help="""\
A block pasted instead of shared: every later fix must find each copy. The pull request's added lines
are compared as added, file by file in runs of consecutive added lines, each line without its
indentation and trailing space (a re-indented copy is the same block); blank lines, comment-only
lines, lines of punctuation alone (`});`) and imports (the same imports atop several new files are no
pasted code) are not counted and do not break a block. A block of `min_lines` (6) counted lines or
more that appears twice or more — in one file without overlapping itself, or in several — is reported
on each copy after the first (files in path order), once per maximal block, naming the first copy's
lines. Only lines this pull request adds are compared: a block that copies code already on the base
branch is not found (the rule reads no file beyond the diff). Identifiers are compared as written, so
a copy with a variable renamed is a different block. Source files a grammar reads (Python,
JavaScript, TypeScript, Go) count; tests (which repeat their arrangements on purpose), docs, data and
configuration do not. Severity `warning`.""",
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("one copy passes", pull_request({"shop/cart.py": _BLOCK}), True),
        Example(
            "a block and its variant pass",
            pull_request({"shop/cart.py": _BLOCK, "shop/quote.py": _BLOCK.replace("price", "list_price")}),
            True,
        ),
        Example(
            "the same imports atop two files pass",
            pull_request(
                {"web/a.ts": "import { a } from './a';\n" * 7, "web/b.ts": "import { a } from './a';\n" * 7}
            ),
            True,
        ),
        Example(
            "the same function twice in one file fails",
            pull_request({"web/cart.js": _JS_BLOCK + "\n" + _JS_BLOCK.replace("total", "quote", 1)}, _STRICT),
            False,
        ),
        Example(
            "the same block in two files fails",
            pull_request({"shop/cart.py": _BLOCK, "shop/quote.py": _BLOCK}, _STRICT),
            False,
        ),
    ),
    section=f"checks.{ID}",
    needs=frozenset({Need.HEAD_TEXT, Need.HUNKS}),
)
