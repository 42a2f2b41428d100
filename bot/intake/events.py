"""Map a webhook delivery to the jobs it calls for: pure, no I/O.

Payloads drift from GitHub's published schema, so only the fields a job uses are read, and a payload
missing one of them maps to no job, with a reason, rather than to an error.
https://docs.github.com/en/webhooks/webhook-events-and-payloads
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.config import OverrideConfig
from bot.core.locations import CODEOWNERS_PATHS, RULES_PATH
from bot.intake import reviews
from bot.intake.jobs import (
    EvaluatePullRequest,
    Job,
    OverrideByComment,
    RecordInstallation,
    RecordPullRequestClosed,
    ReevaluateRepository,
    ReportMergeGroup,
)
from bot.intake.payload import LOGIN as _LOGIN
from bot.intake.payload import REPOSITORY as _REPOSITORY
from bot.intake.payload import SHA as _SHA
from bot.intake.payload import MissingField as _MissingField
from bot.intake.payload import find as _find
from bot.intake.payload import is_int as _is_int
from bot.intake.payload import read as _read
from bot.intake.payload import read_matching as _read_matching

OVERRIDE_COMMAND = ("/scopegate", "override")
SIZE_LABEL_PREFIX = "size/"
# "The array includes a maximum of 2048 commits": a push this long may have lost some of its file lists.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
PUSH_COMMITS_CAP = 2048
_EXTERNAL_ID_PREFIX = "scopegate:pr:"
# The override label unless a rules file names another; a repository's own is learnt from its workers,
# who renew it at each evaluation: long enough to outlive quiet months, short enough to forget a rename.
# `pull_request` actions that are events of the review history too.
_HISTORY_ACTIONS = frozenset({"opened", "synchronize", "closed"})
DEFAULT_OVERRIDE_LABEL: str = OverrideConfig.model_fields["label"].default
OVERRIDE_LABEL_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Plan:
    """The jobs a delivery calls for, and why (or why none)."""

    jobs: tuple[Job, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class _Context:
    """What the mapping knows besides the payload."""

    event: str
    delivery_id: str
    app_id: int | None
    bot_login: str | None
    override_label: str | None


def plan(
    event: str,
    payload: Mapping[str, Any],
    *,
    delivery_id: str,
    app_id: int | None,
    bot_login: str | None,
    override_label: str | None = None,
) -> Plan:
    """The jobs for one delivery of `event` with `payload`. `override_label` is the repository's override
    label as its workers last read it from the rules file (None: not known)."""
    handler = _HANDLERS.get(event)
    if handler is None:
        return Plan((), f"{event} events are not handled")
    try:
        return handler(payload, _Context(event, delivery_id, app_id, bot_login, override_label))
    except _MissingField as missing:
        return Plan((), f"{event} payload has no usable {missing}")


def check_run_external_id(number: int) -> str:
    """The `external_id` the publisher gives a PR's check run, so a re-run can be mapped without GitHub."""
    return f"{_EXTERNAL_ID_PREFIX}{number}"


