"""`commented-out-code`: added comment lines that are code the language's grammar reads, not prose."""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.languages import COMMENTS, parser
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.candidates import enclosing
from rules.checks.common import CheckConfig, Level, check_rule, examples, severity_of

ID = "commented-out-code"
# Runs of whole-line comments, blank lines between them included: `#` in Python (not a shebang), `//`
# elsewhere (not `///`, TypeScript's directives). One match a run keeps the scan in C; a run is found
# after its newline (three times faster than `^` in multi-line mode), the file's first line apart.
_HASH_RUN = rb"[ \t]*#(?!!)[^\n]*(?:\n[ \t]*(?:#(?!!)[^\n]*)?)*"
_SLASH_RUN = rb"[ \t]*//(?!/)[^\n]*(?:\n[ \t]*(?://(?!/)[^\n]*)?)*"
# Rust's doc comments are `///` and `//!`.
_RUST_RUN = rb"[ \t]*//(?![/!])[^\n]*(?:\n[ \t]*(?://(?![/!])[^\n]*)?)*"
COMMENT_RUNS = {
    "python": (re.compile(_HASH_RUN), re.compile(b"\n" + _HASH_RUN), b"#"),
    "javascript": (re.compile(_SLASH_RUN), re.compile(b"\n" + _SLASH_RUN), b"//"),
    "typescript": (re.compile(_SLASH_RUN), re.compile(b"\n" + _SLASH_RUN), b"//"),
    "tsx": (re.compile(_SLASH_RUN), re.compile(b"\n" + _SLASH_RUN), b"//"),
    "go": (re.compile(_SLASH_RUN), re.compile(b"\n" + _SLASH_RUN), b"//"),
    "java": (re.compile(_SLASH_RUN), re.compile(b"\n" + _SLASH_RUN), b"//"),
    "rust": (re.compile(_RUST_RUN), re.compile(b"\n" + _RUST_RUN), b"//"),
    "ruby": (re.compile(_HASH_RUN), re.compile(b"\n" + _HASH_RUN), b"#"),
}
# A run worth reading holds code punctuation or a statement keyword (`import os`, `return x`); prose
# often does too, and the pairs of words below tell it.
_CODE_MARKS = re.compile(rb"[=(\[{;]|import |return |raise |del |yield |throw |require ")
# Two words side by side (overlapping pairs), and string literals, whose words may be anything.
_NEIGHBOURS = re.compile(rb"\b([A-Za-z_$][\w$]*)[ \t]+(?=([A-Za-z_$][\w$]*)\b)")
_QUOTED = re.compile(rb""""[^"\n]*"|'[^'\n]*'|`[^`\n]*`""")
_PYTHON_KEYWORDS = b"""and as assert async await break case class continue def del elif else except finally
for from global if import in is lambda match nonlocal not or pass print raise return try type while with
yield"""
_JS_KEYWORDS = b"""as async await break case catch class const continue debugger default delete do else enum
export extends finally for from function get if implements import in instanceof interface keyof let new of
readonly return satisfies set static switch throw try type typeof var void while yield"""
_GO_KEYWORDS = b"""break case chan const continue default defer else fallthrough for func go goto if import
interface map package range return select struct switch type var bool byte complex64 complex128 error
float32 float64 int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr any"""
_JAVA_KEYWORDS = b"""abstract assert boolean break byte case catch char class const continue default do double
else enum extends final finally float for if implements import instanceof int interface long native new
package private protected public return short static super switch synchronized this throw throws try var
void volatile while yield record"""
_RUST_KEYWORDS = b"""as async await break const continue crate dyn else enum extern fn for if impl in let loop
match
mod move mut pub ref return self Self static struct super trait type unsafe use where while bool char str
u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64"""
# Ruby's keywords, and the methods it calls without parentheses as if they were (`require "x"`).
_RUBY_KEYWORDS = b"""alias and begin break case class def defined? do else elsif end ensure for if in module
next
not or redo rescue retry return self super then undef unless until when while yield require
require_relative puts raise include extend attr_reader attr_writer attr_accessor private protected"""
_KEYWORDS = {
    "java": frozenset(_JAVA_KEYWORDS.split()),
    "rust": frozenset(_RUST_KEYWORDS.split()),
    "ruby": frozenset(_RUBY_KEYWORDS.split()),
    "python": frozenset(_PYTHON_KEYWORDS.split()),
    "javascript": frozenset(_JS_KEYWORDS.split()),
    "typescript": frozenset(_JS_KEYWORDS.split()),
    "tsx": frozenset(_JS_KEYWORDS.split()),
    "go": frozenset(_GO_KEYWORDS.split()),
}
# Lines that say something to a tool or a reader, never code to restore: a tool's directive, a URL, a
# doctest or a shell prompt, a Markdown fence, a license header, a Go example's output.
_NOT_CODE = re.compile(
    rb"^\s*(noqa|type:|pylint|pyright|mypy|pragma|nosec|fmt:|isort|ruff|flake8|coverage|eslint|jshint|"
    rb"@ts-|@flow|@jsx|prettier|istanbul|c8 |biome|deno-|nolint|lint:|go:|\+build|#region|#endregion|"
    rb"region|endregion|sourceMappingURL|webpack|scopegate|-\*-|vim?:|Output:|Unordered output:|\$ |>>>|"
    rb"frozen_string_literal|rubocop:|typed:|encoding:|CHECKSTYLE|NOSONAR|@(?:param|return|yield|raise|option|"
    rb"example|see|api|since|deprecated|note|overload)\b)"
    rb"|://|```|\.\.\.|copyright|license|spdx",
    re.I,
)
# Statements that are code whatever their words; a lone name, string, comparison or label reads as prose.
_STATEMENTS = {
    "python": frozenset(
        {
            "import_statement",
            "import_from_statement",
            "future_import_statement",
            "function_definition",
            "class_definition",
            "decorated_definition",
            "if_statement",
            "for_statement",
            "while_statement",
            "with_statement",
            "try_statement",
            "raise_statement",
            "delete_statement",
            "assert_statement",
        }
    ),
    "javascript": frozenset(
        {
            "lexical_declaration",
            "variable_declaration",
            "import_statement",
            "export_statement",
            "function_declaration",
            "class_declaration",
            "if_statement",
            "for_statement",
            "for_in_statement",
            "while_statement",
            "do_statement",
            "try_statement",
            "throw_statement",
            "switch_statement",
        }
    ),
    "go": frozenset(
        {
            "short_var_declaration",
            "assignment_statement",
            "var_declaration",
            "const_declaration",
            "if_statement",
            "for_statement",
            "defer_statement",
            "go_statement",
            "function_declaration",
            "method_declaration",
            "import_declaration",
            "inc_statement",
            "dec_statement",
        }
    ),
}
_STATEMENTS["java"] = frozenset(
    {
        "local_variable_declaration",
        "import_declaration",
        "if_statement",
        "for_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
        "try_statement",
        "throw_statement",
        "switch_expression",
        "method_declaration",
        "class_declaration",
        "field_declaration",
    }
)
_STATEMENTS["rust"] = frozenset(
    {"let_declaration", "use_declaration", "function_item", "struct_item", "impl_item", "const_item"}
)
# Ruby's statements stand bare: a call counts when it is given arguments or a block (`foo.bar` may be
# a name in prose).
_STATEMENTS["ruby"] = frozenset(
    {
        "method",
        "class",
        "module",
        "if",
        "unless",
        "while",
        "until",
        "for",
        "case",
        "begin",
        "operator_assignment",
    }
)
_STATEMENTS["typescript"] = _STATEMENTS["tsx"] = _STATEMENTS["javascript"] | {
    "type_alias_declaration",
    "interface_declaration",
}
_CALLS = frozenset(
    {
        "call",
        "call_expression",
        "await",
        "await_expression",
        "new_expression",
        "method_invocation",
        "object_creation_expression",
        "macro_invocation",
    }
)
_ASSIGNMENTS = frozenset(
    {"assignment", "augmented_assignment", "assignment_expression", "compound_assignment_expr"}
)
# Rust's control flow is an expression, made a statement.
_RUST_STATEMENTS = frozenset(
    {"if_expression", "for_expression", "while_expression", "loop_expression", "match_expression"}
)
_GO_BODY = b"package p\nfunc _() {\n"
_TYPE_NAMES = frozenset(b"int float complex str bytes bool object obj list dict set tuple".split())
_DEFINITION = re.compile(r"\s*(@|(async\s+)?def\s|class\s|func\s|function\s|export\s)")
_MAX_LINES = 200  # a longer block is parsed by its first lines only


