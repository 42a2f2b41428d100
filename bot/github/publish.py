"""Publish a verdict on GitHub: one check run per head SHA, one sticky comment, the labels rules own."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import Integration, IssueComment

from bot.core.findings import Finding, Severity
from bot.core.report.markdown import SUMMARY_LIMIT, title, to_markdown
from bot.core.sections import visible
from bot.core.verdict import Verdict
from bot.gather.github import Comment
from bot.github.gateway import CheckRunSeen, PullRequestGateway

log = logging.getLogger(__name__)
# The hidden marker that finds our one comment again, so it is edited in place rather than repeated.
MARKER = "<!-- scopegate:sticky -->"
# An issue comment's body: "Body is too long (maximum is 65536 characters)", counted in UTF-8 bytes like
# the check run's summary (bot.core.report.markdown.SUMMARY_LIMIT).
COMMENT_LIMIT = 65536
# The gatherer reads the first 100 comments (bot/gather/queries.py): a full page may hide more.
COMMENTS_READ = 100
# https://docs.github.com/en/rest/checks/runs#update-a-check-run: at most 50 annotations per request.
ANNOTATIONS_PER_REQUEST = 50
# The title of a check that could not be evaluated (fail_check_run).
COULD_NOT_EVALUATE = "scopegate could not evaluate this pull request"
# A run carries at most this many (10 requests): a file of prose named `.py` is a syntax error on every
# line, and 30,000 annotations would cost 600 requests and outlast the job. Errors go first; every finding
# is still counted by rule in the summary.
MAX_ANNOTATIONS = 500
# Errors and warnings become annotations on their lines; info findings are in the summary only (DESIGN §5):
# a notice on every TODO would bury the lines a reviewer must look at.
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning"}


async def start_check_run(
    gateway: PullRequestGateway, *, head_sha: str, name: str, existing: int | None, external_id: str
) -> int:
    """Mark the check in progress, creating it when this head has none yet. `external_id` names the PR,
    because a fork's re-run request carries no pull request to map it back.

    GitHub appends the annotations of every update and removes none
    (https://docs.github.com/en/rest/checks/runs#update-a-check-run), so a run that already carries
    annotations (the answer to the update says how many) is not reused: it is completed again as
    replaced, and the head gets a new run of the same name, which GitHub shows (and branch protection
    reads) in place of the old one, carrying the current findings once."""
    body: Any = {"status": "in_progress", "started_at": _now(), "external_id": external_id}
    if existing is not None:
        gh = gateway.gh
        answer = await gh.rest.checks.async_update(gateway.owner, gateway.repo, existing, data=body)
        if not answer.parsed_data.output.annotations_count:
            return existing
        await gateway.update_check_run(existing, _replaced())
    return await gateway.create_check_run({**body, "name": name, "head_sha": head_sha})


def _replaced() -> Any:
    """The update that completes a run a re-run of its head replaced (GitHub shows the newest run of a
    name, so this one is rarely seen)."""
    return {
        "conclusion": "neutral",
        "completed_at": _now(),
        "output": {
            "title": "Replaced by a newer run",
            "summary": "This commit was evaluated again; the newer run of this check carries the result.",
        },
    }


@dataclass(frozen=True, slots=True)
class HeadVerdict:
    """One open PR's verdict on a commit, as its check run shows it: several PRs may share a head."""

    number: int
    conclusion: str
    title: str
    summary: str


# Branch protection asks for the check by name on the commit, whichever PR it is seen from: a commit that is
# the head of several open PRs gets the strictest of their verdicts.
_STRICTNESS = {"success": 0, "neutral": 1, "failure": 2}


def head_verdict(number: int, verdict: Verdict) -> HeadVerdict:
    """What PR `number`'s verdict contributes to its head's check run."""
    return HeadVerdict(number, verdict.conclusion.value, title(verdict), to_markdown(verdict))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A verdict's Markdown rendered once, where the worker runs it off the event loop (30,000 findings
    take 0.16 s a rendering): what it contributes to its head's check run, and its comment."""

    head: HeadVerdict
    comment: str


