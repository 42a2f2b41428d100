"""When the LLM review is called: only after a passing gate, on a diff with code a model can read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.snapshot import (
    ChangedFile,
    FileStatus,
    GitAttributesFile,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.core.verdict import Conclusion, evaluate
from bot.llm.when import CALL, review_decision

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)
LOCK = b'{\n  "name": "app",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {}\n}\n'
MANIFEST = '{"name": "app"}\n'


def _file(
    path: str, added: int = 5, status: FileStatus = FileStatus.MODIFIED, head: bytes = b""
) -> ChangedFile:
    return ChangedFile(path, status, added, 2, head=head or None, head_size=len(head) if head else None)


SOURCE = _file("src/app.py")
TEST = _file("tests/test_app.py")
DOCS = _file("docs/guide.md")
README = _file("README.md")
LOCKFILE = _file("package-lock.json", head=LOCK)
GENERATED = _file("gen/schema.py")
GENERATED_ATTRIBUTES = (GitAttributesFile("", "gen/** linguist-generated\n"),)

CASES = {
    "source change is reviewed": ((SOURCE,), None, (), True, CALL),
    "source with docs and a lockfile is reviewed": ((SOURCE, DOCS, LOCKFILE), None, (), True, CALL),
    "tests alone are reviewed": ((TEST,), None, (), True, CALL),
    "a human login is reviewed": ((SOURCE,), "octocat", (), True, CALL),
    "docs only": ((DOCS, README), None, (), False, "docs only"),
    "docs and a lockfile": ((DOCS, LOCKFILE), None, (), False, "docs only"),
    "lockfile only": ((LOCKFILE,), None, (), False, "lockfiles only"),
    "a bot's pull request": ((SOURCE,), "dependabot[bot]", (), False, "authored by a bot (dependabot[bot])"),
    "generated files only": ((GENERATED,), None, GENERATED_ATTRIBUTES, False, "no added line outside"),
    "deletions only": ((_file("src/app.py", added=0),), None, (), False, "no added line outside"),
    "a removed source file": (
        (_file("src/old.py", added=0, status=FileStatus.REMOVED),),
        None,
        (),
        False,
        "no added line outside",
    ),
    "no file at all": ((), None, (), False, "no added line outside"),
}


@pytest.mark.parametrize(
    ("files", "author", "attributes", "call", "reason"), list(CASES.values()), ids=list(CASES)
)
def test_review_decision(
    files: tuple[ChangedFile, ...],
    author: str | None,
    attributes: tuple[GitAttributesFile, ...],
    call: bool,
    reason: str,
) -> None:
    """After a passing gate the model is called only where it has code to read and a human wrote it."""
    snapshot = PullRequestSnapshot(
        replace(INFO, author=author),
        files,
        repository=RepositoryFiles(gitattributes=attributes, manifests={"package.json": MANIFEST}),
    )
    verdict = evaluate(snapshot)
    assert verdict.conclusion is Conclusion.SUCCESS
    decided, why = review_decision(snapshot, verdict)
    assert (decided, why.startswith(reason)) == (call, True), why


def test_a_failed_gate_is_never_reviewed() -> None:
    """A pull request the gate failed gets no model call, whatever its diff: the failure stands."""
    snapshot = PullRequestSnapshot(INFO, (_file("src/big.py", added=5_000),))
    verdict = evaluate(snapshot)
    assert verdict.conclusion is Conclusion.FAILURE
    assert review_decision(snapshot, verdict) == (
        False,
        "the deterministic gate did not pass: its verdict stands without a model",
    )
