"""The rule interface: what every rule declares, what it is given, and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

from bot.core.checks.engine import Check, run_checks
from bot.core.checks.source import TREE_BUDGET_BYTES, Source, sources
from bot.core.files import FileFacts
from bot.core.findings import Finding
from bot.core.sections import Section
from bot.core.snapshot import PullRequestSnapshot

C = TypeVar("C", bound=BaseModel)


class Need(StrEnum):
    """What a rule reads beyond the changed files' names and counts; gatherers fetch only what is needed."""

    FILE_KINDS = "file kinds"  # the start of each changed file at the head and at the base
    HEAD_TEXT = "head text"  # the whole text of each changed file at the head
    BASE_TEXT = "base text"  # the whole text of each changed file at the base (a ratchet's reference)
    HUNKS = "hunks"  # the line ranges each file adds and removes
    MANIFESTS = "manifests"  # the package manifests at the head in the folders above the changed files
    BLAME = "blame"  # which pull-request commit last introduced each added line, and replacing hunks


@dataclass(frozen=True)
class Context:
    """What rules read: the snapshot, and the facts derived from it once for all of them. `checks` are
    the check rules of the evaluation, configured (`Rule.check`): they run together, file by file."""

    snapshot: PullRequestSnapshot
    files: tuple[FileFacts, ...]
    checks: Mapping[str, Check] = field(default_factory=dict)

    @cached_property
    def sources(self) -> tuple[Source, ...]:
        """The changed files the checks read. Read file by file by `checks`, no tree is kept past its file;
        a check run alone (an example, a benchmark) keeps the first trees for the next one."""
        return sources(self.snapshot.files, self.files, 0 if self.checks else TREE_BUDGET_BYTES)

    @cached_property
    def check_findings(self) -> dict[str, tuple[Finding, ...]]:
        """What each of `checks` found, in one pass over the files (each parsed once for all of them)."""
        return run_checks(self.checks, self.sources)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """A rule's findings, the labels it wants (all under its `label_prefix`), its summary section, and the
    reviewers it wants requested (logins, `org/team` for a team), which the App requests."""

    findings: tuple[Finding, ...] = ()
    labels: tuple[str, ...] = ()
    section: Section | None = None
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """A documented case that runs as a test: this snapshot under default config passes or not."""

    title: str
    snapshot: PullRequestSnapshot
    passes: bool


@dataclass(frozen=True, eq=False)
class Rule(Generic[C]):
    """One rule of the catalogue.

    `section` is where its config sits in the rules file (dotted, e.g. `checks.debug-output`; default its
    id); `label_prefix` names the labels it owns: the publisher removes those it no longer wants. `later`
    names what the rule needs beyond `needs` once the first gathering is in (blame only when a commit
    carries an AI signal): the gatherer's second phase fetches that, so a costly read is paid only where
    it can change the answer. `check` makes a tree-sitter check rule of it: its scope and finder under a
    config, which the evaluation runs with every other check, one file at a time (`Context.checks`).
    """

    id: str
    summary: str
    help: str
    config: type[C]
    evaluate: Callable[[Context, C], RuleResult]
    examples: tuple[Example, ...]
    section: str = ""
    needs: frozenset[Need] = frozenset()
    label_prefix: str | None = None
    later: Callable[[PullRequestSnapshot, C], frozenset[Need]] | None = None
    check: Callable[[PullRequestSnapshot, C], Check | None] | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """The rules-file keys leading to this rule's config."""
        return tuple((self.section or self.id).split("."))

    def run(self, context: Context, config: BaseModel) -> RuleResult:
        """Evaluate with `config`, which the rules-file schema built from this rule's own model."""
        return self.evaluate(context, cast(C, config))

    def later_needs(self, snapshot: PullRequestSnapshot, config: BaseModel) -> frozenset[Need]:
        """What the rule needs gathered in the second phase, given the first phase's `snapshot`."""
        return self.later(snapshot, cast(C, config)) if self.later else frozenset()

    def check_for(self, snapshot: PullRequestSnapshot, config: BaseModel) -> Check | None:
        """For a check rule, its scope and finder under `config`; None when it is off or no check."""
        return self.check(snapshot, cast(C, config)) if self.check else None


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The rules in the order they run and are documented."""

    rules: tuple[Rule[Any], ...]

    @cached_property
    def needs(self) -> frozenset[Need]:
        """What the rules need gathered in the first phase, together."""
        return frozenset().union(*(r.needs for r in self.rules))
