"""`scopegate check` prints the reviewer plan: CODEOWNERS read at the base in GitHub's order, one line per
reviewer with why, the owners left out, and the `routing` object of the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.gitrepo import GitRepo, lines

OWNERS = "* @org/docs\n/api/ @alice @bob\n/web/ @carol\n"
NOREPLY = "Alice <123+alice@users.noreply.github.com>"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def _branch(repo: GitRepo, files: dict[str, str], author: str = NOREPLY) -> None:
    """Commit `files` on `topic` as `author`."""
    repo.topic()
    for path, text in files.items():
        repo.write(path, text)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "change", f"--author={author}")


def _base(repo: GitRepo, files: dict[str, str]) -> None:
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("base files")


def _json(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--format", "json"])
    routing: dict[str, Any] = json.loads(capsys.readouterr().out)["routing"]
    return code, routing


def _text(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["check", "--repo", str(repo.root), "--base", "main"])
    return code, capsys.readouterr().out.splitlines()


def test_text_shows_each_reviewer_with_why_and_who_is_left_out(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per reviewer with its reason, the author left out, and what the plan cannot know locally."""
    _base(repo, {".github/CODEOWNERS": OWNERS})
    _branch(repo, {"api/a.py": lines(30), "web/b.ts": "x\n" * 5})
    code, out = _text(repo, capsys)
    assert code == 0
    plan = next(i for i, line in enumerate(out) if line.startswith("Reviewer plan:"))
    assert out[plan] == (
        "Reviewer plan: 2 of 2 wanted, from the base's CODEOWNERS. Author: @alice, the head commit's author, "
        f"{NOREPLY}, by their GitHub noreply address. Only ownership and routing.unavailable apply here: "
        "GitHub status, review load, expertise and existing review requests are not gathered."
    )
    assert out[plan + 1 : plan + 3] == [
        "  1. @bob  owns 30 of 35 changed lines (1 of 2 files)",
        "  2. @carol  owns 5 of 35 changed lines (1 of 2 files)",
    ]
    assert out[plan + 3 :] == ["", "Owners left out:", "  @alice  the author"]


