"""Map a webhook delivery to the jobs it calls for: pure, no I/O.

Payloads drift from GitHub's published schema, so only the fields a job uses are read, and a payload
missing one of them maps to no job, with a reason, rather than to an error.
https://docs.github.com/en/webhooks/webhook-events-and-payloads
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.locations import CODEOWNERS_PATHS, RULES_PATH
from bot.intake.jobs import (
    EvaluatePullRequest,
    Job,
    OverrideByComment,
    RecordInstallation,
    RecordPullRequestClosed,
    ReevaluateRepository,
)

OVERRIDE_COMMAND = ("/scopegate", "override")
SIZE_LABEL_PREFIX = "size/"
# "The array includes a maximum of 2048 commits": a push this long may have lost some of its file lists.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
PUSH_COMMITS_CAP = 2048
_EXTERNAL_ID_PREFIX = "scopegate:pr:"

T = TypeVar("T")


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


class _MissingField(Exception):
    """A field a job needs is absent from the payload or has the wrong type."""


def plan(
    event: str,
    payload: Mapping[str, Any],
    *,
    delivery_id: str,
    app_id: int | None,
    bot_login: str | None,
) -> Plan:
    """The jobs for one delivery of `event` with `payload`."""
    handler = _HANDLERS.get(event)
    if handler is None:
        return Plan((), f"{event} events are not handled")
    try:
        return handler(payload, _Context(event, delivery_id, app_id, bot_login))
    except _MissingField as missing:
        return Plan((), f"{event} payload has no usable {missing}")


def check_run_external_id(number: int) -> str:
    """The `external_id` the publisher gives a PR's check run, so a re-run can be mapped without GitHub."""
    return f"{_EXTERNAL_ID_PREFIX}{number}"


def _pull_request(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`pull_request`: evaluate when the diff, base, labels or readiness change; record closes."""
    action = _read(payload, "action", str)
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
    """Any label may be the override label (named in the base branch's rules file), except our own."""
    sender = _find(payload, "sender.login")
    # Logins are case-insensitive on GitHub.
    if ctx.bot_login is not None and isinstance(sender, str) and sender.lower() == ctx.bot_login.lower():
        return Plan((), f"pull_request.{action} by the App itself")
    label = _find(payload, "label.name")
    if isinstance(label, str) and label.startswith(SIZE_LABEL_PREFIX):
        return Plan((), f"pull_request.{action} of the size label {label!r}")
    return _evaluate_pull_request(payload, ctx, action, refresh=True)


def _evaluate_pull_request(payload: Mapping[str, Any], ctx: _Context, action: str, *, refresh: bool) -> Plan:
    """Evaluate the payload's PR at its head."""
    job = EvaluatePullRequest(
        installation_id=_read(payload, "installation.id", int),
        owner=_read(payload, "repository.owner.login", str),
        repo=_read(payload, "repository.name", str),
        number=_read(payload, "pull_request.number", int),
        head_sha=_read(payload, "pull_request.head.sha", str),
        delivery_id=ctx.delivery_id,
        refresh=refresh,
    )
    return Plan((job,), f"pull_request.{action}: evaluate")


def _closed(payload: Mapping[str, Any], ctx: _Context) -> Job:
    """Record a closed PR."""
    return RecordPullRequestClosed(
        installation_id=_read(payload, "installation.id", int),
        repository_id=_read(payload, "repository.id", int),
        owner=_read(payload, "repository.owner.login", str),
        repo=_read(payload, "repository.name", str),
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
    head_sha = _read(payload, f"{key}.head_sha", str)
    numbers = _pull_request_numbers(payload, key)
    if not numbers:
        # A fork's branch is not in this repository, so GitHub lists no pull requests for it.
        # https://docs.github.com/en/rest/checks/runs#get-a-check-run
        return Plan((), f"{key}.rerequested lists no pull request (a fork's PR is not listed)")
    installation_id = _read(payload, "installation.id", int)
    owner = _read(payload, "repository.owner.login", str)
    repo = _read(payload, "repository.name", str)
    jobs = tuple(
        EvaluatePullRequest(installation_id, owner, repo, n, head_sha, ctx.delivery_id, refresh=True)
        for n in numbers
    )
    return Plan(jobs, f"{key}.rerequested: evaluate")


def _pull_request_numbers(payload: Mapping[str, Any], key: str) -> tuple[int, ...]:
    """The PR numbers of a check run or suite: its `pull_requests`, else our run's `external_id`."""
    listed = _find(payload, f"{key}.pull_requests")
    numbers = tuple(pr["number"] for pr in listed or () if _is_int(_find(pr, "number")))
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
        owner=_read(payload, "repository.owner.login", str),
        repo=_read(payload, "repository.name", str),
        after=_read(payload, "after", str),
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
        event=ctx.event, action=action, payload=dict(payload), delivery_id=ctx.delivery_id
    )
    return Plan((job,), f"{ctx.event}.{action}: record")


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
        owner=_read(payload, "repository.owner.login", str),
        repo=_read(payload, "repository.name", str),
        number=_read(payload, "issue.number", int),
        comment_id=_read(payload, "comment.id", int),
        login=_read(payload, "comment.user.login", str),
        body=body,
    )
    return Plan((job,), "issue_comment: override command")


def _ping(payload: Mapping[str, Any], ctx: _Context) -> Plan:
    """`ping`: GitHub checking the webhook is reachable."""
    return Plan((), "ping")


def _find(payload: Mapping[str, Any], path: str) -> Any:
    """The value at dotted `path`, or None where any step is missing."""
    value: Any = payload
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _read(payload: Mapping[str, Any], path: str, kind: type[T]) -> T:
    """The value at dotted `path`, which a job needs: it must be there and of type `kind`."""
    value = _find(payload, path)
    # JSON has one number type: a bool is not an id, and an int is never a flag.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _MissingField(path)
    return value


def _is_int(value: object) -> bool:
    """Whether a JSON value is an integer (and not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


_HANDLERS: Mapping[str, Callable[[Mapping[str, Any], _Context], Plan]] = {
    "pull_request": _pull_request,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "push": _push,
    "installation": _installation,
    "installation_repositories": _installation,
    "issue_comment": _issue_comment,
    "ping": _ping,
}

# The events a delivery can be mapped for; app-manifest.yml subscribes to these (tests/test_manifest.py).
HANDLED_EVENTS = frozenset(_HANDLERS)
