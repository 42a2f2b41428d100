"""A rule that exists only in tests: it proves a new rule lands by adding files, with no existing module
edited. It has a nested config section, a summary section, an owned label and a located finding."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core.findings import Finding, Scope, Severity
from bot.core.sections import Code, Section, Table
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestInfo, PullRequestSnapshot
from rules import RULES
from rules.base import Catalogue, Context, Example, Rule, RuleResult

ID = "dummy-check"


class Config(BaseModel):
    """The dummy's one setting."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(3, ge=0, description="Changed files above which the dummy fails the gate.")


def evaluate(context: Context, config: Config) -> RuleResult:
    """A warning on line 1 of the first changed file; an error above `limit` files."""
    files = context.snapshot.files
    findings = [
        Finding(ID, Severity.WARNING, f"dummy saw {len(files)} files", files[0].path, 1, scope=Scope.ADDED)
    ]
    if len(files) > config.limit:
        findings.append(Finding(ID, Severity.ERROR, f"more than {config.limit} files", key="limit"))
    section = Section(
        headline=f"dummy counted {len(files)}",
        blocks=(Table(("dummy file", "lines"), tuple((Code(f.path), f.changes) for f in files)),),
        data={"dummy": {"files": len(files), "limit": config.limit}},
        metrics={"ai_lines": len(files)},
    )
    return RuleResult(tuple(findings), (f"dummy/{len(files)}",), section)


def _example(count: int) -> PullRequestSnapshot:
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    files = tuple(ChangedFile(f"f{i}.py", FileStatus.ADDED, 1, 0) for i in range(count))
    return PullRequestSnapshot(pull_request=info, files=files)


RULE = Rule(
    id=ID,
    summary="Counts files, for the tests.",
    help="A test-only rule.",
    config=Config,
    evaluate=evaluate,
    examples=(Example("two files pass", _example(2), True), Example("five files fail", _example(5), False)),
    section=f"checks.{ID}",
    label_prefix="dummy/",
)
CATALOGUE = Catalogue((*RULES.rules, RULE))
