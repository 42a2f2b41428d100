"""The author's teams for `scopegate report --group-by author-team`: the GraphQL lookup with real githubkit
over HTTP against the fake GitHub, its day in Redis, and a replayed pull request landing under its
author's team (or `(unknown team)` when the App may not read teams) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.cli import main
from bot.gather.author_teams import CACHE_SECONDS, REFUSED_SECONDS, author_teams
from bot.github.gateway import PullRequestGateway
from tests import test_review_e2e as e2e
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.server import FakeGitHub
from tests.test_review_e2e import AUTHOR, REVIEWER, Review, lines

ORG = "octo-org"
# The review history's App, deliveries and ledger on each dialect (tests/test_review_e2e.py).
review, ledger_url = e2e.review, e2e.ledger_url


@pytest.fixture
async def redis(clean_redis_url: str) -> AsyncIterator[Redis]:
    """A client of an emptied Redis database."""
    client = Redis.from_url(clean_redis_url)
    yield client
    await client.aclose()


async def lookup(
    fake: FakeGitHub, installation: FakeInstallation, redis: Redis, login: str
) -> tuple[str, ...] | None:
    """`author_teams` of `login` in the installation's account, through the installation's own client."""
    async with installation.client() as gh:
        gateway = PullRequestGateway(gh, installation.owner, installation.repo, 1)
        return await author_teams(gateway, redis, installation.owner, login)


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        pytest.param("octocat", ("octo-org/api", "octo-org/web"), id="two-teams"),
        pytest.param("OctoCat", ("octo-org/api", "octo-org/web"), id="login-in-any-case"),
        pytest.param("hubot", (), id="no-team"),
    ],
)
async def test_the_authors_teams_of_the_organisation(
    fake_installation: FakeInstallation, redis: Redis, login: str, expected: tuple[str, ...]
) -> None:
    """GitHub names the organisation's teams the author is a member of (another team's members and
    another organisation's teams are not theirs); the answer is kept a day, so asking again costs GitHub
    nothing."""
    fake = fake_installation.fake
    fake.add_team(ORG, "web", ["octocat", "maria"])
    fake.add_team(ORG, "api", ["octocat"])
    fake.add_team(ORG, "ops", ["maria"])
    fake.add_team("other-org", "web", ["octocat", "hubot"])
    fake.user("hubot")
    assert await lookup(fake, fake_installation, redis, login) == expected
    asked = fake.count("POST", "/graphql")
    assert await lookup(fake, fake_installation, redis, login) == expected
    assert fake.count("POST", "/graphql") == asked == 1
    assert 0 < await redis.ttl(f"scopegate:author-teams:{ORG}:{login.lower()}") <= CACHE_SECONDS
    assert not fake.invalid_requests, fake.invalid_requests


async def test_a_users_repository_has_no_teams(fake_github: FakeGitHub, redis: Redis) -> None:
    """A repository owned by a user: GitHub resolves no organisation of that login, so no team."""
    app = fake_github.add_app(slug="scopegate")
    installed = fake_github.add_installation(app, "ada", ["notes"], account_type="User")
    installation = FakeInstallation(fake_github, app, installed, "ada", "notes")
    assert await lookup(fake_github, installation, redis, "ada") == ()
    assert not fake_github.invalid_requests, fake_github.invalid_requests


async def test_without_members_read_the_teams_are_unknown(
    fake_installation: FakeInstallation, redis: Redis
) -> None:
    """An installation without the organisation permission `members: read` is refused (FORBIDDEN): the
    teams are not known, and GitHub is asked again within minutes, not a day later."""
    fake = fake_installation.fake
    fake.add_team(ORG, "web", ["octocat"])
    del fake_installation.installation.permissions["members"]
    assert await lookup(fake, fake_installation, redis, "octocat") is None
    assert 0 < await redis.ttl(f"scopegate:author-teams:{ORG}:octocat") <= REFUSED_SECONDS


async def replay(review: Review) -> None:
    """opened → changes requested → the author pushes 5 lines → approved → merged, all delivered."""
    await review.send(review.opened())
    await review.send(review.review(80, "changes_requested", 1))
    before, _ = review.push({"src/app.py": lines(20) + lines(40, "new") + lines(5, "fix")})
    await review.send(review.synchronize(before, 2))
    await review.send(review.review(81, "approved", 3))
    await review.send(review.closed(4))
    await review.drained()


def by_author_team(
    review: Review, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, tuple[int, float, float]]:
    """`scopegate report --group-by author-team --format json` over the App's ledger: each group's pull
    requests, mean rounds and mean rework lines."""
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", review.database_url)
    capsys.readouterr()
    assert main(["report", "--group-by", "author-team", "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    return {g["author-team"]: (g["prs"], g["rounds_mean"], g["rework_lines_mean"]) for g in groups}


async def test_a_replayed_pull_request_lands_under_its_authors_team(
    review: Review, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the App over HTTP, the author's teams are asked of GitHub and kept on the pull request:
    its round and rework count under the author's team, not the reviewer's."""
    fake = review.installation.fake
    fake.add_team(ORG, "platform", [AUTHOR])
    fake.add_team(ORG, "reviewers", [REVIEWER])
    await replay(review)
    assert by_author_team(review, monkeypatch, capsys) == {"octo-org/platform": (1, 1.0, 5.0)}


async def test_without_members_read_the_pull_request_is_under_unknown_team(
    review: Review, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An installation that has not granted `members: read`: the history is recorded and the check
    still concludes, and the report puts the pull request under `(unknown team)`."""
    fake = review.installation.fake
    fake.add_team(ORG, "platform", [AUTHOR])
    del review.installation.installation.permissions["members"]
    await replay(review)
    assert by_author_team(review, monkeypatch, capsys) == {"(unknown team)": (1, 1.0, 5.0)}
    with fake.lock:
        runs = [run for run in review.repo.check_runs.values() if run.status == "completed"]
    assert runs
    assert all(run.conclusion in ("success", "neutral") for run in runs)
