"""`mixed-concerns`: a pull request whose counted changes fall into several unrelated areas — code in
separate components besides docs, CI or build configuration — which one review cannot hold together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import Field

from bot.core.files import TEST_DIRS, FileFacts, Kind
from bot.core.findings import Finding, Scope
from bot.core.snapshot import (
    ChangedFile,
    FileStatus,
    PullRequestSnapshot,
)
from rules.base import Context, Example, Need, Rule, RuleResult
from rules.checks.common import CheckConfig, Level, example_pull_request, severity_of
from rules.size.concerns import concern
from rules.size.packages import Packages, read_packages

ID = "mixed-concerns"
# Folders that hold components rather than being one: `src/app/…` and `packages/ui/…` are components.
CONTAINERS = frozenset(
    {"src", "lib", "libs", "packages", "apps", "services", "modules", "crates", "cmd", "internal", "pkg"}
    | {"plugins", "components", "projects", "tools"}
)
DOCS = "docs"


class Config(CheckConfig):
    """Pull requests spanning unrelated areas."""

    severity: Level = Field("info", description="error, warning, info or off.")
    max_groups: int = Field(
        3, ge=1, le=100, description="Areas a pull request may span (components, docs, CI, build, lint, …)."
    )
    min_components: int = Field(
        2, ge=1, le=100, description="Separate code components it must touch, as well, to be reported."
    )
    min_lines: int = Field(100, ge=0, description="Counted changed lines below which it is not reported.")


@dataclass(slots=True)
class _Group:
    files: int = 0
    lines: int = 0

    def add(self, files: int, lines: int) -> None:
        self.files, self.lines = self.files + files, self.lines + lines

    def __str__(self) -> str:
        return f"{self.files} file{'s' * (self.files != 1)}, {self.lines} lines"


def component(path: str, packages: Packages) -> str | None:
    """The component a code path belongs to: its package's root below the repository's, else its top
    folder (one deeper under `src/`, `packages/`, …); None at the repository's root."""
    root = packages.root_of(path)
    if root:
        return root
    parts = path.split("/")[:-1]
    if not parts:
        return None
    return "/".join(parts[:2]) if parts[0] in CONTAINERS and len(parts) > 1 else parts[0]


def _related(components: Iterable[str], packages: Packages) -> dict[str, str]:
    """Each component's representative, package roots one of which requires another merged."""
    parent = {c: c for c in components}

    def find(c: str) -> str:
        while parent[c] != c:
            c = parent[c]
        return c

    for c in sorted(parent):
        for needed in packages.requires.get(c, ()):
            if needed in parent:
                parent[find(needed)] = find(c)
    return {c: find(c) for c in parent}


def groups(facts: Iterable[FileFacts], manifests: Mapping[str, str]) -> dict[str, _Group]:
    """The areas the counted files fall into: code components (`bot/`), `docs`, and the concerns of
    configuration files (CI, build, lint, repository settings). Tests go with what they test and form
    no area of their own; code at the repository's root ties it together and forms none either."""
    packages = read_packages(manifests)
    found: dict[str, _Group] = {}
    code: dict[str, _Group] = {}
    for fact in facts:
        if fact.excluded or fact.kind is Kind.TEST:
            continue
        root = packages.root_of(fact.path) or ""
        relative = fact.path[len(root) + 1 :] if root else fact.path
        lines = fact.additions + fact.deletions
        what = DOCS if fact.kind is Kind.DOCS else concern(relative)
        if what is not None:
            found.setdefault(str(what), _Group()).add(1, lines)
            continue
        name = component(fact.path, packages)
        if name is not None and TEST_DIRS.isdisjoint(name.split("/")):
            code.setdefault(name, _Group()).add(1, lines)
    merged: dict[str, _Group] = {}
    for name, representative in _related(code, packages).items():
        merged.setdefault(f"{representative}/", _Group()).add(code[name].files, code[name].lines)
    return merged | found


def findings(
    facts: tuple[FileFacts, ...], manifests: Mapping[str, str], config: Config
) -> tuple[Finding, ...]:
    """One finding for the pull request when it spans more areas than `max_groups`."""
    severity = severity_of(config)
    counted = sum(f.additions + f.deletions for f in facts if not f.excluded)
    if severity is None or counted < config.min_lines:
        return ()
    found = groups(facts, manifests)
    components = sum(1 for name in found if name.endswith("/"))
    if len(found) <= config.max_groups or components < config.min_components:
        return ()
    ordered = sorted(found.items(), key=lambda item: (not item[0].endswith("/"), -item[1].lines, item[0]))
    listed = ", ".join(f"{f'`{name}`' if name.endswith('/') else name} ({g})" for name, g in ordered)
    message = (
        f"the changes fall into {len(found)} areas, {components} of them separate code components: {listed}; "
        "a pull request per area is reviewed more closely"
    )
    return (Finding(rule=ID, severity=severity, message=message, scope=Scope.PULL_REQUEST, key=ID),)


def evaluate(context: Context, config: Config) -> RuleResult:
    """The areas of the pull request's counted files."""
    return RuleResult(findings(context.files, context.snapshot.repository.manifests, config))


def pull_request(lines: Mapping[str, int], rules: str | None = None) -> PullRequestSnapshot:
    """A pull request modifying each path of `lines` by that many added lines."""
    return example_pull_request((ChangedFile(p, FileStatus.MODIFIED, n, 0) for p, n in lines.items()), rules)


_STRICT = f"checks:\n  {ID}:\n    severity: error\n"
_FOCUSED = {
    "billing/invoice.py": 80,
    "billing/tax.py": 30,
    "tests/test_invoice.py": 60,
    "docs/billing.md": 10,
}
_MIXED = {
    "billing/invoice.py": 80,
    "search/index.py": 40,
    "docs/billing.md": 10,
    ".github/workflows/ci.yml": 12,
}
RULE: Rule[Config] = Rule(
    id=ID,
    summary="A pull request whose changes fall into several unrelated areas (components, docs, CI, build).",
    help="""\
Each counted file (the size gate's: not generated, vendored, lockfile, binary or excluded) falls into an
area: a code component — its package's root when a manifest below the repository's root marks one,
else its top-level folder (one deeper under `src/`, `lib/`, `packages/`, `apps/`, `services/`, `cmd/`,
`internal/`, `pkg/`, `crates/`, …), two packages one of which requires the other being one area — or
`docs`, or the concern of a configuration file at a package's root as the size gate's split plan reads it
(CI, build, lint, repository settings). Tests go with what they test and form no area; code at the
repository's root forms none. A pull request of `min_lines` (100) counted lines or more spanning more
than `max_groups` (3) areas, `min_components` (2) of them code components, is reported once, with each
area's files and lines. It is info (the summary): areas that belong together are the author's call; the
size gate's split plan proposes the parts when the pull request is also too large.""",
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("one component with its tests and docs passes", pull_request(_FOCUSED), True),
        Example("two components, docs and CI fail", pull_request(_MIXED, _STRICT), False),
    ),
    section=f"checks.{ID}",
    needs=frozenset({Need.MANIFESTS}),
)
