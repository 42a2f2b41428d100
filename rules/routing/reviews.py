"""Routing on what the App read from GitHub: who is already requested or reviewing, what the second
gathering phase found about the owners, and which owner groups have approved."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.core.findings import Finding, Severity
from bot.core.routing import (
    OwnerGroup,
    Person,
    RoutingInput,
    changed_ranges,
    expertise,
    missing_approvals,
    teams_to_expand,
)
from bot.core.snapshot import ChangedFile, ReviewFacts

ID = "routing"
MEMBERS_OFF = "routing by team off until the installation accepts the members permission"


def with_reviews(
    data: RoutingInput, reviews: ReviewFacts | None, files: Sequence[ChangedFile] = ()
) -> RoutingInput:
    """`data` with the App's facts: the open requests, everyone requested before (a draft/ready toggle or a
    re-run adds nobody) and everyone who reviewed count toward the target; people and team members as
    gathered, each person's expertise from the base's blame of the changed ranges of `files`. Unchanged
    where nothing was read from GitHub (`scopegate check`)."""
    if reviews is None:
        return data
    counted = (*reviews.requested, *reviews.reviewed, *reviews.ever_requested)
    lines = expertise(reviews.base_blame, changed_ranges(files)) if reviews.base_blame else {}
    people = {
        login: Person(
            login,
            bot=facts.bot,
            busy=facts.busy,
            open_reviews=facts.open_reviews,
            expertise=round(lines.get(login.casefold(), 0.0), 1),
        )
        for login, facts in reviews.people.items()
    }
    unreadable = teams_to_expand(data) - set(reviews.teams) if reviews.teams_refused else frozenset()
    return replace(
        data,
        counted=tuple(c for c in counted if c.casefold() != data.author.casefold()),
        people=people,
        teams=dict(reviews.teams),
        people_known=True,
        unreadable_teams=frozenset(unreadable),
    )


def owner_teams(groups: Iterable[OwnerGroup], excluded: Iterable[str]) -> frozenset[str]:
    """The teams among the groups' owners (`org/team`), but for `excluded` ones."""
    out = {t.removeprefix("@").casefold() for t in excluded}
    names = (o.removeprefix("@") for g in groups for o in g.owners)
    return frozenset(n for n in names if "/" in n and "@" not in n and n.casefold() not in out)


def approval_findings(
    groups: Iterable[OwnerGroup], reviews: ReviewFacts, author: str | None
) -> tuple[Finding, ...]:
    """Under `require_all_owners`, an error naming the owner groups without an owner's approval, and one
    for the groups whose team members could not be read (their approval cannot be told)."""
    missing, unknown = missing_approvals(groups, reviews.approved, reviews.teams, author or "")
    findings = []
    if missing:
        findings.append(
            Finding(
                ID,
                Severity.ERROR,
                f"not approved by every owner group (routing.require_all_owners): {_listed(missing)} "
                "still to approve",
                key="owners-missing",
            )
        )
    if unknown:
        why = MEMBERS_OFF if reviews.teams_refused else "their members are not known"
        findings.append(
            Finding(
                ID,
                Severity.ERROR,
                f"approval of {_listed(unknown)} cannot be told: {why}",
                key="owners-unknown",
            )
        )
    return tuple(findings)


def approval_states(groups: Iterable[OwnerGroup], reviews: ReviewFacts, author: str | None) -> list[str]:
    """Per group: "approved", "not yet", or "cannot be told" (an owner team's members are not known)."""
    listed = list(groups)
    missing, unknown = missing_approvals(listed, reviews.approved, reviews.teams, author or "")
    pending = {id(g): "not yet" for g in missing} | {id(g): "cannot be told" for g in unknown}
    return [pending.get(id(g), "approved") for g in listed]


def _listed(groups: Iterable[OwnerGroup]) -> str:
    shown = []
    for group in groups:
        files = f"{len(group.paths):,} file{'s' * (len(group.paths) != 1)}"
        shown.append(f"{' '.join(group.owners)} ({files})")
    return "; ".join(shown)
