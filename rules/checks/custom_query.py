"""A custom rule's tree-sitter query, checked before it runs: it compiles, it captures `@finding`, and it
uses only predicates that tree-sitter 0.26.1 evaluates.

py-tree-sitter evaluates a fixed set of text predicates and passes every other `#name?` through as a
"general predicate" that nothing reads: the pattern then matches as if the predicate were absent (a
typo such as `#eqq?` finds every call). `#not-any-of?` is also silently true in 0.26.1, and `#is?`,
`#is-not?` and `#set!` are properties for editors, not filters. All of those are refused, with where.
"""

from __future__ import annotations

import re

from tree_sitter import Query, QueryError

from bot.core.checks.queries import compiled

ALLOWED = frozenset(
    {
        "eq?",
        "not-eq?",
        "any-eq?",
        "any-not-eq?",
        "match?",
        "not-match?",
        "any-match?",
        "any-not-match?",
        "any-of?",
    }
)
FINDING = "finding"
# A string (with escapes), a `;` comment, or a predicate's name: `#` only means a predicate outside both.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|;[^\n]*|#([A-Za-z0-9_.-]*[?!]?)')
_POSITION = re.compile(r"^(.*?) at row (\d+)(?:, column (\d+))?(.*)$", re.DOTALL)


def _place(source: str, offset: int) -> str:
    """`line L, column C` (1-based) of `offset` in the query."""
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def query_problem(language: str, source: str) -> str | None:
    """What is wrong with `source` as a custom rule's query for `language`, or None."""
    for token in _TOKEN.finditer(source):
        name = token[1]
        if name is not None and name not in ALLOWED:
            allowed = ", ".join(f"#{p}" for p in sorted(ALLOWED))
            return (
                f"{language} query, {_place(source, token.start())}: the predicate #{name} is not supported "
                f"(tree-sitter 0.26.1 ignores or mishandles it); use one of {allowed}"
            )
    try:
        query = compiled(language, source)
    except QueryError as error:
        return f"{language} query does not compile: {_located(str(error))}"
    if FINDING not in _capture_names(query):
        return f"{language} query captures no @{FINDING}: mark the node to report with @{FINDING}"
    return None


def _located(message: str) -> str:
    """tree-sitter's message with its 0-based row and column as the query's 1-based line and column."""
    found = _POSITION.match(message)
    if found is None:
        return f"{message[:1].lower()}{message[1:]} (at the end of the query)"
    what, row, column, rest = found.groups()
    place = f"line {int(row) + 1}" + (f", column {int(column) + 1}" if column else "")
    return f"{place}: {what[:1].lower()}{what[1:]}{rest}"


def _capture_names(query: Query) -> set[str]:
    return {query.capture_name(i) for i in range(query.capture_count)}
