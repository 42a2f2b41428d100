"""`function-metrics`: functions the pull request makes too long, too branchy or too deeply nested, with a
ratchet: a function already over a limit at the base counts only when the pull request makes it worse."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import Field
from tree_sitter import Node, QueryCursor

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.queries import compiled
from bot.core.checks.source import Source, parse
from bot.core.findings import Scope, Severity
from rules.base import Need
from rules.checks.common import CheckConfig, Level, check_rule, examples, severity_of

ID = "function-metrics"
_JS_FUNCTIONS = """[(function_declaration) (function_expression) (arrow_function) (method_definition)
 (generator_function_declaration) (generator_function)] @function"""
_JS_BODY = """
[(if_statement) (for_statement) (for_in_statement) (while_statement) (do_statement) (catch_clause)
 (ternary_expression) (switch_case) (binary_expression operator: ["&&" "||" "??"])] @branch
[(if_statement) (for_statement) (for_in_statement) (while_statement) (do_statement) (try_statement)
 (switch_statement)] @nest
"""
FUNCTIONS = {
    "python": "(function_definition) @function",
    "javascript": _JS_FUNCTIONS,
    "typescript": _JS_FUNCTIONS,
    "tsx": _JS_FUNCTIONS,
    "go": "[(function_declaration) (method_declaration) (func_literal)] @function",
    "java": "[(method_declaration) (constructor_declaration) (lambda_expression)] @function",
    "rust": "[(function_item) (closure_expression)] @function",
    "ruby": "[(method) (singleton_method)] @function",
}
# Decision points (each adds a path: cyclomatic complexity is one more than their count) and the
# statements that nest.
BODIES = {
    "python": """
[(if_statement) (elif_clause) (for_statement) (while_statement) (except_clause) (conditional_expression)
 (boolean_operator) (case_clause) (for_in_clause) (if_clause)] @branch
[(if_statement) (for_statement) (while_statement) (try_statement) (with_statement) (match_statement)] @nest
""",
    "javascript": _JS_BODY,
    "typescript": _JS_BODY,
    "tsx": _JS_BODY,
    "go": """
[(if_statement) (for_statement) (expression_case) (type_case) (communication_case)
 (binary_expression operator: ["&&" "||"])] @branch
[(if_statement) (for_statement) (expression_switch_statement) (type_switch_statement)
 (select_statement)] @nest
""",
    "java": """
[(if_statement) (for_statement) (enhanced_for_statement) (while_statement) (do_statement) (catch_clause)
 (ternary_expression) (switch_label) (binary_expression operator: ["&&" "||"])] @branch
[(if_statement) (for_statement) (enhanced_for_statement) (while_statement) (do_statement) (try_statement)
 (switch_expression)] @nest
""",
    "rust": """
[(if_expression) (for_expression) (while_expression) (loop_expression) (match_arm)
 (binary_expression operator: ["&&" "||"])] @branch
[(if_expression) (for_expression) (while_expression) (loop_expression) (match_expression)] @nest
""",
    "ruby": """
[(if) (elsif) (unless) (while) (until) (for) (when) (rescue) (conditional) (if_modifier) (unless_modifier)
 (while_modifier) (until_modifier) (binary operator: ["&&" "||" "and" "or"])] @branch
[(if) (unless) (while) (until) (for) (case) (begin)] @nest
""",
}
_FUNCTION_TYPES = frozenset(
    {
        "function_definition",
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
        "method_declaration",
        "func_literal",
        "constructor_declaration",
        "lambda_expression",
        "function_item",
        "closure_expression",
        "method",
        "singleton_method",
    }
)
_NAMED_SCOPES = _FUNCTION_TYPES | {
    "class_definition",
    "class_declaration",
    "class",
    "interface_declaration",
    "enum_declaration",
    "record_declaration",
    "impl_item",
    "trait_item",
    "mod_item",
    "module",
}
# `else if` is one level with its `if`, not one deeper.
_ELSE = frozenset({"else_clause", "if_statement"})
_IFS = frozenset({"if_statement", "if_expression"})


class Config(CheckConfig):
    """Limits per function; a limit of 0 is not checked. Off by default: alone it costs half a parse on
    Python and three quarters on JavaScript, which takes the whole rule set past twice a parse
    (benchmarks/bench_checks.py)."""

    severity: Level = Field("off", description="error, warning, info or off.")

    max_lines: int = Field(60, ge=0, description="Most lines a function may span.")
    max_complexity: int = Field(10, ge=0, description="Most cyclomatic complexity (1 + decision points).")
    max_depth: int = Field(3, ge=0, description="Most nested if/for/while/try/with/switch levels.")


@dataclass(frozen=True, slots=True)
class Metrics:
    """One function's measures."""

    lines: int
    complexity: int
    depth: int


