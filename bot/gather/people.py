"""Gathering's second phase for routing (DESIGN §6): the core names the owner teams and users whose facts
it needs; this reads those only: team members through REST, each user's GitHub status and open review
requests in one batched GraphQL query, cached briefly in Redis, and, when two owners or more compete, the
base's blame of a sample of the changed files (their recent expertise)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import replace

from githubkit.exception import GraphQLFailed, RateLimitExceeded, RequestFailed
from redis.asyncio import Redis

from bot.core.routing import Lookup
from bot.core.snapshot import AuthoredRange, PullRequestSnapshot, ReviewFacts, UserFacts
from bot.gather import answers
from bot.gather.queries import authored_blame_query, people_query
from bot.github.gateway import PullRequestGateway

# Bounds on what one evaluation reads: teams (one members page of 100 each) and users (two GraphQL fields
# each, in queries of USERS_PER_QUERY). A user's facts are kept CACHE_SECONDS: a burst of pushes across
# the organisation's pull requests asks GitHub once about each owner.
MAX_TEAMS = 20
MEMBERS_PER_TEAM = 100
MAX_USERS = 100
USERS_PER_QUERY = 50
CACHE_SECONDS = 300
log = logging.getLogger(__name__)


async def gather_people(
    gateway: PullRequestGateway,
    redis: Redis,
    snapshot: PullRequestSnapshot,
    wanted: Lookup,
    permissions_url: str | None = None,
) -> PullRequestSnapshot:
    """`snapshot` with the team members and people `wanted` names. A 403 on team members (the
    installation has not accepted `members: read`) leaves the teams out, says so, and the rest proceeds;
    `permissions_url` is where an owner accepts it."""
    teams, bots, refused = await _teams(gateway, sorted(wanted.teams)[:MAX_TEAMS])
    users = sorted(wanted.users(teams) - bots)[:MAX_USERS]
    people = await _people(gateway, redis, users)
    people |= {login: UserFacts(login, bot=True) for login in bots}
    # Expertise only ranks owners against each other: with one candidate it would change nothing.
    base = snapshot.pull_request.base_sha
    blame = await _blame(gateway, base, wanted.blame, users) if len(users) > 1 and wanted.blame else ()
    reviews = replace(
        snapshot.reviews or ReviewFacts(),
        people=people,
        teams=teams,
        teams_refused=refused,
        permissions_url=permissions_url if refused else None,
        base_blame=blame,
    )
    return replace(snapshot, reviews=reviews)


async def _teams(
    gateway: PullRequestGateway, names: Sequence[str]
) -> tuple[dict[str, tuple[str, ...]], frozenset[str], bool]:
    """Members by `org/team`, the members that are bots, and whether GitHub refused to list them."""
    teams: dict[str, tuple[str, ...]] = {}
    bots: set[str] = set()
    for name in names:
        org, _, slug = name.partition("/")
        try:
            members = await gateway.team_members(org, slug, MEMBERS_PER_TEAM)
        except RateLimitExceeded:  # GitHub's secondary limits are 403s too: not a missing permission
            raise
        except RequestFailed as error:
            if error.response.status_code == 403:
                return teams, frozenset(bots), True
            if error.response.status_code == 404:  # no such team, or one the installation cannot see
                teams[name] = ()
                continue
            raise
        teams[name] = tuple(login for login, _ in members)
        bots.update(login for login, bot in members if bot)
    return teams, frozenset(bots), False


async def _people(gateway: PullRequestGateway, redis: Redis, users: Sequence[str]) -> dict[str, UserFacts]:
    """Each user's status and open review requests (in the repository owner's account), from the cache
    where it has them, else from GitHub, in batched queries."""
    if not users:
        return {}
    keys = [_key(gateway.owner, login) for login in users]
    cached = dict(zip(users, await redis.mget(keys), strict=True))
    found = {login: _loaded(login, raw) for login, raw in cached.items() if raw is not None}
    missing = [login for login in users if login not in found]
    for start in range(0, len(missing), USERS_PER_QUERY):
        batch = missing[start : start + USERS_PER_QUERY]
        fresh = await _ask(gateway, batch)
        async with redis.pipeline(transaction=False) as pipe:
            for facts in fresh.values():
                pipe.set(_key(gateway.owner, facts.login), _dumped(facts), ex=CACHE_SECONDS)
            await pipe.execute()
        found |= fresh
    return found


async def _ask(gateway: PullRequestGateway, batch: Sequence[str]) -> dict[str, UserFacts]:
    """One query: status and review load of each user in `batch`. A login GitHub does not know (a
    renamed or deleted account) is an error beside the data and reads as available with no load."""
    variables: dict[str, str] = {}
    for i, login in enumerate(batch):
        variables[f"l{i}"] = login
        variables[f"q{i}"] = f"is:pr is:open archived:false review-requested:{login} user:{gateway.owner}"
    try:
        data = await gateway.graphql_unscoped(people_query(len(batch)), variables)
    except GraphQLFailed as failure:
        partial, errors = failure.response.data, failure.response.errors or []
        if partial is None or not all(e.type == "NOT_FOUND" for e in errors):
            raise
        data = partial
    facts = {}
    for i, login in enumerate(batch):
        user = answers.User.model_validate(data[f"u{i}"]) if data.get(f"u{i}") else None
        load = answers.Search.model_validate(data[f"r{i}"]).issue_count if data.get(f"r{i}") else 0
        busy = bool(user and user.status and user.status.indicates_limited_availability)
        facts[login] = UserFacts(login, busy=busy, open_reviews=load)
    return facts


async def _blame(
    gateway: PullRequestGateway, base_sha: str, paths: Sequence[str], users: Collection[str]
) -> tuple[AuthoredRange, ...]:
    """The base's blame of `paths` (one query), as the ranges whose commit one of `users` authored. GitHub
    computes blame server-side and fails a query that takes too long: then no expertise is known, and the
    plan ranks by ownership and load alone."""
    variables = {"oid": base_sha} | {f"p{i}": path for i, path in enumerate(paths)}
    try:
        data = await gateway.graphql(authored_blame_query(len(paths)), variables)
    except GraphQLFailed as failure:
        log.warning("no expertise for %s#%s: %s", gateway.repo, gateway.number, failure)
        return ()
    found = ((data.get("repository") or {}).get("object")) or {}
    wanted = {u.casefold() for u in users}
    ranges = []
    for i, path in enumerate(paths):
        for part in answers.AuthoredBlame.model_validate(found[f"f{i}"]).ranges:
            author = part.commit.author
            login = author.user.login if author and author.user else None
            if login and login.casefold() in wanted:
                ranges.append(AuthoredRange(path, part.starting_line, part.ending_line, login, part.age))
    return tuple(ranges)


def _key(owner: str, login: str) -> str:
    # Logins are case-insensitive; the load is counted within the owner's account, hence the owner.
    return f"scopegate:person:{owner.lower()}:{login.lower()}"


def _dumped(facts: UserFacts) -> str:
    return json.dumps({"busy": facts.busy, "open_reviews": facts.open_reviews})


def _loaded(login: str, raw: bytes | str) -> UserFacts:
    stored = json.loads(raw)
    return UserFacts(login, busy=bool(stored["busy"]), open_reviews=int(stored["open_reviews"]))
