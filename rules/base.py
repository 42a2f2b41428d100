"""The rule interface: what every rule declares, what it is given, and what it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

from bot.core.checks.source import Source, sources
from bot.core.files import FileFacts
from bot.core.findings import Finding
from bot.core.sections import Section
from bot.core.snapshot import PullRequestSnapshot

C = TypeVar("C", bound=BaseModel)


class Need(StrEnum):
    """What a rule reads beyond the changed files' names and counts; gatherers fetch only what is needed."""

    FILE_KINDS = "file kinds"  # the start of each changed file at the head and at the base
    HEAD_TEXT = "head text"  # the whole text of each changed file at the head
    HUNKS = "hunks"  # the line ranges each file adds and removes
    MANIFESTS = "manifests"  # the package manifests at the head in the folders above the changed files
    BLAME = "blame"  # which pull-request commit last introduced each added line, and replacing hunks


@dataclass(frozen=True)
class Context:
    """What rules read: the snapshot, and the facts derived from it once for all of them."""

    snapshot: PullRequestSnapshot
    files: tuple[FileFacts, ...]

    @cached_property
    def sources(self) -> tuple[Source, ...]:
        """The changed files the checks read, each parsed at most once for every check rule."""
        return sources(self.snapshot.files, self.files)


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
    it can change the answer.
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


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The rules in the order they run and are documented."""

    rules: tuple[Rule[Any], ...]

    @cached_property
    def needs(self) -> frozenset[Need]:
        """What the rules need gathered in the first phase, together."""
        return frozenset().union(*(r.needs for r in self.rules))
