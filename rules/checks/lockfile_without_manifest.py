"""`lockfile-without-manifest`: a lockfile the pull request changes while no manifest it locks changes:
a dependency tree re-resolved by a stray `npm install` of another npm version, an editor's background
install, or a tool that regenerated it, riding along with unrelated code."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from bot.core.files import VENDOR_DIRS, FileFacts, Kind
from bot.core.findings import Finding, Scope
from bot.core.lockfiles import LOCKFILES
from bot.core.snapshot import (
    ChangedFile,
    FileStatus,
    PullRequestSnapshot,
)
from rules.base import Context, Example, Rule, RuleResult
from rules.checks.common import CheckConfig, Level, example_pull_request, severity_of

ID = "lockfile-without-manifest"
# The manifests each lockfile locks: those bot.core.lockfiles knows, and those of the ecosystems whose
# manifest marks no package root there (their lockfile is proven by its format alone).
_EXTRA = {
    "Pipfile.lock": ("Pipfile",),
    "Podfile.lock": ("Podfile",),
    "mix.lock": ("mix.exs",),
    "pubspec.lock": ("pubspec.yaml",),
    "flake.lock": ("flake.nix",),
    "deno.lock": ("deno.json", "deno.jsonc"),
    "Package.resolved": ("Package.swift",),
}
MANIFESTS = {name: lock.manifests for name, lock in LOCKFILES.items() if lock.manifests} | _EXTRA
# Files that are not the project's own: a lockfile there is another project's.
_NOT_OWN = frozenset({Kind.VENDORED, Kind.GENERATED, Kind.CONFIGURED, Kind.BINARY, Kind.SNAPSHOT})


class Config(CheckConfig):
    """A lockfile changed without its manifest."""

    severity: Level = Field(
        "warning",
        description="error, warning, info or off: a lockfile changed beside other changes, no manifest.",
    )
    alone: Level = Field(
        "info",
        description="The same when the pull request changes nothing but lockfiles (a refresh).",
    )


def _own(path: str) -> bool:
    """Whether a path is outside the vendor folders (a lockfile's name is checked before its folder when
    files are classified, so a vendored lockfile has a counted kind)."""
    return VENDOR_DIRS.isdisjoint(path.split("/")[:-1])


def _explained(lockfile: str, manifests: tuple[str, ...], changed: frozenset[str]) -> bool:
    """Whether a manifest the lockfile locks changed: beside it, or in a folder below it (a workspace
    member's `package.json` or `Cargo.toml` re-resolves the root's lockfile)."""
    folder = lockfile.rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""
    return any(p.startswith(prefix) and p.rpartition("/")[2] in manifests for p in changed)


def findings(
    snapshot: PullRequestSnapshot, facts: tuple[FileFacts, ...], config: Config
) -> Iterator[Finding]:
    """A finding on each modified lockfile whose manifests did not change."""
    together, alone = severity_of(config), severity_of(CheckConfig(severity=config.alone))
    changed = frozenset(p for f in snapshot.files for p in (f.path, f.previous_path) if p)
    locks = [
        (file, MANIFESTS[file.path.rpartition("/")[2]])
        for file, fact in zip(snapshot.files, facts, strict=True)
        if file.path.rpartition("/")[2] in MANIFESTS and fact.kind not in _NOT_OWN and _own(file.path)
    ]
    only_locks = len(locks) == len(snapshot.files)
    severity = alone if only_locks else together
    if severity is None:
        return
    for file, manifests in locks:
        if file.status is not FileStatus.MODIFIED or _explained(file.path, manifests, changed):
            continue
        folder = file.path.rpartition("/")[0]
        beside = " or ".join(f"`{folder}/{m}`" if folder else f"`{m}`" for m in manifests)
        why = "a refresh of its resolution" if only_locks else "alongside changes that need no new dependency"
        yield Finding(
            rule=ID,
            severity=severity,
            message=(
                f"`{file.path}` changes while {beside} does not ({why}): if no dependency was meant to "
                "change, restore the lockfile from the base branch"
            ),
            path=file.path,
            line=1,
            end_line=1,
            scope=Scope.FILE,
            key=file.path,
        )


def evaluate(context: Context, config: Config) -> RuleResult:
    """The findings over the pull request's changed files."""
    return RuleResult(tuple(findings(context.snapshot, context.files, config)))


def changed(*paths: str, rules: str | None = None) -> PullRequestSnapshot:
    """A pull request modifying `paths` (a line each), under the rules file `rules`."""
    return example_pull_request((ChangedFile(p, FileStatus.MODIFIED, 1, 1) for p in paths), rules)


_STRICT = f"checks:\n  {ID}:\n    severity: error\n"
RULE: Rule[Config] = Rule(
    id=ID,
    summary="A lockfile the pull request changes while the manifest it locks does not.",
    help=f"""\
A modified lockfile whose manifest in its folder, and in every folder below it (a workspace member's
`package.json` or `Cargo.toml` re-resolves the root's lockfile), is unchanged: a dependency tree
re-resolved by a stray install, another tool version or a regeneration, which reviewers rarely read.
Lockfiles and the manifests they lock: {", ".join(f"{k} ↔ {' / '.join(v)}" for k, v in MANIFESTS.items())}.
A pull request changing only lockfiles is a refresh (`npm update`, a bot's transitive bump): `alone`
(info) rather than `severity` (warning). Left alone: an added or removed lockfile (adopting or dropping
one is a decision, not drift), lockfiles under vendored, generated or excluded paths, and pinned
requirements files (their input is not always beside them). Reported once per lockfile, on its first
line; the lockfile's kind (counted 0 by the size gate) does not matter.""",
    config=Config,
    evaluate=evaluate,
    examples=(
        Example(
            "package-lock.json with package.json passes", changed("package.json", "package-lock.json"), True
        ),
        Example(
            "Cargo.lock with a member's Cargo.toml passes", changed("crates/a/Cargo.toml", "Cargo.lock"), True
        ),
        Example(
            "package-lock.json alone beside code fails",
            changed("src/a.js", "package-lock.json", rules=_STRICT),
            False,
        ),
        Example("poetry.lock beside code fails", changed("app/main.py", "poetry.lock", rules=_STRICT), False),
    ),
    section=f"checks.{ID}",
)