def render(number: int, verdict: Verdict) -> Rendered:
    """PR `number`'s verdict rendered for its check run and its comment."""
    return Rendered(head_verdict(number, verdict), comment_text(verdict))


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What a completed check run shows: its conclusion, output (title, summary, text) and annotations."""

    conclusion: str
    output: dict[str, str]
    annotations: tuple[dict[str, Any], ...] = ()


def verdict_outcome(verdict: Verdict, own: HeadVerdict, others: Sequence[HeadVerdict] = ()) -> CheckOutcome:
    """The check of the verdict (`own` is its rendering), or of the strictest of it and `others` (the
    verdicts of the other open PRs with this head), each PR named in the summary; the annotations
    (`MAX_ANNOTATIONS` at most) are this verdict's when it is the strictest."""
    strictest = max((own, *others), key=lambda v: (_STRICTNESS.get(v.conclusion, 2), v is own))
    located = [f for f in verdict.findings if f.path and f.line and f.severity in _LEVELS]
    located.sort(key=lambda f: f.severity is not Severity.ERROR)
    annotations = [_annotation(f) for f in located[:MAX_ANNOTATIONS]] if strictest is own else []
    output: dict[str, str] = {"title": own.title, "summary": own.summary}
    if others:
        output = {
            "title": f"#{strictest.number}: {strictest.title}",
            "summary": _shared(own, others, strictest),
        }
    if len(located) > len(annotations) > 0:
        output["text"] = (
            f"{len(annotations):,} of the {len(located):,} errors and warnings are annotated on their lines "
            f"(errors first); the summary counts all of them by rule."
        )
    return CheckOutcome(strictest.conclusion, output, tuple(annotations))


async def publish_check_run(
    gateway: PullRequestGateway,
    outcome: CheckOutcome,
    *,
    head_sha: str,
    name: str,
    external_id: str,
    started_at: datetime,
    existing: CheckRunSeen | None,
) -> CheckRunSeen:
    """The head's check run, completed with `outcome` in one request (and one more per further 50
    annotations): `existing`, the App's newest run of that name on the head, updated, or a new run created
    already completed. `external_id` names the PR, because a fork's re-run request carries no pull request
    to map it back.

    GitHub appends the annotations of every update and removes none
    (https://docs.github.com/en/rest/checks/runs#update-a-check-run), so a run that already carries
    annotations is not reused: a new run of the same name is created, which GitHub shows (and branch
    protection reads) in place of the old one, carrying the current findings once, and the old one is
    then completed again as replaced (in that order, so a failure in between never leaves the head with a
    neutral check only)."""
    first, *more = _completion(outcome)
    first |= {"started_at": _timestamp(started_at), "external_id": external_id}
    if existing is not None and not existing.annotations:
        check_id = existing.id
        await gateway.update_check_run(check_id, first)
    else:
        check_id = await gateway.create_check_run({**first, "name": name, "head_sha": head_sha})
        if existing is not None:
            await gateway.update_check_run(existing.id, _replaced())
    for body in more:
        await gateway.update_check_run(check_id, body)
    return CheckRunSeen(check_id, len(outcome.annotations))


def _completion(outcome: CheckOutcome) -> list[Any]:
    """The requests that complete a run with `outcome`: the first 50 annotations with the completion, the
    rest in further updates."""
    step = ANNOTATIONS_PER_REQUEST
    found = outcome.annotations
    batches = [list(found[i : i + step]) for i in range(0, len(found), step)] or [[]]
    first = {
        "status": "completed",
        "conclusion": outcome.conclusion,
        "completed_at": _now(),
        "output": {**outcome.output, "annotations": batches[0]},
    }
    return [first, *({"output": {**outcome.output, "annotations": batch}} for batch in batches[1:])]


def _shared(own: HeadVerdict, others: Sequence[HeadVerdict], strictest: HeadVerdict) -> str:
    """The summary of a check shared by several PRs: each PR's verdict, then the strictest one's report."""
    rows = "\n".join(
        f"| #{v.number} | {v.conclusion} | {v.title} |"
        for v in sorted((own, *others), key=lambda v: v.number)
    )
    head = (
        f"This commit is the head of {len(others) + 1} open pull requests; the check carries the strictest "
        f"verdict, #{strictest.number}'s.\n\n| pull request | conclusion | verdict |\n|---|---|---|\n"
        f"{rows}\n\n### #{strictest.number}\n\n"
    )
    room = SUMMARY_LIMIT - len(head.encode())
    return head + strictest.summary.encode()[:room].decode(errors="ignore")


