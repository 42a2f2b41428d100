"""`debug-output`: leftover print calls and debugger statements in added code."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Severity
from rules.checks.candidates import bare_ruby_calls, captures_around, positions
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
JAVA = """
((method_invocation
   object: (field_access object: (identifier) @s field: (identifier) @f) name: (identifier) @m)
  (#eq? @s "System") (#any-of? @f "out" "err") (#any-of? @m "println" "print" "printf")) @print
((method_invocation name: (identifier) @m) @trace (#eq? @m "printStackTrace"))
"""
RUST = """
((macro_invocation macro: (identifier) @m) @debugger (#eq? @m "dbg"))
((macro_invocation macro: (identifier) @m) @print (#any-of? @m "println" "print" "eprintln" "eprint"))
"""
# A call without a receiver and with arguments (`p` alone may be a variable); `$stderr.puts` and `warn`
# are a program's chosen output, not a leftover.
RUBY = """
((call !receiver method: (identifier) @m arguments: (argument_list)) @print
  (#any-of? @m "puts" "print" "p" "pp"))
((call receiver: (identifier) @r method: (identifier) @m) @debugger
  (#eq? @r "binding") (#any-of? @m "pry" "irb"))
"""
QUERIES = {
    "python": PRINTS,
    "javascript": JS,
    "typescript": JS,
    "tsx": JS,
    "go": GO,
    "java": JAVA,
    "rust": RUST,
    "ruby": RUBY,
}
# The queries run only around these words, on the construct each sits at the top of: a whole-tree query
# cost a third of a parse, and most files print nothing.
_JS_MARKERS, _JS_ANCHORS = (b"debugger", b"console"), frozenset({"call_expression", "debugger_statement"})
MARKERS = {
    "python": (b"print", b"breakpoint", b"set_trace"),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"print",),
    "java": (b"System.", b"printStackTrace"),
    "rust": (b"dbg!", b"print"),
    "ruby": (b"puts", b"print", b"p ", b"p(", b"pry", b"irb"),
}
ANCHORS = {
    "python": frozenset({"call"}),
    "javascript": _JS_ANCHORS,
    "typescript": _JS_ANCHORS,
    "tsx": _JS_ANCHORS,
    "go": frozenset({"call_expression"}),
    "java": frozenset({"method_invocation"}),
    "rust": frozenset({"macro_invocation"}),
    "ruby": frozenset({"call"}),
}
# Ruby's debuggers are often called bare, which the grammar reads as a name.
_RUBY_DEBUGGERS = (b"byebug", b"debugger")
# Rust's output is a binary's purpose: its `main.rs`, `src/bin/`, a build script, benches.
_RUST_BINARIES = frozenset({"main.rs", "build.rs"})


def _in_main_block(node: Node) -> bool:
    """Whether `node` sits under `if __name__ == "__main__":` (a script's own output)."""
    parent = node.parent
    while parent is not None:
        condition = parent.child_by_field_name("condition")
        if parent.type == "if_statement" and condition is not None and b"__main__" in (condition.text or b""):
            return True
        parent = parent.parent
    return False


def _in_main_method(node: Node) -> bool:
    """Whether `node` sits in a Java `static void main(…)` (a program's own output)."""
    parent = node.parent
    while parent is not None:
        if parent.type == "method_declaration":
            name, modifiers = parent.child_by_field_name("name"), parent.named_children[0]
            if name is not None and name.text == b"main" and b"static" in (modifiers.text or b""):
                return True
        parent = parent.parent
    return False


def _in_rust_test(node: Node) -> bool:
    """Whether `node` sits in an item marked `#[test]` or `#[cfg(test)]` (the attributes above it)."""
    parent = node.parent
    while parent is not None:
        if parent.type in {"function_item", "mod_item"}:
            above = parent.prev_named_sibling
            while above is not None and above.type == "attribute_item":
                if b"test" in (above.text or b""):
                    return True
                above = above.prev_named_sibling
        parent = parent.parent
    return False


def _is_script(source: Source) -> bool:
    """A file whose output is its purpose: `__main__.py`, a test, a script or command folder, a Rust
    binary, a Ruby script (`Rakefile`, a `.rake` task, a file with a `#!` line)."""
    parts = source.path.split("/")
    return (
        parts[-1] == "__main__.py"
        or source.kind is Kind.TEST
        or not {"scripts", "bin", "cmd", "exe", "examples", "benchmarks", "benches"}.isdisjoint(parts[:-1])
        or (source.language == "go" and b"package main" in source.text[:4096])
        or (source.language == "rust" and (parts[-1] in _RUST_BINARIES or b"\nfn main(" in source.text))
        or (
            source.language == "ruby"
            and (parts[-1] == "Rakefile" or parts[-1].endswith(".rake") or source.text.startswith(b"#!"))
        )
    )


def _no_arguments(call: Node) -> bool:
    """A call given nothing."""
    arguments = call.child_by_field_name("arguments")
    return arguments is not None and arguments.named_child_count == 0


def _leftover(language: str, node: Node) -> bool:
    """Whether a print is a leftover, not a program's output in a place of its own."""
    if language == "python":
        return not _in_main_block(node)
    if language == "java":
        return not _in_main_method(node)
    if language == "rust":
        return not _in_rust_test(node)
    return True


def finder(config: CheckConfig) -> Finder:
    """Hits on prints outside scripts and on every debugger statement."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        offsets = positions(source.text, MARKERS[language])
        found = captures_around(source, QUERIES[language], offsets, ANCHORS[language])
        debuggers = found.get("debugger", [])
        if language == "ruby":
            debuggers = sorted(
                [*debuggers, *bare_ruby_calls(source, _RUBY_DEBUGGERS)], key=lambda n: n.start_byte
            )
        for node in debuggers:
            yield hit(node, "debugger statement left in", severity)
        if _is_script(source):
            return
        # `e.printStackTrace(writer)` prints where the program chose.
        traces = [n for n in found.get("trace", ()) if _no_arguments(n)]
        for node in sorted([*found.get("print", ()), *traces], key=lambda n: n.start_byte):
            if _leftover(language, node):
                yield hit(node, "debug output left in; use logging", severity)

    return find


RULE = check_rule(
    id=ID,
    summary="Leftover print / console.log calls and debugger statements in added code.",
    help=f"""\
`print()` and `pdb.set_trace()`/`breakpoint()` in Python, `console.log` and `debugger` in JavaScript and
TypeScript, `println` in Go, `System.out`/`System.err.println` and `e.printStackTrace()` in Java,
`println!`/`eprintln!` and `dbg!` (a debugger) in Rust, `puts`/`print`/`p`/`pp` without a receiver and
`binding.pry`/`binding.irb`/`byebug`/`debugger` (debuggers) in Ruby, on added lines. Output is a
script's purpose: prints under `if __name__ == "__main__":`, in `__main__.py`, in tests and in
`scripts/`, `bin/`, `exe/`, `cmd/`, `examples/`, `benches/` folders, in Go's `package main`, in a Java
`static main` method, in a Rust `main.rs`, `build.rs`, a file with a `fn main` or under `#[test]` /
`#[cfg(test)]`, and in a `Rakefile`, a `.rake` task or a Ruby file with a `#!` line, are left alone;
debugger statements never are. Languages: {", ".join(QUERIES)}.""",
    config=CheckConfig,
    finder=finder,
    examples=examples(
        ID,
        [
            ("print in a __main__ block passes", "tool.py", 'if __name__ == "__main__":\n    print(1)\n'),
            ("logging passes", "lib.js", "logger.info(x);\n"),
            (
                "println in a Java main method passes",
                "Tool.java",
                "class Tool {\n  public static void main(String[] args) {\n"
                "    System.out.println(1);\n  }\n}\n",
            ),
            ("println! in a Rust binary passes", "src/main.rs", 'fn main() {\n    println!("hi");\n}\n'),
            ("$stderr.puts in Ruby passes", "lib/a.rb", 'def f\n  $stderr.puts "failed"\nend\n'),
        ],
        [
            ("print in library code fails", "lib.py", "def f(x):\n    print(x)\n"),
            ("debugger fails", "lib.ts", "function f() {\n  debugger;\n}\n"),
            (
                "System.out.println in a Java library fails",
                "A.java",
                "class A {\n  void f() { System.out.println(1); }\n}\n",
            ),
            ("dbg! fails", "src/lib.rs", "fn f(x: u8) -> u8 {\n    dbg!(x)\n}\n"),
            ("binding.pry fails", "lib/a.rb", "def f\n  binding.pry\nend\n"),
        ],
    ),
)
