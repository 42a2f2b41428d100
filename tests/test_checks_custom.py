"""Custom rules of the rules file: checked when it loads (query, predicates, examples), then run on the
added lines of the files their languages and globs name."""

from __future__ import annotations

import pytest

from bot.core.checks.languages import LANGUAGES
from bot.core.config import load_config, validate_text
from bot.core.findings import Severity
from bot.core.report.rulesdoc import render_explain, render_rules_init
from bot.core.snapshot import ChangedFile, ConfigSource, FileStatus, Hunk, PullRequestSnapshot
from bot.core.verdict import Conclusion, evaluate
from rules import RULES
from rules.checks.common import added_file
from rules.checks.custom import Language

PATH = ".github/scopegate.yml"
PRINT = '((call function: (identifier) @fn) @finding (#eq? @fn "print"))'


def _rules(query: str, *, extra: str = "", bad: str = '["print(1)"]', good: str = '["log(1)"]') -> str:
    """A rules file of one custom rule for Python, its query on line 6 as a single-quoted scalar."""
    quoted = query.replace("'", "''")
    return (
        "checks:\n"
        "  custom:\n"
        "    - id: no-print\n"
        "      languages: [python]\n"
        "      message: print() in library code\n"
        f"      query: '{quoted}'\n"
        f"      examples: {{bad: {bad}, good: {good}}}\n"
        f"{extra}"
    )


REJECTED = [
    (
        "an unknown predicate is silently true in tree-sitter",
        _rules(PRINT.replace("#eq?", "#eqq?")),
        (6, "python query, line 1, column 46: the predicate #eqq? is not supported"),
    ),
    (
        "#not-any-of? matches everything in 0.26.1",
        _rules('((call function: (identifier) @fn) @finding (#not-any-of? @fn "log" "info"))'),
        (6, "the predicate #not-any-of? is not supported"),
    ),
    (
        "#set! is a property, not a filter",
        _rules('((call function: (identifier) @fn) @finding (#eq? @fn "print") (#set! kind "debug"))'),
        (6, "the predicate #set! is not supported"),
    ),
    (
        "#is? is a property, not a filter",
        _rules('((call function: (identifier) @fn) @finding (#eq? @fn "print") (#is? local))'),
        (6, "the predicate #is? is not supported"),
    ),
    (
        "#is-not? is a property, not a filter",
        _rules('((call function: (identifier) @fn) @finding (#eq? @fn "print") (#is-not? local))'),
        (6, "the predicate #is-not? is not supported"),
    ),
    (
        "a misspelt field, with its line and column in the query",
        _rules('((call functio: (identifier) @fn) @finding (#eq? @fn "print"))'),
        (6, "python query does not compile: line 1, column 8: invalid field name: functio"),
    ),
    (
        "a node type the grammar lacks",
        _rules("(call function: (identifer) @finding)"),
        (6, "python query does not compile: line 1, column 18: invalid node type: identifer"),
    ),
    (
        "an unclosed pattern",
        _rules("((call) @finding"),
        (6, "python query does not compile: unexpected EOF (at the end of the query)"),
    ),
    (
        "a predicate with too few arguments",
        _rules("((call function: (identifier) @fn) @finding (#eq? @fn))"),
        (6, "#eq? expects 2 arguments, got 1"),
    ),
    (
        "a regular expression that does not compile",
        _rules('((call function: (identifier) @fn) @finding (#match? @fn "(print"))'),
        (6, "regular expression error"),
    ),
    (
        "no @finding capture",
        _rules('((call function: (identifier) @fn) @call (#eq? @fn "print"))'),
        (6, "python query captures no @finding"),
    ),
    (
        "a bad example the query does not find",
        _rules(PRINT, bad='["pprint(1)"]'),
        (7, "bad[0] 'pprint(1)' is not found by the query"),
    ),
    (
        "a good example the query finds",
        _rules(PRINT, good='["log(1)", "print(2)"]'),
        (7, "good[1] 'print(2)' is found by the python query"),
    ),
    (
        "no good example",
        _rules(PRINT, good="[]"),
        (7, "List should have at least 1 item"),
    ),
    (
        "a language without a grammar",
        _rules(PRINT).replace("[python]", "[cobol]"),
        (4, "checks.custom.0.languages.0: Input should be"),
    ),
    (
        "two rules of one id",
        _rules(
            PRINT,
            extra="    - id: no-print\n      query: {go: '(call_expression) @finding'}\n"
            "      message: m\n      examples: {bad: ['f()'], good: ['var x = 1']}\n",
        ),
        (2, "two custom rules are named 'no-print'"),
    ),
    (
        "the id of a built-in rule",
        _rules(PRINT).replace("id: no-print", "id: debug-output"),
        (3, "checks.custom.0.id: Value error, 'debug-output' is a built-in rule's id"),
    ),
    (
        "an id a suppression comment could not name",
        _rules(PRINT).replace("id: no-print", "id: No Print"),
        (3, "checks.custom.0.id: String should match pattern"),
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), REJECTED, ids=[c[0] for c in REJECTED])
def test_a_custom_rule_that_cannot_work_is_refused_where_it_is(
    name: str, text: str, expected: tuple[int, str]
) -> None:
    """A query that does not compile, a predicate tree-sitter would ignore, or an example that does not
    hold is a problem of the rules file at the rule's line, saying what is wrong."""
    (problem,) = validate_text(RULES, PATH, text)
    line, words = expected
    assert (problem.file, problem.line) == (PATH, line)
    assert words in problem.message


