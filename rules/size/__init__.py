"""Size gate: fail pull requests above the effective-size limit, label their size, and propose a split."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.core.files import FileFacts
from bot.core.findings import Finding, Scope, Severity
from bot.core.sections import Code, Item, Items, Section, Table
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestInfo, PullRequestSnapshot
from rules.base import Context, Example, Need, Rule, RuleResult
from rules.size.branches import git_commands
from rules.size.globs import Glob
from rules.size.measure import SizeMeasure, counted_lines, measure_size

if TYPE_CHECKING:
    from rules.size.split import SplitPlan

ID = "size"
LABEL_PREFIX = "size/"
HELP = """\
Effective size is added + deleted lines, as `git diff --numstat -M` counts them, of the files that count.
Listed but counted 0: paths marked `linguist-generated`, `linguist-vendored` or binary in any
`.gitattributes` of the base; lockfiles proven by their content (their tool's format, beside their
manifest); snapshot-test outputs (`__snapshots__/`, `*.snap`, `*.shot`; `count_snapshots: true` counts
them); files that say they are generated (`@generated`, `DO NOT EDIT`, a generator's file name) or sit
under `vendor/`, where the base agrees; paths matching `exclude`; pure renames. What a branch declares
itself in the head is counted, with a note on how to exclude it from the base. Above `max_lines` (or
`max_files` changed files) the gate fails and proposes a split: a package at a time, tests beside the code
they test, in dependency order, with the git commands that make each part a branch. Above `warn_lines`
(half of `max_lines` unless set) it warns. Larger PRs are reworked more: Graphite's data puts the ideal
near 50 lines and ~5x more rework above 500."""


class Config(BaseModel):
    """Size limits and labels."""

    model_config = ConfigDict(extra="forbid")

    max_lines: int = Field(800, ge=1, description="Effective changed lines above which the gate fails.")
    # Left out, warn_lines follows max_lines (`_resolve_warn_lines`): `max_lines: 300` alone must not
    # fail on a default of 400. The default shown (400) is that rule applied to the default max_lines.
    warn_lines: int = Field(
        400,
        ge=1,
        description="Effective changed lines above which the gate warns (default: half of max_lines).",
    )
    max_files: int = Field(60, ge=1, description="Counted changed files above which the gate fails.")
    # GitHub caps a label's name at 50 characters, "size/" included.
    labels: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=45, pattern=r"^[^\x00-\x1f\x7f]+$")],
        Annotated[int, Field(ge=1)],
    ] = Field(
        default_factory=lambda: {"XS": 10, "S": 30, "M": 100, "L": 500, "XL": 1000},
        description=(
            "Size label buckets, as in Kubernetes' Prow: size/<NAME> below each bound, else XXL. "
            "Merged with these key by key; NAME: null removes one."
        ),
    )
    count_snapshots: bool = Field(
        False,
        description="Count snapshot-test outputs (`__snapshots__/`, `*.snap`, `*.shot`, …) toward the size.",
    )
    exclude: list[Glob] = Field(
        default_factory=list,
        max_length=1000,
        description="Extra gitwildmatch globs whose files count 0 (e.g. '**/__snapshots__/**').",
    )

    @field_validator("labels", mode="before")
    @classmethod
    def _drop_removed_labels(cls, value: Any) -> Any:
        """`NAME: null` removes a bucket the layers below (or the built-in ones) define."""
        return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _resolve_warn_lines(self) -> Self:
        if "warn_lines" not in self.model_fields_set:
            self.warn_lines = max(1, self.max_lines // 2)
            self.model_fields_set.discard("warn_lines")  # still derived: a copy re-derives it
        elif self.warn_lines > self.max_lines:
            raise ValueError(
                f"warn_lines ({self.warn_lines}) is above max_lines ({self.max_lines}); "
                "leave warn_lines out to warn at half of max_lines"
            )
        return self


def size_label(lines: int, buckets: dict[str, int]) -> str:
    """The `size/*` label for `lines`: the first bucket whose bound is above it, else XXL."""
    for name, bound in sorted(buckets.items(), key=lambda item: item[1]):
        if lines < bound:
            return f"{LABEL_PREFIX}{name}"
    return f"{LABEL_PREFIX}XXL"


def evaluate(context: Context, config: Config) -> RuleResult:
    """Size findings, the size label and, for an oversized PR, a split plan."""
    measure = measure_size(context.files, config.exclude, count_snapshots=config.count_snapshots)
    # Pure renames and mode-only changes are listed but do not count toward max_files.
    lines, files = measure.effective_lines, sum(1 for f in measure.counted if f.additions + f.deletions)
    findings: list[Finding] = [
        Finding(ID, Severity.INFO, f"{f.path} {f.note}", f.path, scope=Scope.FILE, key="declared")
        for f in measure.files
        if f.note
    ]
    if lines > config.max_lines:
        message = f"{lines:,} effective lines; the limit is {config.max_lines:,}."
        findings.append(_finding(Severity.ERROR, message, "max_lines"))
    elif lines > config.warn_lines:
        message = f"{lines:,} effective lines; above {config.warn_lines:,}."
        findings.append(_finding(Severity.WARNING, message, "warn_lines"))
    if files > config.max_files:
        message = f"{files:,} files changed; the limit is {config.max_files:,}."
        findings.append(_finding(Severity.ERROR, message, "max_files"))
    oversized = lines > config.max_lines or files > config.max_files
    snapshot = context.snapshot
    plan = None
    if oversized:
        # The planner and its package readers load only for a PR that needs a plan (~10 ms of imports).
        from rules.size.split import owners_file, plan_split, rename_sources

        manifests = snapshot.repository.manifests
        plan = plan_split(
            measure.files,
            config.max_lines,
            config.max_files,
            manifests,
            rename_sources(snapshot.files),
            codeowners=owners_file(snapshot.repository.codeowners),
        )
    label = size_label(lines, config.labels)
    return RuleResult(
        tuple(findings), (label,), _section(measure, label, plan, snapshot.pull_request, config)
    )


def _finding(severity: Severity, message: str, limit: str) -> Finding:
    return Finding(rule=ID, severity=severity, message=message, key=limit)


# Excluded files are listed one by one (in Markdown and text) up to this many; beyond, only their counts by
# kind: 4,000 snapshots would bury the rest. The JSON contract always lists every file (`changed_files`).
EXCLUDED_LISTED = 50


def _section(
    measure: SizeMeasure, label: str, plan: SplitPlan | None, pull: PullRequestInfo, config: Config
) -> Section:
    excluded = measure.excluded
    # Counted, then excluded by kind (most files first), with their total when there are several kinds.
    kinds = sorted({f.kind for f in excluded}, key=lambda k: (-sum(f.kind is k for f in excluded), k.value))
    groups = [
        (f"excluded: {k.value.removeprefix('excluded ')}", [f for f in excluded if f.kind is k])
        for k in kinds
    ]
    if len(groups) != 1:
        groups.insert(0, ("excluded", list(excluded)))
    rows = [("counted", measure.added, measure.deleted, len(measure.counted))]
    rows += [
        (name, sum(f.additions for f in fs), sum(f.deletions for f in fs), len(fs)) for name, fs in groups
    ]
    blocks: list[Table | Items] = [Table(("", "added", "deleted", "files"), tuple(rows))]
    if len(excluded) > EXCLUDED_LISTED:  # not listed one by one here: say where each one is
        blocks.append(Items(f"All {len(excluded):,} excluded files are listed by --format json.", ()))
    if plan is not None:
        blocks.append(_plan_block(plan, config.max_lines))
    if 0 < len(excluded) <= EXCLUDED_LISTED:
        listed = tuple((Code(f.path), f.kind.value, f.additions, f.deletions) for f in excluded)
        title = f"Excluded from the size ({len(excluded):,} file{'' if len(excluded) == 1 else 's'})"
        blocks.append(Table(("file", "reason", "added", "deleted"), listed, title=title))
    headline = f"{measure.effective_lines:,} effective lines ({label})"
    if measure.excluded_lines > measure.effective_lines:
        # Most of the diff is not counted: a reviewer must see that at a glance, not in a table.
        headline += f", {measure.excluded_lines:,} more excluded"
    return Section(
        headline=headline,
        blocks=tuple(blocks),
        data=_contract(measure, label, plan, pull, config),
        metrics={
            "effective_lines": measure.effective_lines,
            "added": measure.added,
            "deleted": measure.deleted,
            "files": len(measure.counted),
            "excluded_files": len(excluded),
        },
    )


def _plan_block(plan: SplitPlan, cap: int) -> Items:
    """The split plan as a numbered list: the `exclude` line it proposes when data makes up most of the
    lines, what its order rests on, and each part's size, files and the parts it needs first."""
    intro = []
    if plan.bulk:
        globs = ", ".join(json.dumps(g) for g in plan.bulk.globs)
        intro.append(
            f"{plan.bulk.share:.0%} of the counted lines ({plan.bulk.lines:,}) are "
            f"{' and '.join(plan.bulk.kinds)}: rather than split them, exclude them in the rules file of "
            f"the base branch — size: {{exclude: [{globs}]}}."
        )
        intro.append(
            "With that line the pull request is within the limits."
            if not plan.parts
            else "With that line, the rest still needs splitting."
        )
    if plan.parts:
        count = len(plan.parts)
        intro.append(
            f"Proposed split — {count} pull request{'s' * (count != 1)} of at most {cap:,} lines each, a "
            "package (or top folder) at a time, tests beside the code they test"
            + (f", in this order. {plan.note}" if count > 1 else ".")
        )
    items = []
    for part in plan.parts:
        counted = len(part.paths) - len(part.uncounted)
        details = [f"{part.lines:,} line{'s' * (part.lines != 1)}, {counted} file{'s' * (counted != 1)}"]
        if part.uncounted:
            details[0] += f" and {len(part.uncounted)} that count 0"
        if part.concern:
            details.insert(0, f"{part.concern} files")
        if part.owners:
            details.append(f"owners {' '.join(part.owners)}")
        if part.lines > cap:
            details.append("one file above the limit on its own: it cannot be split further")
        if part.depends_on:
            after = ", ".join(map(str, part.depends_on))
            details.append(f"after part{'s' * (len(part.depends_on) > 1)} {after}")
        items.append(Item(part.title, "; ".join(details), part.paths))
    return Items(" ".join(intro), tuple(items))


def _unchanged(file: FileFacts) -> str:
    """Why a counted file with no changed line counts nothing (a pure rename or a mode change)."""
    return "" if file.additions or file.deletions else "no line changed: not counted toward max_files"


def _contract(
    measure: SizeMeasure, label: str, plan: SplitPlan | None, pull: PullRequestInfo, config: Config
) -> dict[str, Any]:
    """The JSON contract's `size` and `split_plan`: version 1 fields, `size.changed_files` (every changed
    file with its kind, the lines it counts and why, in the order of the diff), each part's package,
    dependencies, pathspecs and the git commands that make it a branch, and `split` (what the order rests
    on, the `exclude` line proposed for bulk data)."""
    parts = plan.parts if plan else ()
    commands = git_commands(parts, pull.base_sha, pull.head_sha)
    return {
        "size": {
            "effective_lines": measure.effective_lines,
            "added": measure.added,
            "deleted": measure.deleted,
            "files": len(measure.counted),
            "excluded_files": [
                {"path": f.path, "reason": f.kind.value, "added": f.additions, "deleted": f.deletions}
                for f in measure.excluded
            ],
            "changed_files": [
                {
                    "path": f.path,
                    "kind": f.kind.value,
                    "added": f.additions,
                    "deleted": f.deletions,
                    "counted": counted_lines(f),
                    "reason": f.note or (f.kind.value if f.excluded else "") or _unchanged(f),
                }
                for f in measure.files
            ],
            "label": label,
            "limits": {
                "max_lines": config.max_lines,
                "warn_lines": config.warn_lines,
                "max_files": config.max_files,
            },
        },
        "split_plan": [
            {
                "title": p.title,
                "lines": p.lines,
                "paths": list(p.paths),
                "package": p.package,
                "concern": p.concern,
                "depends_on": list(p.depends_on),
                "uncounted": list(p.uncounted),
                "pathspecs": list(p.pathspecs),
                "git": list(git),
                "owners": [o.removeprefix("@") for o in p.owners],
            }
            for p, git in zip(parts, commands, strict=True)
        ],
        "split": None
        if plan is None
        else {
            "ordered_by_dependencies": plan.ordered_by_dependencies,
            "note": plan.note,
            "exclude": None
            if plan.bulk is None
            else {"globs": list(plan.bulk.globs), "kinds": list(plan.bulk.kinds), "lines": plan.bulk.lines},
        },
    }


def _example(lines: int) -> PullRequestSnapshot:
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    changed = ChangedFile(path="src/app.py", status=FileStatus.MODIFIED, additions=lines, deletions=0)
    return PullRequestSnapshot(pull_request=info, files=(changed,))


RULE = Rule(
    id=ID,
    summary="Fail pull requests whose effective size is over the limit, label their size, propose a split.",
    help=HELP,
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("a 120-line change passes", _example(120), passes=True),
        Example("a 1,200-line change fails", _example(1200), passes=False),
    ),
    needs=frozenset({Need.FILE_KINDS, Need.MANIFESTS}),
    label_prefix=LABEL_PREFIX,
)
