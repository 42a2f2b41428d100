"""Publish a verdict on GitHub: one check run per head SHA, one sticky comment, the size label."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.core.findings import Finding, Severity
from bot.core.report.markdown import GITHUB_TEXT_LIMIT, title, to_markdown
from bot.core.verdict import Verdict
from bot.gather.github import Comment
from bot.github.client import Client

# The hidden marker that finds our one comment again, so it is edited in place rather than repeated.
MARKER = "<!-- scopegate:sticky -->"
# https://docs.github.com/en/rest/checks/runs#update-a-check-run: at most 50 annotations per request.
ANNOTATIONS_PER_REQUEST = 50
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}


async def find_check_run(gh: Client, owner: str, repo: str, head_sha: str, name: str) -> int | None:
    """Our check run for this head, if one exists (found by name and SHA, so a re-run reuses it)."""
    response = await gh.rest.checks.async_list_for_ref(
        owner, repo, head_sha, check_name=name, filter_="latest"
    )
    payload: Any = response.json()
    runs = [r for r in payload.get("check_runs") or [] if isinstance(r, dict) and r.get("name") == name]
    return int(runs[0]["id"]) if runs else None


async def start_check_run(
    gh: Client, owner: str, repo: str, *, head_sha: str, name: str, existing: int | None, external_id: str
) -> int:
    """Mark the check in progress, creating it when this head has none yet. `external_id` names the PR,
    because a fork's re-run request carries no pull request to map it back."""
    body: Any = {"status": "in_progress", "started_at": _now(), "external_id": external_id}
    if existing is not None:
        await gh.rest.checks.async_update(owner, repo, existing, data=body)
        return existing
    create: Any = {**body, "name": name, "head_sha": head_sha}
    response = await gh.rest.checks.async_create(owner, repo, data=create)
    payload: Any = response.json()
    return int(payload["id"])


async def complete_check_run(gh: Client, owner: str, repo: str, check_id: int, verdict: Verdict) -> None:
    """Complete the check with the verdict; annotations beyond the first 50 follow in further updates."""
    annotations = [_annotation(f) for f in verdict.findings if f.path and f.line]
    output = {"title": title(verdict), "summary": to_markdown(verdict)}
    step = ANNOTATIONS_PER_REQUEST
    batches = [annotations[i : i + step] for i in range(0, len(annotations), step)] or [[]]
    body: Any = {
        "status": "completed",
        "conclusion": verdict.conclusion.value,
        "completed_at": _now(),
        "output": {**output, "annotations": batches[0]},
    }
    await gh.rest.checks.async_update(owner, repo, check_id, data=body)
    for batch in batches[1:]:
        more: Any = {"output": {**output, "annotations": batch}}
        await gh.rest.checks.async_update(owner, repo, check_id, data=more)


async def fail_check_run(gh: Client, owner: str, repo: str, check_id: int, reason: str) -> None:
    """Complete a check that could not be evaluated, saying why: never stuck, never a silent pass."""
    summary = (
        f"scopegate could not evaluate this pull request:\n\n```\n{reason[:60000]}\n```\n\nRe-run to retry."
    )
    body: Any = {
        "status": "completed",
        "conclusion": "failure",
        "completed_at": _now(),
        "output": {"title": "scopegate could not evaluate this pull request", "summary": summary},
    }
    await gh.rest.checks.async_update(owner, repo, check_id, data=body)


async def upsert_comment(
    gh: Client, owner: str, repo: str, *, number: int, comments: Sequence[Comment], markdown: str
) -> int:
    """Edit our one comment in place (found by its hidden marker), or post it."""
    body = f"{MARKER}\n{markdown}"[: GITHUB_TEXT_LIMIT + 1]
    ours = sticky_comment(comments)
    if ours is not None:
        await gh.rest.issues.async_update_comment(owner, repo, ours.id, body=body)
        return ours.id
    response = await gh.rest.issues.async_create_comment(owner, repo, number, body=body)
    payload: Any = response.json()
    return int(payload["id"])


def sticky_comment(comments: Sequence[Comment]) -> Comment | None:
    """Our one comment among the PR's, found by its hidden marker."""
    return next((c for c in comments if c.body.startswith(MARKER)), None)


def comment_text(verdict: Verdict) -> str:
    """The comment's Markdown, leaving room for the marker within GitHub's limit."""
    return to_markdown(verdict, max_chars=GITHUB_TEXT_LIMIT - len(MARKER) - 1)


async def sync_size_label(
    gh: Client, owner: str, repo: str, *, number: int, current: Sequence[str], wanted: str | None
) -> None:
    """Add the wanted `size/*` label and remove stale ones; nothing when already right."""
    for stale in (label for label in current if label.startswith("size/") and label != wanted):
        # githubkit puts path parameters in the URL as they are; `size/XS` must travel as `size%2FXS`.
        await gh.rest.issues.async_remove_label(owner, repo, number, quote(stale, safe=""))
    if wanted and wanted not in current:
        await gh.rest.issues.async_add_labels(owner, repo, number, labels=[wanted])


def _annotation(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "start_line": finding.line,
        "end_line": finding.end_line or finding.line,
        "annotation_level": _LEVELS[finding.severity],
        "message": finding.message,
        "title": finding.rule,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
