"""Reviewer routing (DESIGN §6): who among the owners of the changed lines is asked to review, and why.

Pure: the gatherer first asks `people_to_look_up` whose facts it needs, fetches status, load and expertise for
those people only, then hands everything to `select_reviewers` as plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.core.owners import Codeowners, owners_of
from bot.core.snapshot import AuthoredRange, FileStatus
from bot.core.snapshot import ChangedFile as SnapshotFile

# Expertise is read from the base's blame of this many changed files, those with most changed base lines:
# one GraphQL query, however large the pull request.
EXPERTISE_FILES = 10


@dataclass(frozen=True)
class ChangedFile:
    """A changed file and its changed lines (added + deleted), the weight of its owners."""

    path: str
    lines: int


@dataclass(frozen=True)
class Person:
    """What the gatherer found about one user."""

    login: str
    bot: bool = False  # a machine account, as the gatherer found it
    # GraphQL `user.status.indicatesLimitedAvailability`: the user set their status to busy.
    busy: bool = False
    open_reviews: int = 0  # review requests open on other pull requests
    expertise: float = 0.0  # their lines in the changed ranges, by blame, weighted by how recent


@dataclass(frozen=True)
class RoutingPolicy:
    """The rules file's `routing:` section."""

    reviewers: int = 2
    max_open_reviews: int | None = 10  # a user with this many open requests gets no more; None: no cap
    unavailable: frozenset[str] = frozenset()  # logins, without `@`
    excluded_teams: frozenset[str] = frozenset()  # `org/team`
    expand_teams: bool = False  # request a team's members instead of the team


@dataclass(frozen=True)
class RoutingInput:
    """One pull request's facts for routing."""

    author: str
    draft: bool
    files: tuple[ChangedFile, ...]
    codeowners: Codeowners
    # Already counted toward the target: open requests (users or `org/team`), anyone who has reviewed, and
    # anyone an earlier routing of this pull request requested (so a draft/ready toggle adds nobody).
    counted: tuple[str, ...] = ()
    people: Mapping[str, Person] = field(default_factory=dict)  # by login, any case
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # `org/team` -> member logins
    policy: RoutingPolicy = RoutingPolicy()
    # False where nobody asked GitHub about `people` and `teams` (`scopegate check`): reasons then leave out
    # the load and expertise, which would read as facts.
    people_known: bool = True
    # Teams to expand whose members GitHub would not list (the installation lacks `members: read`).
    unreadable_teams: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Choice:
    """A reviewer to request (`login`, or `org/team` when `team`), with a one-line reason."""

    reviewer: str
    team: bool
    reason: str


@dataclass(frozen=True)
class Skip:
    """An owner left out, and why."""

    owner: str
    reason: str


@dataclass(frozen=True)
class RoutingPlan:
    """The requests to make, the reviewers already counted, the owners left out, and a note if need be."""

    chosen: tuple[Choice, ...]
    counted: tuple[str, ...]
    skipped: tuple[Skip, ...]
    note: str | None = None


@dataclass
class _Candidate:
    name: str  # login, or `org/team`
    team: bool
    files: set[int]
    weight: int = 0


def owned_lines(codeowners: Codeowners, files: Iterable[ChangedFile]) -> dict[str, int]:
    """Each CODEOWNERS owner (as written, `@` dropped) with the changed lines of the files it owns."""
    weights: dict[str, int] = {}
    for changed in files:
        for owner in owners_of(codeowners, changed.path).owners:
            name = owner.removeprefix("@")
            weights[name] = weights.get(name, 0) + changed.lines
    return weights


@dataclass(frozen=True)
class OwnerGroup:
    """Paths one set of owners owns (one CODEOWNERS line, or several naming the same owners); `owners`
    empty: no line gives them an owner."""

    owners: tuple[str, ...]
    paths: tuple[str, ...]


def owner_groups(codeowners: Codeowners, paths: Iterable[str]) -> tuple[OwnerGroup, ...]:
    """`paths` grouped by their owners, groups in the order of their first path. Owners are compared as
    GitHub compares logins and teams, regardless of case and of their order on the line."""
    groups: dict[frozenset[str], tuple[tuple[str, ...], list[str]]] = {}
    for path in paths:
        owners = owners_of(codeowners, path).owners
        key = frozenset(owner.casefold() for owner in owners)
        groups.setdefault(key, (owners, []))[1].append(path)
    return tuple(OwnerGroup(owners, tuple(members)) for owners, members in groups.values())


def teams_to_expand(data: RoutingInput) -> frozenset[str]:
    """Gathering, step one: the owner teams whose members are needed (none unless teams are expanded)."""
    if not data.policy.expand_teams:
        return frozenset()
    excluded = _folded(data.policy.excluded_teams)
    owners = owned_lines(data.codeowners, data.files)
    return frozenset(o for o in owners if "/" in o and o.casefold() not in excluded)


