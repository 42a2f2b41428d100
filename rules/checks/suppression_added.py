"""`suppression-added`: added comments that silence a linter, a type checker, a coverage or security tool."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.languages import COMMENTS
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.candidates import enclosing, positions, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, severity_of

ID = "suppression-added"


@dataclass(frozen=True, slots=True)
class Directive:
    """A tool's suppression comment: how it is spelled (its `codes` group names what it silences), the
    tool, where it applies, and whether it silences everything when it names nothing."""

    pattern: re.Pattern[bytes]
    word: bytes  # in every spelling, lower case: a comment without it is not read with the pattern
    tool: str
    reach: str
    blanket: bool = True  # without codes it silences every rule; with codes, those
    always_blanket: bool = False  # silences a whole tool whatever it names (`# mypy: ignore-errors`)


def _directive(
    pattern: bytes, tool: str, reach: str, *, blanket: bool = True, whole: bool = False
) -> Directive:
    word = next(w for w in _WORDS if w in pattern.lower())
    return Directive(re.compile(pattern, re.I), word, tool, reach, blanket, whole)


# The words the directives' spellings hold, most specific first.
_WORDS = (
    b"noqa",
    b"type:",
    b"mypy:",
    b"pyright:",
    b"pyre-",
    b"pylint:",
    b"nosec",
    b"pragma:",
    b"-disable",
    b"@ts-",
    b"biome-ignore",
    b"deno-lint-ignore",
    b"ignore",
    b"nolint",
    b"lint:",
    b"noinspection",
    b"nosonar",
    b"checkstyle:",
    b"rubocop",
    b"standard",
    b":nocov:",
)


_CODE_LIST = rb"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*"
# The spellings the tools themselves accept (flake8's and ruff's noqa regexes, mypy's, pyright's,
# pylint's, bandit's; ESLint's and TypeScript's directive comments; golangci-lint's and staticcheck's).
PYTHON = (
    _directive(
        rb"#\s*(?:flake8|ruff)\s*:\s*noqa(?::\s*(?P<codes>" + _CODE_LIST + rb"))?", "flake8/ruff", "the file"
    ),
    _directive(rb"#\s*noqa(?::\s*(?P<codes>" + _CODE_LIST + rb"))?", "flake8/ruff", "this line"),
    _directive(rb"#\s*type:\s*ignore(?P<codes>\[[^\]\n]*\])?", "the type checker", "this line"),
    _directive(rb"#\s*mypy:\s*ignore-errors", "mypy", "the file", whole=True),
    _directive(rb"#\s*mypy:\s*disable-error-code\s*=\s*(?P<codes>\S+)", "mypy", "the file"),
    _directive(rb"#\s*pyright:\s*ignore(?P<codes>\[[^\]\n]*\])?", "pyright", "this line"),
    _directive(rb"#\s*pyre-(?:ignore|fixme)(?P<codes>\[[^\]\n]*\])?", "pyre", "the next line"),
    _directive(rb"#\s*pylint:\s*skip-file", "pylint", "the file", whole=True),
    _directive(
        rb"#\s*pylint:\s*disable(?:-next)?\s*=\s*(?P<codes>[\w\-]+(?:\s*,\s*[\w\-]+)*)",
        "pylint",
        "this line or block",
    ),
    _directive(rb"#\s*nosec\b(?:\s*:?\s*(?P<codes>B\d+(?:[,\s]+B\d+)*))?", "bandit", "this line"),
    _directive(rb"#\s*pragma:\s*no\s*(?:branch|cover)", "coverage", "this block", blanket=False),
)
JS = (
    _directive(
        rb"(?://|/\*)\s*(?:eslint|oxlint)-disable(?P<next>-next-line|-line)?(?=[\s*]|$)"
        rb"(?:[ \t]+(?P<codes>@?[\w/\-]+(?:\s*,\s*@?[\w/\-]+)*))?",
        "ESLint",
        "the rest of the file",
    ),
    _directive(rb"(?://|/\*)\s*@ts-(?:ignore|nocheck)\b", "TypeScript", "the next line"),
    _directive(rb"(?://|/\*)\s*@ts-expect-error\b", "TypeScript", "the next line", blanket=False),
    _directive(rb"(?://|/\*)\s*(?:istanbul|c8)\s+ignore\b", "coverage", "the next node", blanket=False),
    _directive(rb"(?://|/\*)\s*biome-ignore(?:-all|-start)?\s+(?P<codes>[\w/\-]+)", "Biome", "the next line"),
    _directive(
        rb"(?://|/\*)\s*deno-lint-ignore(?:-file)?(?:[ \t]+(?P<codes>[\w\-]+(?:[ \t]+[\w\-]+)*))?",
        "deno lint",
        "the next line",
    ),
)
GO = (
    _directive(rb"//\s?nolint\b(?::(?P<codes>[\w\-]+(?:,[\w\-]+)*))?", "golangci-lint", "this line or block"),
    _directive(rb"//\s?lint:(?:file-)?ignore\s+(?P<codes>\S+)", "staticcheck", "this line", blanket=False),
    _directive(rb"#nosec\b(?:\s+(?P<codes>G\d+(?:[,\s]+G\d+)*))?", "gosec", "this line"),
)
JAVA = (
    _directive(rb"//\s*noinspection\s+(?P<codes>\w+(?:\s*,\s*\w+)*)", "IntelliJ", "the next statement"),
    _directive(rb"//\s*NOSONAR\b", "SonarQube", "this line"),
    _directive(rb"//\s*CHECKSTYLE:\s*OFF\b(?::\s*(?P<codes>\w+))?", "Checkstyle", "the lines below"),
)
RUBY = (
    *(
        _directive(
            rb"#\s*"
            + tool
            + rb"\s*:\s*(?:disable(?:-next)?|todo)\b(?:[ \t]+(?P<codes>[\w/]+(?:\s*,\s*[\w/]+)*))?",
            "RuboCop" if tool == b"rubocop" else "Standard",
            "this line or the lines below",
        )
        for tool in (b"rubocop", b"standard")
    ),
    _directive(rb"#\s*:nocov:", "SimpleCov", "this block", blanket=False),
)
# Comments are one half of a language's suppressions; Java's `@SuppressWarnings` and Rust's
# `#[allow(…)]` are declarations' attributes, read from the tree.
DIRECTIVES = {
    "python": PYTHON,
    "javascript": JS,
    "typescript": JS,
    "tsx": JS,
    "go": GO,
    "java": JAVA,
    "ruby": RUBY,
}
# The words the directives are found by (a substring scan), per language.
_PYTHON_MARKERS = (b"noqa", b"NOQA", b"type: ignore", b"type:ignore", b"mypy:", b"pyright:", b"pyre-")
_JS_MARKERS = (b"-disable", b"@ts-", b"istanbul", b"c8 ignore", b"biome-ignore", b"deno-lint-ignore")
MARKERS = {
    "python": (*_PYTHON_MARKERS, b"pylint:", b"nosec", b"pragma:"),
    "javascript": _JS_MARKERS,
    "typescript": _JS_MARKERS,
    "tsx": _JS_MARKERS,
    "go": (b"nolint", b"lint:", b"#nosec"),
    "java": (b"noinspection", b"NOSONAR", b"CHECKSTYLE"),
    "ruby": (b"rubocop:", b"standard:", b":nocov:"),
}
# Lint groups that silence every lint of their tool: `warnings` is all of rustc's, `clippy::all` clippy's
# default set; javac's and IDEs' `all`.
_RUST_BLANKET = frozenset(
    {"warnings", "clippy::all", "clippy::pedantic", "clippy::nursery", "clippy::restriction"}
)


class Config(CheckConfig):
    """Blanket suppressions are annotated; ones that name what they silence go to the summary."""

    severity: Level = Field(
        "warning", description="A suppression that names nothing: every rule of its tool is silenced."
    )
    specific: Level = Field("info", description="A suppression that names the rules it silences.")


def _level(level: Level) -> Severity | None:
    """`level` as a severity, None when off."""
    return None if level == "off" else Severity(level)


def _comments(source: Source, language: str) -> list[Node]:
    """The comments holding a directive's marker, each once, in file order."""
    tree = source.tree
    if tree is None:
        return []
    found: dict[int, Node] = {}
    for offset in positions(source.text, MARKERS[language]):
        comment = enclosing(tree.root_node, offset, offset + 1, COMMENTS[language], 0)
        if comment is not None:
            found.setdefault(comment.id, comment)
    return sorted(found.values(), key=lambda n: n.start_byte)


