"""`test-without-assertion`: an added or edited test that checks nothing, so it fails only if it raises."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.languages import JS_FAMILY
from bot.core.checks.queries import captures
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Scope, Severity
from rules.checks.candidates import enclosing, positions, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, severity_of

ID = "test-without-assertion"
LANGUAGES = ("python", "javascript", "typescript", "tsx", "go", "java", "rust", "ruby")
# Where tests are declared: pytest and unittest functions, the test calls of Jest, Mocha, Vitest,
# Jasmine and node:test, JUnit's annotations, Rust's test attributes, RSpec's examples and Minitest's
# `def test_…`.
MARKERS = {
    "python": (b"def test",),
    "go": (b"func Test",),
    **dict.fromkeys(JS_FAMILY, (b"it(", b"test(")),
    "java": (b"@Test", b"@ParameterizedTest", b"@RepeatedTest", b".Test"),
    "rust": (b"#[test]", b"#[tokio::test", b"#[async_std::test"),
    "ruby": (b"it ", b"it(", b"it {", b"specify ", b"example ", b"scenario ", b"def test_"),
}
# A file's tests in these languages are known by their declaration, not only by their path: Rust's sit
# beside the code they test.
_DECLARED = frozenset({"java", "rust"})
_JAVA_TESTS = frozenset({b"Test", b"ParameterizedTest", b"RepeatedTest"})
# What fails a Rust test besides an assertion: a panic, an unwrapped error, `?` in a test that returns
# a Result (a character of the test's text, like the words of `_CHECKS`).
_RUST_CHECKS = re.compile(rb"panic!|unreachable!|\.unwrap\(|\?")
_RUBY_EXAMPLES = frozenset({b"it", b"specify", b"example", b"scenario", b"its"})
_RUST_FN = re.compile(rb"\bfn[ \t]+(\w+)")
_RUBY_DEF = re.compile(rb"^[ \t]*def[ \t]+(?:self\.)?(\w+[?!]?)", re.M)
_WORDS = re.compile(rb"\b(\w+[?!]?)")
_JS_TESTS = frozenset({b"it", b"test"})
_JS_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})
# What checks a result, in the test's own text: an assert statement or an assertion library's call
# (`assertEqual`, `assert_called_once`, `expect(…)`, `should`, chai's `.to.`), an expected exception or
# warning, an explicit failure, a mock's verification, a snapshot, nose-style helpers (`eq_`, `ok_`) and
# helpers whose name says they check (`check_output`, `verify`, `validate`, `compare`). The words are
# matched anywhere, strings and comments included: a test that merely mentions one is given the benefit.
_CHECKS = re.compile(
    rb"assert|Assert|expect|Expect|raises|Raises|warns|Warns|fail|Fail|should|\.to\.|verify|Verify|check|"
    rb"Check|validate|compare|ensure|snapshot|Snapshot|called|call_count|mock_calls|\beq_|\bne_|\bok_|"
    rb"\bis_\(|\bthrows|rejects|getBy|findBy|\bcy\.|must|Must"
)
# Decorators that make a test's assertion the runner's: an expected failure or exception, a skip, and
# property-based tests, whose claim is that no example raises.
_DECORATED = re.compile(rb"raises|xfail|expectedFailure|skip|given|settings|example|benchmark")
# pytest's and unittest's names of tests (`testing_engine` is a helper).
_GO_TEST = re.compile(rb"Test(?:[A-Z0-9_]\w*)?")
_TEST_NAME = re.compile(rb"test(_\w*|[A-Z0-9]\w*)?")
_YIELDS_OR_RETURNS = re.compile(rb"\byield\b|\breturn[ \t]+[^\s#]")
_SELF_CALL = re.compile(rb"\b(?:self|cls)\.\w+\(")
_CALL = re.compile(rb"(?<![.\w])(\w+)\(")
_DEFINED = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.M)
_IMPORTED = re.compile(rb"^[ \t]*from[ \t]+(\S+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_HELPER_MODULE = re.compile(rb"test|helper|fixture|util|conftest|support|common")


class Config(CheckConfig):
    """Tests that assert nothing are annotated."""

    severity: Level = Field("warning", description="error, warning, info or off.")


def _python(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The test function `def test…` at `offset`, at a module's or a class's top: (the node to report,
    its name, its body); None for anything else, and for a test that hands its checking to a helper."""
    tree = source.tree
    function = enclosing(tree.root_node, offset, offset + 3, {"function_definition"}, 1) if tree else None
    if function is None:
        return None
    name, body = function.child_by_field_name("name"), function.child_by_field_name("body")
    if name is None or body is None or not _TEST_NAME.fullmatch(text_of(source, name)):
        return None
    node = function
    if function.parent is not None and function.parent.type == "decorated_definition":
        node = function.parent
        decorators = [c for c in node.named_children if c.type == "decorator"]
        if any(_DECORATED.search(text_of(source, d)) for d in decorators):
            return None
    if not _at_top(node):
        return None
    return node, text_of(source, name), body


