"""The teams of the repository's organisation that a pull request's author belongs to, for the reports'
`author-team` grouping: one GraphQL query, remembered a day in Redis per organisation and login.
https://docs.github.com/en/graphql/reference/objects#organization (teams, `userLogins`)
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from githubkit.exception import GraphQLFailed
from redis.asyncio import Redis

from bot.gather.answers import Answer

# Team membership changes seldom; a day keeps it to one question per author and organisation a day.
CACHE_SECONDS = 86_400
# A refusal (the installation lacks `members: read`) is asked again soon after an owner accepts it.
REFUSED_SECONDS = 600
# One page: a person in more than 100 teams of one organisation is counted in the first 100.
TEAMS_QUERY = """
query AuthorTeams($org: String!, $login: String!) {
  organization(login: $org) {
    teams(first: 100, userLogins: [$login]) { nodes { slug } }
  }
}"""
log = logging.getLogger(__name__)


class Slug(Answer):
    slug: str


class Teams(Answer):
    nodes: list[Slug]


class Organization(Answer):
    teams: Teams


class GraphQL(Protocol):
    """The one call the lookup makes (bot.github.gateway.PullRequestGateway has it)."""

    async def graphql_unscoped(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A query not bound to one repository."""


async def author_teams(gateway: GraphQL, redis: Redis, org: str, login: str) -> tuple[str, ...] | None:
    """`org/slug` of each team of `org` with `login` among its members, sorted; () when the owner is a user
    (no organisation, so no teams) or the author is in none; None when GitHub refuses to say (the
    installation lacks the organisation permission `members: read`)."""
    # Logins are case-insensitive.
    key = f"scopegate:author-teams:{org.lower()}:{login.lower()}"
    remembered = await redis.get(key)
    if remembered is not None:
        cached: list[str] | None = json.loads(remembered)
        return None if cached is None else tuple(cached)
    teams = await _ask(gateway, org, login)
    ttl = REFUSED_SECONDS if teams is None else CACHE_SECONDS
    await redis.set(key, json.dumps(None if teams is None else list(teams)), ex=ttl)
    return teams


async def _ask(gateway: GraphQL, org: str, login: str) -> tuple[str, ...] | None:
    """One query. GitHub answers a login that is no organisation with NOT_FOUND, and a team list the
    installation may not read with FORBIDDEN ("Resource not accessible by integration")."""
    try:
        data = await gateway.graphql_unscoped(TEAMS_QUERY, {"org": org, "login": login})
    except GraphQLFailed as failure:
        kinds = {error.type for error in failure.response.errors or ()}
        if kinds == {"NOT_FOUND"}:
            return ()
        if kinds == {"FORBIDDEN"}:
            log.warning("the teams of %s in %s are unknown: %s", login, org, failure)
            return None
        raise
    teams = Organization.model_validate(data["organization"]).teams.nodes
    return tuple(sorted(f"{org}/{team.slug}" for team in teams))
