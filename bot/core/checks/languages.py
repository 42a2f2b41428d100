"""Which grammar reads which file: the official per-language wheels, loaded once per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import tree_sitter_go
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_ruby
import tree_sitter_rust
import tree_sitter_typescript
from tree_sitter import Language, Parser

from bot.core.markers import suffix_of

_GRAMMARS: dict[str, Callable[[], object]] = {
    "python": tree_sitter_python.language,
    "javascript": tree_sitter_javascript.language,
    "typescript": tree_sitter_typescript.language_typescript,
    "tsx": tree_sitter_typescript.language_tsx,
    "go": tree_sitter_go.language,
    "java": tree_sitter_java.language,
    "rust": tree_sitter_rust.language,
    "ruby": tree_sitter_ruby.language,
}
LANGUAGES = tuple(_GRAMMARS)
_SUFFIXES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
}
# Ruby files known by their name alone.
_NAMES = {"Gemfile": "ruby", "Rakefile": "ruby"}
# Languages whose comment syntax and idioms the JavaScript rules share.
JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})
# The node types of comments: one `comment` in most grammars, line and block comments apart in Java's and
# Rust's (Rust's doc comments are line or block comments with a doc marker inside).
_LINE_AND_BLOCK = frozenset({"line_comment", "block_comment"})
COMMENTS = {
    name: _LINE_AND_BLOCK if name in {"java", "rust"} else frozenset({"comment"}) for name in _GRAMMARS
}


def language_of(path: str) -> str | None:
    """The grammar for `path` by its suffix or its name, or None when no grammar reads it."""
    return _SUFFIXES.get(suffix_of(path)) or _NAMES.get(path.rpartition("/")[2])


@cache
def grammar(name: str) -> Language:
    """The compiled grammar of `name`, once per process."""
    return Language(_GRAMMARS[name]())


@cache
def parser(name: str) -> Parser:
    """One parser per language per process (parsing holds the GIL: parallelism needs processes)."""
    return Parser(grammar(name))