def failure_outcome(reason: str) -> CheckOutcome:
    """The check of a PR that could not be evaluated, saying why: never stuck, never a silent pass."""
    start = f"{COULD_NOT_EVALUATE}:\n\n"
    end = "\n\nscopegate tries again by itself at its next sweeps; re-run to retry now."
    # The reason goes in a fenced block longer than any backtick run in it (it could not close it); it is
    # cut in bytes, at a character boundary, to leave room for the fences and the words around them.
    shown = "\n".join(visible(line) for line in reason.split("\n"))
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`+", shown))])
    room = SUMMARY_LIMIT - len(f"{start}{fence}\n\n{fence}{end}".encode())
    summary = f"{start}{fence}\n{shown.encode()[:room].decode(errors='ignore')}\n{fence}{end}"
    return CheckOutcome("failure", {"title": COULD_NOT_EVALUATE, "summary": summary})


async def fail_check_run(gateway: PullRequestGateway, check_id: int, reason: str) -> None:
    """Complete check run `check_id` as could not be evaluated, saying why (as `failure_outcome`)."""
    [body] = _completion(failure_outcome(reason))
    await gateway.update_check_run(check_id, body)


async def upsert_comment(gateway: PullRequestGateway, comments: Sequence[Comment], markdown: str) -> int:
    """Edit our one comment in place (the App's own, carrying the hidden marker), or post it. `markdown` is
    `comment_text`'s, which leaves room for the marker within GitHub's limit."""
    body = f"{MARKER}\n{markdown}"
    ours = await own_comment(gateway, comments)
    if ours is not None:
        await gateway.update_comment(ours, body)
        return ours
    return await gateway.create_comment(body)


async def own_comment(gateway: PullRequestGateway, comments: Sequence[Comment]) -> int | None:
    """The id of the App's own sticky comment: the marker *and* the author, among all the PR's comments.

    Anyone can paste the marker; only the App posts as its bot, and GitHub names the App that posted a
    comment in `performed_via_github_app` (REST) and its own in `viewerDidAuthor` (GraphQL, asked with
    the installation's token). `comments` (the first page the gatherer read) spares the listing when it
    holds every comment."""
    if len(comments) < COMMENTS_READ:
        found = sticky_comment(comments)
        return found.id if found is not None else None
    gh = gateway.gh
    app_id = gh.auth.app_id
    listing: AsyncIterator[IssueComment] = gh.rest.paginate(
        gh.rest.issues.async_list_comments,
        owner=gateway.owner,
        repo=gateway.repo,
        issue_number=gateway.number,
        per_page=100,
    )
    async for comment in listing:
        app = comment.performed_via_github_app
        body = comment.body if isinstance(comment.body, str) else ""
        if not body.startswith(MARKER) or not isinstance(app, Integration) or app.id != app_id:
            continue
        if comment.user is not None and comment.user.login == f"{app.slug}[bot]":
            return comment.id
    return None


def sticky_comment(comments: Sequence[Comment]) -> Comment | None:
    """The App's own comment carrying the hidden marker among `comments` (a marker anyone else pasted is
    not it)."""
    return next((c for c in comments if c.ours and c.body.startswith(MARKER)), None)


def comment_text(verdict: Verdict) -> str:
    """The comment's Markdown, leaving room for the marker (and its newline) within GitHub's limit."""
    return to_markdown(verdict, max_bytes=COMMENT_LIMIT - len(f"{MARKER}\n".encode()))


async def sync_labels(gateway: PullRequestGateway, current: Sequence[str], verdict: Verdict) -> None:
    """For each rule that owns a label prefix: add the labels it wants, remove its stale ones; labels under
    no rule's prefix are never touched, but for a stale override label. Nothing is sent when the labels are
    already right."""
    for outcome in verdict.outcomes:
        prefix, wanted = outcome.rule.label_prefix, outcome.result.labels
        if prefix is None:
            continue
        for stale in (label for label in current if label.startswith(prefix) and label not in wanted):
            await gateway.remove_label(stale)
        missing = [label for label in wanted if label not in current]
        if missing:
            await gateway.add_labels(missing)
    # A label override given at an earlier head no longer applies: taken off, the reason is in the check.
    outdated = verdict.override is not None and verdict.override.stale
    if outdated and verdict.config.override.label in current:
        await gateway.remove_label(verdict.config.override.label)


async def request_reviewers(gateway: PullRequestGateway, verdict: Verdict) -> None:
    """Request the reviewers the rules chose, users by login and teams by slug, in one request. The plan
    already leaves out whoever is requested, has reviewed or was requested before (a re-run or a draft
    toggle asks nobody twice), and a draft has none. GitHub refuses the whole request (422) when one of
    them cannot be asked (no longer a collaborator, a team without access to the repository): each is then
    asked alone, so the others still are. A team of another organisation than the repository's cannot be
    asked at all."""
    users = [r for r in verdict.reviewers if "/" not in r]
    teams = [
        slug
        for org, _, slug in (r.partition("/") for r in verdict.reviewers if "/" in r)
        if org.casefold() == gateway.owner.casefold()
    ]
    if not users and not teams:
        return
    if await _requested(gateway, users, teams) or len(users) + len(teams) == 1:
        return
    for user in users:
        await _requested(gateway, [user], [])
    for team in teams:
        await _requested(gateway, [], [team])


async def _requested(gateway: PullRequestGateway, users: list[str], teams: list[str]) -> bool:
    """Whether GitHub took the request; a refusal (422) is logged, not raised: the verdict stands."""
    try:
        await gateway.request_reviewers(users, teams)
    except RequestFailed as error:
        if error.response.status_code != 422:
            raise
        log.warning("GitHub refused to request %s: %s", users + teams, error.response.text[:500])
        return False
    return True


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
    return _timestamp(datetime.now(UTC))


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, as GitHub's check-run times are given."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
