"""`skipped-or-focused-test`: added `.only` / `fit` (the suite runs one test) and skips without a reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Severity
from rules.checks.candidates import bare_ruby_calls, captures_around, positions, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "skipped-or-focused-test"
PYTHON = """
(decorator [(attribute) @skip (call function: (attribute) @skip)]
  (#any-of? @skip "pytest.mark.skip" "mark.skip" "pytest.mark.skipif" "mark.skipif"
    "unittest.skip" "unittest.skipIf" "unittest.skipUnless"))
"""
# Only calls shaped like a test (a name first) count, so `fit(model, data)` is not a focused test.
_NAMED = "arguments: (arguments . [(string) (template_string)])"
JS = f"""
((call_expression function: (member_expression object: (identifier) @o property: (property_identifier) @p)
  {_NAMED}) @focused
  (#any-of? @o "it" "describe" "test" "context" "suite") (#eq? @p "only"))
((call_expression function: (identifier) @fn {_NAMED}) @focused (#any-of? @fn "fit" "fdescribe"))
((call_expression function: (member_expression object: (identifier) @o property: (property_identifier) @p)
  {_NAMED}) @skipped
  (#any-of? @o "it" "describe" "test" "context" "suite") (#eq? @p "skip"))
((call_expression function: (identifier) @fn {_NAMED}) @skipped
  (#any-of? @fn "xit" "xdescribe" "xtest" "xcontext"))
"""
GO = """
((call_expression function: (selector_expression field: (field_identifier) @f)) @go_skip
  (#any-of? @f "Skip" "SkipNow"))
"""
# JUnit 4's `@Ignore` and JUnit 5's `@Disabled`, by simple or qualified name.
JAVA = """
([(marker_annotation name: (_) @a) (annotation name: (_) @a)] @java_skip
  (#match? @a "^(org\\.junit\\.(jupiter\\.api\\.)?)?(Ignore|Disabled)$"))
"""
RUST = """((attribute_item (attribute . (identifier) @a)) @rust_ignore (#eq? @a "ignore"))"""
# RSpec: `fit`/`fdescribe`/… and `focus: true` / `:focus` metadata focus; `xit`/`xdescribe`/… and `skip`
# without a reason skip (Minitest's `skip` too). A name first makes the call a test's.
_RB_NAMED = "arguments: (argument_list . [(string) (constant) (scope_resolution)])"
RUBY = f"""
((call method: (identifier) @m {_RB_NAMED}) @focused
  (#any-of? @m "fit" "fdescribe" "fcontext" "fspecify" "fexample" "ffeature" "fscenario" "focus"))
((call method: (identifier) @m
   arguments: (argument_list [(pair key: (hash_key_symbol) @k value: (true)) (simple_symbol) @k])) @focused
  (#any-of? @m "it" "describe" "context" "specify" "example" "scenario" "feature")
  (#any-of? @k "focus" ":focus"))
((call !receiver method: (identifier) @m {_RB_NAMED}) @skipped
  (#any-of? @m "xit" "xdescribe" "xcontext" "xspecify" "xexample" "xscenario" "xfeature"))
((call !receiver method: (identifier) @m) @rb_skip (#eq? @m "skip"))
"""
QUERIES = {
    "python": PYTHON,
    "javascript": JS,
    "typescript": JS,
    "tsx": JS,
    "go": GO,
    "java": JAVA,
    "rust": RUST,
    "ruby": RUBY,
}
# The queries run only around these words, on the construct each sits at the top of.
_RB_FOCUS = (b"fit", b"fdescribe", b"fcontext", b"fspecify", b"fexample", b"ffeature", b"fscenario", b"focus")
_RB_SKIP = (b"xit", b"xdescribe", b"xcontext", b"xspecify", b"xexample", b"xscenario", b"xfeature", b"skip")
_JS_MARKERS = (b"only", b"skip", b"fit", b"fdescribe", b"xit", b"xdescribe", b"xtest", b"xcontext")
MARKERS = {
    "python": (b"skip",),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"Skip",),
    "java": (b"Ignore", b"Disabled"),
    "rust": (b"ignore",),
    "ruby": _RB_FOCUS + _RB_SKIP,
}
_CALLS = frozenset({"call_expression"})
ANCHORS = {
    "python": frozenset({"decorator"}),
    "javascript": _CALLS,
    "typescript": _CALLS,
    "tsx": _CALLS,
    "go": _CALLS,
    "java": frozenset({"marker_annotation", "annotation"}),
    "rust": frozenset({"attribute_item"}),
    "ruby": frozenset({"call"}),
}
# Which argument gives the reason: (position, keyword); pytest's skipif takes it by keyword only.
_REASON = {
    "skip": (0, "reason"),
    "skipif": (None, "reason"),
    "skipIf": (1, "reason"),
    "skipUnless": (1, "reason"),
}


class Config(CheckConfig):
    """Focused tests fail the gate; skips without a reason are annotated."""

    severity: Level = Field("error", description="Focused tests (`.only`, `fit`); `off` turns the rule off.")
    skipped: Level = Field("warning", description="Skips without a reason (`it.skip`, `@pytest.mark.skip`).")


def _has_reason(source: Source, decorator: Node) -> bool:
    """Whether a skip decorator gives a non-empty reason (`@pytest.mark.skip` alone gives none)."""
    if decorator.type != "call":
        return False
    name = text_of(source, decorator.child_by_field_name("function") or decorator)
    position, keyword = _REASON[name.decode("utf-8", "replace").rsplit(".", 1)[-1]]
    arguments = decorator.child_by_field_name("arguments")
    given = arguments.named_children if arguments else []
    positional = [a for a in given if a.type not in {"keyword_argument", "comment"}]
    for argument in given:
        named = argument.child_by_field_name("name")
        if (
            argument.type == "keyword_argument"
            and named is not None
            and text_of(source, named) == keyword.encode()
        ):
            return _non_empty(argument.child_by_field_name("value"))
    return position is not None and len(positional) > position and _non_empty(positional[position])


def _non_empty(value: Node | None) -> bool:
    """A reason that says something: not `""` (a name or an expression is taken on trust)."""
    return value is not None and (value.type != "string" or len(value.named_children) > 2)


def _non_empty_java(argument: Node) -> bool:
    """An annotation's argument that gives a reason: not `""` (a constant is taken on trust)."""
    value = argument.child_by_field_name("value") if argument.type == "element_value_pair" else argument
    return value is not None and (value.type != "string_literal" or value.named_child_count > 0)


def _ruby_test(source: Source) -> bool:
    """A Ruby test file: RSpec's and Minitest's words (`skip`, `fit`) mean something else elsewhere."""
    return source.kind is Kind.TEST or source.path.endswith("_spec.rb")


def _given_nothing(call: Node) -> bool:
    """A call without arguments (`skip`, `skip()`)."""
    arguments = call.child_by_field_name("arguments")
    return arguments is None or arguments.named_child_count == 0


def _test_hit(source: Source, call: Node, message: str, severity: Severity) -> Hit:
    """A hit on a test call keyed by its callee and name, so editing the test's body keeps its fingerprint."""
    arguments = call.child_by_field_name("arguments")
    name = text_of(source, arguments.named_children[0]) if arguments and arguments.named_children else b""
    callee = text_of(source, call.child_by_field_name("function") or call)
    text = (callee + b"(" + name + b")").decode("utf-8", "replace")
    return replace(hit(call, message, severity), text=text)


def finder(config: CheckConfig) -> Finder:
    """Hits on focused tests at `severity` and on skips without a reason at `skipped`."""
    levels = Config.model_validate(config, from_attributes=True)
    focused = severity_of(levels) or Severity.ERROR
    skipped = None if levels.skipped == "off" else Severity(levels.skipped)

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None or (language == "ruby" and not _ruby_test(source)):
            return
        offsets = positions(source.text, MARKERS[language])
        found = captures_around(source, QUERIES[language], offsets, ANCHORS[language])
        for node in found.get("focused", ()):
            yield _test_hit(
                source, node, "focused test: the suite runs only this one; remove `.only` / the `f`", focused
            )
        if skipped is not None:
            yield from _skips(source, found, skipped)

    return find


def _skips(source: Source, found: dict[str, list[Node]], skipped: Severity) -> Iterator[Hit]:
    """Hits on the skips without a reason among what the query `found`."""
    for node in found.get("skipped", ()):
        yield _test_hit(
            source, node, "test skipped; remove the skip or skip with a condition and a reason", skipped
        )
    for node in found.get("skip", ()):
        decorator = node if node.parent is None or node.parent.type != "call" else node.parent
        if not _has_reason(source, decorator):
            yield hit(decorator, "test skipped without a reason; give `reason=` (and a condition)", skipped)
    for node in found.get("go_skip", ()):
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.named_child_count == 0:
            yield hit(node, "test skipped without a reason; use t.Skip(reason)", skipped)
    for node in found.get("java_skip", ()):
        arguments = node.child_by_field_name("arguments")
        if arguments is None or not any(_non_empty_java(a) for a in arguments.named_children):
            yield hit(node, 'test disabled without a reason; give one: `@Disabled("why")`', skipped)
    for node in found.get("rust_ignore", ()):
        attribute = node.named_children[0]
        value = attribute.child_by_field_name("value")
        if value is None or value.type != "string_literal" or value.named_child_count == 0:
            yield hit(node, 'test ignored without a reason; give one: `#[ignore = "why"]`', skipped)
    rb_skips = [n for n in found.get("rb_skip", ()) if _given_nothing(n)]
    if source.language == "ruby":
        rb_skips = sorted([*rb_skips, *bare_ruby_calls(source, (b"skip",))], key=lambda n: n.start_byte)
    for node in rb_skips:
        yield hit(node, 'test skipped without a reason; give one: `skip "why"`', skipped)


RULE = check_rule(
    id=ID,
    summary="Focused tests (`.only`, `fit`) and skips without a reason in added code.",
    help=f"""\
A focused test (`it.only`, `describe.only`, `test.only`, `fit`, `fdescribe`) makes the suite run that test
alone, so CI passes whatever the rest does: it fails the gate (`severity`, default error). A skip without
a reason (`it.skip`, `xit`, `xdescribe`, bare `@pytest.mark.skip`, `@unittest.skip` with no or an empty
reason, `t.Skip()` / `t.SkipNow()` in Go) is annotated (`skipped`, default warning); JavaScript has no
reason to give, so every skip there is. A skip with a condition and a reason
(`@pytest.mark.skipif(sys.platform == "win32", reason="...")`) or a stated reason
(`@pytest.mark.skip(reason="...")`, `@unittest.skip("...")`) is left alone. JavaScript calls count only
when shaped like a test (a name first), so `fit(model, data)` is not one. Java: JUnit's `@Disabled` /
`@Ignore` without a reason (`@Disabled("flaky on CI")` passes). Rust: `#[ignore]` without a reason
(`#[ignore = "needs a network"]` passes). Ruby: RSpec's `fit`, `fdescribe`, `fcontext`, … and
`focus: true` / `:focus` metadata are focused tests (error); `xit`, `xdescribe`, … and `skip` without a
reason (RSpec's and Minitest's) are skips (`skip "no network here"` passes); only in test files (`spec/`,
`test/`, `*_spec.rb`, `*_test.rb`), where RSpec's and Minitest's names mean that. Languages:
{", ".join(QUERIES)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            (
                "a skip with a condition and a reason passes",
                "tests/test_a.py",
                '@pytest.mark.skipif(sys.platform == "win32", reason="no fork")\ndef test_a():\n    pass\n',
            ),
            ("a plain test passes", "a.test.js", 'it("adds", () => {\n  expect(1 + 1).toBe(2);\n});\n'),
            (
                "a JUnit test disabled with a reason passes",
                "src/test/java/ATest.java",
                'class ATest {\n  @Disabled("flaky on CI, #12")\n  @Test\n  void adds() {}\n}\n',
            ),
            (
                "a Rust test ignored with a reason passes",
                "tests/a.rs",
                '#[test]\n#[ignore = "slow"]\nfn adds() {}\n',
            ),
            (
                "an RSpec skip with a reason passes",
                "spec/a_spec.rb",
                'it "adds" do\n  skip "no network"\nend\n',
            ),
        ],
        [
            ("it.only fails", "a.test.js", 'it.only("adds", () => {\n  expect(1 + 1).toBe(2);\n});\n'),
            ("fdescribe fails", "a.spec.ts", 'fdescribe("sum", () => {\n  it("adds", () => {});\n});\n'),
            ("an RSpec fit fails", "spec/a_spec.rb", 'fit "adds" do\n  expect(1 + 1).to eq(2)\nend\n'),
            ("RSpec focus: true fails", "spec/a_spec.rb", 'describe "sum", focus: true do\nend\n'),
        ],
    ),
)
