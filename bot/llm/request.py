"""The review request's user message, and the id that names one call for the budget (issue 13).

The instructions are `prompt.md` and the answer's shape `review_schema.json`, beside this module, read by
`bot.inference.texts`. The message holds the author's text (the title and the diff) between markers
carrying the diff's own hash: a diff cannot forge its end marker, since it would have to contain its own
hash.
"""

from __future__ import annotations

import hashlib

from bot.llm.budgets import Attribution
from bot.llm.packing import PackedDiff


def diff_hash(packed: PackedDiff) -> str:
    """The hash of what the model is shown: the same diff content (a rebase, a re-run) hashes the same."""
    return hashlib.sha256(packed.text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def user_message(title: str, packed: PackedDiff) -> str:
    """The packed diff as the model reads it: the title, the files it is not shown and what was stripped,
    then the diff between its markers."""
    marker = diff_hash(packed)
    lines = [f"Pull request title (from its author): {title}"]
    if packed.unseen:
        shown = "; ".join(f"{u.path} ({u.reason})" for u in packed.unseen)
        lines.append(f"Changed but not shown: {shown}")
    stripped = [f"{count} {strip.value}" for strip, count in packed.stripped.items() if count]
    if stripped:
        lines.append(f"Stripped to fit the token budget: {', '.join(stripped)}")
    lines += ["", f"=== diff {marker} begins ===", packed.text, f"=== diff {marker} ends ==="]
    return "\n".join(lines)


def call_id(packed: PackedDiff, model: str, who: Attribution, head_sha: str, attempt: int) -> str:
    """The budget's name for one call: a redelivered job finds its reservation, a new attempt or a new
    head takes its own."""
    return f"{who.repo}#{who.pr}@{head_sha[:12]}:{who.stage}:{model}:{diff_hash(packed)}:{attempt}"
