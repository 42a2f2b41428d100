"""Whether a pull request gets an LLM review at all (DESIGN §8, issue 13): only where the deterministic
gate could not decide alone.

The review is advisory and runs after the gate: a pull request the gate failed is already decided (the
model may never turn a failure into a pass), and one with nothing a model could usefully read — docs or
lockfiles only, a bot's own change, no added line outside excluded files, or changes that parsing both
versions proves are only whitespace, comments or version values (`bot.llm.unchanged`) — is not worth the
tokens.
"""

from __future__ import annotations

from bot.core.files import EXCLUDED, FileFacts, Kind, classify
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot
from bot.core.verdict import Conclusion, Verdict
from bot.llm.unchanged import Sameness, sameness

CALL = "the deterministic gate passed and the diff has code to review"
# What each kind of change leaves for a reviewer, as the review check says it (title: up to the colon).
_ONLY = {
    Sameness.WHITESPACE: (
        "whitespace",
        "every changed file has the same tokens in the same syntax tree at the base and the head",
    ),
    Sameness.COMMENTS: (
        "comments",
        "every changed file has the same code without its comments and docstrings, and no tool directive "
        "in a comment changed",
    ),
    Sameness.VERSIONS: (
        "version bumps",
        "the changed manifests differ in version values only (the package's own, its dependencies' or a "
        "pinned tool's)",
    ),
}
_MIXED = "no changed file has a code change, parsed at the base and the head"


def review_decision(snapshot: PullRequestSnapshot, verdict: Verdict) -> tuple[bool, str]:
    """Whether to call the model on `snapshot` after the gate's `verdict`, and why (one sentence)."""
    if verdict.conclusion is not Conclusion.SUCCESS:
        return False, "the deterministic gate did not pass: its verdict stands without a model"
    author = snapshot.pull_request.author
    if author is not None and author.endswith("[bot]"):
        return False, f"authored by a bot ({author})"
    facts = classify(snapshot)
    if facts and all(f.kind is Kind.LOCKFILE for f in facts):
        return False, "lockfiles only"
    reviewable = [f for f, file in zip(facts, snapshot.files, strict=True) if _reviewable(f, file.status)]
    if not reviewable:
        return False, "no added line outside excluded files"
    if all(f.kind is Kind.DOCS for f in reviewable):
        return False, "docs only"
    unchanged = _nothing_to_review(snapshot.files, facts)
    if unchanged is not None:
        return False, unchanged
    return True, CALL


def _reviewable(facts: FileFacts, status: FileStatus) -> bool:
    """A file that counts, still exists at the head, and adds lines: what the packed prompt can show."""
    return facts.kind not in EXCLUDED and status is not FileStatus.REMOVED and facts.additions > 0


def _nothing_to_review(files: tuple[ChangedFile, ...], facts: tuple[FileFacts, ...]) -> str | None:
    """Why no file that counts changes code — each is docs, or changes only whitespace, comments or
    version values — or None when one does (or that is not proven)."""
    counted = [(file, f) for file, f in zip(files, facts, strict=True) if f.kind not in EXCLUDED]
    code = [file for file, f in counted if f.kind is not Kind.DOCS]
    if not code or any(file.status is not FileStatus.MODIFIED for file in code):  # cheap refusals first
        return None
    kinds: set[Sameness] = set()
    for file in sorted(code, key=lambda file: file.head_size or 0):
        kind = sameness(file)
        if kind is None:
            return None
        kinds.add(kind)
    docs = len(code) < len(counted)
    nouns = (["docs"] if docs else []) + [_ONLY[k][0] for k in Sameness if k in kinds]
    said = nouns[0] if len(nouns) == 1 else f"{', '.join(nouns[:-1])} and {nouns[-1]}"
    (why,) = [_ONLY[k][1] for k in kinds] if len(kinds) == 1 else [_MIXED]
    return f"{said} only: {why}"