def _found(
    language: str, root: Node, lines: tuple[int, int] | None
) -> tuple[list[Node], dict[str, list[Node]]]:
    """The functions (in the file's order, an enclosing one first) and the decision points and nesting
    statements of `root` that meet the lines `lines` (first and last, 1-based; None for all), in one query."""
    cursor = QueryCursor(compiled(language, FUNCTIONS[language] + BODIES[language]))
    if lines is not None:
        cursor.set_point_range((lines[0] - 1, 0), (lines[1], 0))
    found = cursor.captures(root)
    # py-tree-sitter gives each capture's nodes in no set order.
    functions = sorted(found.get("function", ()), key=lambda f: (f.start_byte, -f.end_byte))
    return functions, found


def _touched(functions: list[Node], added: Sequence[int] | None) -> list[bool]:
    """Which of `functions` hold a line of `added` (sorted; None: all of them)."""
    if added is None:
        return [True] * len(functions)
    held = []
    for function in functions:
        i = bisect_left(added, function.start_point.row + 1)
        held.append(i < len(added) and added[i] <= function.end_point.row + 1)
    return held


def measured(language: str, root: Node, added: Sequence[int] | None) -> list[tuple[Node, Metrics]]:
    """Each function of `root` with a line in `added` (sorted; None: every function) and its figures, in
    the file's order. One query finds the functions and their decision points and nesting statements,
    over the rows from the first added line to the last only; if a function found there reaches beyond
    them, over the rows of those functions. A file with no such function is measured no further."""
    lines = (added[0], added[-1]) if added else None
    functions, found = _found(language, root, lines)
    touched = _touched(functions, added)
    if added is not None:
        held = [f for f, t in zip(functions, touched, strict=True) if t]
        if not held:
            return []
        first = min(f.start_point.row for f in held) + 1
        last = max(f.end_point.row for f in held) + 1
        if first < added[0] or last > added[-1]:
            functions, found = _found(language, root, (first, last))
            touched = _touched(functions, added)
    return _swept(functions, touched, found)


def _swept(
    functions: list[Node], touched: list[bool], found: dict[str, list[Node]]
) -> list[tuple[Node, Metrics]]:
    """The figures of the `touched` of `functions`, each decision point and nesting statement of `found`
    counted once, for its innermost function: a nested function is measured on its own."""
    ends = [f.end_byte for f in functions]
    parent = [-1] * len(functions)
    # The innermost function at each byte: owners[k] from bounds[k] to bounds[k + 1] (-1: none).
    bounds, owners, open_ = [0], [-1], list[int]()
    for i, function in enumerate(functions):
        while open_ and ends[open_[-1]] <= function.start_byte:
            bounds.append(ends[open_.pop()])
            owners.append(open_[-1] if open_ else -1)
        parent[i] = open_[-1] if open_ else -1
        bounds.append(function.start_byte)
        owners.append(i)
        open_.append(i)

    def owner(node: Node) -> int:
        # The innermost function open at a node's first byte holds it, unless it ended before (the last
        # ones are not closed in `bounds`) or the node holds it (a conditional expression that opens with
        # a function expression): then the one around that.
        held = owners[bisect_right(bounds, node.start_byte) - 1]
        while held >= 0 and node.end_byte > ends[held]:
            held = parent[held]
        return held

    branches = [0] * (len(functions) + 1)  # the last for those outside every function (owner -1)
    for node in found.get("branch", ()):
        branches[owner(node)] += 1
    depths = [0] * len(functions)
    nested: dict[int, list[int]] = {}  # each function's open statements, by their end
    for node in sorted(found.get("nest", ()), key=lambda n: n.start_byte):
        held = owner(node)
        if (
            held < 0
            or not touched[held]
            or (node.type in _IFS and node.parent is not None and node.parent.type in _ELSE)
        ):
            continue
        open_ = nested.setdefault(held, [])
        while open_ and open_[-1] <= node.start_byte:
            open_.pop()
        open_.append(node.end_byte)
        depths[held] = max(depths[held], len(open_))
    return [
        (f, Metrics(f.end_point.row - f.start_point.row + 1, 1 + branches[i], depths[i]))
        for i, f in enumerate(functions)
        if touched[i]
    ]


