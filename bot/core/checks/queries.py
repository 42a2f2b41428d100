"""Compiled queries, once per language and source text per process; captures as plain lists."""

from __future__ import annotations

from functools import cache

from tree_sitter import Node, Query, QueryCursor

from bot.core.checks.languages import grammar


@cache
def compiled(language: str, source: str) -> Query:
    """`source` compiled for `language` (cached: compiling a query costs more than running it)."""
    return Query(grammar(language), source)


def captures(language: str, source: str, node: Node) -> dict[str, list[Node]]:
    """What the query captures under `node`, by capture name."""
    return QueryCursor(compiled(language, source)).captures(node)
