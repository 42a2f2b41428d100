"""`todo-added`: TODO / FIXME / XXX / HACK comments added without an issue to track them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.languages import COMMENTS
from bot.core.checks.source import Source
from bot.core.findings import Severity
from rules.checks.candidates import captures_around, positions, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, severity_of

ID = "todo-added"
QUERIES = {
    name: f"[{' '.join(f'({t})' for t in sorted(types))}] @comment" for name, types in COMMENTS.items()
}
# The query runs only on the comments these words sit in.
MARKERS = (b"TODO", b"FIXME", b"XXX", b"HACK")
# Upper case only: "a hack", "todo list" in prose are not markers.
_TAG = re.compile(rb"\b(TODO|FIXME|XXX|HACK)\b")
# `#123`, `owner/repo#123`, `gh-123`, a URL, a tracker key such as `ABC-123`.
_REFERENCE = re.compile(rb"#\d+|\b[Gg][Hh]-\d+\b|\bhttps?://\S|\b[A-Z][A-Z0-9]+-\d+\b")
_NEIGHBOURS = 10  # comment lines around a marker read for its reference


class Config(CheckConfig):
    """Added TODOs go to the summary."""

    severity: Level = Field("info", description="error, warning, info or off.")


def _block(source: Source, comment: Node) -> bytes:
    """`comment` with the comments on the lines right above and below it (one explanation over lines)."""
    texts = [text_of(source, comment)]
    for before in (True, False):
        node = comment
        for _ in range(_NEIGHBOURS):
            other = node.prev_sibling if before else node.next_sibling
            if other is None or other.type != "comment" or not _adjacent(node, other):
                break
            texts.append(text_of(source, other))
            node = other
    return b"\n".join(texts)


def _adjacent(one: Node, other: Node) -> bool:
    """Whether two comments sit on neighbouring lines."""
    return 1 in {other.start_point.row - one.end_point.row, one.start_point.row - other.end_point.row}


def finder(config: CheckConfig) -> Finder:
    """Hits on each comment line with a marker, unless its comment block names an issue."""
    severity = severity_of(config) or Severity.INFO

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        offsets = positions(source.text, MARKERS)
        for comment in captures_around(source, QUERIES[language], offsets, COMMENTS[language], 1).get(
            "comment", ()
        ):
            text = text_of(source, comment)
            markers = list(_TAG.finditer(text))
            if not markers or _REFERENCE.search(_block(source, comment)):
                continue
            seen: set[int] = set()
            for marker in markers:
                offset = text.count(b"\n", 0, marker.start())
                if offset in seen:
                    continue
                seen.add(offset)
                line_start = text.rfind(b"\n", 0, marker.start()) + 1
                line_end = text.find(b"\n", marker.start())
                line = (
                    text[line_start : None if line_end < 0 else line_end].decode("utf-8", "replace").strip()
                )
                row = comment.start_point.row + offset
                column = (comment.start_point.column if offset == 0 else 0) + marker.start() - line_start
                tag = marker[1].decode()
                message = (
                    f"`{tag}` added without an issue reference; link one (#123, a URL, ABC-123) or do it"
                )
                yield Hit(row + 1, row + 1, column, message, line, severity)

    return find


RULE = check_rule(
    id=ID,
    summary="TODO / FIXME / XXX / HACK comments added without an issue reference.",
    help=f"""\
A marker comment on an added line (`TODO`, `FIXME`, `XXX`, `HACK`, in upper case, as a word) is work left
for later; without an issue it is work nobody tracks. A reference in the same comment block passes: `#123`,
`owner/repo#123`, `gh-123`, a URL or a tracker key such as `ABC-123`. Only comments count (a TODO in a
string or a docstring is text), each marked line once. Severity `info`: it goes to the summary.
Languages: {", ".join(QUERIES)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("a TODO with an issue link passes", "a.py", "# TODO(#123): drop once the API is v2\nx = 1\n"),
            ("a TODO in a string passes", "a.js", 'const hint = "TODO";\n'),
            ("a Java TODO with an issue passes", "A.java", "class A {\n  /* TODO(JDK-8231) */\n}\n"),
            ("a Rust TODO in a string passes", "a.rs", 'const HINT: &str = "TODO";\n'),
            ("a Ruby TODO with a URL passes", "a.rb", "# TODO: https://example.com/issues/4\nx = 1\n"),
        ],
        [
            ("a bare TODO fails", "a.py", "def f():\n    # TODO: handle the empty case\n    return 1\n"),
            ("a FIXME in a block comment fails", "a.ts", "/*\n * FIXME: the cache never expires\n */\n"),
            ("a Java TODO fails", "A.java", "class A {\n  // TODO: close the stream\n}\n"),
            ("a Rust FIXME in a doc comment fails", "a.rs", "/// FIXME: overflows on 32-bit\nfn f() {}\n"),
            ("a Ruby HACK fails", "a.rb", "# HACK: monkey-patch until the gem is fixed\nx = 1\n"),
        ],
    ),
)