class Config(CheckConfig):
    """Commented-out code is annotated."""

    severity: Level = Field("warning", description="error, warning, info or off.")


@dataclass(frozen=True, slots=True)
class Run:
    """Whole-line comments on consecutive lines (blank lines between them allowed) from 1-based `line`."""

    line: int
    start: int
    text: bytes
    marker: bytes

    @property
    def end_line(self) -> int:
        """The run's last line."""
        return self.line + self.text.count(b"\n")

    def bodies(self) -> list[tuple[int, int, bytes]]:
        """Each comment line as (line, offset of its marker, its text after the marker); blank lines
        left out."""
        found, at = [], self.start
        for number, raw in enumerate(self.text.split(b"\n"), self.line):
            indent = len(raw) - len(raw.lstrip())
            if raw.strip():
                found.append((number, at + indent, raw[indent + len(self.marker) :]))
            at += len(raw) + 1
        return found


def _runs(source: Source) -> Iterator[Run]:
    """The runs of comments holding an added line and a mark of code."""
    first, after_newline, marker = COMMENT_RUNS[source.language or ""]
    text, added = source.text, source.added
    line, at = 1, 0
    matches = [m for m in (first.match(text),) if m]
    for match in itertools.chain(matches, after_newline.finditer(text, matches[0].end() if matches else 0)):
        start = match.start() + (match.re is after_newline)
        if not _CODE_MARKS.search(text, start, match.end()):
            continue
        line += text.count(b"\n", at, start)
        at = start
        run = Run(line, start, text[start : match.end()].rstrip(), marker)
        if any(n in added for n in range(line, run.end_line + 1)):
            yield run


