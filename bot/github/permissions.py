"""Repository permission of a person, and whether it reaches a required level."""

from __future__ import annotations

from typing import Any

from githubkit.exception import RequestFailed

from bot.github.client import Client

# Least to most; `role_name` carries triage and maintain, which the legacy `permission` field folds into
# read and write: https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
RANKS = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


async def permission_of(gh: Client, owner: str, repo: str, login: str) -> str:
    """`admin`, `maintain`, `write`, `triage`, `read` or `none` (someone who is not a collaborator)."""
    try:
        response = await gh.rest.repos.async_get_collaborator_permission_level(owner, repo, login)
    except RequestFailed as error:
        if error.response.status_code == 404:
            return "none"
        raise
    payload: Any = response.json()
    role, legacy = payload.get("role_name"), payload.get("permission")
    return role if role in RANKS else legacy if legacy in RANKS else "none"


def allows(permission: str, required: str) -> bool:
    """Whether `permission` is at least `required`."""
    return RANKS.get(permission, 0) >= RANKS[required]