def _attributes(source: Source) -> Iterator[tuple[Node, str, str, str, bool]]:
    """Java's `@SuppressWarnings(…)` and Rust's `#[allow(…)]` / `#[expect(…)]`, each as (the node, its
    tool, where it applies, what it silences, whether that is everything)."""
    tree = source.tree
    if tree is None:
        return
    if source.language == "java":
        for offset in positions(source.text, (b"SuppressWarnings",)):
            annotation = enclosing(tree.root_node, offset, offset + 1, {"annotation", "marker_annotation"}, 2)
            if annotation is None:
                continue
            codes = re.findall(rb'"([^"]*)"', text_of(source, annotation))
            named = ", ".join(c.decode("utf-8", "replace") for c in codes)
            yield annotation, "javac and the IDE", "this declaration", named, not codes or b"all" in codes
    elif source.language == "rust":
        for offset in positions(source.text, (b"allow", b"expect")):
            item = enclosing(
                tree.root_node, offset, offset + 1, {"attribute_item", "inner_attribute_item"}, 2
            )
            attribute = item.named_children[0] if item is not None else None
            name = attribute.named_children[0] if attribute is not None and attribute.named_children else None
            if item is None or attribute is None or name is None or name.start_byte != offset:
                continue  # `allow` inside another attribute's arguments, or in a path
            lints = attribute.child_by_field_name("arguments")
            listed = text_of(source, lints).decode("utf-8", "replace").strip("()") if lints else ""
            lint_names = {c.strip() for c in listed.split(",") if c.strip()}
            reach = "the enclosing module or crate" if item.type == "inner_attribute_item" else "this item"
            blanket = not lint_names or not lint_names.isdisjoint(_RUST_BLANKET)
            yield item, "rustc and clippy", reach, listed, blanket


