"""The App's path gives the CLI's buckets for the same history: the App reads each commit's patch through
REST (`GET /repos/{owner}/{repo}/commits/{sha}`), which the fake GitHub answers with `git diff` over the
same commits (tests/fakegithub/commits.py), and replays them as the CLI replays `git log -p`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.core.config import load_config
from bot.core.report.contract import to_contract
from bot.core.verdict import evaluate, later_needs
from bot.gather import localgit
from bot.gather.github import fetch_pull, gather, gather_later
from bot.github.gateway import PullRequestGateway
from rules import RULES
from tests.fakegithub.blame import seed_from_git
from tests.fakegithub.fixtures import FakeInstallation
from tests.gitrepo import lines
from tests.test_attribution_git import AIDER, CLAUDE, AgentRepo, note

BUCKETS = (
    "ai_lines",
    "mixed_lines",
    "assist_lines",
    "unknown_lines",
    "attributed_lines",
    "outside_lines",
    "by_agent",
)


async def _app(
    fake_installation: FakeInstallation, repo: AgentRepo, number: int, redis: Redis | None = None
) -> dict[str, Any]:
    fake, owner, name = fake_installation.fake, fake_installation.owner, fake_installation.repo
    seed_from_git(fake, owner, name, number, repo.root)
    fake.reset_counts()
    async with fake_installation.client() as gh:
        gateway = PullRequestGateway(gh, owner, name, number)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
        loaded = load_config(RULES, snapshot.repository.rules)
        needs = later_needs(snapshot, RULES, loaded)
        snapshot = await gather_later(gateway, snapshot, needs, redis=redis)
    assert not fake.invalid_requests
    found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
    return found


def _cli(repo: AgentRepo) -> dict[str, Any]:
    snapshot = localgit.gather(repo.root, "main", "HEAD", needs=RULES.needs)
    loaded = load_config(RULES, snapshot.repository.rules)
    snapshot = localgit.gather_later(repo.root, snapshot, later_needs(snapshot, RULES, loaded))
    found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
    return found


def _same(app: dict[str, Any], cli: dict[str, Any]) -> None:
    """The App's buckets, shares, agents, and every commit's class and lines by bucket equal the CLI's."""
    assert {k: app[k] for k in (*BUCKETS, "ai_share")} == {k: cli[k] for k in (*BUCKETS, "ai_share")}
    assert _commits(app) == _commits(cli)


def _commits(found: dict[str, Any]) -> dict[str, tuple[str, str, Any]]:
    return {c["sha"]: (c["class"], c["evidence"], c["lines"]) for c in found["commits"]}


def _patch_requests(fake_installation: FakeInstallation) -> int:
    return sum(1 for r in fake_installation.fake.requests if "/commits/" in r.path and r.method == "GET")


@pytest.fixture
def repo(tmp_path: Path) -> AgentRepo:
    """A repository with a base file of 10 lines and the topic branch checked out."""
    made = AgentRepo(tmp_path / "repo")
    made.write("base.py", lines(10, "base"))
    made.commit("base")
    made.topic()
    return made


