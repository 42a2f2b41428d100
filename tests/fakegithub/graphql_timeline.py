"""The review history's timeline items of a pull request: its commits, reviews (with their inline
comments), force pushes and closing, as GitHub's GraphQL `timelineItems` lists them.
https://docs.github.com/en/graphql/reference/unions#pullrequesttimelineitems
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import graphql_nodes as nodes  # which imports this module: names are read at call time
from .shapes import node_id, timestamp

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from .graphql_nodes import Context, Node
    from .models import ForcePush, PullRequest, Repo, Review


def history_items(
    ctx: Context, repo: Repo, item: PullRequest, kinds: Sequence[str] | None
) -> list[tuple[datetime, Node]]:
    """The items of the asked kinds (all when None), each with its moment."""
    found: list[tuple[datetime, Node]] = []
    if kinds is None or "PULL_REQUEST_COMMIT" in kinds:
        for c in item.commits:
            node = {"__typename": "PullRequestCommit", "id": node_id("PullRequestCommit", int(c.sha[:8], 16))}
            node["commit"] = nodes.commit(ctx, repo, c)
            node["url"] = f"https://github.com/{repo.full_name}/pull/{item.number}/commits/{c.sha}"
            moment = c.committer.date
            if moment is not None:
                found.append((moment, node))
    if kinds is None or "PULL_REQUEST_REVIEW" in kinds:
        found += [(r.submitted_at, _review(ctx, item, r)) for r in item.reviews]
    if kinds is None or "HEAD_REF_FORCE_PUSHED_EVENT" in kinds:
        found += [(p.at, _force_push(ctx, repo, p)) for p in item.force_pushes]
    if (kinds is None or "CLOSED_EVENT" in kinds) and item.closed_at is not None:
        closed = {"__typename": "ClosedEvent", "id": node_id("ClosedEvent", item.id)}
        found.append((item.closed_at, closed | {"createdAt": timestamp(item.closed_at)}))
    return found


def _review(ctx: Context, item: PullRequest, review: Review) -> Node:
    """A `PullRequestReview` with its inline comments."""
    comments = [
        {
            "id": node_id("PullRequestReviewComment", c.id),
            "databaseId": c.id,
            "createdAt": timestamp(c.created_at),
            "author": nodes.account(ctx, ctx.state.user(c.user)),
        }
        for c in item.review_comments
        if c.review_id == review.id
    ]
    return {
        "__typename": "PullRequestReview",
        "id": node_id("PullRequestReview", review.id),
        "databaseId": review.id,
        "author": nodes.account(ctx, ctx.state.user(review.user)),
        "body": review.body,
        "state": review.state,
        "submittedAt": timestamp(review.submitted_at),
        "comments": lambda _info, **page: nodes.connection("comments", comments, page),
    }


def _force_push(ctx: Context, repo: Repo, push: ForcePush) -> Node:
    """A `HeadRefForcePushedEvent`; a commit GitHub no longer has is null."""

    def known(sha: str) -> Any:
        found = repo.commits.get(sha)
        return None if found is None else nodes.commit(ctx, repo, found)

    return {
        "__typename": "HeadRefForcePushedEvent",
        "id": node_id("HeadRefForcePushedEvent", int(push.after[:8], 16)),
        "createdAt": timestamp(push.at),
        "actor": nodes.account(ctx, ctx.state.user(push.actor)),
        "beforeCommit": known(push.before),
        "afterCommit": known(push.after),
    }
