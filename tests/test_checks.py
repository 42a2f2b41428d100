"""The tree-sitter checks: real grammars, scopes, suppression and fingerprints."""

from __future__ import annotations

import time

import pytest

from bot.core.checks.engine import Finder, Hit, run_check, run_checks
from bot.core.checks.languages import language_of
from bot.core.checks.source import Source, Trees, parse
from bot.core.checks.suppression import suppressed
from bot.core.files import Kind, classify
from bot.core.findings import Finding, Scope
from bot.core.snapshot import ChangedFile, FileStatus, Hunk, PullRequestInfo, PullRequestSnapshot
from rules.checks import debug_output, syntax_error
from rules.checks.common import CheckConfig, added_file

CASES = [
    ("py print in library", debug_output, "lib.py", "def f(x):\n    print(x)\n", 1),
    ("py breakpoint", debug_output, "lib.py", "breakpoint()\n", 1),
    ("py pdb in a test", debug_output, "tests/test_a.py", "import pdb\npdb.set_trace()\n", 1),
    ("py print in __main__", debug_output, "tool.py", 'if __name__ == "__main__":\n    print(1)\n', 0),
    ("py print in __main__.py", debug_output, "pkg/__main__.py", "print(1)\n", 0),
    ("py print in a test", debug_output, "tests/test_a.py", "print(1)\n", 0),
    ("py method print", debug_output, "lib.py", "doc.print(1)\n", 0),
    ("js console.log", debug_output, "a.js", "console.log(x);\n", 1),
    ("js debugger", debug_output, "a.js", "debugger;\n", 1),
    ("js logger", debug_output, "a.js", "logger.log(x);\n", 0),
    ("ts console.debug", debug_output, "a.ts", "const a: number = 1;\nconsole.debug(a);\n", 1),
    ("tsx debugger", debug_output, "a.tsx", "const A = () => { debugger; return <div/>; };\n", 1),
    ("go println in a library", debug_output, "x/a.go", "package x\nfunc f() { println(1) }\n", 1),
    ("go println in main", debug_output, "a.go", "package main\nfunc main() { println(1) }\n", 0),
    (
        "java System.out.println",
        debug_output,
        "src/A.java",
        "class A {\n  void f() { System.out.println(1); }\n}\n",
        1,
    ),
    (
        "java System.err.printf",
        debug_output,
        "A.java",
        'class A {\n  void f() { System.err.printf("%d", 1); }\n}\n',
        1,
    ),
    (
        "java printStackTrace",
        debug_output,
        "A.java",
        "class A {\n  void f(Exception e) { e.printStackTrace(); }\n}\n",
        1,
    ),
    (
        "java printStackTrace to a writer",
        debug_output,
        "A.java",
        "class A {\n  void f(Exception e) { e.printStackTrace(writer); }\n}\n",
        0,
    ),
    ("java a logger's println", debug_output, "A.java", "class A {\n  void f() { out.println(1); }\n}\n", 0),
    (
        "java println in static main",
        debug_output,
        "Tool.java",
        "class Tool {\n  public static void main(String[] a) {\n    System.out.println(1);\n  }\n}\n",
        0,
    ),
    (
        "java println in a test",
        debug_output,
        "src/test/java/ATest.java",
        "class ATest {\n  void f() { System.out.println(1); }\n}\n",
        0,
    ),
    ("rust dbg!", debug_output, "src/lib.rs", "fn f(x: u8) -> u8 {\n    dbg!(x)\n}\n", 1),
    ("rust dbg! in main.rs", debug_output, "src/main.rs", "fn main() {\n    dbg!(1);\n}\n", 1),
    ("rust println! in a library", debug_output, "src/lib.rs", 'fn f() {\n    println!("{}", 1);\n}\n', 1),
    ("rust eprintln! in a library", debug_output, "src/lib.rs", 'fn f() {\n    eprintln!("oops");\n}\n', 1),
    ("rust println! in main.rs", debug_output, "src/main.rs", 'fn main() {\n    println!("hi");\n}\n', 0),
    ("rust println! in src/bin", debug_output, "src/bin/tool.rs", 'fn run() {\n    println!("hi");\n}\n', 0),
    (
        "rust println! in a file with fn main",
        debug_output,
        "src/cli.rs",
        'use x;\nfn main() {\n    println!("hi");\n}\n',
        0,
    ),
    (
        "rust println! in a cfg(test) module",
        debug_output,
        "src/lib.rs",
        '#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        println!("{}", 1);\n    }\n}\n',
        0,
    ),
    (
        "rust writeln! to a writer",
        debug_output,
        "src/lib.rs",
        'fn f(w: &mut W) {\n    writeln!(w, "x");\n}\n',
        0,
    ),
    ("ruby puts in a library", debug_output, "lib/a.rb", 'def f\n  puts "x"\nend\n', 1),
    ("ruby p", debug_output, "lib/a.rb", "def f(x)\n  p x\nend\n", 1),
    ("ruby pp with parentheses", debug_output, "lib/a.rb", "def f(x)\n  pp(x)\nend\n", 1),
    ("ruby binding.pry", debug_output, "lib/a.rb", "def f\n  binding.pry\nend\n", 1),
    ("ruby bare byebug", debug_output, "lib/a.rb", "def f\n  byebug\n  g\nend\n", 1),
    ("ruby $stderr.puts", debug_output, "lib/a.rb", 'def f\n  $stderr.puts "x"\nend\n', 0),
    ("ruby a variable named p", debug_output, "lib/a.rb", "def f(p)\n  p\nend\n", 0),
    ("ruby a method called byebug", debug_output, "lib/a.rb", "def byebug\nend\nx.byebug\n", 0),
    ("ruby puts in a Rakefile", debug_output, "Rakefile", 'task :a do\n  puts "done"\nend\n', 0),
    ("ruby puts in a script", debug_output, "tool.rb", '#!/usr/bin/env ruby\nputs "hi"\n', 0),
    ("ruby puts in exe/", debug_output, "exe/tool.rb", 'puts "hi"\n', 0),
    ("ruby puts in a spec", debug_output, "spec/a_spec.rb", 'puts "hi"\n', 0),
    ("py valid", syntax_error, "a.py", "def f(x):\n    return x\n", 0),
    ("py unclosed call", syntax_error, "a.py", "def f(x):\n    return g(x\n", 1),
    ("js valid", syntax_error, "a.js", "const f = (x) => x;\n", 0),
    ("js stray brace", syntax_error, "a.js", "function f() {\n  return 1;\n}}\n", 1),
    ("ts valid generics", syntax_error, "a.ts", "function f<T>(x: T): T { return x; }\n", 0),
    ("tsx valid", syntax_error, "a.tsx", "const A = () => <div>{1}</div>;\n", 0),
    ("go valid", syntax_error, "a.go", "package a\nfunc f() int { return 1 }\n", 0),
    ("go broken", syntax_error, "a.go", "package a\nfunc f() int { return 1 +\n", 1),
    ("no grammar for text", syntax_error, "a.txt", "((((\n", 0),
    ("suppressed with reason", debug_output, "a.py", "print(1)  # scopegate: ignore[debug-output] demo\n", 0),
    ("bare ignore counts", debug_output, "a.py", "print(1)  # scopegate: ignore[debug-output]\n", 1),
]


