"""`function-metrics`: length, complexity and nesting of the functions a pull request touches, in each
language, with the ratchet against the base version."""

from __future__ import annotations

import pytest

from bot.core.checks.engine import run_check
from bot.core.files import classify
from bot.core.findings import Finding, Scope
from bot.core.snapshot import ChangedFile, FileStatus, Hunk, PullRequestSnapshot
from rules.checks import function_metrics
from rules.checks.common import added_file


def _py_long(name: str, lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x += {i}\n" for i in range(lines))
    return f"{indent}def {name}(x):\n{body}{indent}    return x\n"


def _py_branches(count: int) -> str:
    return (
        "def f(x):\n"
        + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
        + "    return 0\n"
    )


PY_DEEP = (
    "def f(a):\n    for b in a:\n        if b:\n            while b:\n"
    "                with b:\n                    b()\n"
)
JS_DEEP = (
    "function f(a) {\n  if (a) {\n    for (;;) {\n      while (a) {\n        if (a) { a--; }\n"
    "      }\n    }\n  }\n}\n"
)
JS_ELSE_IFS = (
    "function f(a) {\n  if (a === 1) { return 1; }\n  else if (a === 2) { return 2; }\n"
    "  else if (a === 3) { return 3; }\n  else if (a === 4) { return 4; }\n  return 0;\n}\n"
)
GO_DEEP = (
    "package a\nfunc f(a []int) {\n\tfor _, b := range a {\n\t\tif b > 0 {\n\t\t\tswitch b {\n"
    "\t\t\tcase 1:\n\t\t\t\tif b == 1 {\n\t\t\t\t\tg()\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n"
)
GO_ELSE_IFS = (
    "package a\nfunc f(a int) int {\n\tif a == 1 {\n\t\treturn 1\n\t} else if a == 2 {\n\t\treturn 2\n"
    "\t} else if a == 3 {\n\t\treturn 3\n\t} else if a == 4 {\n\t\treturn 4\n\t}\n\treturn 0\n}\n"
)
TS_BRANCHY = (
    "const f = (a: number, b: boolean): number => {\n"
    + "".join(f"  if (a === {i} && b) {{ return {i}; }}\n" for i in range(6))
    + "  return 0;\n};\n"
)
JAVA_DEEP = (
    "class A {\n  void f(int[] a) {\n    for (int b : a) {\n      if (b > 0) {\n        while (b > 1) {\n"
    "          try { b--; } finally { g(); }\n        }\n      }\n    }\n  }\n}\n"
)
JAVA_BRANCHY = (
    "class A {\n  int f(int a, boolean b) {\n"
    + "".join(f"    if (a == {i} && b) {{ return {i}; }}\n" for i in range(6))
    + "    return 0;\n  }\n}\n"
)
JAVA_ELSE_IFS = (
    "class A {\n  int f(int a) {\n    if (a == 1) { return 1; }\n    else if (a == 2) { return 2; }\n"
    "    else if (a == 3) { return 3; }\n    else if (a == 4) { return 4; }\n    return 0;\n  }\n}\n"
)
RUST_DEEP = (
    "impl Parser {\n    fn f(&self, a: u8) {\n        if a > 0 {\n            for _ in 0..a {\n"
    "                match a {\n                    1 => loop { break; },\n                    _ => {}\n"
    "                }\n            }\n        }\n    }\n}\n"
)
RUST_ELSE_IFS = (
    "fn f(a: u8) -> u8 {\n    if a == 1 {\n        1\n    } else if a == 2 {\n        2\n"
    "    } else if a == 3 {\n        3\n    } else if a == 4 {\n        4\n"
    "    } else {\n        0\n    }\n}\n"
)
RUBY_BRANCHY = (
    "class A\n  def f(a)\n"
    + "".join(f"    return {i} if a == {i} || a == -{i}\n" for i in range(5))
    + "    0\n  end\nend\n"
)
RUBY_ELSIFS = (
    "def f(a)\n  if a == 1\n    1\n  elsif a == 2\n    2\n  elsif a == 3\n    3\n  else\n    0\n  end\nend\n"
)

# (name, path, text, messages' starts)
CASES = [
    ("py a 70-line function", "a.py", _py_long("f", 68), ["`f`: lines 70 (limit 60)"]),
    ("py a 60-line function is at the limit", "a.py", _py_long("f", 58), []),
    ("py eleven ifs", "a.py", _py_branches(11), ["`f`: complexity 12 (limit 10)"]),
    ("py nine ifs", "a.py", _py_branches(9), []),
    ("py four levels", "a.py", PY_DEEP, ["`f`: nesting depth 4 (limit 3)"]),
    (
        "py a method is named by its class",
        "a.py",
        "class A:\n" + _py_long("m", 68, "    "),
        ["`A.m`: lines 70"],
    ),
    (
        "py a long nested function is its own, not its parent's",
        "a.py",
        "def outer():\n" + _py_long("inner", 68, "    ") + "    return inner\n",
        ["`outer`: lines 72", "`outer.inner`: lines 70"],
    ),
    (
        "py a parent's complexity leaves out its nested function's branches",
        "a.py",
        "def outer(x):\n    def inner(y):\n"
        + "".join(f"        if y == {i}:\n            return {i}\n" for i in range(11))
        + "    return inner\n",
        ["`outer.inner`: complexity 12"],
    ),
    ("js four levels", "a.js", JS_DEEP, ["`f`: nesting depth 4 (limit 3)"]),
    ("js else-if chain is one level", "a.js", JS_ELSE_IFS, []),
    ("ts && counts as a branch", "a.ts", TS_BRANCHY, ["`f`: complexity 13 (limit 10)"]),
    ("go four levels", "a.go", GO_DEEP, ["`f`: nesting depth 4 (limit 3)"]),
    ("go else-if chain is one level", "a.go", GO_ELSE_IFS, []),
    ("java four levels", "A.java", JAVA_DEEP, ["`A.f`: nesting depth 4 (limit 3)"]),
    ("java && counts as a branch", "A.java", JAVA_BRANCHY, ["`A.f`: complexity 13 (limit 10)"]),
    ("java else-if chain is one level", "A.java", JAVA_ELSE_IFS, []),
    ("rust four levels, named by its impl", "src/a.rs", RUST_DEEP, ["`Parser.f`: nesting depth 4 (limit 3)"]),
    ("rust else-if chain is one level", "src/a.rs", RUST_ELSE_IFS, []),
    (
        "ruby modifiers and || count as branches",
        "lib/a.rb",
        RUBY_BRANCHY,
        ["`A.f`: complexity 11 (limit 10)"],
    ),
    ("ruby elsif chain", "lib/a.rb", RUBY_ELSIFS, []),
    ("no grammar for text", "a.txt", _py_long("f", 100), []),
]


def _run(snapshot: PullRequestSnapshot, **limits: int) -> tuple[Finding, ...]:
    finder = function_metrics.finder(function_metrics.Config(**limits))
    return run_check(function_metrics.ID, Scope.TOUCHED, finder, snapshot, classify(snapshot))


@pytest.mark.parametrize(("name", "path", "text", "found"), CASES, ids=[c[0] for c in CASES])
def test_function_metrics_cases(name: str, path: str, text: str, found: list[str]) -> None:
    """Each limit fires on a function over it in each language; look-alikes at or under a limit, an
    `else if` chain and a nested function's branches do not count against the parent."""
    messages = [f.message for f in _run(added_file(path, text))]
    assert len(messages) == len(found)
    for message, start in zip(messages, found, strict=True):
        assert message.startswith(start)


def _edited(path: str, base: str, head: str, added: tuple[int, ...]) -> PullRequestSnapshot:
    """A pull request turning `base` into `head`, adding the head's lines `added`."""
    data = head.encode()
    hunk = Hunk(1, len(base.splitlines()), 1, len(head.splitlines()), added, ())
    file = ChangedFile(
        path,
        FileStatus.MODIFIED,
        len(added),
        0,
        hunks=(hunk,),
        head=data,
        head_size=len(data),
        base=base.encode(),
    )
    snapshot = added_file(path, head)
    return PullRequestSnapshot(snapshot.pull_request, (file,))


def test_a_function_already_too_long_that_got_no_longer_does_not_fire() -> None:
    """Ratchet: a one-line edit inside a function 70 lines long at the base, still 70, is not the pull
    request's doing; one more line is, and the message says what it was."""
    base = _py_long("f", 68)
    same = base.replace("x += 3\n", "x += 4\n")
    assert _run(_edited("a.py", base, same, (5,))) == ()
    longer = base.replace("x += 3\n", "x += 3\n    x += 3\n")
    (found,) = _run(_edited("a.py", base, longer, (6,)))
    assert found.message.startswith("`f`: lines 71 (limit 60, was 70)")


def test_a_function_brought_over_a_limit_fires_though_the_base_had_it() -> None:
    """Ratchet: a function under the limit at the base that the pull request pushes over it counts."""
    base = _py_long("f", 50)
    head = _py_long("f", 68)
    (found,) = _run(_edited("a.py", base, head, tuple(range(52, 70))))
    assert found.message.startswith("`f`: lines 70 (limit 60);")


def test_an_untouched_long_function_does_not_fire() -> None:
    """A long function none of whose lines the pull request added is not its own."""
    head = _py_long("f", 68) + "\n\ndef g():\n    return 1\n"
    assert _run(_edited("a.py", head, head, (73,))) == ()


def test_a_limit_of_zero_is_off() -> None:
    """`max_lines: 0` checks no length."""
    assert _run(added_file("a.py", _py_long("f", 100)), max_lines=0) == ()


def test_a_function_is_measured_whole_though_one_line_of_it_is_added() -> None:
    """The branches above and below the one added line count: the function is measured beyond the rows
    the pull request added."""
    head = _py_branches(11)
    (found,) = _run(_edited("a.py", "x = 1\n", head, (12,)))
    assert found.message.startswith("`f`: complexity 12 (limit 10)")


def test_a_conditional_opening_with_a_function_counts_for_the_function_around_it() -> None:
    """`function () {…}.call(this) ? 1 : 2` is a branch of `f`, not of the function expression it opens
    with."""
    ternaries = "".join(
        f"  const v{i} = function () {{ return {i}; }}.call(this) ? 1 : 2;\n" for i in range(10)
    )
    messages = [f.message for f in _run(added_file("a.js", f"function f() {{\n{ternaries}}}\n"))]
    assert messages == ["`f`: complexity 11 (limit 10); split it up"]


def test_the_base_figures_of_a_name_are_those_of_its_last_function() -> None:
    """Ratchet: of two base functions of one qualified name, the last in the file is the one compared (the
    one Python keeps)."""
    base = _py_long("f", 68) + _py_long("f", 65)
    head = _py_long("f", 68) + _py_long("f", 67)
    (found,) = _run(_edited("a.py", base, head, (138, 139)))
    assert found.message.startswith("`f`: lines 69 (limit 60, was 67)")
