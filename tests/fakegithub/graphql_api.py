"""`POST /graphql`: graphql-core parses and validates queries against the fake's slice of GitHub's schema.

Like GitHub, every answer is a 200: problems come back in `errors`, with GitHub's `type` where it has one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, execute_sync, parse, validate

from .calls import Call, Reply
from .graphql_nodes import Context, GraphQLIssue, account, repository
from .graphql_search import search
from .graphql_teams import organization
from .routing import Router
from .shapes import timestamp

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .state import GitHubState

router = Router()
NO_QUERY = "A query attribute must be specified and must be a string."


@cache
def schema() -> GraphQLSchema:
    """The schema, built once per process from `graphql_schema.graphql`."""
    return build_schema(Path(__file__).with_name("graphql_schema.graphql").read_text())


class Root:
    """The `Query` type's fields."""

    def __init__(self, ctx: Context, call: Call) -> None:
        """Resolve for the caller of `call`."""
        self.ctx = ctx
        self.call = call

    def repository(self, _info: object, owner: str, name: str, followRenames: bool = True) -> dict[str, Any]:
        """A repository the token may see; otherwise GitHub's NOT_FOUND."""
        state, token = self.ctx.state, self.ctx.token
        repo = state.repo(owner, name)
        if repo is None or token is None or not state.visible(token, repo):
            raise GraphQLIssue(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.", "NOT_FOUND"
            )
        return repository(self.ctx, repo)

    def user(self, _info: object, login: str) -> dict[str, Any]:
        """An account the fake knows of; otherwise GitHub's NOT_FOUND."""
        if login not in self.ctx.state.users:
            raise GraphQLIssue(f"Could not resolve to a User with the login of '{login}'.", "NOT_FOUND")
        return account(self.ctx, self.ctx.state.users[login])

    def organization(self, _info: object, login: str) -> dict[str, Any]:
        """An organisation, with the teams its members belong to; otherwise GitHub's NOT_FOUND."""
        return organization(self.ctx, self.call, login)

    def search(self, _info: object, query: str, type: str, **page: Any) -> dict[str, Any]:
        """An issue search over the pull requests the caller may see."""
        return search(self.ctx, query, type, page)

    def rateLimit(self, _info: object, dryRun: bool = False) -> dict[str, Any]:
        """The caller's GraphQL points; every query costs 1 here (GitHub's minimum)."""
        key = self.call.installation.id if self.call.installation else 0
        window = self.ctx.state.rate.window(key, "graphql")
        return {
            "cost": 1,
            "limit": window.limit,
            "nodeCount": 0,
            "remaining": window.remaining,
            "resetAt": timestamp_epoch(window.reset),
            "used": window.used,
        }


def timestamp_epoch(seconds: int) -> str | None:
    """An epoch second as GitHub's `DateTime`."""
    return timestamp(datetime.fromtimestamp(seconds, UTC))


def _formatted(error: GraphQLError) -> dict[str, Any]:
    """One entry of `errors`, with GitHub's `type` at the top level (not under `extensions`)."""
    entry = dict(error.formatted)
    if isinstance(error.original_error, GraphQLIssue):
        entry["type"] = error.original_error.kind
    return entry


def _refused(errors: Sequence[GraphQLError]) -> Reply:
    """A query GitHub would not run: its errors, recorded as an invalid request."""
    return Reply(200, {"errors": [_formatted(e) for e in errors]}, invalid=[e.message for e in errors])


@router.route("POST", "/graphql", openapi=False)
def graphql(state: GitHubState, call: Call) -> Reply:
    """Run one query (with `variables` and `operationName`) for an installation token."""
    body = call.body
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return Reply(200, {"errors": [{"message": NO_QUERY}]}, invalid=[NO_QUERY])
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return _refused([exc])
    problems = validate(schema(), document)
    if problems:
        return _refused(problems)
    ctx = Context(state, call.token)
    result = execute_sync(
        schema(),
        document,
        root_value=Root(ctx, call),
        variable_values=body.get("variables"),
        operation_name=body.get("operationName"),
    )
    if result.data is None and result.errors:
        return _refused(result.errors)  # the variables did not fit the query
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [_formatted(e) for e in result.errors]
    return Reply(200, payload)
