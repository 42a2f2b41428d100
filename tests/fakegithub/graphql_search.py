"""GraphQL `search(type: ISSUE)` over the fake's pull requests, for the qualifiers the App sends.

https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .graphql_nodes import Context, GraphQLIssue, Node, connection, pull_request

if TYPE_CHECKING:
    from .models import PullRequest, Repo

# qualifier -> the values the fake understands (None: any value, read by `_matches`).
KNOWN = {
    "is": {"pr", "open"},
    "type": {"pr"},
    "state": {"open"},
    "archived": {"false"},
    "review-requested": None,
    "user": None,
    "org": None,
}


def search(ctx: Context, query: str, kind: str, page: dict[str, Any]) -> Node:
    """A `SearchResultItemConnection`: the open pull requests the caller may see that match `query`."""
    if kind != "ISSUE":
        raise GraphQLIssue(f"The fake searches issues only, not {kind}", "UNSUPPORTED")
    terms = [_term(word) for word in query.split()]
    found = [
        (repo, item)
        for repo in ctx.state.repos.values()
        if ctx.token is not None and ctx.state.visible(ctx.token, repo)
        for item in sorted(repo.pulls.values(), key=lambda p: p.number)
        if all(_matches(ctx, repo, item, key, value) for key, value in terms)
    ]
    answer = connection("search", [pull_request(ctx, repo, item) for repo, item in found], page)
    return {**answer, "issueCount": len(found)}


def _term(word: str) -> tuple[str, str]:
    """A `qualifier:value` the fake knows; anything else would be matched as text, which it cannot."""
    key, _, value = word.partition(":")
    allowed = KNOWN.get(key, set())
    if not value or (allowed is not None and value not in allowed):
        raise GraphQLIssue(f"The fake does not search for {word!r}", "UNSUPPORTED")
    return key, value


def _matches(ctx: Context, repo: Repo, item: PullRequest, key: str, value: str) -> bool:
    """Whether the pull request meets one qualifier. `review-requested` counts a request to a team the
    user is a member of, as GitHub does."""
    if key in ("is", "state") and value == "open":
        return item.state == "open" and not item.merged
    if key == "review-requested":
        teams = (ctx.state.team(repo.owner, slug) for slug in item.requested_teams)
        member = any(t is not None and value.lower() in map(str.lower, t.members) for t in teams)
        return value.lower() in map(str.lower, item.requested_reviewers) or member
    if key in ("user", "org"):
        return repo.owner.lower() == value.lower()
    return True  # is:pr, type:pr, archived:false: every searched item is a pull request of a live repo
