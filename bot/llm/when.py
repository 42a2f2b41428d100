"""Whether a pull request gets an LLM review at all (DESIGN §8, issue 13): only where the deterministic
gate could not decide alone.

The review is advisory and runs after the gate: a pull request the gate failed is already decided (the
model may never turn a failure into a pass), and one with nothing a model could usefully read — docs or
lockfiles only, a bot's own change, no added line outside excluded files — is not worth the tokens.
"""

from __future__ import annotations

from bot.core.files import EXCLUDED, FileFacts, Kind, classify
from bot.core.snapshot import FileStatus, PullRequestSnapshot
from bot.core.verdict import Conclusion, Verdict

CALL = "the deterministic gate passed and the diff has code to review"


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
    return True, CALL


def _reviewable(facts: FileFacts, status: FileStatus) -> bool:
    """A file that counts, still exists at the head, and adds lines: what the packed prompt can show."""
    return facts.kind not in EXCLUDED and status is not FileStatus.REMOVED and facts.additions > 0
