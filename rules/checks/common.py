"""What every check rule shares: its config model, the rule it becomes, and its examples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tree_sitter import Node

from bot.core.checks.engine import Check, Finder, Hit, findings_in
from bot.core.findings import Scope, Severity
from bot.core.locations import RULES_PATH
from bot.core.snapshot import (
    ChangedFile,
    ConfigSource,
    FileStatus,
    Hunk,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from rules.base import Context, Example, Need, Rule, RuleResult

Level = Literal["error", "warning", "info", "off"]
C = TypeVar("C", bound=BaseModel)


class CheckConfig(BaseModel):
    """A check's severity (`off` turns it off)."""

    model_config = ConfigDict(extra="forbid")

    severity: Level = Field("warning", description="error, warning, info or off.")


def hit(node: Node, message: str, severity: Severity) -> Hit:
    """A hit on `node`."""
    text = node.text.decode("utf-8", "replace") if node.text else ""
    start, end = node.start_point, node.end_point
    return Hit(start.row + 1, end.row + 1, start.column, message, text, severity)


def severity_of(config: CheckConfig) -> Severity | None:
    """The configured severity, None when off."""
    return None if config.severity == "off" else Severity(config.severity)


def check_rule(
    *,
    id: str,
    summary: str,
    help: str,
    config: type[CheckConfig],
    finder: Callable[[CheckConfig], Finder],
    examples: tuple[Example, ...],
    scope: Scope = Scope.ADDED,
    needs: frozenset[Need] = frozenset(),
) -> Rule[CheckConfig]:
    """A check rule: `finder(config)` reads each changed file; hits outside `scope` do not count. It reads
    each file's head text and hunks, and what `needs` adds."""

    def check(_snapshot: PullRequestSnapshot, cfg: CheckConfig) -> Check | None:
        return None if severity_of(cfg) is None else (scope, finder(cfg))

    return Rule(
        id=id,
        summary=summary,
        help=help,
        config=config,
        evaluate=evaluate_check(id, check),
        examples=examples,
        section=f"checks.{id}",
        needs=frozenset({Need.HEAD_TEXT, Need.HUNKS}) | needs,
        check=check,
    )


def evaluate_check(
    id: str, check: Callable[[PullRequestSnapshot, C], Check | None]
) -> Callable[[Context, C], RuleResult]:
    """A check rule's `evaluate`: its share of the evaluation's one pass over the files, or (run alone,
    as the examples and benchmarks run it) a pass of its own."""

    def evaluate(context: Context, cfg: C) -> RuleResult:
        if id in context.checks:
            return RuleResult(context.check_findings[id])
        planned = check(context.snapshot, cfg)
        return RuleResult(findings_in(id, *planned, context.sources) if planned else ())

    return evaluate


def example_pull_request(files: Iterable[ChangedFile], rules: str | None = None) -> PullRequestSnapshot:
    """A pull request of `files`, under the rules file `rules`: what the rules' examples evaluate."""
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    layers = (ConfigSource(RULES_PATH, rules),) if rules else ()
    return PullRequestSnapshot(info, tuple(files), repository=RepositoryFiles(rules=layers))


def added(path: str, text: str) -> ChangedFile:
    """`path` added with `text`, every line an added line."""
    data = text.encode()
    count = len(text.splitlines())
    hunk = Hunk(0, 0, 1, count, range(1, count + 1), ())
    return ChangedFile(path, FileStatus.ADDED, count, 0, hunks=(hunk,), head=data, head_size=len(data))


def added_file(path: str, text: str, rules: str | None = None) -> PullRequestSnapshot:
    """A pull request adding `path` with `text` (every line added), under the rules file `rules`."""
    return example_pull_request((added(path, text),), rules)


def examples(
    rule: str, good: Iterable[tuple[str, str, str]], bad: Iterable[tuple[str, str, str]]
) -> tuple[Example, ...]:
    """Examples from (title, path, text): the good pass, the bad fail with the rule set to `error`."""
    strict = f"checks:\n  {rule}:\n    severity: error\n"
    return (
        *(Example(title, added_file(path, text), passes=True) for title, path, text in good),
        *(Example(title, added_file(path, text, strict), passes=False) for title, path, text in bad),
    )
