"""Reviewer routing: who among the owners of the changed files would be asked to review, and why."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.core.findings import Finding, Severity
from bot.core.locations import CODEOWNERS_PATHS, RULES_PATH
from bot.core.owners import parse_codeowners
from bot.core.routing import (
    ChangedFile,
    Lookup,
    OwnerGroup,
    RoutingInput,
    RoutingPolicy,
    expertise_sample,
    owner_groups,
    select_reviewers,
    teams_to_expand,
    users_to_look_up,
)
from bot.core.snapshot import ChangedFile as SnapshotFile
from bot.core.snapshot import (
    Commit,
    ConfigSource,
    FileStatus,
    History,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from rules.base import Context, Example, Rule, RuleResult
from rules.routing.reviews import approval_findings, owner_teams, with_reviews
from rules.routing.section import Routed, routing_section

ID = "routing"
HELP = f"""\
CODEOWNERS is read as GitHub reads it, at the base: the first of {", ".join(CODEOWNERS_PATHS)}; the last
matching line wins; invalid lines are skipped and listed. The owners of the changed files are weighted by
the files' counted lines; the author, bots, users whose GitHub status is busy, users listed `unavailable`
and users with `max_open_reviews` open requests are left out, each with the reason; reviewers already
requested count toward `reviewers`; then whoever owns most of the lines no chosen reviewer owns yet, recent
expertise and the least load decide. A team is asked as the team (GitHub's team review assignment picks
who) unless `expand_teams`; `exclude_teams` are never asked. Each choice comes with a one-line reason.
The App reads GitHub status, open review requests (within the owner's account), the requests already made
and the reviews given, requests the chosen reviewers, and never asks anyone twice: whoever was requested
on the pull request before counts, so a draft/ready toggle or a re-run adds nobody; drafts are not routed.
`scopegate check` knows no GitHub status, load or existing request: there only ownership and the
`unavailable` list apply, and the author is the branch's commit author (their login read from a GitHub
noreply address, or a name that is an owner's login). With `require_all_owners`, every owner group of the
changed files must approve: in the App the gate fails, naming the groups, until an owner of each (or a
member of an owner team) has approved; a group owned by the author alone can never approve, which fails
the gate everywhere. `reviewers: 0` turns routing off."""

# GitHub logins: letters, digits and hyphens; `_` in Enterprise Managed Users' handles (`octocat_acme`).
_LOGIN = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_TEAM = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9_-]{0,99}/[A-Za-z0-9._-]{1,100}")
_NOREPLY = re.compile(r"(?:[0-9]+\+)?([A-Za-z0-9][A-Za-z0-9_-]*)@users\.noreply\.github\.com", re.IGNORECASE)


def _user(value: str) -> str:
    if _TEAM.fullmatch(value):
        raise ValueError(f"{value!r} is a team; teams go in exclude_teams")
    if not _LOGIN.fullmatch(value):
        raise ValueError(f"{value!r} is not a GitHub login (@login)")
    return value


def _team(value: str) -> str:
    if not _TEAM.fullmatch(value):
        raise ValueError(f"{value!r} is not a team (@org/team)")
    return value


User = Annotated[str, AfterValidator(_user)]
Team = Annotated[str, AfterValidator(_team)]


class Config(BaseModel):
    """Who is asked to review, from CODEOWNERS."""

    model_config = ConfigDict(extra="forbid")

    reviewers: int = Field(
        2, ge=0, le=50, description="Reviewers wanted, those already requested included (0: routing off)."
    )
    max_open_reviews: int | None = Field(
        10, ge=1, description="Users with this many open review requests are not asked (null: no cap)."
    )
    unavailable: list[User] = Field(
        default_factory=list, max_length=1000, description="Users never asked (on leave, …), as @login."
    )
    exclude_teams: list[Team] = Field(
        default_factory=list, max_length=1000, description="Owner teams never asked or expanded (@org/team)."
    )
    expand_teams: bool = Field(False, description="Ask an owner team's members instead of the team.")
    require_all_owners: bool = Field(
        False, description="Every owner group of the changed files must approve (one CODEOWNERS owner set)."
    )


def policy(config: Config) -> RoutingPolicy:
    """The selection's policy from the rules file's section."""
    return RoutingPolicy(
        reviewers=config.reviewers,
        max_open_reviews=config.max_open_reviews,
        unavailable=frozenset(config.unavailable),
        excluded_teams=frozenset(config.exclude_teams),
        expand_teams=config.expand_teams,
    )


def evaluate(context: Context, config: Config) -> RuleResult:
    """The routing plan as a section (and the `routing` key of the JSON contract), and the reviewers to
    request; failures only under `require_all_owners`: where it can never be met, and (in the App) for
    the owner groups still to approve."""
    text = context.snapshot.repository.codeowners
    if text is None:
        note = f"no CODEOWNERS at the base ({', '.join(CODEOWNERS_PATHS)})"
        return RuleResult(section=routing_section(Routed(config, note=note)))
    codeowners = parse_codeowners(text)
    if codeowners.too_large:
        note = "the base's CODEOWNERS is 3 MB or more: GitHub ignores it"
        return RuleResult(section=routing_section(Routed(config, note=note)))
    files = tuple(ChangedFile(f.path, 0 if f.excluded else f.additions + f.deletions) for f in context.files)
    data = RoutingInput(
        author="",
        draft=context.snapshot.pull_request.draft,
        files=files,
        codeowners=codeowners,
        policy=policy(config),
        people_known=False,
    )
    author, how = _author(context.snapshot, users_to_look_up(data))
    reviews = context.snapshot.reviews
    data = with_reviews(replace(data, author=author or ""), reviews, context.snapshot.files)
    plan = select_reviewers(data) if config.reviewers else None
    groups = owner_groups(codeowners, (f.path for f in files))
    findings = _author_only_groups(groups, author) if config.require_all_owners else ()
    if config.require_all_owners and reviews is not None:
        approvable = [g for g in groups if not _author_only(g, author)]
        findings += approval_findings(approvable, reviews, author)
    off = None if plan else "routing is off (routing.reviewers: 0)"
    routed = Routed(config, codeowners, plan, groups, author, how, off, reviews)
    wanted = tuple(c.reviewer for c in plan.chosen) if plan else ()
    return RuleResult(findings, (), routing_section(routed), reviewers=wanted)


def lookup(snapshot: PullRequestSnapshot, section: BaseModel) -> Lookup | None:
    """The gatherer's first question (two-phase gathering): whose facts routing needs, under the rules
    file's `routing` section (`section`, as `section_config` gives it). None when it needs nobody's: no
    CODEOWNERS, nothing read from GitHub, or neither a reviewer left to choose (routing off, a draft,
    enough reviewers counted) nor an owner team's approval to tell."""
    codeowners_text = snapshot.repository.codeowners
    if snapshot.reviews is None or codeowners_text is None:
        return None
    config = cast(Config, section)
    codeowners = parse_codeowners(codeowners_text)
    if codeowners.too_large:
        return None
    files = tuple(ChangedFile(f.path, f.changes) for f in snapshot.files)
    pr = snapshot.pull_request
    data = RoutingInput(pr.author or "", pr.draft, files, codeowners, policy=policy(config))
    data = with_reviews(data, snapshot.reviews)
    counted = len(dict.fromkeys(name.removeprefix("@") for name in data.counted))
    people = not pr.draft and counted < config.reviewers
    teams = teams_to_expand(data) if people else frozenset()
    if config.require_all_owners:
        teams |= owner_teams(owner_groups(codeowners, (f.path for f in files)), config.exclude_teams)
    if not people and not teams:
        return None
    return Lookup(data, teams, people, expertise_sample(snapshot.files) if people else ())


def _author(snapshot: PullRequestSnapshot, owners: frozenset[str]) -> tuple[str | None, str]:
    """The author's login, and how it is known: the pull request's author, else the login the head commit's
    author has (a GitHub noreply address, or a name that is one of the owners' logins)."""
    if snapshot.pull_request.author:
        return snapshot.pull_request.author, "the pull request's author"
    if not snapshot.history.commits:
        return None, "no commit on the branch"
    person = snapshot.history.commits[-1].author
    who = f"{person.name} <{person.email}>"
    if person.login:
        return person.login, f"the head commit's author, {who}"
    if found := _NOREPLY.fullmatch(person.email):
        return found[1], f"the head commit's author, {who}, by their GitHub noreply address"
    named = min((owner for owner in owners if owner.casefold() == person.name.casefold()), default=None)
    if named:
        return named, f"the head commit's author, {who}, whose name is an owner's login"
    return None, f"the head commit's author, {who}, has no GitHub login here, so is not left out"


def _author_only_groups(groups: tuple[OwnerGroup, ...], author: str | None) -> tuple[Finding, ...]:
    """Under `require_all_owners`, the groups owned by the author alone: GitHub never counts an author's
    own approval, so nobody can ever approve them."""
    if not author:
        return ()
    findings = []
    for group in groups:
        if _author_only(group, author):
            more = len(group.paths) - 1
            files = f"{group.paths[0]} and {more} more are" if more else f"{group.paths[0]} is"
            message = (
                f"{files} owned by "
                f"@{author} alone, the author: with routing.require_all_owners they can never be approved; "
                "add a co-owner to CODEOWNERS"
            )
            findings.append(Finding(ID, Severity.ERROR, message, key=f"author-only:{author.casefold()}"))
    return tuple(findings)


def _author_only(group: OwnerGroup, author: str | None) -> bool:
    return bool(author) and [o.removeprefix("@").casefold() for o in group.owners] == [
        (author or "").casefold()
    ]


def _example(owners: str, rules: str | None) -> PullRequestSnapshot:
    info = PullRequestInfo("main", "topic", "0" * 40, "1" * 40, author="ada")
    ada = Person("Ada", "ada@example.com", "ada")
    changed = (SnapshotFile("src/app.py", FileStatus.MODIFIED, 20, 2),)
    return PullRequestSnapshot(
        pull_request=info,
        files=changed,
        history=History((Commit("1" * 40, ada, ada, "Change the app"),)),
        repository=RepositoryFiles(rules=(ConfigSource(RULES_PATH, rules),), codeowners=owners),
    )


RULE = Rule(
    id=ID,
    summary="Plan reviewers among the code owners of the changed files, and say why each is asked.",
    help=HELP,
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("owners other than the author are asked", _example("* @ada @bob\n", None), passes=True),
        Example(
            "with require_all_owners, code owned by its author alone fails",
            _example("* @ada\n", "routing:\n  require_all_owners: true\n"),
            passes=False,
        ),
    ),
)