def _at_top(node: Node) -> bool:
    """Whether a definition sits at its module's top or in a class there (a `def test` nested in a
    function is a test's own material)."""
    parent = node.parent
    while parent is not None and parent.type in {"block", "class_definition", "decorated_definition"}:
        parent = parent.parent
    return parent is not None and parent.type == "module"


def _delegates(source: Source, body: Node, code: bytes, helpers: Callable[[], frozenset[bytes]]) -> bool:
    """Whether a test hands its checking to something else: it yields cases to a collector, returns a
    value (then it is a helper, not a test), calls one of its own class's methods (`self._check(…)`), a
    fixture it is given (`do_numeric_test(…)`), or a function this file defines or imports from a test
    helper module."""
    if _YIELDS_OR_RETURNS.search(code) or _SELF_CALL.search(code):
        return True
    called = {m[1] for m in _CALL.finditer(code)}
    if not called:
        return False
    parameters = body.parent.child_by_field_name("parameters") if body.parent else None
    given = {_parameter(source, p) for p in parameters.named_children} if parameters else set()
    return not called.isdisjoint(given) or not called.isdisjoint(helpers())


def _parameter(source: Source, parameter: Node) -> bytes:
    """A parameter's name (`x`, `x: int`, `x=1`, `x: int = 1`)."""
    name = parameter.child_by_field_name("name")
    if name is None and parameter.type == "typed_parameter" and parameter.named_children:
        name = parameter.named_children[0]
    return text_of(source, name or parameter)


def _helpers(source: Source) -> frozenset[bytes]:
    """The functions a test file defines (not its tests) or imports from a relative, test, helper,
    fixture or utility module: they may assert for the test that calls them."""
    text = source.text
    names = {m[1] for m in _DEFINED.finditer(text) if not _TEST_NAME.fullmatch(m[1])}
    for match in _IMPORTED.finditer(text):
        if match[1].startswith(b".") or _HELPER_MODULE.search(match[1]):
            names |= {n.split()[-1] for n in match[2].strip(b"()\\ \n").split(b",") if n.strip()}
    return frozenset(names)