def _name(source: bytes, node: Node) -> str:
    """A function's or class's name: its own, the variable or key it is given to, or `<anonymous>`."""
    named = node.child_by_field_name("type" if node.type == "impl_item" else "name")
    if named is None and node.parent is not None:
        named = node.parent.child_by_field_name("name") or node.parent.child_by_field_name("key")
    return source[named.start_byte : named.end_byte].decode("utf-8", "replace") if named else "<anonymous>"


def qualified(source: bytes, node: Node) -> str:
    """`Class.method.inner`: the names of the classes and functions around `node`, and its own."""
    names = [_name(source, node)]
    parent = node.parent
    while parent is not None:
        if parent.type in _NAMED_SCOPES and parent.parent is not None:  # a file is Python's `module`
            names.append(_name(source, parent))
        parent = parent.parent
    return ".".join(reversed(names))


def _base_metrics(language: str, base: bytes) -> dict[str, Metrics]:
    """Each function of the base version by qualified name (the last of a name, as Python keeps)."""
    tree = parse(language, base)
    if tree is None:
        return {}
    return {qualified(base, f): metrics for f, metrics in measured(language, tree.root_node, None)}


def _over(config: Config, now: Metrics, before: Metrics | None) -> list[str]:
    """What `now` exceeds that `before` did not, or that got worse since."""
    said = []
    for metric, limit, word in (
        ("lines", config.max_lines, "lines"),
        ("complexity", config.max_complexity, "complexity"),
        ("depth", config.max_depth, "nesting depth"),
    ):
        value = getattr(now, metric)
        was = getattr(before, metric) if before else None
        if limit and value > limit and (was is None or value > was):
            grown = f", was {was}" if was is not None and was > limit else ""
            said.append(f"{word} {value} (limit {limit}{grown})")
    return said


def finder(config: CheckConfig) -> Finder:
    """Hits on each function over a limit that the base version did not exceed as much."""
    config = Config.model_validate(config, from_attributes=True)
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        added = sorted(source.added)
        if not added:
            return
        base: dict[str, Metrics] | None = None
        for function, now in measured(language, tree.root_node, added):
            if not _over(config, now, None):
                continue
            start, end = function.start_point.row + 1, function.end_point.row + 1
            if base is None:
                base = _base_metrics(language, source.base) if source.base else {}
            name = qualified(source.text, function)
            said = _over(config, now, base.get(name))
            if said:
                message = f"`{name}`: {', '.join(said)}; split it up"
                yield Hit(start, end, function.start_point.column, message, name, severity)

    return find


def _long(lines: int) -> str:
    return "def f(x):\n" + "".join(f"    x += {i}\n" for i in range(lines)) + "    return x\n"


_DEEP_JS = (
    "function f(a) {\n  if (a) {\n    for (;;) {\n      while (a) {\n"
    "        if (a) { a--; }\n      }\n    }\n  }\n}\n"
)

_DEEP_RUST = (
    "fn f(a: u8) {\n    if a > 0 {\n        for _ in 0..a {\n            while a > 1 {\n"
    "                loop {\n                    break;\n                }\n"
    "            }\n        }\n    }\n}\n"
)

RULE = check_rule(
    id=ID,
    summary="Functions the pull request makes too long, too complex or too deeply nested (ratchet).",
    help=f"""\
For each function (Python `def`; JavaScript and TypeScript functions, methods and arrow functions; Go
functions, methods and function literals; Java methods, constructors and lambdas; Rust functions and
closures; Ruby methods) that has an added line: its length in lines (`max_lines`, 60),
its cyclomatic complexity, 1 + its decision points (`if`, `elif`, loops, `except`/`catch`, `case`,
conditional expressions, `and`/`or`/`&&`/`||`/`??`, comprehension clauses; `max_complexity`, 10), and its
nesting depth of `if`/`for`/`while`/`try`/`with`/`switch` (`else if` is one level; `max_depth`, 3).
A nested function is measured on its own, not in its parent. Ratchet: a function of the same qualified
name (`Class.method`) at the base that already exceeded a limit counts only when the pull request makes
that measure worse; one the pull request brings over a limit counts. 0 turns a limit off.
Languages: {", ".join(FUNCTIONS)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("a short function passes", "a.py", "def f(x):\n    return x + 1\n"),
            ("flat JavaScript passes", "a.js", "function f(a) {\n  if (a) { return 1; }\n  return 2;\n}\n"),
        ],
        [
            ("a 70-line function fails", "a.py", _long(68)),
            ("four levels of nesting fail", "a.js", _DEEP_JS),
            ("four levels of nesting in Rust fail", "src/a.rs", _DEEP_RUST),
        ],
    ),
    scope=Scope.TOUCHED,
    needs=frozenset({Need.BASE_TEXT}),
)