def test_json_routing_object(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """The contract's `routing` holds the same plan, the author, and the changed files by owner group."""
    _base(repo, {".github/CODEOWNERS": OWNERS})
    _branch(repo, {"api/a.py": lines(30), "README.md": "# changed\n"})
    code, routing = _json(repo, capsys)
    assert code == 0
    assert [(r["reviewer"], r["team"]) for r in routing["requested"]] == [("bob", False), ("org/docs", True)]
    assert routing["skipped"] == [{"owner": "alice", "reason": "the author"}]
    assert (routing["author"], routing["availability_known"], routing["note"]) == ("alice", False, None)
    assert routing["owner_groups"] == [
        {"owners": ["org/docs"], "paths": ["README.md"]},
        {"owners": ["alice", "bob"], "paths": ["api/a.py"]},
    ]


LOCATIONS = [
    ("github-folder-first", (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"), "carol"),
    ("root-before-docs", ("CODEOWNERS", "docs/CODEOWNERS"), "dana"),
    ("docs-last", ("docs/CODEOWNERS",), "erin"),
]
OWNER_AT = {".github/CODEOWNERS": "carol", "CODEOWNERS": "dana", "docs/CODEOWNERS": "erin"}


@pytest.mark.parametrize(("present", "owner"), [c[1:] for c in LOCATIONS], ids=[c[0] for c in LOCATIONS])
def test_codeowners_is_read_in_githubs_order(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], present: tuple[str, ...], owner: str
) -> None:
    """Of `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS`, the first that exists decides."""
    _base(repo, {path: f"* @{OWNER_AT[path]}\n" for path in present})
    _branch(repo, {"app.py": lines(3)})
    _, routing = _json(repo, capsys)
    assert [r["reviewer"] for r in routing["requested"]] == [owner]


def test_codeowners_comes_from_the_base_not_the_branch(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A branch that rewrites CODEOWNERS to name its friend is routed by the base's file."""
    _base(repo, {".github/CODEOWNERS": "* @carol\n"})
    _branch(repo, {"app.py": lines(3), ".github/CODEOWNERS": "* @friend\n"})
    _, routing = _json(repo, capsys)
    assert [r["reviewer"] for r in routing["requested"]] == ["carol"]


def test_unavailable_users_from_the_base_rules_file_are_left_out(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`routing.unavailable` in the base's rules file drops a user, with the reason; `reviewers` is the
    target."""
    rules = "routing:\n  reviewers: 1\n  unavailable: ['@bob']\n"
    _base(repo, {".github/CODEOWNERS": OWNERS, ".github/scopegate.yml": rules})
    _branch(repo, {"api/a.py": lines(3)}, author="Zed <zed@example.com>")
    _, routing = _json(repo, capsys)
    assert [r["reviewer"] for r in routing["requested"]] == ["alice"]
    assert routing["skipped"] == [{"owner": "bob", "reason": "unavailable per the rules file"}]
    assert routing["reviewers_wanted"] == 1


AUTHORS = [
    ("noreply-with-id", "Alice Liddell <123+alice@users.noreply.github.com>", "alice"),
    ("noreply-without-id", "Alice Liddell <alice@users.noreply.github.com>", "alice"),
    ("name-is-an-owner-login", "Bob <bob@example.com>", "bob"),
    ("unknown", "Robert Smith <bob@example.com>", None),
]


@pytest.mark.parametrize(("author", "login"), [c[1:] for c in AUTHORS], ids=[c[0] for c in AUTHORS])
def test_the_author_is_the_head_commits_author(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], author: str, login: str | None
) -> None:
    """The author's login comes from a GitHub noreply address or a name that is an owner's login; without
    one nobody is left out as the author, and the plan says so."""
    _base(repo, {".github/CODEOWNERS": OWNERS})
    _branch(repo, {"api/a.py": lines(3)}, author=author)
    _, routing = _json(repo, capsys)
    assert routing["author"] == login
    requested = {r["reviewer"] for r in routing["requested"]}
    assert requested == {"alice", "bob"} - {login}
    if login is None:
        _, out = _text(repo, capsys)
        assert any(f"Author: the head commit's author, {author}, has no GitHub login here" in x for x in out)


def test_require_all_owners_fails_code_only_its_author_owns(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """With `require_all_owners`, files whose only owner is the author can never be approved: exit 1, the
    finding says why, and the owner groups that must approve are listed."""
    rules = "routing:\n  require_all_owners: true\n"
    _base(repo, {".github/CODEOWNERS": "* @org/docs\n/api/ @alice\n", ".github/scopegate.yml": rules})
    _branch(repo, {"api/a.py": lines(3), "api/b.py": lines(2), "README.md": "# more\n"})
    code, out = _text(repo, capsys)
    assert code == 1
    assert (
        "error api/a.py and 1 more are owned by @alice alone, the author: with "
        "routing.require_all_owners they can never be approved; add a co-owner to CODEOWNERS (routing)"
    ) in out
    title = (
        "Every owner group must approve (routing.require_all_owners): 2 groups; approvals are not gathered"
    )
    assert out[out.index(f"{title} here:") + 1 :] == ["  @org/docs  1", "  @alice  2"]


def test_skipped_codeowners_lines_are_listed(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A line GitHub skips is listed with its number and why; the lines after it still apply."""
    _base(repo, {"CODEOWNERS": "* @carol\n!/api/ @bob\n/api/ @dana\n"})
    _branch(repo, {"api/a.py": lines(3)})
    code, out = _text(repo, capsys)
    assert code == 0
    assert "  1. @dana  owns 3 of 3 changed lines (1 of 1 files)" in out
    assert out[-2:] == [
        "CODEOWNERS lines skipped, as GitHub skips them:",
        "  2  negation with '!' is not supported",
    ]


def test_no_codeowners_no_plan(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a CODEOWNERS at the base the text shows no plan, and the JSON says why."""
    _branch(repo, {"app.py": lines(3)})
    _, out = _text(repo, capsys)
    assert not any(line.startswith("Reviewer plan") for line in out)
    _, routing = _json(repo, capsys)
    assert routing["requested"] == []
    assert routing["note"].startswith("no CODEOWNERS at the base")