def _javascript(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The test call `it("…", () => {…})` at `offset`: (the call, its title, the callback)."""
    tree = source.tree
    call = enclosing(tree.root_node, offset, offset + 1, {"call_expression"}, 2) if tree else None
    if call is None:
        return None
    function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if function is None or arguments is None or text_of(source, function) not in _JS_TESTS:
        return None
    given = arguments.named_children
    if len(given) < 2 or given[0].type not in {"string", "template_string"}:
        return None
    callback = given[-1] if given[-1].type in _JS_FUNCTIONS else None
    if callback is None:
        return None
    parameters = callback.child_by_field_name("parameters") or callback.child_by_field_name("parameter")
    if parameters is not None and parameters.named_child_count > 0:
        return None  # `t` (node:test, ava, tape) or `done`: the test checks through it
    return call, text_of(source, given[0]), callback


def _go(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The test `func TestXxx(t *testing.T)` at `offset`: (the function, its name, its body); None for
    a test that checks through its `t` (`t.Errorf`, `t.Fatal`, `t.Run`, `t` handed to a helper)."""
    tree = source.tree
    function = enclosing(tree.root_node, offset, offset + 4, {"function_declaration"}, 1) if tree else None
    if function is None:
        return None
    name, body = function.child_by_field_name("name"), function.child_by_field_name("body")
    parameters = function.child_by_field_name("parameters")
    given = parameters.named_children if parameters else []
    if name is None or body is None or len(given) != 1 or not _GO_TEST.fullmatch(text_of(source, name)):
        return None
    declared = given[0].child_by_field_name("name")
    kind = given[0].child_by_field_name("type")
    if declared is None or kind is None or text_of(source, kind) != b"*testing.T":
        return None
    t = re.escape(text_of(source, declared))
    uses = rb"\b" + t + rb"\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow|Run|Skip|Skipf|SkipNow)\b"
    handed = rb"[(,]\s*" + t + rb"\s*[,)]"
    if re.search(uses, text_of(source, body)) or re.search(handed, text_of(source, body)):
        return None
    return function, text_of(source, name), body


@lru_cache(maxsize=1)  # the file's tests are read one after another
def _own_helpers(source: Source, defined: re.Pattern[bytes], tests: bool) -> frozenset[bytes]:
    """The functions or methods a file defines, those named like tests apart unless `tests` (Rust's
    tests are known by their attribute, and its helpers are often named `test_with_…`): they may check
    for the test that calls them."""
    return frozenset(m[1] for m in defined.finditer(source.text) if tests or not _TEST_NAME.fullmatch(m[1]))


def _calls_helper(body: bytes, helpers: frozenset[bytes]) -> bool:
    """Whether a test's text names one of its file's helpers (called, with or without parentheses)."""
    return any(m[1] in helpers for m in _WORDS.finditer(body))


@lru_cache(maxsize=1)
def _java_helpers(source: Source) -> frozenset[bytes]:
    """The methods a Java file declares, tests apart (annotated `@Test` or named `test…`)."""
    tree = source.tree
    found = (
        captures("java", "(method_declaration name: (identifier) @name) @method", tree.root_node)
        if tree
        else {}
    )
    return frozenset(
        text_of(source, n)
        for n, m in zip(found.get("name", ()), found.get("method", ()), strict=True)
        if b"@Test" not in text_of(source, m)[: n.start_byte - m.start_byte]
    )


def _java(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The JUnit test `@Test void name() {…}` at `offset`: (the method, its name, its body); None for a
    test that expects an exception (`@Test(expected = …)`) or calls a method its file declares."""
    tree = source.tree
    at = offset + 1
    annotation = (
        enclosing(tree.root_node, at, at + 1, {"marker_annotation", "annotation"}, 2) if tree else None
    )
    modifiers = annotation.parent if annotation is not None else None
    method = modifiers.parent if modifiers is not None else None
    if annotation is None or method is None or method.type != "method_declaration":
        return None
    name = annotation.child_by_field_name("name")
    if name is None or text_of(source, name).rpartition(b".")[2] not in _JAVA_TESTS:
        return None
    if annotation.type == "annotation" and b"expected" in text_of(source, annotation):
        return None
    title, body = method.child_by_field_name("name"), method.child_by_field_name("body")
    if title is None or body is None or _calls_helper(text_of(source, body), _java_helpers(source)):
        return None
    return method, text_of(source, title), body


def _rust(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The test `#[test] fn name() {…}` at `offset`: (the function, its name, its body); None for a test
    that expects a panic (`#[should_panic]`), is ignored, fails by a panic, an unwrap or `?`, or calls a
    function its file defines."""
    tree = source.tree
    item = enclosing(tree.root_node, offset, offset + 1, {"attribute_item"}, 1) if tree else None
    function = item
    while function is not None and function.type == "attribute_item":
        if re.search(rb"should_panic|ignore", text_of(source, function)):
            return None
        function = function.next_named_sibling
    if function is None or function.type != "function_item":
        return None
    name, body = function.child_by_field_name("name"), function.child_by_field_name("body")
    if name is None or body is None:
        return None
    code = text_of(source, body)
    if _RUST_CHECKS.search(code) or _calls_helper(
        code, _own_helpers(source, _RUST_FN, tests=True) - {text_of(source, name)}
    ):
        return None
    return function, text_of(source, name), body


def _ruby(source: Source, offset: int) -> tuple[Node, bytes, Node] | None:
    """The RSpec example `it "…" do … end` or Minitest test `def test_…` at `offset`: (the node, its
    name, its body); None for one that calls a method its file defines."""
    tree = source.tree
    if tree is None or not (source.kind is Kind.TEST or source.path.endswith("_spec.rb")):
        return None
    if source.text.startswith(b"def", offset):
        method = enclosing(tree.root_node, offset, offset + 3, {"method"}, 1)
        name = method.child_by_field_name("name") if method is not None else None
        if method is None or name is None or not _TEST_NAME.fullmatch(text_of(source, name)):
            return None
        body = method.child_by_field_name("body") or name  # an empty test: its name, which checks nothing
        found: tuple[Node, bytes, Node] = (method, text_of(source, name), body)
    else:
        call = enclosing(tree.root_node, offset, offset + 1, {"call"}, 1)
        if call is None or call.child_by_field_name("receiver") is not None:
            return None
        method_name, block = call.child_by_field_name("method"), call.child_by_field_name("block")
        if method_name is None or block is None:
            return None
        if text_of(source, method_name) not in _RUBY_EXAMPLES or method_name.start_byte != offset:
            return None
        arguments = call.child_by_field_name("arguments")
        title = (
            text_of(source, arguments.named_children[0]) if arguments and arguments.named_children else b"it"
        )
        found = (call, title, block)
    if _calls_helper(text_of(source, found[2]), _own_helpers(source, _RUBY_DEF, tests=False)):
        return None
    return found


def _code(source: Source, body: Node) -> bytes:
    """A test's text without its docstring ("Checks that…" is no check)."""
    first = body.named_children[0] if body.named_children else None
    docstring = first is not None and first.type == "expression_statement" and first.named_children
    if first is not None and docstring and first.named_children[0].type == "string":
        return source.text[first.end_byte : body.end_byte]
    return text_of(source, body)


def finder(config: CheckConfig) -> Finder:
    """Hits on tests in test files whose text holds no assertion."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        language = source.language
        if language not in MARKERS or source.tree is None:
            return
        if source.kind is not Kind.TEST and language not in _DECLARED | {"ruby"}:
            return
        read = {"python": _python, "go": _go, "java": _java, "rust": _rust, "ruby": _ruby}.get(
            language, _javascript
        )
        helpers = cache(lambda: _helpers(source))
        seen: set[int] = set()
        for offset in sorted(positions(source.text, MARKERS[language])):
            found = read(source, offset)
            if found is None or found[0].id in seen:
                continue
            node, name, body = found
            seen.add(node.id)
            code = _code(source, body)
            if _CHECKS.search(code) or (language == "python" and _delegates(source, body, code, helpers)):
                continue
            title = name.decode("utf-8", "replace")
            start, end = node.start_point, node.end_point
            message = f"test {title} asserts nothing (no assert, expect or expected exception)"
            yield Hit(start.row + 1, end.row + 1, start.column, message, title, severity)

    return find


_JUNIT = "class SumTest {{\n  @Test\n  void adds() {{\n    {}\n  }}\n}}\n"

RULE = check_rule(
    id=ID,
    summary="Added or edited tests that check nothing (no assert, expect or expected exception).",
    help=f"""\
A test that asserts nothing passes whatever the code does. In a test file, a pytest or unittest function
(`def test…`, also in a class), a Jest, Mocha, Vitest or Jasmine test (`it("…", () => {{…}})`,
`test(…)`) and a Go `func TestXxx(t *testing.T)` whose text holds no check is reported when the pull
request adds or edits a line of it (scope `touched`). A check is an `assert` statement, an assertion
call (`assertEqual`, `assert_called_once`, `expect(…)`, `should`, chai's `.to.`), an expected exception
or warning (`pytest.raises`, `assertRaises`, `toThrow`, `rejects`), an explicit failure, a mock's
verification (`called`, `call_count`), a snapshot, Testing Library's `getBy…`/`findBy…` (they throw),
Cypress's `cy.` commands, or a helper whose name says it checks (`check…`, `verify…`, `validate…`,
`compare…`). A test decorated with an expected failure, a skip or Hypothesis's `@given`, a JavaScript
test whose callback takes a parameter (`t`, `done`), and a Go test that calls `t.Error…`/`t.Fatal…`/
`t.Fail…`/`t.Run`/`t.Skip…` or hands `t` to a helper, are left alone. Java: a JUnit `@Test` /
`@ParameterizedTest` / `@RepeatedTest` method (in any file: the annotation declares it) without an
assert, `verify`, `assertThrows` or `fail`; `@Test(expected = …)` and a test calling a method its file
declares pass. Rust: a `#[test]` (or `#[tokio::test]`) function without an `assert…!`, a `panic!`, an
`.unwrap()`, `.expect(…)` or `?`; `#[should_panic]`, ignored tests and a test calling a function its file
defines pass. Ruby, in spec and test files: an RSpec `it`/`specify`/`example` block or a Minitest
`def test_…` without `expect`, `should`, `assert` or `must`, unless it calls a method the file defines.
Severity `warning`.
Languages: {", ".join(LANGUAGES)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            (
                "a test with an assert passes",
                "tests/test_sum.py",
                "def test_sum():\n    assert sum([1, 2]) == 3\n",
            ),
            (
                "a test with expect passes",
                "sum.test.js",
                'it("adds", () => {\n  expect(sum(1, 2)).toBe(3);\n});\n',
            ),
            (
                "a JUnit test with assertEquals passes",
                "src/test/java/SumTest.java",
                _JUNIT.format("assertEquals(3, sum(1, 2));"),
            ),
            (
                "a Rust test with assert_eq! passes",
                "src/lib.rs",
                "#[test]\nfn adds() {\n    assert_eq!(sum(1, 2), 3);\n}\n",
            ),
            (
                "an RSpec example with expect passes",
                "spec/sum_spec.rb",
                'it "adds" do\n  expect(sum(1, 2)).to eq(3)\nend\n',
            ),
        ],
        [
            ("a test that only calls fails", "tests/test_sum.py", "def test_sum():\n    sum([1, 2])\n"),
            ("a test without expect fails", "sum.test.ts", 'test("adds", () => {\n  sum(1, 2);\n});\n'),
            ("a JUnit test that only calls fails", "src/test/java/SumTest.java", _JUNIT.format("sum(1, 2);")),
            ("a Rust test that only calls fails", "src/lib.rs", "#[test]\nfn adds() {\n    sum(1, 2);\n}\n"),
            ("an RSpec example without expect fails", "spec/sum_spec.rb", 'it "adds" do\n  sum(1, 2)\nend\n'),
        ],
    ),
    scope=Scope.TOUCHED,
)
