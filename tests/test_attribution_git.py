"""Line attribution on real git repositories: each added line goes to the pull-request commit that last
introduced it, bucketed by that commit's signals (DESIGN §4)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.attribution import Bucket, CommitClass, attribute_lines, blamed_ranges, classify_commit
from bot.core.line_replay import replay
from bot.gather import localgit
from rules.attribution.signals import SIGNALS
from rules.base import Need
from tests.gitrepo import GitRepo, lines

CLAUDE = "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"
AIDER = "Co-authored-by: aider (gpt-4o) <aider@aider.chat>"
HUMAN = ("Ada Author", "ada@example.com")


class AgentRepo(GitRepo):
    """A scratch repository whose commits can name their author and committer."""

    def commit_as(
        self, message: str, author: tuple[str, str] = HUMAN, committer: tuple[str, str] = HUMAN
    ) -> str:
        """Stage everything and commit as `author`, applied by `committer`; returns the new sha."""
        self.git("add", "-A")
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": "/nonexistent",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        }
        argv = ["git", "commit", "-q", "--allow-empty", "-m", message]
        subprocess.run(argv, cwd=self.root, env=env, check=True, capture_output=True)
        return self.git("rev-parse", "HEAD").strip()


def _buckets(repo: GitRepo, base: str = "main") -> dict[Bucket, int]:
    """The buckets by `git blame`; the replay of the patches, which stands in for blame on large pull
    requests, must give the same."""
    snapshot = localgit.gather(repo.root, base, "HEAD", needs=frozenset({Need.BLAME, Need.HUNKS}))
    history = snapshot.history
    assert history.blame is not None
    classes = {c.sha: classify_commit(c, SIGNALS) for c in history.commits}
    found = attribute_lines(history.blame, history.rewrites, classes, added=0)
    pull = snapshot.pull_request
    patches = localgit.Git.open(repo.root).output(*localgit.PATCH_ARGS, f"{pull.base_sha}..{pull.head_sha}")
    replayed = replay(localgit.parse_patches(patches))
    blame = replayed.blame(blamed_ranges(snapshot.files))
    assert attribute_lines(blame, replayed.rewrites, classes, added=0).buckets == found.buckets
    return {b: n for b, n in found.buckets.items() if n}


@pytest.fixture
def repo(tmp_path: Path) -> AgentRepo:
    """A repository with a base file of 10 lines and the topic branch checked out."""
    made = AgentRepo(tmp_path / "repo")
    made.write("base.py", lines(10, "base"))
    made.commit("base")
    made.topic()
    return made


def test_ai_human_and_assist_lines(repo: AgentRepo) -> None:
    """Lines of an AI co-authored commit are ai, of an `Assisted-by:` commit assist, of a commit without a
    marker unknown — never human."""
    repo.write("a.py", lines(6, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.write("b.py", lines(4, "assist"))
    repo.commit_as("add b\n\nAssisted-by: GitHub Copilot")
    repo.write("c.py", lines(3, "plain"))
    repo.commit_as("add c")
    assert _buckets(repo) == {Bucket.AI: 6, Bucket.ASSIST: 4, Bucket.UNKNOWN: 3}


def test_human_edit_of_an_ai_line_is_mixed(repo: AgentRepo) -> None:
    """An AI line a later commit without a marker rewrote is mixed; twice rewritten, still mixed; the AI
    lines nobody touched stay ai, and a new line of the human commit is unknown."""
    repo.write("a.py", lines(6, "ai"))
    repo.commit_as(f"add a\n\n{AIDER}")
    repo.write("a.py", lines(6, "ai").replace("ai_2 = 2\n", "edited_2 = 2\n") + "own\n")
    repo.commit_as("edit line 2, add one")
    repo.write("a.py", lines(6, "ai").replace("ai_2 = 2\n", "again_2 = 2\n") + "own\n")
    repo.commit_as("edit line 2 again")
    assert _buckets(repo) == {Bucket.AI: 5, Bucket.MIXED: 1, Bucket.UNKNOWN: 1}


def test_a_formatter_run_keeps_ai_lines(repo: AgentRepo) -> None:
    """A whitespace-only re-edit (a formatter) by a commit without a marker keeps the lines' AI author."""
    repo.write("a.py", "def f():\n  return 1\n\n\ndef g():\n  return 2\n")
    repo.commit_as("add a", author=("Paul Gauthier (aider)", "paul@example.com"))
    repo.write("a.py", "def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    repo.commit_as("format")
    assert _buckets(repo) == {Bucket.AI: 6}


def test_committer_only_aider_is_not_ai(repo: AgentRepo) -> None:
    """`(aider)` on the committer, with a human author, is no signal: its lines are unknown."""
    repo.write("a.py", lines(3))
    repo.commit_as("add a", committer=("Paul Gauthier (aider)", "paul@example.com"))
    assert _buckets(repo) == {Bucket.UNKNOWN: 3}


def test_lines_merged_from_the_base_are_not_the_pull_requests(repo: AgentRepo) -> None:
    """After merging the base branch in, the base's new lines are neither added nor attributed; and a
    whitespace-only re-indent of a base line is not the pull request's line."""
    repo.write("a.py", lines(4, "ai"))
    repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.git("checkout", "-q", "main")
    repo.write("main.py", lines(50, "main"))
    repo.commit_as("main moves on")
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.write("base.py", lines(10, "base").replace("base_3 = 3\n", "  base_3 = 3\n"))
    repo.commit_as("indent a base line")
    snapshot = localgit.gather(repo.root, "main", "HEAD", needs=frozenset({Need.BLAME}))
    assert {f.path for f in snapshot.files} == {"a.py", "base.py"}
    assert _buckets(repo) == {Bucket.AI: 4}


def test_a_squash_is_commit_level_evidence(repo: AgentRepo) -> None:
    """A squash of AI and human commits attributes all its lines to the AI, with halved confidence."""
    repo.write("a.py", lines(8))
    repo.commit_as(f"Feature (#7)\n\n* add a part\n\n* add b part\n\n{CLAUDE}")
    snapshot = localgit.gather(repo.root, "main", "HEAD", needs=frozenset({Need.BLAME}))
    found = classify_commit(snapshot.history.commits[0], SIGNALS)
    assert (found.kind, found.squash, found.confidence) == (CommitClass.AGENT_CO_AUTHORED, True, 0.475)
    assert _buckets(repo) == {Bucket.AI: 8}


def test_check_json_carries_attribution(repo: AgentRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """`check --format json` has the `attribution` object with its buckets, shares, agents and evidence,
    and the text output has its headline."""
    repo.write("a.py", lines(6, "ai"))
    ai = repo.commit_as(f"add a\n\n{CLAUDE}")
    repo.write("a.py", lines(6, "ai").replace("ai_0 = 0\n", "human_0 = 0\n") + lines(2, "more"))
    repo.commit_as("edit")
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--format", "json"])
    data = json.loads(capsys.readouterr().out)["attribution"]
    assert code == 0
    assert (data["ai_lines"], data["mixed_lines"], data["assist_lines"], data["unknown_lines"]) == (
        5,
        1,
        0,
        2,
    )
    assert data["ai_share"] == {"strict": 0.625, "inclusive": 0.75}
    assert data["by_agent"] == {"Claude Code": 6}
    flagged = next(c for c in data["commits"] if c["sha"] == ai)
    assert flagged["evidence"] == "co-authored-by: Claude Opus 4.6 <noreply@anthropic.com>"
    assert flagged["lines"] == {"ai": 5}
    assert data["partial"] is False
    main(["check", "--repo", str(repo.root), "--base", "main", "--format", "text"])
    assert "5 of 8 added lines AI (62%), 1 of 2 commits AI-flagged" in capsys.readouterr().out


def note(path: str, ai: str, human: str) -> str:
    """A git-ai Authorship Log (authorship/3.0.0) with a Claude session's lines and a known human's."""
    metadata = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.4.5",
        "base_commit_sha": "0" * 40,
        "prompts": {},
        "humans": {"h_31dce776f88375": {"author": "Ada Author <ada@example.com>"}},
        "sessions": {"s_c9883b05a2487d": {"agent_id": {"tool": "claude", "id": "c1", "model": "m"}}},
    }
    return (
        f"{path}\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 {ai}\n  h_31dce776f88375 {human}\n---\n"
        + json.dumps(metadata)
    )


def _contract(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    main(["check", "--repo", str(repo.root), "--base", "main", "--format", "json"])
    found: dict[str, object] = json.loads(capsys.readouterr().out)["attribution"]
    return found


def test_git_ai_notes_win_over_commit_labels(repo: AgentRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A git-ai note's AI lines are ai in a commit without a marker; its known-human lines are unknown even
    in a commit with an agent trailer; lines it does not cover keep the commit's label."""
    repo.write("a.py", lines(6, "a"))
    plain = repo.commit_as("add a")
    repo.git("notes", "--ref=ai", "add", "-m", note("a.py", "1-3", "4-5"), plain)
    repo.write("b.py", lines(4, "b"))
    flagged = repo.commit_as(f"add b\n\n{CLAUDE}")
    repo.git("notes", "--ref=ai", "add", "-m", note("b.py", "1", "2-3"), flagged)
    data = _contract(repo, capsys)
    # a.py: 1-3 ai (note), 4-5 unknown (known human), 6 unknown (uncovered, no marker);
    # b.py: 1 ai (note), 2-3 unknown (known human), 4 ai (uncovered, the commit's trailer).
    assert (data["ai_lines"], data["unknown_lines"]) == (5, 5)
    assert data["by_agent"] == {"Claude Code": 5}
    commits = {c["sha"]: c for c in data["commits"]}  # type: ignore[attr-defined]
    assert commits[plain]["git_ai_note"] is True
    assert data["partial"] is False


def test_a_note_of_another_schema_is_not_read(repo: AgentRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A note that is not authorship/3 is ignored, and the result says so."""
    repo.write("a.py", lines(2))
    sha = repo.commit_as("add a")
    repo.git(
        "notes",
        "--ref=ai",
        "add",
        "-m",
        'a.py\n  abcd1234abcd1234 1-2\n---\n{"schema_version": "authorship/2.0.0"}',
        sha,
    )
    data = _contract(repo, capsys)
    assert data["ai_lines"] == 0
    assert data["partial_reasons"] == [
        f"git-ai note of {sha[:12]} not read: schema 'authorship/2.0.0', not authorship/3"
    ]


def test_a_note_alone_is_read_on_a_branch_without_any_marker(
    repo: AgentRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """No commit carries a signal: blame is asked for only because a git-ai note exists; its lines are ai."""
    repo.write("a.py", lines(6, "a"))
    plain = repo.commit_as("add a")
    repo.git("notes", "--ref=ai", "add", "-m", note("a.py", "1-4", "5"), plain)
    data = _contract(repo, capsys)
    assert (data["ai_lines"], data["unknown_lines"]) == (4, 2)


def test_a_branch_without_any_marker_is_all_unknown(
    repo: AgentRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a signal or a note nothing is blamed: every added line of a text file is `unknown`, no
    commit holds lines, and nothing is partial."""
    repo.write("a.py", lines(6, "a"))
    repo.commit_as("add a")
    repo.write("b.py", lines(3, "b"))
    repo.commit_as("add b")
    data = _contract(repo, capsys)
    assert (data["ai_lines"], data["unknown_lines"], data["attributed_lines"]) == (0, 9, 9)
    assert data["partial"] is False


def test_a_signal_of_the_base_rules_file_gets_its_lines_blamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A commit only the base's own signal table flags: blame is still asked for, and its lines are ai."""
    repo = AgentRepo(tmp_path / "repo")
    signal = "attribution:\n  signals:\n    - {agent: Corp Agent, kind: email, pattern: agent@corp.example}\n"
    repo.write(".github/scopegate.yml", signal)
    repo.commit("base")
    repo.topic()
    repo.write("a.py", lines(5, "corp"))
    repo.commit_as("add a", author=("Corp Agent", "agent@corp.example"))
    repo.write("b.py", lines(2, "plain"))
    repo.commit_as("add b")
    data = _contract(repo, capsys)
    assert (data["ai_lines"], data["unknown_lines"], data["by_agent"]) == (5, 2, {"Corp Agent": 5})
