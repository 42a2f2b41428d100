"""Where a check looks: the offsets a substring scan finds, and the syntax nodes around them.

A query over a whole 1 MB tree costs about a quarter of its parse, and reading a node's text from a tree
parsed through a callback copies a chunk of the file: a rule whose markers a file lacks (most files lack
`it.only`, a token, a TODO) should cost a scan of the bytes, and one that has a few should pay for those
few (benchmarks/bench_checks.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from tree_sitter import Node

from bot.core.checks.queries import captures
from bot.core.checks.source import Source


def positions(text: bytes, markers: Iterable[bytes]) -> Iterator[int]:
    """The offset of every occurrence of every marker (`bytes.find`, far faster than a regex in Python)."""
    for marker in markers:
        at = text.find(marker)
        while at >= 0:
            yield at
            at = text.find(marker, at + 1)


def enclosing(root: Node, start: int, end: int, types: Collection[str], depth: int = 3) -> Node | None:
    """The smallest node of one of `types` around bytes `start`…`end`, at most `depth` levels above the
    smallest node there (a marker is near its construct's top: `it.only` is two levels below its call,
    so a word in a comment inside a call wrapping the whole file does not make the file a window). Only
    named nodes count: Ruby's keyword `rescue` is a token of the type of the clause it opens."""
    node: Node | None = root.descendant_for_byte_range(start, end)
    for _ in range(depth + 1):
        if node is None or (node.type in types and node.is_named):
            return node
        node = node.parent
    return None


def captures_around(
    source: Source, query: str, offsets: Iterable[int], anchors: Collection[str], depth: int = 3
) -> dict[str, list[Node]]:
    """What `query` captures under the node of a type in `anchors` around each offset, each node once and
    in file order: what it captures over the whole tree when every match sits in such a node."""
    tree, language = source.tree, source.language
    if tree is None or language is None:
        return {}
    windows: dict[int, Node] = {}
    for offset in offsets:
        anchor = enclosing(tree.root_node, offset, offset + 1, anchors, depth)
        if anchor is not None:
            windows.setdefault(anchor.id, anchor)
    found: dict[str, dict[int, Node]] = {}
    for anchor in windows.values():
        for name, nodes in captures(language, query, anchor).items():
            found.setdefault(name, {}).update((node.id, node) for node in nodes)
    return {name: sorted(nodes.values(), key=lambda n: n.start_byte) for name, nodes in found.items()}


def text_of(source: Source, node: Node) -> bytes:
    """`node`'s text, sliced from the file's bytes (not read back through the parse callback)."""
    return source.text[node.start_byte : node.end_byte]


# Where a Ruby statement may stand alone: a call without arguments (`byebug`, `skip`) is read as a name.
_RUBY_STATEMENTS = frozenset({"program", "body_statement", "then", "else", "block_body", "begin", "ensure"})


def bare_ruby_calls(source: Source, words: Iterable[bytes]) -> Iterator[Node]:
    """Each of `words` standing alone as a Ruby statement (a name read there is a call: a variable's
    value, unused, would be no statement worth writing)."""
    tree = source.tree
    if tree is None:
        return
    for offset in positions(source.text, words):
        node = tree.root_node.descendant_for_byte_range(offset, offset + 1)
        if node is None or node.type != "identifier" or node.start_byte != offset:
            continue
        if node.parent is not None and node.parent.type in _RUBY_STATEMENTS:
            yield node
