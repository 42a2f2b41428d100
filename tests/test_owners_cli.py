"""`scopegate owners` against real git repositories."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.core.owners import MAX_CODEOWNERS_BYTES
from bot.errors import UserError
from bot.owners_cli import add_owners_parser
from tests.gitrepo import GitRepo


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_owners_parser(parser.add_subparsers())
    args = parser.parse_args(["owners", *argv])
    return int(args.handler(args))


def test_json_names_the_deciding_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`.github/CODEOWNERS` at the ref decides; an unmatched path has no owners and a null line."""
    repo = GitRepo(tmp_path)
    repo.write("CODEOWNERS", "* @root\n")
    repo.write(".github/CODEOWNERS", "*.py @py\n/docs/ @org/docs\n")
    repo.commit("owners")
    assert _run("--repo", str(tmp_path), "--format", "json", "a/b.py", "docs/x.md", "README") == 0
    assert json.loads(capsys.readouterr().out) == {
        "a/b.py": {"owners": ["@py"], "line": 1},
        "docs/x.md": {"owners": ["@org/docs"], "line": 2},
        "README": {"owners": [], "line": None},
    }


def test_bad_ref_is_a_user_error(tmp_path: Path) -> None:
    """An unknown ref is a one-line user error (exit 2 through the CLI)."""
    GitRepo(tmp_path)
    with pytest.raises(UserError, match="not a commit"):
        _run("--repo", str(tmp_path), "--ref", "nope", "x")


def test_too_large_file_said_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CODEOWNERS of 3 MB or more owns nothing, and the command says GitHub does not load it."""
    repo = GitRepo(tmp_path)
    repo.write("CODEOWNERS", "* @a\n" + "#" * MAX_CODEOWNERS_BYTES)
    repo.commit("owners")
    assert _run("--repo", str(tmp_path), "--format", "json", "x") == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"x": {"owners": [], "line": None}}
    assert "CODEOWNERS: not loaded" in out.err
