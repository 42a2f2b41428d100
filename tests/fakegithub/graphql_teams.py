"""GraphQL `organization(login:) { teams(userLogins:) }`: the teams a member belongs to, which an
installation reads only with the organisation permission `members: read`.
https://docs.github.com/en/graphql/reference/objects#organization (teams)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .graphql_nodes import GraphQLIssue, Node, account, connection
from .shapes import WEB, node_id
from .teams import NOT_ACCESSIBLE

if TYPE_CHECKING:
    from .calls import Call
    from .graphql_nodes import Context
    from .models import Team


def organization(ctx: Context, call: Call, login: str) -> Node:
    """An organisation with its `teams` connection; a login that is no organisation is NOT_FOUND."""
    found = next((u for u in ctx.state.users.values() if u.login.lower() == login.lower()), None)
    if found is None or found.kind != "Organization":
        message = f"Could not resolve to an Organization with the login of '{login}'."
        raise GraphQLIssue(message, "NOT_FOUND")
    node = account(ctx, found)
    node["teams"] = lambda _info, userLogins=None, **page: _teams(ctx, call, node, userLogins, page)
    return node


def _teams(ctx: Context, call: Call, owner: Node, logins: list[str] | None, page: dict[str, Any]) -> Node:
    """The organisation's teams, those with one of `logins` among their members when given. GitHub
    answers an installation of another account, or one without `members`, with FORBIDDEN."""
    installation, org = call.installation, owner["login"]
    if (
        installation is None
        or installation.account.lower() != org.lower()
        or installation.permissions.get("members") not in ("read", "write")
    ):
        raise GraphQLIssue(NOT_ACCESSIBLE, "FORBIDDEN")
    wanted = None if logins is None else {login.lower() for login in logins}
    teams = sorted(
        (t for t in ctx.state.teams.values() if t.org.lower() == org.lower()), key=lambda t: t.slug
    )
    chosen = [t for t in teams if wanted is None or wanted & {m.lower() for m in t.members}]
    return connection("teams", [_team(t, owner) for t in chosen], page)


def _team(team: Team, owner: Node) -> Node:
    """A `Team` node of the organisation `owner`."""
    return {
        "organization": owner,
        "id": node_id("Team", team.id),
        "slug": team.slug,
        "name": team.slug,
        "combinedSlug": f"{team.org}/{team.slug}",
        "url": f"{WEB}/orgs/{team.org}/teams/{team.slug}",
    }
