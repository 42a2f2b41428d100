"""A rule's summary as typed data, which every renderer shows without knowing the rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# What no renderer passes through as it is: control characters (ESC drives a terminal, a newline ends a
# Markdown line), Unicode line separators, the bidirectional overrides of "Trojan Source"
# (https://trojansource.codes) and lone surrogates, which cannot be written as UTF-8.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


@dataclass(frozen=True, slots=True)
class Code:
    """Text shown as code: a path, a glob, a command."""

    text: str


Cell = str | int | Code


@dataclass(frozen=True, slots=True)
class Table:
    """Rows under named columns; numbers are right-aligned. A `title` makes it collapsible (Markdown
    `<details>`), and such a table's rows are the first to be shortened when the output must fit a limit."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a list: a title shown as code, a detail, and members shown folded (e.g. its files)."""

    title: str
    detail: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Items:
    """A numbered list under an introduction (e.g. a split plan's parts)."""

    intro: str
    items: tuple[Item, ...]


Block = Table | Items


@dataclass(frozen=True, slots=True)
class Section:
    """What a rule has to say beyond its findings.

    `headline` joins the check's title; `blocks` are shown in order; `data` are the rule's top-level keys
    of the JSON contract (JSON-ready, named by the rule); `metrics` are named figures the ledger keeps.
    """

    headline: str = ""
    blocks: tuple[Block, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, int | float] = field(default_factory=dict)


def cell_text(cell: Cell) -> str:
    """A cell as plain text; numbers with thousands separators."""
    if isinstance(cell, Code):
        return cell.text
    if isinstance(cell, int):
        return f"{cell:,}"
    return cell


def visible(text: str) -> str:
    """`text` with each character no output may carry raw shown as its escape (`\\x1b`, `\\n`, `\\u202e`)."""
    return _HIDDEN.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