ACCEPTED = [
    ("one query for one language", _rules(PRINT)),
    (
        "a predicate's name inside a string",
        _rules(
            '((call function: (identifier) @fn) @finding (#not-eq? @fn "#set!"))',
            bad='["log(1)"]',
            good='["x = 1"]',
        ),
    ),
    (
        "a predicate in a query comment",
        _rules(PRINT).replace(f"'{PRINT}'", f"|\n        ; (#set! is no predicate here)\n        {PRINT}"),
    ),
    (
        "every allowed predicate",
        _rules(
            "((call function: (identifier) @fn arguments: (argument_list) @args) @finding"
            ' (#eq? @fn "print") (#not-eq? @fn "log") (#any-eq? @fn "print") (#any-not-eq? @fn "x")'
            ' (#match? @fn "^pr") (#not-match? @fn "^lo") (#any-match? @fn "int$") (#any-not-match? @fn "^x")'
            ' (#any-of? @fn "print" "pprint"))'
        ),
    ),
    (
        "one query per language",
        (
            "checks:\n  custom:\n    - id: no-exit\n"
            "      query:\n"
            "        python: '((call function: (identifier) @f) @finding (#eq? @f \"exit\"))'\n"
            "        go: '((call_expression function: (selector_expression) @f) @finding"
            ' (#eq? @f "os.Exit"))\'\n'
            "      message: exiting from library code\n"
            "      examples: {bad: ['exit(1)', 'func f() { os.Exit(1) }'], good: ['sys.exit(1)']}\n"
        ),
    ),
    (
        "queries for Java, Rust and Ruby",
        (
            "checks:\n  custom:\n    - id: no-exit\n"
            "      query:\n"
            "        java: '((method_invocation object: (identifier) @o name: (identifier) @m) @finding"
            ' (#eq? @o "System") (#eq? @m "exit"))\'\n'
            "        rust: '((call_expression function: (scoped_identifier) @f) @finding"
            ' (#eq? @f "process::exit"))\'\n'
            "        ruby: '((call method: (identifier) @m) @finding (#eq? @m \"abort\"))'\n"
            "      message: exiting from library code\n"
            "      examples:\n"
            "        bad:\n"
            "          - 'class A { void f() { System.exit(1); } }'\n"
            "          - 'fn f() { process::exit(1); }'\n"
            "          - 'abort(2)'\n"
            "        good: ['class A { void f() { log.exit(1); } }', 'fn f() { exit(1); }', 'warn(1)']\n"
        ),
    ),
]


