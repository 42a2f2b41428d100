"""A pull request's review history read back from its GraphQL timeline, for deliveries that never came
(a pull request older than the installation, a lost delivery, an installation that has not accepted the
review events yet). Every event gets the key its webhook would have had, so reading the timeline again, or
after the deliveries, adds nothing: the history converges to the same rows.
https://docs.github.com/en/graphql/reference/objects#pullrequest (timelineItems)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    Push,
    Review,
    ReviewComment,
    ReviewState,
    closed_key,
    opened_key,
    push_key,
    review_comment_key,
    review_key,
)

# A thousand items: a pull request with more has its later history from webhooks only.
MAX_PAGES = 10
TIMELINE = """
query ReviewTimeline($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      createdAt
      state
      baseRefOid
      author { __typename login }
      timelineItems(
        first: 100
        after: $after
        itemTypes: [PULL_REQUEST_COMMIT, PULL_REQUEST_REVIEW, HEAD_REF_FORCE_PUSHED_EVENT, CLOSED_EVENT]
      ) {
        pageInfo { hasNextPage endCursor }
        nodes {
          __typename
          ... on PullRequestCommit { commit { oid committedDate parents(first: 1) { nodes { oid } } } }
          ... on PullRequestReview {
            databaseId
            state
            submittedAt
            author { __typename login }
            comments(first: 100) { nodes { databaseId createdAt author { __typename login } } }
          }
          ... on HeadRefForcePushedEvent { createdAt beforeCommit { oid } afterCommit { oid } }
          ... on ClosedEvent { createdAt }
        }
      }
    }
  }
}"""


class GraphQL(Protocol):
    """The one call the reader makes (bot.github.gateway.PullRequestGateway has it)."""

    @property
    def number(self) -> int:
        """The pull request's number."""

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A query about this repository."""


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """An event read from the timeline; a push with the head it replaced (None: the first push)."""

    event: Event
    before_sha: str | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    """The pull request's author and its history's events, in the timeline's order."""

    author: str | None
    events: tuple[TimelineEvent, ...]


async def read_timeline(gateway: GraphQL) -> Timeline | None:
    """The pull request's timeline, page by page; None when GitHub knows no such pull request."""
    nodes: list[Mapping[str, Any]] = []
    pull: Mapping[str, Any] | None = None
    after: str | None = None
    for _ in range(MAX_PAGES):
        data = await gateway.graphql(TIMELINE, {"number": gateway.number, "after": after})
        pull = (data.get("repository") or {}).get("pullRequest")
        if pull is None:
            return None
        items = pull["timelineItems"]
        nodes += [node for node in items["nodes"] if node]
        if not items["pageInfo"]["hasNextPage"]:
            break
        after = items["pageInfo"]["endCursor"]
    assert pull is not None
    return Timeline(_login(pull.get("author")), tuple(timeline_events(gateway.number, pull, nodes)))


def timeline_events(
    number: int, pull: Mapping[str, Any], nodes: list[Mapping[str, Any]]
) -> Iterator[TimelineEvent]:
    """The events of the timeline's items, keyed as their webhooks. The commits between two reviews (or
    other items) were pushed, as far as the timeline can tell, at once: one push, keyed by its last
    commit as `pull_request.synchronize` is by its `after`, replacing its first commit's parent; a force
    push is one push of its own. The timeline times a push by its last commit's date."""
    yield TimelineEvent(Opened(opened_key(number), _time(pull["createdAt"])))
    base = pull["baseRefOid"]
    head: str | None = None  # the head the next push replaces
    run: list[Mapping[str, Any]] = []  # commits not yet closed into a push
    closings = [n for n in nodes if n.get("__typename") == "ClosedEvent"]

    def pushed() -> Iterator[TimelineEvent]:
        nonlocal head, run
        if run:
            first, last = run[0]["commit"], run[-1]["commit"]
            parents = (first.get("parents") or {}).get("nodes") or ()
            before = parents[0]["oid"] if parents else head
            sha, at = last["oid"], _time(last["committedDate"])
            # Commits on the base are the opening's own: no push brought them.
            if before is not None and before != base:
                yield TimelineEvent(Push(push_key(number, sha), at, sha, base, 0), before)
            head, run = sha, []

    for node in nodes:
        kind = node.get("__typename")
        if kind == "PullRequestCommit":
            run.append(node)
            continue
        yield from pushed()
        if kind == "PullRequestReview" and node.get("submittedAt"):
            yield from _review(node)
        elif kind == "HeadRefForcePushedEvent":
            after = (node.get("afterCommit") or {}).get("oid")
            before = (node.get("beforeCommit") or {}).get("oid") or head
            if after:
                at = _time(node["createdAt"])
                yield TimelineEvent(Push(push_key(number, after), at, after, base, 0), before)
                head = after
        elif kind == "ClosedEvent":
            at = _time(node["createdAt"])
            merged = pull.get("state") == "MERGED" and node is closings[-1]
            yield TimelineEvent(Closed(closed_key(number, at), at, merged))
    yield from pushed()


def _review(node: Mapping[str, Any]) -> Iterator[TimelineEvent]:
    """A submitted review and its inline comments (GraphQL spells the states in capitals)."""
    review_id, author = node.get("databaseId"), _login(node.get("author"))
    if isinstance(review_id, int) and author is not None and node.get("state") != "PENDING":
        state = ReviewState(str(node["state"]).lower())
        at = _time(node["submittedAt"])
        yield TimelineEvent(Review(review_key(review_id, "submitted"), review_id, at, author, state))
    for comment in (node.get("comments") or {}).get("nodes") or ():
        comment_id, login = comment.get("databaseId"), _login(comment.get("author"))
        if isinstance(comment_id, int) and login is not None:
            at = _time(comment["createdAt"])
            key = review_comment_key(comment_id, "created")
            yield TimelineEvent(ReviewComment(key, comment_id, at, login))


def _login(actor: Mapping[str, Any] | None) -> str | None:
    """An actor's login as webhooks give it: GraphQL drops a bot's `[bot]` suffix, webhooks keep it."""
    if not actor or not isinstance(actor.get("login"), str):
        return None
    login: str = actor["login"]
    return f"{login}[bot]" if actor.get("__typename") == "Bot" else login


def _time(text: str) -> datetime:
    """GitHub's `DateTime`."""
    return datetime.fromisoformat(text)