def _attribute_hits(
    source: Source, blanket_level: Severity, specific_level: Severity | None
) -> Iterator[Hit]:
    """Hits on the suppressions `_attributes` reads."""
    for node, tool, reach, named, blanket in _attributes(source):
        severity = blanket_level if blanket else specific_level
        if severity is None:
            continue
        spelled = text_of(source, node).decode("utf-8", "replace")
        if blanket:
            message = f"`{spelled}` silences {tool} entirely on {reach}; name what it silences"
        else:
            message = f"`{spelled}` silences {tool} ({named}) on {reach}"
        start = node.start_point
        yield Hit(start.row + 1, node.end_point.row + 1, start.column, message, spelled, severity)


def _message(directive: Directive, spelled: str, codes: str | None, blanket: bool) -> str:
    """What a suppression silences, and where."""
    if blanket:
        return f"`{spelled}` silences {directive.tool} entirely on {directive.reach}; name what it silences"
    what = f" ({codes.strip('[]')})" if codes else ""
    return f"`{spelled}` silences {directive.tool}{what} on {directive.reach}"


def finder(config: CheckConfig) -> Finder:
    """Hits on each added suppression comment: blanket ones at `severity`, specific ones at `specific`."""
    levels = Config.model_validate(config, from_attributes=True)
    blanket_level, specific_level = severity_of(levels) or Severity.WARNING, _level(levels.specific)

    def find(source: Source) -> Iterator[Hit]:
        language = source.language
        if language in {"java", "rust"}:
            yield from _attribute_hits(source, blanket_level, specific_level)
        if language is None or language not in DIRECTIVES:
            return
        for comment in _comments(source, language):
            text = text_of(source, comment)
            lowered = text.lower()
            taken: list[tuple[int, int]] = []
            for directive in DIRECTIVES[language]:
                if directive.word not in lowered:
                    continue
                for match in directive.pattern.finditer(text):
                    if any(start <= match.start() < end for start, end in taken):
                        continue  # a file-wide noqa is not also a line's
                    taken.append(match.span())
                    codes_bytes = match.groupdict().get("codes")
                    codes = codes_bytes.decode("utf-8", "replace").strip() if codes_bytes else None
                    blanket = directive.always_blanket or (
                        directive.blanket and (not codes or codes.lower() in {"all", "[]"})
                    )
                    severity = blanket_level if blanket else specific_level
                    if severity is None:
                        continue
                    spelled = match[0].decode("utf-8", "replace").strip()
                    row = comment.start_point.row + text.count(b"\n", 0, match.start())
                    line_start = text.rfind(b"\n", 0, match.start()) + 1
                    column = (
                        (comment.start_point.column if line_start == 0 else 0) + match.start() - line_start
                    )
                    yield Hit(
                        row + 1,
                        row + 1,
                        column,
                        _message(directive, spelled, codes, blanket),
                        spelled,
                        severity,
                    )

    return find