def _prose(text: bytes, keywords: frozenset[bytes]) -> bool:
    """Two words side by side on a line, neither a keyword, outside quotes: `the first`, never code's
    `not x`. Only runs without prose are parsed: a grammar's error recovery on a line of prose costs
    forty times the parse of a line of code."""
    bare = _QUOTED.sub(b'""', text)
    return any(not {m[1], m[2]} & keywords for m in _NEIGHBOURS.finditer(bare))


def _statements(language: str, code: bytes) -> list[Node] | None:
    """The statements `code` parses into, None when the grammar reads it with errors (Go's statements
    are read as a function's body, its declarations as a file's)."""
    if language == "go":
        tree = parser(language).parse(_GO_BODY + code + b"\n}\n")
        if not tree.root_node.has_error:
            body = tree.root_node.named_children[-1].child_by_field_name("body")
            lists = [n for n in body.named_children if n.type == "statement_list"] if body else []
            return lists[0].named_children if lists else []
        tree = parser(language).parse(b"package p\n" + code + b"\n")
        return None if tree.root_node.has_error else tree.root_node.named_children[1:]
    tree = parser(language).parse(code)
    return None if tree.root_node.has_error else tree.root_node.named_children


def _is_code(language: str, statements: list[Node]) -> bool:
    """Code, not prose that happens to parse: a call, an assignment or a statement of the language, and
    nothing that reads as a bare word, string, comparison or label."""
    strong = False
    code = [s for s in statements if s.type not in COMMENTS[language]]
    for statement in code:
        kind = statement.type
        inner = statement.named_children[0] if statement.named_children else None
        if language == "ruby" and kind in {"call", "assignment"}:
            kind, inner = "expression_statement", statement  # Ruby's expressions stand bare
        if kind in _STATEMENTS[language]:
            strong = True
        elif kind in {"expression_statement", "return_statement"} and inner is not None:
            if (
                (inner.type in _CALLS and (language != "ruby" or _given(inner)))
                or (inner.type in _ASSIGNMENTS and _assigns(inner))
                or inner.type in _RUST_STATEMENTS
            ):
                strong = True
            elif kind == "expression_statement":
                return False
        else:
            return False
    return strong


def _given(call: Node) -> bool:
    """A Ruby call given arguments or a block (`foo.bar` alone may be a name in prose)."""
    return call.child_by_field_name("arguments") is not None or call.child_by_field_name("block") is not None


def _heading(source: Source, run: Run, statements: list[Node]) -> bool:
    """A lone call that names a signature rather than disables a call: one without arguments
    (`# psutil.cpu_times()` over its tuple), one spaced like a word and its aside (`# Functions
    (working)`), and one of names only that sits over a definition, is on a built-in type
    (`# dict.get(key, default)`), takes type names (`# abs(float)`) or a grammar's notation
    (`# Global(identifier* names)`). Ruby's calls are read as code (their parentheses are optional)."""
    if source.language == "ruby":
        return False
    code = [s for s in statements if s.type != "comment"]
    if len(code) == 1 and _type_notation(code[0]):
        return True
    call = code[0].named_children[0] if len(code) == 1 and code[0].named_children else None
    if call is None or call.type not in {"call", "call_expression"}:
        return False
    function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    given = arguments.named_children if arguments else []
    if not given or (function and arguments and function.end_byte < arguments.start_byte):
        return True  # `# preprocess()`, `# Functions (working)`: a heading, or prose
    if not all(a.type == "identifier" or _operators(a) for a in given):
        return False
    callee = (function or call).text or b""
    below = source.lines[run.end_line] if run.end_line < len(source.lines) else ""
    return (
        _DEFINITION.match(below) is not None
        or callee.split(b".")[0] in _TYPE_NAMES
        or any(a.text in _TYPE_NAMES or _operators(a) for a in given)
    )