def users_to_look_up(data: RoutingInput) -> frozenset[str]:
    """Gathering, step two (with `teams` filled): the users whose status, load and expertise are needed."""
    users = {o for o in owned_lines(data.codeowners, data.files) if "/" not in o and "@" not in o}
    users.update(member for team in teams_to_expand(data) for member in data.teams.get(team, ()))
    return frozenset(users)


@dataclass(frozen=True)
class Lookup:
    """Gathering's questions, from the core: the owner teams whose members are needed, and whether users'
    status and load are (only while reviewers remain to be chosen)."""

    data: RoutingInput
    teams: frozenset[str]
    people: bool
    blame: tuple[str, ...] = ()  # base paths whose blame ranks expertise, when two owners or more compete

    def users(self, teams: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
        """With the teams' members found, the users whose status and load are needed: not the author, nor
        anyone already counted (neither can be chosen)."""
        if not self.people:
            return frozenset()
        known = _folded((self.data.author, *self.data.counted))
        return frozenset(
            u for u in users_to_look_up(replace(self.data, teams=teams)) if u.casefold() not in known
        )


def changed_ranges(files: Iterable[SnapshotFile]) -> dict[str, list[tuple[int, int]]]:
    """The base's line ranges each changed file's hunks replace or surround (their context included), by
    the file's path at the base."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for changed in files:
        if changed.status is FileStatus.ADDED:
            continue
        spans = [
            (h.source_start, h.source_start + h.source_length - 1) for h in changed.hunks if h.source_length
        ]
        if spans:
            ranges[changed.previous_path or changed.path] = spans
    return ranges


def expertise_sample(files: Iterable[SnapshotFile]) -> tuple[str, ...]:
    """The base paths whose blame ranks expertise: the EXPERTISE_FILES with most changed base lines."""
    spans = changed_ranges(files)
    size = {path: sum(b - a + 1 for a, b in ranges) for path, ranges in spans.items()}
    return tuple(sorted(size, key=lambda p: (-size[p], p))[:EXPERTISE_FILES])


def expertise(
    blame: Iterable[AuthoredRange], changed: Mapping[str, Sequence[tuple[int, int]]]
) -> dict[str, float]:
    """Each login's lines within the changed ranges at the base, each weighted by how recent its change is
    (GitHub's blame `age`: 1, newest, weighs 1.0; 10, oldest, 0.1), by login as folded."""
    found: dict[str, float] = {}
    for part in blame:
        overlap = sum(
            max(0, min(part.end, last) - max(part.start, first) + 1)
            for first, last in changed.get(part.path, ())
        )
        if overlap:
            weight = (11 - part.age) / 10
            key = part.login.casefold()
            found[key] = found.get(key, 0.0) + overlap * weight
    return found


def missing_approvals(
    groups: Iterable[OwnerGroup], approved: Iterable[str], teams: Mapping[str, tuple[str, ...]], author: str
) -> tuple[tuple[OwnerGroup, ...], tuple[OwnerGroup, ...]]:
    """The owned groups no owner has approved, and those where that is unknown (an owner team whose members
    are not known, and no other owner approved). An owner approves directly, or as a member of an owner
    team; the author's approval never counts, as on GitHub."""
    yes = frozenset(a.casefold() for a in approved) - {author.casefold()}
    missing: list[OwnerGroup] = []
    unknown: list[OwnerGroup] = []
    folded = {team.casefold(): members for team, members in teams.items()}
    for group in groups:
        names = [o.removeprefix("@").casefold() for o in group.owners]
        if not names:
            continue
        members = {m.casefold() for n in names for m in folded.get(n, ())}
        if yes & (set(names) | members):
            continue
        teamless = any("/" in n and n not in folded for n in names)
        (unknown if teamless else missing).append(group)
    return tuple(missing), tuple(unknown)


def select_reviewers(data: RoutingInput) -> RoutingPlan:
    """Choose reviewers among the owners of the changed lines; every choice and every omission says why."""
    counted = tuple(dict.fromkeys(name.removeprefix("@") for name in data.counted))
    if data.draft:
        return RoutingPlan((), counted, (), "draft: not routed until it is ready for review")
    candidates, skipped, owner_files = _candidates(data)
    total = sum(f.lines for f in data.files)
    counted_keys = {name.casefold() for name in counted}
    # What the counted reviewers own is covered, whether they own it themselves or through a team.
    covered = {i for name in counted_keys for i in owner_files.get(name, ())}
    covered.update(i for c in candidates if c.name.casefold() in counted_keys for i in c.files)
    pool = [c for c in candidates if c.name.casefold() not in counted_keys]
    chosen: list[Choice] = []
    slots = data.policy.reviewers - len(counted)
    while slots > 0 and pool:
        best = max(pool, key=lambda c: _rank(c, data, covered))
        pool.remove(best)
        covered |= best.files
        chosen.append(Choice(best.name, best.team, _reason(best, data, total)))
        slots -= 1
    return RoutingPlan(tuple(chosen), counted, tuple(skipped), _note(data, owner_files, counted, len(chosen)))


def _candidates(data: RoutingInput) -> tuple[list[_Candidate], list[Skip], dict[str, set[int]]]:
    """The owners who can be asked, those who cannot and why, and the files of each owner as written."""
    by_name: dict[str, _Candidate] = {}
    skipped: dict[str, Skip] = {}
    owner_files: dict[str, set[int]] = {}
    excluded = _folded(data.policy.excluded_teams)
    for index, changed in enumerate(data.files):
        for owner in owners_of(data.codeowners, changed.path).owners:
            name = owner.removeprefix("@")
            owner_files.setdefault(name.casefold(), set()).add(index)
            members: Iterable[tuple[str, bool]] = [(name, "/" in name)]
            if "@" in name:
                skipped[name.casefold()] = Skip(owner, "an email owner: GitHub requests review by login only")
                continue
            if "/" in name and name.casefold() in excluded:
                skipped[name.casefold()] = Skip(owner, "team excluded by the rules file")
                continue
            if "/" in name and name.casefold() in _folded(data.unreadable_teams):
                why = "its members cannot be read: the installation has not accepted members: read"
                skipped[name.casefold()] = Skip(owner, why)
                continue
            if "/" in name and data.policy.expand_teams and name in data.teams:
                members = [(member, False) for member in data.teams[name]]
            for member, team in members:
                reason = None if team else _unavailable(member, data)
                if reason:
                    skipped.setdefault(member.casefold(), Skip(member, reason))
                    continue
                candidate = by_name.setdefault(member.casefold(), _Candidate(member, team, set()))
                if index not in candidate.files:
                    candidate.files.add(index)
                    candidate.weight += changed.lines
    return list(by_name.values()), list(skipped.values()), owner_files


def _unavailable(login: str, data: RoutingInput) -> str | None:
    """Why a user cannot be asked now, or None."""
    person = _person(login, data)
    cap = data.policy.max_open_reviews
    if login.casefold() == data.author.casefold():
        return "the author"
    if person.bot:
        return "a bot"
    if person.busy:
        return "GitHub status says busy"
    if login.casefold() in _folded(data.policy.unavailable):
        return "unavailable per the rules file"
    if cap is not None and person.open_reviews >= cap:
        return f"{person.open_reviews} open review requests (max_open_reviews {cap})"
    return None


def _rank(candidate: _Candidate, data: RoutingInput, covered: set[int]) -> tuple[int, float, int, int, str]:
    # Lines no chosen reviewer owns yet first (so a second reviewer covers another owner group), then recent
    # expertise, then the least loaded; the name makes the order total, so the plan is reproducible.
    gain = sum(data.files[i].lines for i in candidate.files - covered)
    person = _person(candidate.name, data)
    return (gain, person.expertise, -person.open_reviews, candidate.weight, _reverse(candidate.name))


def _reason(candidate: _Candidate, data: RoutingInput, total: int) -> str:
    files = f"{len(candidate.files):,} of {len(data.files):,} files"
    owns = f"owns {candidate.weight:,} of {total:,} changed lines ({files})"
    if candidate.team and data.policy.expand_teams and not data.people_known:
        return f"team {owns}; its members are not known here, so it stands as the team"
    if candidate.team:
        return f"team {owns}; requested as the team, GitHub's team review assignment picks who"
    if not data.people_known:
        return owns
    person = _person(candidate.name, data)
    expertise = f"; {person.expertise:g} recent lines in the changed ranges" if person.expertise else ""
    return f"{owns}{expertise}; {person.open_reviews} open review requests"


def _note(
    data: RoutingInput, owner_files: dict[str, set[int]], counted: tuple[str, ...], added: int
) -> str | None:
    if not owner_files:
        return "no CODEOWNERS line gives the changed files an owner"
    if len(counted) >= data.policy.reviewers:
        return f"{len(counted)} reviewers already requested or reviewing (wanted {data.policy.reviewers})"
    if len(counted) + added < data.policy.reviewers:
        return f"only {added} available owners to add (wanted {data.policy.reviewers - len(counted)} more)"
    return None


def _person(login: str, data: RoutingInput) -> Person:
    found = data.people.get(login) or next(
        (p for key, p in data.people.items() if key.casefold() == login.casefold()), None
    )
    return found or Person(login)


def _folded(names: Iterable[str]) -> frozenset[str]:
    # GitHub logins and team slugs are case-insensitive.
    return frozenset(name.removeprefix("@").casefold() for name in names)


def _reverse(name: str) -> str:
    # `max` picks the greatest key; inverting each character makes the alphabetically first name win ties.
    return "".join(chr(0x10FFFF - ord(c)) for c in name.casefold())
