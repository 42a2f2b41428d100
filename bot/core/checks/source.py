"""A changed file as the checks read it: its head text, its added lines and, where a grammar reads it,
its syntax tree (shared by every rule within a memory budget, under a size cap and a deadline)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
# Trees kept at once, counted by the size of the text they were parsed from: a tree takes about 30 times
# its text in memory (1M lines of Python, 14 MB, made 450 MB of trees). The checks of an evaluation read
# the files one after another, each by every check (`engine.run_checks`): the last tree is all they need.
# A rule run alone reads them all, one rule after another: the first files are kept for the next and,
# past the budget, the rest parsed again (an evicting cache would keep none: every read would miss).
TREE_BUDGET_BYTES = 4 * 1024 * 1024


class Trees:
    """The syntax trees of one evaluation's files: those first read kept, within a byte budget, and the
    last one read (the checks read each file's tree in turn, `engine.run_checks`)."""

    def __init__(self, budget: int = TREE_BUDGET_BYTES) -> None:
        self._kept: dict[str, Tree | None] = {}
        self._room = budget
        self._last: tuple[str, Tree | None] = ("", None)

    def of(self, path: str, language: str, text: bytes) -> Tree | None:
        """`text`'s tree, parsed unless it is kept."""
        if path in self._kept:
            return self._kept[path]
        if self._last[0] == path:
            return self._last[1]
        tree = parse(language, text)
        if len(text) <= self._room:
            self._kept[path] = tree
            self._room -= len(text)
        else:
            self._last = (path, tree)
        return tree


@dataclass(frozen=True, eq=False)
class Source:
    """One changed file at the head, with the line numbers the pull request added (1-based)."""

    path: str
    kind: Kind
    text: bytes
    added: frozenset[int]
    language: str | None
    trees: Trees = field(default_factory=Trees, repr=False)
    base: bytes | None = field(default=None, repr=False)  # the file at the base, when a rule needs it

    @cached_property
    def lines(self) -> list[str]:
        """The file's lines as text (undecodable bytes replaced)."""
        return self.text.decode("utf-8", "replace").splitlines()

    @property
    def tree(self) -> Tree | None:
        """The syntax tree, or None without a grammar, above the size cap or past the deadline."""
        if self.language is None or len(self.text) > MAX_BYTES:
            return None
        return self.trees.of(self.path, self.language, self.text)


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


def sources(
    files: tuple[ChangedFile, ...], facts: tuple[FileFacts, ...], budget: int = TREE_BUDGET_BYTES
) -> tuple[Source, ...]:
    """The changed files the checks read: present at the head, not binary, not excluded from review; their
    trees shared within one budget."""
    trees = Trees(budget)
    found = []
    for file, fact in zip(files, facts, strict=True):
        if file.status is FileStatus.REMOVED or file.head is None or fact.excluded:
            continue
        added = frozenset(n for hunk in file.hunks for n in hunk.added)
        language = language_of(file.path)
        found.append(Source(file.path, fact.kind, file.head, added, language, trees, file.base))
    return tuple(found)
