"""A rule's summary as typed data, which every renderer shows without knowing the rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
