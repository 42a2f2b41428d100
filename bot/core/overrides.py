"""Who may pass a failing gate: the decision from the claims, the permissions checked and the rules file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.config import OverrideConfig
from bot.core.snapshot import OverrideClaim

# Least to most; `role_name` carries triage and maintain, which the legacy `permission` field folds into
# read and write: https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
RANKS = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


@dataclass(frozen=True, slots=True)
class Override:
    """The override shown with the verdict: accepted (the gate passes, the findings stay) or refused."""

    login: str
    at: str
    via: str
    reason: str = ""
    accepted: bool = True


def allows(permission: str, required: str) -> bool:
    """Whether `permission` is at least `required`."""
    return RANKS.get(permission, 0) >= RANKS[required]


def decide_override(
    claims: Sequence[OverrideClaim], config: OverrideConfig, head_sha: str
) -> Override | None:
    """The latest permitted comment claim made at this head; else the latest label claim, accepted or
    refused (a refusal is shown and changes nothing); else none. Comment claims made at another head, or
    by someone without the permission, do not count: they were answered when made."""
    for claim in reversed(claims):
        if claim.head_sha == head_sha and allows(claim.permission, config.min_permission):
            return Override(claim.login, claim.at, claim.via, claim.reason)
    labelled = [c for c in claims if c.head_sha is None]
    if not labelled:
        return None
    claim = labelled[-1]
    if allows(claim.permission, config.min_permission):
        return Override(claim.login, claim.at, claim.via, claim.reason)
    refusal = f"needs {config.min_permission} permission; @{claim.login} has {claim.permission}"
    return Override(claim.login, claim.at, claim.via, refusal, accepted=False)