async def test_app_and_cli_give_the_same_buckets(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """Commits of two agents, declared assistance, a plain commit and an edit of a base file: the App's
    buckets, agents and commits equal the CLI's, for one REST request per commit and no blame query."""
    repo.write("a.py", lines(6, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.write("b.py", lines(3, "aider"))
    repo.commit_as(f"add b\n\n{AIDER}")
    repo.write("a.py", lines(6, "ai") + lines(2, "assist"))
    repo.commit_as("more a\n\nAssisted-by: GitHub Copilot")
    repo.write("base.py", lines(10, "base") + lines(4, "plain"))
    repo.commit_as("more base")
    app = await _app(fake_installation, repo, 5)
    cli = _cli(repo)
    _same(app, cli)
    assert (cli["ai_lines"], cli["assist_lines"], cli["unknown_lines"]) == (9, 2, 4)
    assert app["partial_reasons"] == []
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1  # the PR, the blobs: no blame
    assert _patch_requests(fake_installation) == 4


async def test_a_human_edit_of_an_ai_line_is_mixed_in_the_app(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """An AI line a commit without a marker rewrote, twice: mixed in the App as in the CLI."""
    repo.write("a.py", lines(6, "ai"))
    repo.commit_as(f"add a\n\n{AIDER}")
    repo.write("a.py", lines(6, "ai").replace("ai_2 = 2\n", "edited_2 = 2\n") + "own\n")
    repo.commit_as("edit line 2, add one")
    repo.write("a.py", lines(6, "ai").replace("ai_2 = 2\n", "again_2 = 2\n") + "own\n")
    repo.commit_as("edit line 2 again")
    app = await _app(fake_installation, repo, 8)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["mixed_lines"], app["unknown_lines"]) == (5, 1, 1)


async def test_a_formatter_over_ai_lines_keeps_them_ai_in_the_app(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """A commit without a marker that only re-indents an agent's lines (and one that re-indents a base
    line) takes no line from the agent: GitHub's patches show the change, the replay ignores whitespace."""
    repo.write("a.py", "def f():\n  return 1\n\n\ndef g():\n  return 2\n")
    repo.commit_as("add a", author=("Paul Gauthier (aider)", "paul@example.com"))
    repo.write("a.py", "def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    repo.write("base.py", lines(10, "base").replace("base_3 = 3\n", "  base_3 = 3\n"))
    repo.commit_as("format")
    app = await _app(fake_installation, repo, 9)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["unknown_lines"], app["outside_lines"]) == (6, 0, 1)


async def test_lines_merged_from_the_base_are_not_the_pull_requests_in_the_app(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """After a merge from the base branch, the merge's lines are not the pull request's, nor is a base line
    re-indented later: the App agrees with the CLI."""
    repo.write("a.py", lines(4, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.git("checkout", "-q", "main")
    repo.write("main.py", lines(50, "main"))
    repo.commit_as("main moves on")
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.write("base.py", lines(10, "base").replace("base_3 = 3\n", "  base_3 = 3\n"))
    repo.write("a.py", lines(4, "ai") + "tail = 1\n")
    repo.commit_as("indent a base line, add a line")
    app = await _app(fake_installation, repo, 10)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["unknown_lines"], app["outside_lines"]) == (4, 1, 1)


async def test_a_squash_of_ai_and_human_commits_in_the_app(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """A squash carrying an agent's trailer, then a human commit: commit-level evidence at halved
    confidence, the same lines in both paths."""
    repo.write("a.py", lines(8))
    repo.commit_as(f"Feature (#7)\n\n* add a part\n\n* add b part\n\n{CLAUDE}")
    repo.write("a.py", lines(8).replace("line_5", "human_5") + "own\n")
    repo.commit_as("follow-up")
    app = await _app(fake_installation, repo, 11)
    cli = _cli(repo)
    _same(app, cli)
    squash = next(c for c in app["commits"] if c["squash"])
    assert (squash["confidence"], app["ai_lines"]) == (0.475, 7)


async def test_a_renamed_file_keeps_its_lines_in_the_app(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """A commit without a marker that moves an agent's file and adds a line to it: the moved lines stay
    the agent's (GitHub names the file's old path), the new line is unknown, as in the CLI."""
    repo.write("a.py", lines(8, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    (repo.root / "a.py").unlink()
    repo.write("pkg/b.py", lines(8, "ai") + "own = 1\n")
    repo.commit_as("move a")
    app = await _app(fake_installation, repo, 14)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["unknown_lines"]) == (8, 1)


async def test_a_commit_of_more_than_300_files_is_read_page_by_page(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """GitHub sends a commit's files 300 a page: the App reads the second page too, and agrees with the
    CLI on all 301 files."""
    for n in range(301):
        repo.write(f"gen/m{n}.py", lines(1, f"m{n}"))
    repo.commit_as(f"generate\n\n{CLAUDE}")
    repo.write("gen/m0.py", lines(1, "m0") + "own = 1\n")
    repo.commit_as("edit one")
    app = await _app(fake_installation, repo, 15)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["unknown_lines"]) == (301, 1)
    assert _patch_requests(fake_installation) == 2 + 1


async def test_a_re_evaluation_reads_only_the_new_commits_patch(
    fake_installation: FakeInstallation, repo: AgentRepo, redis: Redis
) -> None:
    """A commit never changes: after a push, the App reads the patch of the pushed commit alone (the
    others are remembered in Redis), and still gives the CLI's buckets."""
    repo.write("a.py", lines(6, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.write("a.py", lines(6, "ai").replace("ai_2 = 2\n", "edited_2 = 2\n"))
    repo.commit_as("edit line 2")
    await _app(fake_installation, repo, 16, redis)
    assert _patch_requests(fake_installation) == 2
    repo.write("b.py", lines(2, "plain"))
    repo.commit_as("add b")
    app = await _app(fake_installation, repo, 17, redis)
    assert _patch_requests(fake_installation) == 1
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["mixed_lines"], app["unknown_lines"]) == (5, 1, 2)


async def test_no_marker_asks_github_for_no_patch(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """Commits without any AI signal: the App reads no commit's patch, and its buckets equal the CLI's."""
    repo.write("a.py", lines(6, "plain"))
    repo.commit_as("add a")
    repo.write("base.py", lines(10, "base") + lines(4, "plain"))
    repo.commit_as("more base")
    app = await _app(fake_installation, repo, 6)
    _same(app, _cli(repo))
    assert app["unknown_lines"] == 10
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1  # the PR, the blobs
    assert _patch_requests(fake_installation) == 0


async def test_a_file_github_sends_no_patch_of_is_partial(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """A file binary in one commit and text at the head: GitHub sends no patch of it in those commits, so
    its lines are left out and the result says so; the other files are attributed."""
    repo.write("a.py", lines(3, "ai"))
    (repo.root / "data.py").write_bytes(b"\0binary\n")
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.write("data.py", lines(4, "text"))
    repo.commit_as("data as text")
    app = await _app(fake_installation, repo, 12)
    assert (app["ai_lines"], app["attributed_lines"], app["partial"]) == (3, 3, True)
    assert app["partial_reasons"] == [
        "1 files' added lines not attributed: GitHub sent no patch of theirs in a commit "
        "(binary or too large)"
    ]


async def test_past_100_commits_the_app_blames_through_graphql(
    fake_installation: FakeInstallation, repo: AgentRepo
) -> None:
    """101 commits: no commit's patch is read; one blame query, and the result says what is lost."""
    for n in range(101):
        repo.write(f"f{n % 3}.py", lines(n // 3 + 1, f"f{n % 3}"))
        repo.commit_as(f"step {n}\n\n{CLAUDE}" if n % 2 else f"step {n}")
    app = await _app(fake_installation, repo, 13)
    assert _patch_requests(fake_installation) == 0
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1 + 1 + 1  # PR, more commits, blobs, blame
    assert app["attributed_lines"] == _cli(repo)["attributed_lines"]
    assert app["partial_reasons"] == [
        "past 100 commits the lines are blamed by GitHub, which does not ignore whitespace: a commit that "
        "only re-indented lines counts as their author",
        "mixed lines are not told apart here: an AI line a later commit rewrote counts as unknown",
    ]


async def test_the_app_reads_git_ai_notes(fake_installation: FakeInstallation, repo: AgentRepo) -> None:
    """A repository that pushed its git-ai notes: the App reads them in the blobs query it sends anyway
    (no request more than without notes, besides the commits' patches they call for) and its buckets equal
    the CLI's — a note's AI lines in a commit without a marker, its human lines in a commit with a
    trailer."""
    repo.write("a.py", lines(6, "a"))
    plain = repo.commit_as("add a")
    repo.git("notes", "--ref=ai", "add", "-m", note("a.py", "1-3", "4-5"), plain)
    repo.write("b.py", lines(4, "b"))
    flagged = repo.commit_as(f"add b\n\n{CLAUDE}")
    repo.git("notes", "--ref=ai", "add", "-m", note("b.py", "1", "2-3"), flagged)
    app = await _app(fake_installation, repo, 7)
    _same(app, _cli(repo))
    assert (app["ai_lines"], app["unknown_lines"]) == (5, 5)
    assert {c["sha"] for c in app["commits"] if c["git_ai_note"]} == {plain, flagged}
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1  # the PR, the blobs
    assert _patch_requests(fake_installation) == 2
