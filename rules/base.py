"""What every rule module provides, and what it is given and returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from bot.core.findings import Finding
from bot.core.snapshot import PullRequestSnapshot
from rules.size.measure import SizeMeasure
from rules.size.split import SplitPart


@dataclass(frozen=True, slots=True)
class Context:
    """What rules read: the snapshot, and the size measured once for all of them."""

    snapshot: PullRequestSnapshot
    measure: SizeMeasure


@dataclass(frozen=True, slots=True)
class RuleResult:
    """A rule's findings, the labels it wants on the PR, and for the size rule a split plan."""

    findings: tuple[Finding, ...] = ()
    labels: tuple[str, ...] = ()
    split_plan: tuple[SplitPart, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """A documented case that runs as a test: this snapshot under default config passes or not."""

    title: str
    snapshot: PullRequestSnapshot
    passes: bool


class RuleModule(Protocol):
    """A rule is a module with these names (see `rules/size.py`)."""

    @property
    def ID(self) -> str: ...
    @property
    def SECTION(self) -> str: ...
    @property
    def SUMMARY(self) -> str: ...
    @property
    def HELP(self) -> str: ...
    @property
    def Config(self) -> type[BaseModel]: ...
    @property
    def EXAMPLES(self) -> tuple[Example, ...]: ...

    def evaluate(self, context: Context, config: Any) -> RuleResult: ...