RULE = check_rule(
    id=ID,
    summary="Added comments that silence a linter, a type checker, or a coverage or security tool.",
    help=f"""\
A suppression comment on an added line says which tool's findings the pull request hides. One that names
nothing silences every rule of its tool and is annotated (`severity`, default warning): a bare `# noqa`,
`# type: ignore`, `# pyright: ignore`, `# nosec`, `# flake8: noqa` / `# ruff: noqa` (the file),
`# mypy: ignore-errors`, `# pylint: skip-file` or `disable=all`, `// eslint-disable` (`-line`,
`-next-line`, and `/* … */`) without rules, `// @ts-ignore`, `// @ts-nocheck`, a bare `//nolint` or
`// #nosec`. One that names what it silences (`# noqa: E501`, `# type: ignore[attr-defined]`,
`# pylint: disable=too-many-locals`, `// eslint-disable-next-line no-console`, `//nolint:errcheck`), and the
directives that fail when nothing is left to silence or that only exclude lines from coverage
(`// @ts-expect-error`, `# pragma: no cover`, `/* istanbul ignore next */`, `//lint:ignore`), go to the
summary (`specific`, default info). The message says which tool and where the directive applies. Only
comments (and Java's and Rust's attributes) count: the words in a string are not a directive.
Java: `@SuppressWarnings("all")` (or empty) is a blanket, `@SuppressWarnings("unchecked")` specific;
`// NOSONAR` and `//CHECKSTYLE:OFF` are blankets, `//noinspection X` specific. Rust: `#[allow(…)]`,
`#![allow(…)]` and `#[expect(…)]` are specific, blankets when they name `warnings` or a whole clippy group
(`clippy::all`, `clippy::pedantic`). Ruby: `# rubocop:disable Style/X` (and `todo`, and `standard:`) is
specific, `# rubocop:disable all` or naming nothing a blanket; `# :nocov:` is specific.
Languages: {", ".join([*DIRECTIVES, "rust"])}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("a comment without a directive passes", "a.py", "x = compute()  # the cache is warm here\n"),
            ("a directive in a string passes", "a.ts", 'const help = "add // @ts-ignore to silence it";\n'),
            (
                "a Java @SuppressWarnings naming its warning passes",
                "A.java",
                'class A {\n  @SuppressWarnings("unchecked")\n  void f() {}\n}\n',
            ),
            ("a Rust allow naming its lint passes", "src/lib.rs", "#[allow(dead_code)]\nfn f() {}\n"),
            ("a RuboCop disable naming its cop passes", "lib/a.rb", "x = 1 # rubocop:disable Style/Foo\n"),
        ],
        [
            ("a bare type: ignore fails", "a.py", "x: int = compute()  # type: ignore\n"),
            ("a bare eslint-disable fails", "a.js", "/* eslint-disable */\nrun();\n"),
            ('a Java @SuppressWarnings("all") fails', "A.java", '@SuppressWarnings("all")\nclass A {}\n'),
            ("a Rust allow(warnings) fails", "src/lib.rs", "#![allow(warnings)]\nfn f() {}\n"),
            ("a RuboCop disable all fails", "lib/a.rb", "# rubocop:disable all\nx = 1\n"),
        ],
    ),
)