def _findings(module: object, snapshot: PullRequestSnapshot) -> tuple[Finding, ...]:
    finder = module.finder(CheckConfig(severity="warning"))  # type: ignore[attr-defined]
    return run_check(module.ID, Scope.ADDED, finder, snapshot, classify(snapshot))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "module", "path", "text", "count"), CASES, ids=[c[0] for c in CASES])
def test_check_cases(name: str, module: object, path: str, text: str, count: int) -> None:
    """Each check finds what it should in each language, and look-alikes stay quiet."""
    assert len(_findings(module, added_file(path, text))) == count


def test_lines_the_pull_request_did_not_add_never_count() -> None:
    """A print on a context line of a modified file is not the pull request's: only the added one counts."""
    text = b"print(1)\nx = 1\nprint(2)\n"
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    hunk = Hunk(1, 2, 1, 3, (3,), ())
    file = ChangedFile("lib.py", FileStatus.MODIFIED, 1, 0, hunks=(hunk,), head=text, head_size=len(text))
    found = _findings(debug_output, PullRequestSnapshot(info, (file,)))
    assert [f.line for f in found] == [3]


def test_rules_share_a_files_tree_within_the_budget() -> None:
    """Within the budget a file is parsed once for every rule: the same tree comes back."""
    trees = Trees(budget=1000)
    first = trees.of("a.py", "python", b"x = 1\n")
    assert first is not None
    assert trees.of("a.py", "python", b"x = 1\n") is first


