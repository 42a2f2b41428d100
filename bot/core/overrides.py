"""Who may pass a failing gate: the decision from the claims, the permissions checked and the rules file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.config import OverrideConfig
from bot.core.snapshot import OverrideClaim

# The `via` of a `/scopegate override` claim; a label claim's names its label (`label scopegate/override`).
COMMENT = "comment"
# Least to most; `role_name` carries triage and maintain, which the legacy `permission` field folds into
# read and write: https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
RANKS = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


@dataclass(frozen=True, slots=True)
class Override:
    """The override shown with the verdict: accepted (the gate passes, the findings stay) or refused.
    `stale`: a label given at an earlier head, which the App takes off the pull request."""

    login: str
    at: str
    via: str
    reason: str = ""
    accepted: bool = True
    stale: bool = False


def allows(permission: str, required: str) -> bool:
    """Whether `permission` is at least `required`."""
    return RANKS.get(permission, 0) >= RANKS[required]


def decide_override(
    claims: Sequence[OverrideClaim], config: OverrideConfig, head_sha: str, lines_now: int | None = None
) -> Override | None:
    """The latest permitted comment claim made at this head; else the latest label claim, accepted or
    refused (a refusal is shown and changes nothing); else none. Comment claims made at another head, or
    by someone without the permission, do not count: they were answered when made.

    A label holds for the head it was given at: a maintainer judged that diff, not the pushes after it. A
    label given at an earlier head is refused as stale, unless the rules file's `grow_lines` allows the
    growth since (`lines_now` against the claim's `lines_at`); one whose head is unknown (None) counts as
    given at this head."""
    for claim in reversed(claims):
        if (
            claim.via == COMMENT
            and claim.head_sha == head_sha
            and allows(claim.permission, config.min_permission)
        ):
            return Override(claim.login, claim.at, claim.via, claim.reason)
    labelled = [c for c in claims if c.via != COMMENT]
    if not labelled:
        return None
    claim = labelled[-1]
    if not allows(claim.permission, config.min_permission):
        refusal = f"needs {config.min_permission} permission; @{claim.login} has {claim.permission}"
        return Override(claim.login, claim.at, claim.via, refusal, accepted=False)
    if claim.head_sha is not None and claim.head_sha != head_sha:
        grown = None if claim.lines_at is None or lines_now is None else lines_now - claim.lines_at
        if grown is not None and config.grow_lines and grown <= config.grow_lines:
            held = (
                f"given at {claim.head_sha[:7]}; grown by {grown:,} lines since, within {config.grow_lines:,}"
            )
            return Override(claim.login, claim.at, claim.via, held)
        since = f"the head is now {head_sha[:7]}"
        if grown is not None and config.grow_lines:
            since = f"the PR has grown by {grown:,} lines since, more than {config.grow_lines:,}"
        taken_off = "the label was taken off; add it again to pass this head"
        stale = f"given at {claim.head_sha[:7]}, and {since}: {taken_off}"
        return Override(claim.login, claim.at, claim.via, stale, accepted=False, stale=True)
    return Override(claim.login, claim.at, claim.via, claim.reason)
