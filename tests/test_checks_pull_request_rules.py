"""The check rules that read the pull request as a whole, and `undeclared-import`: named bad cases, good
cases and look-alikes that must not fire."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.files import classify
from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot
from bot.core.verdict import Conclusion, evaluate
from rules.base import Context
from rules.checks import lockfile_without_manifest
from rules.checks.lockfile_without_manifest import changed

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _run(module: object, snapshot: PullRequestSnapshot) -> tuple[Finding, ...]:
    """What the module's rule finds under its defaults."""
    rule = module.RULE  # type: ignore[attr-defined]
    return rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings  # type: ignore[no-any-return]


def _with_status(snapshot: PullRequestSnapshot, path: str, status: FileStatus) -> PullRequestSnapshot:
    files = tuple(replace(f, status=status) if f.path == path else f for f in snapshot.files)
    return replace(snapshot, files=files)


LOCKS = [
    ("npm lockfile beside code", ("src/a.js", "package-lock.json"), [("package-lock.json", W)]),
    ("yarn lockfile beside code", ("src/a.ts", "yarn.lock"), [("yarn.lock", W)]),
    ("pnpm lockfile beside code", ("src/a.ts", "pnpm-lock.yaml"), [("pnpm-lock.yaml", W)]),
    ("poetry lockfile beside code", ("app/main.py", "poetry.lock"), [("poetry.lock", W)]),
    ("uv lockfile in a subproject", ("svc/app.py", "svc/uv.lock"), [("svc/uv.lock", W)]),
    ("Cargo.lock beside code", ("src/main.rs", "Cargo.lock"), [("Cargo.lock", W)]),
    ("go.sum beside code", ("cmd/x/main.go", "go.sum"), [("go.sum", W)]),
    ("Gemfile.lock beside code", ("app/models/a.rb", "Gemfile.lock"), [("Gemfile.lock", W)]),
    ("lockfile only: a refresh", ("package-lock.json",), [("package-lock.json", INFO)]),
    ("two lockfiles only", ("go.sum", "web/yarn.lock"), [("go.sum", INFO), ("web/yarn.lock", INFO)]),
    (
        "a manifest of another folder does not explain it",
        ("web/package.json", "api/package-lock.json", "api/a.js"),
        [("api/package-lock.json", W)],
    ),
    (
        "a manifest above the lockfile does not explain it",
        ("package.json", "web/package-lock.json"),
        [("web/package-lock.json", W)],
    ),
    ("npm lockfile with package.json", ("src/a.js", "package.json", "package-lock.json"), []),
    ("poetry with pyproject", ("pyproject.toml", "poetry.lock"), []),
    ("uv with pyproject", ("pyproject.toml", "uv.lock", "app/a.py"), []),
    ("go.sum with go.mod", ("go.mod", "go.sum"), []),
    ("Gemfile.lock with Gemfile", ("Gemfile", "Gemfile.lock"), []),
    ("Cargo.lock with a workspace member's manifest", ("crates/core/Cargo.toml", "Cargo.lock"), []),
    ("yarn.lock with a workspace package.json", ("packages/ui/package.json", "yarn.lock"), []),
    ("pnpm with its workspace file", ("pnpm-workspace.yaml", "pnpm-lock.yaml"), []),
    ("a vendored lockfile", ("vendor/lib/package-lock.json", "src/a.js"), []),
    ("a file merely named like a manifest's lock", ("src/package-lock.js", "src/a.js"), []),
    ("no lockfile", ("src/a.py", "README.md"), []),
]


@pytest.mark.parametrize(("name", "paths", "found"), LOCKS, ids=[c[0] for c in LOCKS])
def test_lockfiles_changed_without_their_manifest(
    name: str, paths: tuple[str, ...], found: list[tuple[str, Severity]]
) -> None:
    """A modified lockfile is reported on its first line unless a manifest it locks changed, in its
    folder or below; a warning beside other changes, info when only lockfiles change."""
    findings = _run(lockfile_without_manifest, changed(*paths))
    assert [(f.path, f.severity) for f in findings] == found
    assert all(f.line == 1 and f.scope is Scope.FILE for f in findings)


@pytest.mark.parametrize("status", [FileStatus.ADDED, FileStatus.REMOVED])
def test_adding_or_removing_a_lockfile_is_no_drift(status: FileStatus) -> None:
    """Adopting or dropping a lockfile is a decision the diff shows: not reported."""
    snapshot = _with_status(changed("src/a.js", "package-lock.json"), "package-lock.json", status)
    assert _run(lockfile_without_manifest, snapshot) == ()


def test_a_renamed_manifest_explains_its_lockfile() -> None:
    """A manifest moved in the pull request counts as changed under either of its paths."""
    snapshot = changed("src/a.js", "package-lock.json")
    moved = ChangedFile("package.json", FileStatus.RENAMED, 0, 0, previous_path="package.json.old")
    assert _run(lockfile_without_manifest, replace(snapshot, files=(*snapshot.files, moved))) == ()


def test_the_message_names_the_manifest_and_the_way_back() -> None:
    """The message says which manifest did not change and how to undo the drift."""
    (finding,) = _run(lockfile_without_manifest, changed("svc/a.py", "svc/poetry.lock"))
    assert "`svc/poetry.lock` changes while `svc/pyproject.toml` does not" in finding.message
    assert "restore the lockfile from the base branch" in finding.message


def test_a_lockfile_drift_never_fails_the_gate_by_default() -> None:
    """Under the default rules file the finding is a warning: the check passes."""
    verdict = evaluate(changed("src/a.js", "package-lock.json"))
    assert verdict.conclusion is Conclusion.SUCCESS
    assert [f.rule for f in verdict.findings if f.rule == lockfile_without_manifest.ID] == [
        lockfile_without_manifest.ID
    ]


def test_the_refresh_level_is_configured_apart() -> None:
    """`alone: off` silences lockfile-only pull requests and keeps the warning beside code."""
    config = lockfile_without_manifest.Config(alone="off")
    rule = lockfile_without_manifest.RULE
    only = changed("package-lock.json")
    beside = changed("a.js", "package-lock.json")
    assert rule.run(Context(only, classify(only)), config).findings == ()
    assert len(rule.run(Context(beside, classify(beside)), config).findings) == 1
