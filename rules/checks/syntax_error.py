"""`syntax-error`: the grammar cannot read an added line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field
from tree_sitter import Node, Tree

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.languages import JS_FAMILY
from bot.core.checks.source import Source, parse
from bot.core.findings import Severity
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "syntax-error"
_MAX_SPLITS = 4
# Rust macros named like a keyword or a type of the grammar.
_RUST_MACRO = re.compile(rb"\b(try|str)!")
# Symbols of Ruby's punctuation globals (`:$;`, `:$,`, `:$\`, `:$'`…), which tree-sitter-ruby cannot read.
_RUBY_GLOBAL_SYMBOL = re.compile(rb"(?<![\w\"'])\:\$[@'=\\,;.$?:\"]")
# Languages whose string literals may hold a NUL byte, which their tree-sitter grammars read as the end of
# the input (javac and JavaScript engines read it as a character; Go and Python refuse it, as their
# grammars do).
_NUL_IN_STRINGS = JS_FAMILY | {"java"}


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


def _split_by_asi(source: Source, node: Node, splits: dict[int, bool]) -> bool:
    """Whether an error is tree-sitter-javascript reading `() => {…}` and a next line that opens with
    `[…spread]` as one subscript: JavaScript ends the arrow function's body there (automatic semicolon
    insertion; the body cannot be subscripted), and the file parses once a `;` is put at that end."""
    if source.language not in JS_FAMILY or source.language is None:
        return False
    subscript = node.parent
    for _ in range(3):
        if subscript is None or subscript.type == "subscript_expression":
            break
        subscript = subscript.parent
    body = subscript.child_by_field_name("object") if subscript is not None else None
    if body is None or body.type != "arrow_function" or subscript is None:
        return False
    opening = next((c for c in subscript.children if c.type == "["), None)
    if opening is None or opening.start_point.row <= body.end_point.row:
        return False
    if body.id not in splits:
        if len(splits) >= _MAX_SPLITS:
            return False  # a file built of such lines is parsed again only a few times
        split = source.text[: body.end_byte] + b";" + source.text[body.end_byte :]
        tree = parse(source.language, split)
        splits[body.id] = tree is not None and not any(
            e.start_byte <= subscript.end_byte + 1 and e.end_byte > body.end_byte
            for e in _errors(tree.root_node)
        )
    return splits[body.id]


def _misread_ruby(source: Source, node: Node) -> bool:
    """Whether an error sits on a Ruby line tree-sitter-ruby misreads: one with a symbol of a punctuation
    global (`when :$;, :$,`), or a comment holding a NUL byte (RubyGems' stub lines), which the grammar
    ends there while Ruby reads a comment to the end of its line."""
    start = source.text.rfind(b"\n", 0, node.start_byte) + 1
    end = source.text.find(b"\n", node.start_byte)
    line = source.text[start : None if end < 0 else end]
    return _RUBY_GLOBAL_SYMBOL.search(line) is not None or (b"\0" in line and line.lstrip().startswith(b"#"))


def _rust_macros(source: Source, tree: Tree) -> Tree | None:
    """The tree of a Rust file that calls a macro named like a word tree-sitter-rust reserves, read with
    the name respelled to the same length (`tr_!`, `st_!`): the 2015 edition's `try!`, which the grammar
    reads as the later editions' keyword `try` (the crate's edition, in Cargo.toml, may well allow it),
    and macros named `str!` (snapbox's), which it reads as the type `str`."""
    if _RUST_MACRO.search(source.text) is None:
        return tree
    return parse("rust", _RUST_MACRO.sub(lambda m: m[1][:-1] + b"_!", source.text))


def _nul_bytes(source: Source, tree: Tree) -> Tree | None:
    """The tree of a Java or JavaScript/TypeScript file holding NUL bytes, read with each respelled as
    U+0001: the grammars stop their string literals (and the file) at a NUL, the languages do not, and a
    U+0001 is read alike inside a literal and, outside one, is as much an error as the NUL."""
    if b"\0" not in source.text or source.language is None:
        return tree
    return parse(source.language, source.text.replace(b"\0", b"\x01"))


def finder(config: CheckConfig) -> Finder:
    """Hits on each syntax error of a parsed file."""
    severity = severity_of(config) or Severity.ERROR

    def find(source: Source) -> Iterator[Hit]:
        tree = source.tree
        if tree is not None and source.language == "rust" and tree.root_node.has_error:
            tree = _rust_macros(source, tree)
        if tree is not None and source.language in _NUL_IN_STRINGS and tree.root_node.has_error:
            tree = _nul_bytes(source, tree)
        if tree is None or not tree.root_node.has_error:
            return
        splits: dict[int, bool] = {}
        for node in _errors(tree.root_node):
            if _split_by_asi(source, node, splits) or (
                source.language == "ruby" and _misread_ruby(source, node)
            ):
                continue
            what = f"missing `{node.type}`" if node.is_missing else "unexpected text"
            yield hit(node, f"syntax error: {what} ({source.language} grammar)", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Added lines the language's grammar cannot read.",
    help="""\
Each changed Python, JavaScript, TypeScript/TSX, Go, Java, Rust or Ruby file is parsed with its official
tree-sitter grammar; an ERROR or MISSING node that starts on an added line is a syntax error the pull request
introduced. Errors on lines it did not add are not its own and never fail the gate. One misreading of
tree-sitter-javascript is told apart: an arrow function's body `}` followed by a line opening with
`[...spread]`, two statements to JavaScript (automatic semicolon insertion), one erroneous subscript to
the grammar; the file is parsed again with the `;` in place, and the error goes if it does. So are two of
tree-sitter-rust: the 2015 edition's `try!(…)` macro, which it reads as the later editions' keyword `try`
(the edition is in Cargo.toml, which the rule does not read), and macros named `str!` (snapbox's), which
it reads as the type `str`; the file is read with the names respelled. And a NUL byte inside a Java or
JavaScript/TypeScript string literal (fuzzing inputs in tests), which javac and JavaScript read as a
character and the grammars as the end of the file: the file is read with each NUL as U+0001, still an
error outside a literal.
Two of tree-sitter-ruby: symbols of punctuation globals (`:$;`, `:$,`, `:$'`) and a NUL byte in a comment
(RubyGems' stub lines); an error on such a line is not reported.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("valid Python passes", "app.py", "def f(x):\n    return x\n"),
            ("a Java record passes", "Point.java", "record Point(int x, int y) {}\n"),
            ("a Rust generic function passes", "lib.rs", "fn id<T>(x: T) -> T {\n    x\n}\n"),
            ("a Ruby block passes", "a.rb", "[1, 2].each do |x|\n  puts x\nend\n"),
        ],
        [
            ("an unclosed call fails", "app.py", "def f(x):\n    return g(x\n"),
            ("a Java statement without its semicolon fails", "A.java", "class A {\n  int x = 1\n}\n"),
            ("an unclosed Rust block fails", "lib.rs", "fn f() {\n    let x = 1;\n"),
            ("a Ruby def without its end fails", "a.rb", "def f(x)\n  x + 1\n"),
        ],
    ),
)