@pytest.mark.parametrize(("name", "text"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_a_sound_custom_rule_loads(name: str, text: str) -> None:
    """Look-alikes of the refused: predicate names in strings or comments, every supported predicate."""
    assert validate_text(RULES, PATH, text) == ()


def test_the_languages_named_are_those_with_a_grammar() -> None:
    """The languages a custom rule may name are exactly the engine's."""
    assert set(Language.__args__) == set(LANGUAGES)  # type: ignore[attr-defined]


def _modified(path: str, text: str, added: tuple[int, ...], rules: str) -> PullRequestSnapshot:
    """A pull request adding lines `added` to `path`, whose head reads `text`, under the rules `rules`."""
    snapshot = added_file(path, text, rules)
    data = text.encode()
    count = len(text.splitlines())
    hunk = Hunk(1, count - len(added), 1, count, added, ())
    file = ChangedFile(
        path, FileStatus.MODIFIED, len(added), 0, hunks=(hunk,), head=data, head_size=len(data)
    )
    return PullRequestSnapshot(snapshot.pull_request, (file,), repository=snapshot.repository)


SEVERE = _rules(
    PRINT, extra="      severity: error\n      include: ['src/**']\n      exclude: ['src/cli/**']\n"
)


def _custom(snapshot: PullRequestSnapshot) -> list[tuple[str, int | None, Severity]]:
    return [(f.rule, f.line, f.severity) for f in evaluate(snapshot).findings if f.rule == "no-print"]


def test_a_custom_rule_reports_added_lines_only() -> None:
    """A match on a line the pull request did not add is not its own: only the added one is reported,
    under the custom rule's id and severity."""
    snapshot = _modified("src/a.py", "print(1)\nx = 1\nprint(2)\n", (3,), SEVERE)
    assert _custom(snapshot) == [("no-print", 3, Severity.ERROR)]
    untouched = _modified("src/a.py", "print(1)\nx = 1\n", (2,), SEVERE)
    assert _custom(untouched) == []
    assert evaluate(untouched).conclusion is Conclusion.SUCCESS


@pytest.mark.parametrize(
    ("path", "found"),
    [("src/a.py", 1), ("src/cli/main.py", 0), ("tools/a.py", 0), ("src/a.js", 0)],
    ids=["included", "excluded", "not included", "another language"],
)
def test_a_custom_rule_reads_the_files_its_globs_and_languages_name(path: str, found: int) -> None:
    """`include`, `exclude` and `languages` choose the files."""
    assert len(_custom(added_file(path, "print(1)\n", SEVERE))) == found


def test_a_custom_finding_is_suppressed_by_its_own_id() -> None:
    """`scopegate: ignore[no-print] reason` silences the custom rule, as it does a built-in one."""
    text = "print(1)  # scopegate: ignore[no-print] the CLI's output\n\nprint(2)\n"
    assert [line for _, line, _ in _custom(added_file("src/a.py", text, SEVERE))] == [3]


def test_a_refused_custom_rule_fails_the_check_and_does_not_run() -> None:
    """A rules file with a broken custom rule is a configuration error on the check, not a crash: the
    verdict fails with the problem, and the rule does not run."""
    broken = _rules(PRINT.replace("#eq?", "#not-any-of?"))
    verdict = evaluate(added_file("src/a.py", "log(1)\n", broken))
    assert verdict.conclusion is Conclusion.FAILURE
    (problem,) = [f for f in verdict.findings if f.rule == "config"]
    assert (problem.path, problem.line) == (PATH, 6)
    assert "#not-any-of?" in problem.message
    assert not [f for f in verdict.findings if f.rule == "no-print"]


def test_the_default_file_and_explain_show_custom_rules_as_a_list() -> None:
    """`rules init` writes `custom: []`, and `rules explain` the effective list, not the model's insides."""
    assert "\n  custom: []\n" in render_rules_init(RULES)
    loaded = load_config(RULES, [ConfigSource(PATH, _rules(PRINT))])
    (line,) = [x for x in render_explain(loaded).splitlines() if x.startswith("checks.custom:")]
    assert line.startswith('checks.custom: [{"id": "no-print", "languages": ["python"]')