def test_trees_past_the_budget_are_parsed_again_not_kept() -> None:
    """Past the budget (a tree takes ~30 times its text) only the last tree read is kept besides the
    files read first: a file read again after another is parsed again."""
    trees = Trees(budget=10)
    a = trees.of("a.py", "python", b"alpha = 1\n")
    b = trees.of("b.py", "python", b"beta = 2\n")
    assert trees.of("a.py", "python", b"alpha = 1\n") is a
    assert trees.of("b.py", "python", b"beta = 2\n") is b
    trees.of("c.py", "python", b"gamma = 3\n")
    again = trees.of("b.py", "python", b"beta = 2\n")
    assert b is not None
    assert again is not None
    assert again is not b
    assert str(again.root_node) == str(b.root_node)


def test_the_checks_read_each_files_tree_once_past_the_budget() -> None:
    """The evaluation's checks run file by file: every check reads the same tree of a file, also when
    no tree fits the budget, and each file is parsed once."""
    trees = Trees(budget=0)
    files = [
        Source(f"m{i}.py", Kind.SOURCE, b"print(1)\n", frozenset({1}), "python", trees) for i in range(3)
    ]
    seen: list[tuple[str, str, int]] = []

    def reader(name: str) -> Finder:
        def find(source: Source) -> list[Hit]:
            seen.append((name, source.path, id(source.tree)))
            return []

        return find

    run_checks({"one": (Scope.ADDED, reader("one")), "two": (Scope.ADDED, reader("two"))}, files)

    for path in ("m0.py", "m1.py", "m2.py"):
        read = {tree for _, seen_path, tree in seen if seen_path == path}
        assert len(read) == 1, path
    assert [name for name, _, _ in seen] == ["one", "two"] * 3


def test_fingerprint_survives_reindenting() -> None:
    """The fingerprint hashes the node's text with whitespace folded, not its line."""
    first = _findings(debug_output, added_file("a.py", "print( 1 ,\n  2)\n"))
    moved = _findings(debug_output, added_file("a.py", "\n\nprint( 1 ,\n      2)\n"))
    assert first[0].fingerprint == moved[0].fingerprint


def test_a_finding_in_a_file_whose_name_is_not_utf8_has_a_fingerprint() -> None:
    """A name git could not decode (b"\\xff.py", held as lone surrogates) still gets its own id."""
    odd = _findings(debug_output, added_file(b"\xff.py".decode("utf-8", "surrogateescape"), "print(1)\n"))
    plain = _findings(debug_output, added_file("a.py", "print(1)\n"))
    assert len(odd[0].fingerprint) == 20
    assert odd[0].fingerprint != plain[0].fingerprint


@pytest.mark.parametrize(
    ("lines", "line", "expected"),
    [
        (["# scopegate: ignore[debug-output] script", "print(1)"], 2, True),
        (["print(1)  # scopegate: ignore[other-rule] why"], 1, False),
        (["print(1)  # scopegate: ignore[a, debug-output] why"], 1, True),
    ],
    ids=["line above", "another rule", "list of rules"],
)
def test_suppression(lines: list[str], line: int, expected: bool) -> None:
    """An ignore names the rule and gives a reason, on the line or the line above."""
    assert suppressed(lines, line, "debug-output") is expected


def test_a_tree_reads_its_text_after_the_parse_deadline() -> None:
    """Findings read their nodes' text after parsing; a deadline that has passed since must not starve
    the tree of its text (it hung the evaluation of a 1,200-line file of syntax errors)."""
    tree = parse("python", b"line 0\nline 1\n", deadline_s=0.05)
    assert tree is not None
    time.sleep(0.1)
    assert tree.root_node.text == b"line 0\nline 1\n"


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/main/java/a/A.java", "java"),
        ("src/lib.rs", "rust"),
        ("lib/a.rb", "ruby"),
        ("lib/tasks/db.rake", "ruby"),
        ("a.gemspec", "ruby"),
        ("Gemfile", "ruby"),
        ("engines/x/Rakefile", "ruby"),
        ("Gemfile.lock", None),
        ("Cargo.toml", None),
        ("docs/Gemfile.md", None),
    ],
)
def test_which_grammar_reads_a_file(path: str, language: str | None) -> None:
    """Java, Rust and Ruby files are read by their suffix, Ruby's `Gemfile` and `Rakefile` by their name;
    a lockfile or a manifest named after them is not Ruby."""
    assert language_of(path) == language