def _pull_request(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`pull_request`: evaluate when the diff, base, labels or readiness change; record closes."""
    action = _read(payload, "action", str)
    try:
        history = reviews.pull_request_job(payload, ctx.delivery_id) if action in _HISTORY_ACTIONS else None
    except _MissingField:
        history = None  # the evaluation does not depend on the history's fields
    if history is not None:
        # The review history's event rides with the evaluation, in the same delivery's one round trip.
        evaluation = _pull_request_action(payload, ctx, action)
        return Plan((*evaluation.jobs, history), f"{evaluation.reason}; review history: record")
    return _pull_request_action(payload, ctx, action)


def _pull_request_action(payload: Mapping[str, Any], ctx: _Context, action: str) -> Plan:
    """The evaluation or closing a `pull_request` action calls for."""
    # Drafts are evaluated like any PR: the check tells the author early whether the PR is in scope.
    if action in ("opened", "synchronize"):
        return _evaluate_pull_request(payload, ctx, action, refresh=False)
    if action in ("reopened", "ready_for_review"):
        return _evaluate_pull_request(payload, ctx, action, refresh=True)
    if action == "edited":
        if _find(payload, "changes.base") is None:
            return Plan((), "pull_request.edited without a base change")
        return _evaluate_pull_request(payload, ctx, action, refresh=True)
    if action in ("labeled", "unlabeled"):
        return _label_change(payload, ctx, action)
    if action == "closed":
        return Plan((_closed(payload, ctx),), "pull_request.closed: record")
    return Plan((), f"pull_request.{action} does not change the verdict")


def _label_change(payload: Mapping[str, Any], ctx: _Context, action: str) -> Plan:
    """Only the override label changes the verdict: other bots' and people's labels, and our own, do not.
    While the repository's override label is not known, any label but ours may be it."""
    sender = _find(payload, "sender.login")
    # Logins are case-insensitive on GitHub.
    if ctx.bot_login is not None and isinstance(sender, str) and sender.lower() == ctx.bot_login.lower():
        return Plan((), f"pull_request.{action} by the App itself")
    label = _find(payload, "label.name")
    if isinstance(label, str) and label.startswith(SIZE_LABEL_PREFIX):
        return Plan((), f"pull_request.{action} of the size label {label!r}")
    overrides = {DEFAULT_OVERRIDE_LABEL, ctx.override_label}
    if ctx.override_label is not None and label not in overrides:
        return Plan((), f"pull_request.{action} of {label!r}, not the override label")
    return _evaluate_pull_request(payload, ctx, action, refresh=True)


def needs_override_label(event: str, payload: Mapping[str, Any]) -> bool:
    """Whether mapping this delivery depends on the repository's override label (a label change)."""
    return event == "pull_request" and _find(payload, "action") in ("labeled", "unlabeled")


def override_label_key(payload: Mapping[str, Any]) -> str | None:
    """The Redis key of the repository's override label, as workers remember it; None without a usable
    repository."""
    owner, name = _find(payload, "repository.owner.login"), _find(payload, "repository.name")
    if not isinstance(owner, str) or not isinstance(name, str):
        return None
    return override_label_key_for(owner, name)


def override_label_key_for(owner: str, repo: str) -> str:
    """`scopegate:override-label:{owner}/{repo}`; owner and repository names are case-insensitive."""
    return f"scopegate:override-label:{owner.lower()}/{repo.lower()}"


def _evaluate_pull_request(payload: Mapping[str, Any], ctx: _Context, action: str, *, refresh: bool) -> Plan:
    """Evaluate the payload's PR at its head."""
    job = EvaluatePullRequest(
        installation_id=_read(payload, "installation.id", int),
        owner=_read_matching(payload, "repository.owner.login", _LOGIN),
        repo=_read_matching(payload, "repository.name", _REPOSITORY),
        number=_read(payload, "pull_request.number", int),
        head_sha=_read_matching(payload, "pull_request.head.sha", _SHA),
        delivery_id=ctx.delivery_id,
        refresh=refresh,
    )
    return Plan((job,), f"pull_request.{action}: evaluate")


def _closed(payload: Mapping[str, Any], ctx: _Context) -> Job:
    """Record a closed PR."""
    return RecordPullRequestClosed(
        installation_id=_read(payload, "installation.id", int),
        repository_id=_read(payload, "repository.id", int),
        owner=_read_matching(payload, "repository.owner.login", _LOGIN),
        repo=_read_matching(payload, "repository.name", _REPOSITORY),
        number=_read(payload, "pull_request.number", int),
        merged=_read(payload, "pull_request.merged", bool),
        delivery_id=ctx.delivery_id,
    )


def _check_run(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`check_run`: only a re-run request; created/completed are mostly our own runs coming back."""
    return _rerequested(payload, ctx, "check_run")


def _check_suite(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`check_suite`: only a re-run request; new commits arrive as `pull_request.synchronize` instead."""
    return _rerequested(payload, ctx, "check_suite")


def _rerequested(payload: Mapping[str, Any], ctx: _Context, key: str) -> Plan:
    """Evaluate every PR of a re-requested check run or suite at the run's head."""
    action = _read(payload, "action", str)
    if action != "rerequested":
        return Plan((), f"{key}.{action}: nothing to do")
    # GitHub sends re-run requests to the App that owns the run; a webhook URL shared by two Apps
    # (staging and production, say) would still see the other's, so the App id keeps each to its own.
    owner_app = _find(payload, f"{key}.app.id")
    if ctx.app_id is not None and owner_app != ctx.app_id:
        return Plan((), f"{key}.rerequested for another App ({owner_app})")
    head_sha = _read_matching(payload, f"{key}.head_sha", _SHA)
    numbers = _pull_request_numbers(payload, key)
    if not numbers:
        # A fork's branch is not in this repository, so GitHub lists no pull requests for it.
        # https://docs.github.com/en/rest/checks/runs#get-a-check-run
        return Plan((), f"{key}.rerequested lists no pull request (a fork's PR is not listed)")
    installation_id = _read(payload, "installation.id", int)
    owner = _read_matching(payload, "repository.owner.login", _LOGIN)
    repo = _read_matching(payload, "repository.name", _REPOSITORY)
    jobs = tuple(
        EvaluatePullRequest(installation_id, owner, repo, n, head_sha, ctx.delivery_id, refresh=True)
        for n in numbers
    )
    return Plan(jobs, f"{key}.rerequested: evaluate")


def _pull_request_numbers(payload: Mapping[str, Any], key: str) -> tuple[int, ...]:
    """The PR numbers of a check run or suite: its `pull_requests`, else our run's `external_id`."""
    listed = _find(payload, f"{key}.pull_requests")
    listed = listed if isinstance(listed, list) else []
    numbers = tuple(pr["number"] for pr in listed if _is_int(_find(pr, "number")))
    if numbers:
        return numbers
    external_id = _find(payload, f"{key}.external_id")
    if isinstance(external_id, str) and external_id.startswith(_EXTERNAL_ID_PREFIX):
        number = external_id.removeprefix(_EXTERNAL_ID_PREFIX)
        return (int(number),) if number.isdecimal() else ()
    return ()


def _push(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`push`: re-evaluate open PRs when the default branch's rules file or CODEOWNERS changed."""
    default_branch = _read(payload, "repository.default_branch", str)
    if _read(payload, "ref", str) != f"refs/heads/{default_branch}":
        return Plan((), "push to a ref other than the default branch")
    if _find(payload, "deleted") is True:
        return Plan((), "push deleted the default branch")
    if not _touches_rules(payload):
        return Plan((), "push does not touch the rules file or CODEOWNERS")
    job = ReevaluateRepository(
        installation_id=_read(payload, "installation.id", int),
        owner=_read_matching(payload, "repository.owner.login", _LOGIN),
        repo=_read_matching(payload, "repository.name", _REPOSITORY),
        after=_read_matching(payload, "after", _SHA),
    )
    return Plan((job,), "push changed the rules: re-evaluate open pull requests")


def _touches_rules(payload: Mapping[str, Any]) -> bool:
    """Whether the pushed commits add, modify or remove the rules file or a CODEOWNERS file."""
    commits = _find(payload, "commits")
    commits = commits if isinstance(commits, list) else []
    # A force push lists only the new commits (none at all when the branch is reset to an ancestor), and
    # a capped list may have lost some: the changed files are then unknown, so assume the worst.
    if _find(payload, "forced") is True or len(commits) >= PUSH_COMMITS_CAP:
        return True
    watched = {RULES_PATH, *CODEOWNERS_PATHS}
    for commit in commits:
        for kind in ("added", "modified", "removed"):
            paths = commit.get(kind) if isinstance(commit, Mapping) else None
            if isinstance(paths, list) and watched.intersection(p for p in paths if isinstance(p, str)):
                return True
    return False


def _installation(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`installation` and `installation_repositories`: record the change."""
    action = _read(payload, "action", str)
    job = RecordInstallation(
        event=ctx.event, action=action, payload=_recorded(payload), delivery_id=ctx.delivery_id
    )
    return Plan((job,), f"{ctx.event}.{action}: record")


# What the ledger reads of an installation event (bot/ledger/installations.py): only these, and only their
# plain values, travel in the job, so a payload nested a thousand deep is never queued.
_INSTALLATION_FIELDS = ("id", "target_type", "created_at", "suspended_at")
_ACCOUNT_FIELDS = ("id", "login", "slug", "type")
_REPOSITORY_LISTS = ("repositories", "repositories_added", "repositories_removed")


def _recorded(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an installation event the ledger records: plain values only."""
    installation = _find(payload, "installation")
    account = _find(payload, "installation.account")
    recorded: dict[str, Any] = {
        "action": payload.get("action"),
        "installation": {
            **_plain(installation, _INSTALLATION_FIELDS),
            "account": _plain(account, _ACCOUNT_FIELDS),
        },
    }
    for key in _REPOSITORY_LISTS:
        listed = payload.get(key)
        if isinstance(listed, list):
            recorded[key] = [
                _plain(repo, ("id", "full_name")) for repo in listed if isinstance(repo, Mapping)
            ]
    return recorded


def _plain(value: object, keys: tuple[str, ...]) -> dict[str, Any]:
    """`keys` of a mapping whose values are strings, numbers, booleans or null."""
    if not isinstance(value, Mapping):
        return {}
    return {
        k: value[k] for k in keys if isinstance(value.get(k), str | int | float | bool | None) and k in value
    }


def _issue_comment(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`issue_comment`: a new `/scopegate override` comment on a pull request."""
    action = _read(payload, "action", str)
    if action != "created":
        return Plan((), f"issue_comment.{action}: nothing to do")
    # Pull requests are issues; only theirs carry `issue.pull_request`.
    # https://docs.github.com/en/rest/issues/issues#list-repository-issues
    if _find(payload, "issue.pull_request") is None:
        return Plan((), "issue_comment on an issue, not a pull request")
    body = _read(payload, "comment.body", str)
    if tuple(body.split(maxsplit=2)[:2]) != OVERRIDE_COMMAND:
        return Plan((), "issue_comment is not a scopegate command")
    job = OverrideByComment(
        installation_id=_read(payload, "installation.id", int),
        owner=_read_matching(payload, "repository.owner.login", _LOGIN),
        repo=_read_matching(payload, "repository.name", _REPOSITORY),
        number=_read(payload, "issue.number", int),
        comment_id=_read(payload, "comment.id", int),
        login=_read_matching(payload, "comment.user.login", _LOGIN),
        body=body,
    )
    return Plan((job,), "issue_comment: override command")


def _merge_group(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`merge_group.checks_requested`: the merge queue wants the check on its group's commit."""
    action = _read(payload, "action", str)
    if action != "checks_requested":
        return Plan((), f"merge_group.{action}: nothing to do")
    head_sha = _read_matching(payload, "merge_group.head_sha", _SHA)
    number = merge_group_pull_request(_read(payload, "merge_group.head_ref", str))
    if number is None:
        return Plan((), f"merge_group.checks_requested at {head_sha[:7]}: no pull request in its branch name")
    job = ReportMergeGroup(
        installation_id=_read(payload, "installation.id", int),
        owner=_read_matching(payload, "repository.owner.login", _LOGIN),
        repo=_read_matching(payload, "repository.name", _REPOSITORY),
        head_sha=head_sha,
        number=number,
    )
    return Plan((job,), f"merge_group.checks_requested at {head_sha[:7]} (up to #{number})")


# A merge group's branch: `refs/heads/gh-readonly-queue/<base branch>/pr-<number>-<base sha>`, named after
# the newest pull request in the group.
# https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/configuring-pull-request-merges/managing-a-merge-queue
_QUEUE_REF = re.compile(r"refs/heads/gh-readonly-queue/.+/pr-([0-9]{1,9})-[0-9a-f]{40,64}")


def merge_group_pull_request(head_ref: str) -> int | None:
    """The number of the newest pull request in a merge group, from its branch's name."""
    found = _QUEUE_REF.fullmatch(head_ref)
    return int(found[1]) if found else None


def _review_history(
    handler: Callable[[Mapping[str, Any], str], tuple[Job | None, str]],
) -> Callable[[Mapping[str, Any], _Context], Plan]:
    """A handler for an event that only adds to the review history (bot/intake/reviews.py)."""

    def handle(payload: Mapping[str, Any], ctx: _Context) -> Plan:
        job, reason = handler(payload, ctx.delivery_id)
        return Plan(() if job is None else (job,), reason)

    return handle


def _ping(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`ping`: GitHub checking the webhook is reachable."""
    return Plan((), "ping")


_HANDLERS: Mapping[str, Callable[[Mapping[str, Any], _Context], Plan]] = {
    "pull_request": _pull_request,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "push": _push,
    "installation": _installation,
    "installation_repositories": _installation,
    "issue_comment": _issue_comment,
    "merge_group": _merge_group,
    "ping": _ping,
    "pull_request_review": _review_history(reviews.review_job),
    "pull_request_review_comment": _review_history(reviews.review_comment_job),
    "pull_request_review_thread": _review_history(reviews.review_thread_job),
}

# The events a delivery can be mapped for; app-manifest.yml subscribes to these (tests/test_manifest.py).
HANDLED_EVENTS = frozenset(_HANDLERS)