def _type_notation(statement: Node) -> bool:
    """A statement of built-in type names only, which documents an operation's types (`# list *= int`,
    `# list(dict.items())`): every name it reads, attributes aside, is one."""
    names: list[bytes] = []
    pending = [statement]
    while pending:
        node = pending.pop()
        if node.type == "identifier":
            names.append(node.text or b"")
        elif node.type == "attribute":
            pending.extend(node.named_children[:1])
        else:
            pending.extend(node.named_children)
    return bool(names) and all(n in _TYPE_NAMES for n in names)


def _operators(node: Node) -> bool:
    """Names joined by operators (`identifier* names`)."""
    return node.type in {"binary_operator", "binary_expression"} and all(
        c.type == "identifier" or _operators(c) for c in node.named_children
    )


def _assigns(node: Node) -> bool:
    """An assignment with a value (not Python's bare annotation, `Note: see below`)."""
    return node.child_by_field_name("right") is not None


def _comments(source: Source, bodies: list[tuple[int, int, bytes]]) -> bool:
    """Whether each line is a comment in the tree (not text in a multi-line string)."""
    tree = source.tree
    return tree is not None and all(
        enclosing(tree.root_node, at, at + 1, COMMENTS[source.language or ""], 1) is not None
        for _, at, _ in bodies
    )


def finder(config: CheckConfig) -> Finder:
    """Hits on runs of added whole-line comments that parse as code."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        language = source.language
        if language is None or source.tree is None:
            return
        keywords = _KEYWORDS[language]
        for run in _runs(source):
            if _prose(run.text, keywords):
                continue
            bodies = run.bodies()
            lines = [body.removeprefix(b" ") for _, _, body in bodies]
            if any(_NOT_CODE.search(b) for b in lines):
                continue
            code = textwrap.dedent("\n".join(b.decode("utf-8", "replace") for b in lines[:_MAX_LINES]))
            statements = _statements(language, code.encode())
            if statements is None or not _is_code(language, statements) or _heading(source, run, statements):
                continue
            if not _comments(source, bodies):
                continue
            first = next(line for line, _, _ in bodies if line in source.added)
            column = len(source.lines[first - 1]) - len(source.lines[first - 1].lstrip())
            many = "s" if len(bodies) > 1 else ""
            message = f"commented-out code ({len(bodies)} line{many}); delete it, git keeps it"
            yield Hit(first, run.end_line, column, message, code, severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Added comment lines that are code the language's grammar reads, not prose.",
    help=f"""\
A run of whole-line comments (`#` in Python and Ruby, `//` elsewhere, Rust's `///` and `//!` doc comments
apart) with an added line is commented-out code when,
markers stripped and dedented, the file's own grammar parses it without an error into statements that are
code whatever their words: a call, an assignment with a value, an import, a declaration, a `def`, an `if`
or loop with its body. A run with any line of prose is an explanation, and passes (so a code example inside
a paragraph does); so does a run that parses only into a name, a string, a comparison or a label
(`# Note: see below` is an annotation to the Python grammar). Lines for a tool or a reader are never code:
directives (`# noqa`, `# type:`, `# pylint:`, `// eslint-…`, `// @ts-…`, `//nolint`, `//go:`), URLs,
doctest and shell prompts (`>>>`, `$ `), Markdown fences, license headers and Go examples' `Output:`. Block
comments (`/* … */`) are not read. Severity `warning`. Languages: {", ".join(COMMENT_RUNS)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("a comment in prose passes", "a.py", "# Retry once: the first call warms the cache.\nrun()\n"),
            ("a tool's directive passes", "a.ts", "// @ts-expect-error: the typings lag\nrun(1);\n"),
            ("a Rust doc example passes", "src/lib.rs", "/// let x = parse(s);\nfn parse() {}\n"),
            ("a Ruby magic comment passes", "lib/a.rb", "# frozen_string_literal: true\nx = 1\n"),
        ],
        [
            ("a commented-out call fails", "a.py", "def f(x):\n    # print(x)\n    return x\n"),
            ("a commented-out declaration fails", "a.js", "// const limit = compute(items);\nrun();\n"),
            (
                "a commented-out Java call fails",
                "A.java",
                "class A {\n  void f() {\n    // cache.clear();\n  }\n}\n",
            ),
            ("a commented-out Rust let fails", "src/lib.rs", "fn f() {\n    // let x = compute(y);\n}\n"),
            ("a commented-out Ruby call fails", "lib/a.rb", "def f\n  # cache.clear(true)\nend\n"),
        ],
    ),
)
