"""A changed file as the checks read it: its head text, its added lines and, where a grammar reads it,
its syntax tree (parsed once per evaluation for all the rules, under a size cap and a deadline)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Point, Tree

from bot.core.checks.languages import language_of, parser
from bot.core.files import FileFacts, Kind
from bot.core.snapshot import ChangedFile, FileStatus

# A minified bundle or a generated table is no code a reviewer reads: files above this size are not
# parsed, and a parse that runs past the deadline is abandoned.
MAX_BYTES = 2 * 1024 * 1024
PARSE_DEADLINE_S = 2.0
_CHUNK = 256 * 1024


@dataclass(frozen=True, eq=False)
class Source:
    """One changed file at the head, with the line numbers the pull request added (1-based)."""

    path: str
    kind: Kind
    text: bytes
    added: frozenset[int]
    language: str | None

    @cached_property
    def lines(self) -> list[str]:
        """The file's lines as text (undecodable bytes replaced)."""
        return self.text.decode("utf-8", "replace").splitlines()

    @cached_property
    def tree(self) -> Tree | None:
        """The syntax tree, or None without a grammar, above the size cap or past the deadline."""
        if self.language is None or len(self.text) > MAX_BYTES:
            return None
        return parse(self.language, self.text)


def parse(language: str, text: bytes, deadline_s: float = PARSE_DEADLINE_S) -> Tree | None:
    """`text` parsed by `language`'s grammar; None when the deadline passed."""
    deadline = time.perf_counter() + deadline_s
    # py-tree-sitter 0.26.1 has no timeout: the text is handed over in chunks, and past the deadline
    # the rest is withheld; such a tree is of a truncated file, so it is dropped. A tree parsed from a
    # callback reads its nodes' text through it (a chunk copied per read), so the tree kept is parsed
    # again from the bytes, reusing every node of the first (about 1 % of the parse).
    late = False

    def read(offset: int, _point: Point) -> bytes:
        nonlocal late
        if time.perf_counter() > deadline:
            late = True
            return b""
        return text[offset : offset + _CHUNK]

    grammar = parser(language)
    first = grammar.parse(read)
    return None if late else grammar.parse(text, first)


def sources(files: tuple[ChangedFile, ...], facts: tuple[FileFacts, ...]) -> tuple[Source, ...]:
    """The changed files the checks read: present at the head, not binary, not excluded from review."""
    found = []
    for file, fact in zip(files, facts, strict=True):
        if file.status is FileStatus.REMOVED or file.head is None or fact.excluded:
            continue
        added = frozenset(n for hunk in file.hunks for n in hunk.added)
        found.append(Source(file.path, fact.kind, file.head, added, language_of(file.path)))
    return tuple(found)
