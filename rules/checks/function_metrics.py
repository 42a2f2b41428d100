"""`function-metrics`: functions the pull request makes too long, too branchy or too deeply nested, with a
ratchet: a function already over a limit at the base counts only when the pull request makes it worse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.queries import captures
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
    """Limits per function; a limit of 0 is not checked. Off by default until it is fast enough: on
    JavaScript full of nested callbacks it costs 35 times a parse (benchmarks/bench_checks.py)."""

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


def _inside(node: Node, functions: list[Node], own: Node) -> bool:
    """Whether `node` sits in a function nested in `own` (it is that function's, not `own`'s)."""
    return any(
        f.start_byte > own.start_byte and f.start_byte <= node.start_byte and node.end_byte <= f.end_byte
        for f in functions
        if f.id != own.id
    )


def measure(language: str, function: Node, nested: list[Node]) -> Metrics:
    """`function`'s length, complexity and nesting, nested functions' bodies left out (each is its own)."""
    found = captures(language, BODIES[language], function)
    inner = [f for f in nested if function.start_byte < f.start_byte and f.end_byte <= function.end_byte]
    branches = [n for n in found.get("branch", ()) if not _inside(n, inner, function)]
    depth, open_ = 0, list[Node]()
    for node in sorted(found.get("nest", ()), key=lambda n: n.start_byte):
        if _inside(node, inner, function) or (
            node.type in _IFS and node.parent is not None and node.parent.type in _ELSE
        ):
            continue
        while open_ and open_[-1].end_byte <= node.start_byte:
            open_.pop()
        open_.append(node)
        depth = max(depth, len(open_))
    lines = function.end_point.row - function.start_point.row + 1
    return Metrics(lines, 1 + len(branches), depth)


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


def _functions(language: str, root: Node) -> list[Node]:
    return captures(language, FUNCTIONS[language], root).get("function", [])


def _base_metrics(language: str, base: bytes) -> dict[str, Metrics]:
    """Each function of the base version by qualified name (the last of a name, as Python keeps)."""
    tree = parse(language, base)
    if tree is None:
        return {}
    functions = _functions(language, tree.root_node)
    return {qualified(base, f): measure(language, f, functions) for f in functions}


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
        functions = _functions(language, tree.root_node)
        base: dict[str, Metrics] | None = None
        for function in functions:
            start, end = function.start_point.row + 1, function.end_point.row + 1
            if not any(line in source.added for line in range(start, end + 1)):
                continue
            now = measure(language, function, functions)
            if not _over(config, now, None):
                continue
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
