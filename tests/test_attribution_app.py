"""The App's path gives the CLI's buckets for the same history: the fake GitHub answers GraphQL `blame`
with git over the same commits (tests/fakegithub/blame.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

BUCKETS = ("ai_lines", "mixed_lines", "assist_lines", "unknown_lines", "attributed_lines", "by_agent")


async def _app(fake_installation: FakeInstallation, repo: AgentRepo, number: int) -> dict[str, Any]:
    fake, owner, name = fake_installation.fake, fake_installation.owner, fake_installation.repo
    seed_from_git(fake, owner, name, number, repo.root)
    fake.reset_counts()
    async with fake_installation.client() as gh:
        gateway = PullRequestGateway(gh, owner, name, number)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
        loaded = load_config(RULES, snapshot.repository.rules)
        snapshot = await gather_later(gateway, snapshot, later_needs(snapshot, RULES, loaded))
    assert not fake.invalid_requests
    found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
    return found


def _cli(repo: AgentRepo) -> dict[str, Any]:
    snapshot = localgit.gather(repo.root, "main", "HEAD", needs=RULES.needs)
    loaded = load_config(RULES, snapshot.repository.rules)
    snapshot = localgit.gather_later(repo.root, snapshot, later_needs(snapshot, RULES, loaded))
    found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
    return found


async def test_app_and_cli_give_the_same_buckets(fake_installation: FakeInstallation, tmp_path: Path) -> None:
    """Commits of two agents, declared assistance, a plain commit and an edit of a base file: the App's
    buckets, agents and commit classes equal the CLI's, with one blame query for the two files."""
    repo = AgentRepo(tmp_path / "repo")
    repo.write("base.py", lines(10, "base"))
    repo.commit("base")
    repo.topic()
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
    assert {k: app[k] for k in BUCKETS} == {k: cli[k] for k in BUCKETS}
    assert (cli["ai_lines"], cli["assist_lines"], cli["unknown_lines"]) == (9, 2, 4)
    classes = {(c["sha"], c["class"], c["evidence"]) for c in app["commits"]}
    assert classes == {(c["sha"], c["class"], c["evidence"]) for c in cli["commits"]}
    assert app["partial_reasons"] == [
        "mixed lines are not told apart here: an AI line a later commit rewrote counts as unknown"
    ]
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1 + 1  # the PR, the blobs, the blame


async def test_no_marker_asks_github_for_no_blame(
    fake_installation: FakeInstallation, tmp_path: Path
) -> None:
    """Commits without any AI signal: the App spends no blame query, and its buckets equal the CLI's."""
    repo = AgentRepo(tmp_path / "repo")
    repo.write("base.py", lines(10, "base"))
    repo.commit("base")
    repo.topic()
    repo.write("a.py", lines(6, "plain"))
    repo.commit_as("add a")
    repo.write("base.py", lines(10, "base") + lines(4, "plain"))
    repo.commit_as("more base")
    app = await _app(fake_installation, repo, 6)
    assert {k: app[k] for k in BUCKETS} == {k: _cli(repo)[k] for k in BUCKETS}
    assert app["unknown_lines"] == 10
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1  # the PR, the blobs: no blame


async def test_the_app_reads_git_ai_notes(fake_installation: FakeInstallation, tmp_path: Path) -> None:
    """A repository that pushed its git-ai notes: the App reads them in the blobs query it sends anyway
    (no request more than without notes, besides the blame they call for) and its buckets equal the
    CLI's — a note's AI lines in a commit without a marker, its human lines in a commit with a trailer."""
    repo = AgentRepo(tmp_path / "repo")
    repo.write("base.py", lines(10, "base"))
    repo.commit("base")
    repo.topic()
    repo.write("a.py", lines(6, "a"))
    plain = repo.commit_as("add a")
    repo.git("notes", "--ref=ai", "add", "-m", note("a.py", "1-3", "4-5"), plain)
    repo.write("b.py", lines(4, "b"))
    flagged = repo.commit_as(f"add b\n\n{CLAUDE}")
    repo.git("notes", "--ref=ai", "add", "-m", note("b.py", "1", "2-3"), flagged)
    app = await _app(fake_installation, repo, 7)
    cli = _cli(repo)
    assert {k: app[k] for k in BUCKETS} == {k: cli[k] for k in BUCKETS}
    assert (app["ai_lines"], app["unknown_lines"]) == (5, 5)
    assert {c["sha"] for c in app["commits"] if c["git_ai_note"]} == {plain, flagged}
    assert fake_installation.fake.count("POST", "/graphql") == 1 + 1 + 1  # the PR, the blobs, the blame
