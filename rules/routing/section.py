"""The routing rule's summary section and its part of the JSON contract: the plan, who was left out, the
owner groups that must approve, and the CODEOWNERS lines GitHub skips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.owners import Codeowners
from bot.core.routing import OwnerGroup, RoutingPlan
from bot.core.sections import Cell, Code, Item, Items, Section, Table
from bot.core.snapshot import ReviewFacts
from rules.routing.reviews import MEMBERS_OFF, approval_states

if TYPE_CHECKING:
    from rules.routing import Config

Row = tuple[Cell, ...]
NOT_GATHERED = (
    "Only ownership and routing.unavailable apply here: GitHub status, review load, expertise and existing "
    "review requests are not gathered"
)
GATHERED = (
    "GitHub status, open review requests, existing requests and reviews are read from GitHub, and recent "
    "expertise from the base's blame of the changed lines (a sample of files)"
)


@dataclass(frozen=True)
class Routed:
    """What evaluation found: the plan (None when routing is off or has nothing to read) and its grounds."""

    config: Config
    codeowners: Codeowners | None = None
    plan: RoutingPlan | None = None
    groups: tuple[OwnerGroup, ...] = ()
    author: str | None = None
    how: str = ""
    note: str | None = None
    reviews: ReviewFacts | None = None  # what the App read from GitHub; None in `scopegate check`


def routing_section(routed: Routed) -> Section:
    """The plan, who was left out, the owner groups that must approve and the CODEOWNERS lines skipped;
    nothing to show (no CODEOWNERS) is only the JSON contract's `routing`, saying why."""
    config, plan, codeowners = routed.config, routed.plan, routed.codeowners
    blocks: list[Items | Table] = []
    if plan is not None:
        who = f"@{routed.author}, {routed.how}" if routed.author else routed.how
        # In the App, reviewers already requested or reviewing fill part of the target.
        counted = f", {len(plan.counted)} already requested or reviewing" if plan.counted else ""
        intro = [
            f"Reviewer plan: {len(plan.chosen)} of {config.reviewers} wanted{counted}, from the base's "
            "CODEOWNERS.",
            f"Author: {who}.",
        ]
        if plan.note:
            intro.append(f"{plan.note[0].upper()}{plan.note[1:]}.")
        intro.append(f"{NOT_GATHERED}." if routed.reviews is None else f"{GATHERED}.")
        if routed.reviews is not None and routed.reviews.teams_refused:
            intro.append(_members_off(routed.reviews))
        items = tuple(Item(_shown(c.reviewer), c.reason) for c in plan.chosen)
        blocks.append(Items(" ".join(intro), items))
        if plan.skipped:
            skipped: tuple[Row, ...] = tuple((Code(_shown(s.owner)), s.reason) for s in plan.skipped)
            blocks.append(Table(("owner", "left out because"), skipped, title="Owners left out"))
    if config.require_all_owners and codeowners is not None:
        blocks.append(_approvals(routed))
    if codeowners and codeowners.invalid:
        lines: tuple[Row, ...] = tuple((b.line, b.reason) for b in codeowners.invalid)
        blocks.append(Table(("line", "why"), lines, title="CODEOWNERS lines skipped, as GitHub skips them"))
    return Section(blocks=tuple(blocks), data={"routing": _contract(routed)})


def _approvals(routed: Routed) -> Table:
    """The owner groups that must approve, and (in the App) whether one of their owners has."""
    owned = [g for g in routed.groups if g.owners]
    groups = f"{len(owned)} group{'s' * (len(owned) != 1)}"
    title = f"Every owner group must approve (routing.require_all_owners): {groups}"
    reviews = routed.reviews
    if reviews is None:
        rows: tuple[Row, ...] = tuple((Code(" ".join(g.owners)), len(g.paths)) for g in owned)
        return Table(("owners", "files"), rows, title=f"{title}; approvals are not gathered here")
    states = approval_states(owned, reviews, routed.author)
    rows = tuple(
        (Code(" ".join(g.owners)), len(g.paths), state) for g, state in zip(owned, states, strict=True)
    )
    title = f"{title}, {states.count('approved')} approved"
    if reviews.teams_refused:
        title = f"{title}. {_members_off(reviews)}"
    return Table(("owners", "files", "approval"), rows, title=title)


def _members_off(reviews: ReviewFacts) -> str:
    where = f": {reviews.permissions_url}" if reviews.permissions_url else ""
    return f"{MEMBERS_OFF[0].upper()}{MEMBERS_OFF[1:]}{where}."


def _shown(name: str) -> str:
    return name if "@" in name else f"@{name}"


def _bare(owner: str) -> str:
    """A login or `org/team` as GitHub's API names it, without `@` (an email owner stays as it is)."""
    return owner.removeprefix("@")


def _contract(routed: Routed) -> dict[str, Any]:
    """The JSON contract's `routing`: the plan, who was left out and why, what it rests on."""
    plan, codeowners = routed.plan, routed.codeowners
    return {
        "codeowners": codeowners is not None,
        "reviewers_wanted": routed.config.reviewers,
        "requested": [{"reviewer": c.reviewer, "team": c.team, "reason": c.reason} for c in plan.chosen]
        if plan
        else [],
        "counted": list(plan.counted) if plan else [],
        "skipped": [{"owner": _bare(s.owner), "reason": s.reason} for s in plan.skipped] if plan else [],
        "note": plan.note if plan else routed.note,
        "author": routed.author,
        "availability_known": routed.reviews is not None,
        "require_all_owners": routed.config.require_all_owners,
        "approvals_known": routed.reviews is not None,
        "owner_groups": [
            {"owners": [_bare(o) for o in g.owners], "paths": list(g.paths)} for g in routed.groups
        ],
        "skipped_lines": [{"line": b.line, "reason": b.reason} for b in codeowners.invalid]
        if codeowners
        else [],
    }
