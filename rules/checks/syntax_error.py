"""`syntax-error`: the grammar cannot read an added line."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "syntax-error"


class Config(CheckConfig):
    """Syntax errors on added lines fail the gate by default."""

    severity: Level = Field("error", description="error, warning, info or off.")


def _errors(node: Node) -> Iterator[Node]:
    """The innermost ERROR and MISSING nodes below `node` (only subtrees that have one are walked)."""
    for child in node.children:
        if child.is_missing or (child.is_error and not any(c.has_error for c in child.children)):
            yield child
        elif child.has_error:
            yield from _errors(child)


def finder(config: CheckConfig) -> Finder:
    """Hits on each syntax error of a parsed file."""
    severity = severity_of(config) or Severity.ERROR

    def find(source: Source) -> Iterator[Hit]:
        tree = source.tree
        if tree is None or not tree.root_node.has_error:
            return
        for node in _errors(tree.root_node):
            what = f"missing `{node.type}`" if node.is_missing else "unexpected text"
            yield hit(node, f"syntax error: {what} ({source.language} grammar)", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Added lines the language's grammar cannot read.",
    help="""\
Each changed Python, JavaScript, TypeScript/TSX or Go file is parsed with its official tree-sitter
grammar; an ERROR or MISSING node that starts on an added line is a syntax error the pull request
introduced. Errors on lines it did not add are not its own and never fail the gate.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [("valid Python passes", "app.py", "def f(x):\n    return x\n")],
        [("an unclosed call fails", "app.py", "def f(x):\n    return g(x\n")],
    ),
)
