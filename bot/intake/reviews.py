"""Map the events of a PR's review history to `RecordReviewEvent` jobs: pure, no I/O.

Each job carries the event's idempotency key (bot/core/rounds.py), so the same event delivered twice is
one arq job and one ledger row, and GitHub's own timestamp, so deliveries out of order are put back in
order. https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request_review
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.rounds import (
    ReviewState,
    closed_key,
    opened_key,
    push_key,
    review_comment_key,
    review_key,
    review_thread_key,
)
from bot.intake.jobs import RecordReviewEvent
from bot.intake.payload import (
    ACTOR,
    LOGIN,
    NODE_ID,
    REPOSITORY,
    SHA,
    MissingField,
    find,
    read,
    read_matching,
    read_time,
)

REVIEW_ACTIONS = frozenset({"submitted", "edited", "dismissed"})
COMMENT_ACTIONS = frozenset({"created", "edited", "deleted"})
THREAD_ACTIONS = frozenset({"resolved", "unresolved"})
_STATES = frozenset(state.value for state in ReviewState)


def _job(payload: Mapping[str, Any], kind: str, key: str, at: str, **fields: Any) -> RecordReviewEvent:
    """A job for the payload's pull request."""
    author = find(payload, "pull_request.user.login")
    return RecordReviewEvent(
        installation_id=read(payload, "installation.id", int),
        repository_id=read(payload, "repository.id", int),
        owner=read_matching(payload, "repository.owner.login", LOGIN),
        repo=read_matching(payload, "repository.name", REPOSITORY),
        number=read(payload, "pull_request.number", int),
        pr_author=author if isinstance(author, str) and ACTOR.fullmatch(author) else None,
        kind=kind,
        key=key,
        at=at,
        **fields,
    )


def review_job(payload: Mapping[str, Any], delivery_id: str) -> tuple[RecordReviewEvent | None, str]:
    """`pull_request_review` submitted, edited or dismissed."""
    action = read(payload, "action", str)
    if action not in REVIEW_ACTIONS:
        return None, f"pull_request_review.{action}: not review history"
    review_id = read(payload, "review.id", int)
    state = read(payload, "review.state", str).lower()
    if state not in _STATES:
        raise MissingField("review.state")
    job = _job(
        payload,
        "review",
        review_key(review_id, action),
        # A dismissed or edited review keeps its `submitted_at`; neither moves a figure.
        read_time(payload, "review.submitted_at"),
        action=action,
        github_id=review_id,
        actor=read_matching(payload, "review.user.login", ACTOR),
        state=state,
        # the head the PR had: its check is evaluated again once the review is recorded
        head_sha=read_matching(payload, "pull_request.head.sha", SHA),
        delivery_id=delivery_id,
    )
    return job, f"pull_request_review.{action}: record"


def review_comment_job(payload: Mapping[str, Any], delivery_id: str) -> tuple[RecordReviewEvent | None, str]:
    """`pull_request_review_comment` created, edited or deleted."""
    action = read(payload, "action", str)
    if action not in COMMENT_ACTIONS:
        return None, f"pull_request_review_comment.{action}: not review history"
    comment_id = read(payload, "comment.id", int)
    moment = "comment.created_at" if action == "created" else "comment.updated_at"
    job = _job(
        payload,
        "review_comment",
        review_comment_key(comment_id, action),
        read_time(payload, moment),
        action=action,
        github_id=comment_id,
        actor=read_matching(payload, "comment.user.login", ACTOR),
        delivery_id=delivery_id,
    )
    return job, f"pull_request_review_comment.{action}: record"


def review_thread_job(payload: Mapping[str, Any], delivery_id: str) -> tuple[RecordReviewEvent | None, str]:
    """`pull_request_review_thread` resolved or unresolved."""
    action = read(payload, "action", str)
    if action not in THREAD_ACTIONS:
        return None, f"pull_request_review_thread.{action}: not review history"
    thread = read_matching(payload, "thread.node_id", NODE_ID)
    job = _job(
        payload,
        "review_thread",
        review_thread_key(thread, action, delivery_id),
        # The payload says nothing of when; the pull request's last update is the closest GitHub gives.
        read_time(payload, "pull_request.updated_at"),
        action=action,
        actor=read_matching(payload, "sender.login", ACTOR),
        delivery_id=delivery_id,
    )
    return job, f"pull_request_review_thread.{action}: record"


def pull_request_job(payload: Mapping[str, Any], delivery_id: str) -> RecordReviewEvent | None:
    """The history's event in a `pull_request` delivery: opened, synchronize (a push) or closed; None
    for other actions."""
    action = read(payload, "action", str)
    number = read(payload, "pull_request.number", int)
    if action == "opened":
        at = read_time(payload, "pull_request.created_at")
        return _job(payload, "opened", opened_key(number), at, delivery_id=delivery_id)
    if action == "closed":
        at = read_time(payload, "pull_request.closed_at")
        merged = read(payload, "pull_request.merged", bool)
        return _job(
            payload,
            "closed",
            closed_key(number, datetime.fromisoformat(at)),
            at,
            merged=merged,
            delivery_id=delivery_id,
        )
    if action == "synchronize":
        after = read_matching(payload, "after", SHA)
        return _job(
            payload,
            "push",
            push_key(number, after),
            # GitHub stamps the pull request as the push lands: the push's time.
            read_time(payload, "pull_request.updated_at"),
            before_sha=read_matching(payload, "before", SHA),
            head_sha=after,
            base_sha=read_matching(payload, "pull_request.base.sha", SHA),
            delivery_id=delivery_id,
        )
    return None
