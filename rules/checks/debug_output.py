"""`debug-output`: leftover print calls and debugger statements in added code."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Severity
from rules.checks.candidates import captures_around, positions
from rules.checks.common import CheckConfig, check_rule, examples, hit, severity_of

ID = "debug-output"
PRINTS = """
((call function: (identifier) @fn (#any-of? @fn "print" "pprint")) @print)
((call function: (identifier) @fn (#eq? @fn "breakpoint")) @debugger)
((call function: (attribute object: (identifier) @o attribute: (identifier) @a)
  (#any-of? @o "pdb" "ipdb" "pudb") (#eq? @a "set_trace")) @debugger)
"""
JS = """
(debugger_statement) @debugger
((call_expression function: (member_expression object: (identifier) @o property: (property_identifier) @p)
  (#eq? @o "console") (#any-of? @p "log" "debug" "trace" "dir" "table")) @print)
"""
GO = """((call_expression function: (identifier) @fn (#any-of? @fn "println" "print")) @print)"""
QUERIES = {"python": PRINTS, "javascript": JS, "typescript": JS, "tsx": JS, "go": GO}
# The queries run only around these words, on the construct each sits at the top of: a whole-tree query
# cost a third of a parse, and most files print nothing.
_JS_MARKERS, _JS_ANCHORS = (b"debugger", b"console"), frozenset({"call_expression", "debugger_statement"})
MARKERS = {
    "python": (b"print", b"breakpoint", b"set_trace"),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"print",),
}
ANCHORS = {
    "python": frozenset({"call"}),
    "javascript": _JS_ANCHORS,
    "typescript": _JS_ANCHORS,
    "tsx": _JS_ANCHORS,
    "go": frozenset({"call_expression"}),
}


def _in_main_block(node: Node) -> bool:
    """Whether `node` sits under `if __name__ == "__main__":` (a script's own output)."""
    parent = node.parent
    while parent is not None:
        condition = parent.child_by_field_name("condition")
        if parent.type == "if_statement" and condition is not None and b"__main__" in (condition.text or b""):
            return True
        parent = parent.parent
    return False


def _is_script(source: Source) -> bool:
    """A file whose output is its purpose: `__main__.py`, a test, a script or command folder."""
    parts = source.path.split("/")
    return (
        parts[-1] == "__main__.py"
        or source.kind is Kind.TEST
        or not {"scripts", "bin", "cmd", "examples", "benchmarks"}.isdisjoint(parts[:-1])
    )


def finder(config: CheckConfig) -> Finder:
    """Hits on prints outside scripts and on every debugger statement."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        offsets = positions(source.text, MARKERS[language])
        found = captures_around(source, QUERIES[language], offsets, ANCHORS[language])
        for node in found.get("debugger", ()):
            yield hit(node, "debugger statement left in", severity)
        if _is_script(source) or (language == "go" and b"package main" in source.text[:4096]):
            return
        for node in found.get("print", ()):
            if language == "python" and _in_main_block(node):
                continue
            yield hit(node, "debug output left in; use logging", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Leftover print / console.log calls and debugger statements in added code.",
    help=f"""\
`print()` and `pdb.set_trace()`/`breakpoint()` in Python, `console.log` and `debugger` in JavaScript and
TypeScript, `println` in Go, on added lines. Output is a script's purpose: prints under
`if __name__ == "__main__":`, in `__main__.py`, in tests and in `scripts/`, `bin/`, `cmd/` folders, and
in Go's `package main`, are left alone; debugger statements never are. Languages: {", ".join(QUERIES)}.""",
    config=CheckConfig,
    finder=finder,
    examples=examples(
        ID,
        [
            ("print in a __main__ block passes", "tool.py", 'if __name__ == "__main__":\n    print(1)\n'),
            ("logging passes", "lib.js", "logger.info(x);\n"),
        ],
        [
            ("print in library code fails", "lib.py", "def f(x):\n    print(x)\n"),
            ("debugger fails", "lib.ts", "function f() {\n  debugger;\n}\n"),
        ],
    ),
)
