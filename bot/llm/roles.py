"""What each line of a source file is, as far as a reviewing model needs: code, or only a comment, a
docstring, an import or blank. Prompt packing strips the latter first when the budget is tight.

A line scanner per comment syntax, not a parser: block comments and Python's triple-quoted strings are
followed across lines; anything unsure (a line with code and a comment) is code, which is kept.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePosixPath


def _suffixes(words: str) -> frozenset[str]:
    return frozenset(words.split())


class Role(StrEnum):
    """What a line holds."""

    CODE = "code"
    COMMENT = "comment"
    DOCSTRING = "docstring"
    IMPORT = "import"
    BLANK = "blank"


_HASH = _suffixes(".py .pyi .sh .bash .zsh .rb .pl .pm .r .ex .exs .yml .yaml .toml .tf .cfg .ini")
_SLASH = _suffixes(
    ".js .jsx .mjs .cjs .ts .tsx .mts .cts .go .java .kt .kts .scala .c .h .cc .cpp .cxx .hpp .hh .cs .rs "
    ".swift .php .dart .m .mm .groovy .gradle .vue .svelte"
)
_DASH = _suffixes(".sql .lua .hs")
_PYTHON = _suffixes(".py .pyi")
_JS = _suffixes(".js .jsx .mjs .cjs .ts .tsx .mts .cts .vue .svelte")

# An import line, by language family; a line opening a multi-line import is followed to its end.
_IMPORTS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"(import\s+[\w.]|from\s+[\w.]+\s+import\b)"),
    "js": re.compile(
        r"(import\s*[\w{*'\"]|export\s+(\*|\{[^}]*\})\s+from\b|(const|let|var)\s+[\w{}\s,]+=\s*require\()"
    ),
    "go": re.compile(r"import\s*[(\"\w]"),
    "jvm": re.compile(r"import\s+[\w.]"),
    "rust": re.compile(r"(pub\s+)?use\s+[\w:{]"),
    "c": re.compile(r"#\s*include\b"),
    "cs": re.compile(r"using\s+[\w.]+\s*;"),
}
_IMPORT_FAMILY = {
    **dict.fromkeys(_PYTHON, "python"),
    **dict.fromkeys(_JS, "js"),
    ".go": "go",
    **dict.fromkeys((".java", ".kt", ".kts", ".scala", ".swift", ".groovy", ".dart"), "jvm"),
    ".rs": "rust",
    **dict.fromkeys((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".mm"), "c"),
    ".cs": "cs",
}
_DOCSTRING_OPEN = re.compile(r"""[rRuUbB]{0,2}("{3}|'{3})""")


def line_roles(path: str, text: str) -> list[Role]:
    """The role of each line of `text` (the file at `path`), in order."""
    suffix = PurePosixPath(path).suffix.lower()
    lines = text.splitlines()
    roles = [Role.BLANK if not line.strip() else Role.CODE for line in lines]
    if suffix in _SLASH:
        _mark_comments(lines, roles, ("//",), ("/*", "*/"))
    elif suffix in _DASH:
        _mark_comments(lines, roles, ("--",), ("/*", "*/") if suffix == ".sql" else None)
    elif suffix in _HASH:
        _mark_comments(lines, roles, ("#",), None)
    if suffix in _PYTHON:
        _mark_docstrings(lines, roles)
    family = _IMPORT_FAMILY.get(suffix)
    if family is not None:
        _mark_imports(lines, roles, family)
    return roles


def _mark_comments(
    lines: list[str], roles: list[Role], line_starts: tuple[str, ...], block: tuple[str, str] | None
) -> None:
    """Lines that are only a comment: a line comment, or a line of a block comment with no code after it."""
    inside = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if block is not None and (inside or stripped.startswith(block[0])):
            rest = stripped if inside else stripped[len(block[0]) :]
            inside = block[1] not in rest
            after = "" if inside else rest.split(block[1], 1)[1].strip()
            roles[number] = Role.CODE if after else Role.COMMENT
        elif stripped.startswith(line_starts):
            roles[number] = Role.COMMENT


def _mark_docstrings(lines: list[str], roles: list[Role]) -> None:
    """Lines of a string that stands alone as a statement (a docstring, or a string used as a comment)."""
    number = 0
    while number < len(lines):
        stripped = lines[number].strip()
        opened = _DOCSTRING_OPEN.match(stripped) if roles[number] is Role.CODE else None
        if opened is None:
            number += 1
            continue
        quote = opened.group(1)
        end = number
        rest = stripped[opened.end() :]
        while quote not in rest and end + 1 < len(lines):
            end += 1
            rest = lines[end]
        # Only when nothing follows the closing quotes: `"""a""".join(x)` is code.
        if quote in rest and not rest.split(quote, 1)[1].strip():
            for inside in range(number, end + 1):
                roles[inside] = Role.DOCSTRING
        number = end + 1


def _mark_imports(lines: list[str], roles: list[Role], family: str) -> None:
    """Import lines, with the lines of a multi-line import (`from x import (`, `import {`, Go's
    `import (` block, Rust's `use x::{`) up to the one that closes it."""
    pattern = _IMPORTS[family]
    number = 0
    while number < len(lines):
        stripped = lines[number].strip()
        if roles[number] is not Role.CODE or not pattern.match(stripped):
            number += 1
            continue
        end = number
        closer = _closer(stripped)
        while (
            closer is not None
            and closer not in lines[end].split(_opener(closer), 1)[-1]
            and end + 1 < len(lines)
        ):
            end += 1
        for inside in range(number, end + 1):
            if roles[inside] is Role.CODE:
                roles[inside] = Role.IMPORT
        number = end + 1


def _closer(line: str) -> str | None:
    """The bracket that ends a multi-line import opened on this line, or None when the line is whole."""
    for opener, closer in (("(", ")"), ("{", "}")):
        if line.count(opener) > line.count(closer):
            return closer
    return None


def _opener(closer: str) -> str:
    return "(" if closer == ")" else "{"
