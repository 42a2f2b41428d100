"""Organisation team routes: a team's members, which an installation reads only with `members: read`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .calls import Call, Reply, error, not_found, paged
from .routing import Router
from .shapes import login

if TYPE_CHECKING:
    from .state import GitHubState

router = Router()
# What GitHub answers an installation whose permissions do not cover the endpoint.
NOT_ACCESSIBLE = "Resource not accessible by integration"
MEMBERS_DOCS = "https://docs.github.com/rest/teams/members#list-team-members"


@router.route("GET", "/orgs/{org}/teams/{team_slug}/members")
def list_members(state: GitHubState, call: Call) -> Reply:
    """A team's members, paginated: 403 without the organisation permission `members`, 404 for a team
    of another account or none."""
    installation = call.installation
    if installation is None or installation.account.lower() != call.params["org"].lower():
        return not_found()
    if installation.permissions.get("members") not in ("read", "write"):
        return error(403, NOT_ACCESSIBLE, docs=MEMBERS_DOCS)
    team = state.team(call.params["org"], call.params["team_slug"])
    if team is None:
        return not_found()
    return paged(call, team.members, lambda name: login(call.api, state, name))
