"""The local gatherer's counts equal `git diff --numstat -M` for every path git accepts (hypothesis on
generated repositories with hostile paths: spaces, ` b/`, quotes, backslashes, tabs, newlines, ESC,
non-ASCII), and the whole evaluation renders them without crashing."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.report.contract import to_contract
from bot.core.report.markdown import to_markdown
from bot.core.verdict import evaluate
from bot.gather.gitdiff import parse_raw_numstat
from bot.gather.localgit import Git, gather
from rules import RULES

pytestmark = pytest.mark.fuzz

_SEGMENT = st.text(
    alphabet=st.sampled_from(list("ab c\"'\\\t\n\x1b[]*?!#é漢-.~ ")), min_size=1, max_size=8
).filter(lambda s: s not in (".", "..", ".git") and not s.startswith(".git"))
_PATH = st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join)
_LINES = st.lists(st.sampled_from(["x\n", "y\n", "z\r\n", "\n", "ünï\n", "tail"]), max_size=12).map("".join)
_CONTENT = st.one_of(_LINES.map(str.encode), st.binary(max_size=40).map(lambda b: b"\0" + b))
_TREE = st.dictionaries(_PATH, _CONTENT, max_size=6)


def _quoted(path: str) -> str:
    """A path as git fast-import reads it: C-style quoted."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _prefix_free(tree: dict[str, bytes]) -> dict[str, bytes]:
    """Drop paths that are folders of other paths (a file and a folder cannot share a name)."""
    return {p: c for p, c in tree.items() if not any(o != p and o.startswith(p + "/") for o in tree)}


@pytest.fixture(scope="module")
def scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="scopegate-fuzz-"))
    subprocess.run(["git", "init", "-q", "--bare", str(folder)], check=True)
    return folder


def _commit(repo: Path, branch: str, tree: dict[str, bytes], parent: str | None) -> str:
    """A commit holding exactly `tree`, made with one `git fast-import`."""
    stream = [f"commit refs/heads/{branch}", "committer A <a@b> 0 +0000", "data 1", "x"]
    stream += [f"from {parent}"] if parent else []
    stream += ["deleteall"]
    body = "\n".join(stream).encode() + b"\n"
    for path, content in tree.items():
        body += f"M 100644 inline {_quoted(path)}\ndata {len(content)}\n".encode()
        body += content + b"\n"
    subprocess.run(["git", f"--git-dir={repo}", "fast-import", "--quiet", "--force"], input=body, check=True)
    return (
        subprocess.run(
            ["git", f"--git-dir={repo}", "rev-parse", f"refs/heads/{branch}"], capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )


@given(base=_TREE, head=_TREE, renamed=st.booleans())
def test_counts_equal_numstat(
    scratch: Path, base: dict[str, bytes], head: dict[str, bytes], renamed: bool
) -> None:
    """Every file git lists, with git's own added/deleted counts (binary as binary), paths verbatim."""
    base = _prefix_free(base)
    head = _prefix_free({**(base if renamed else {}), **head})
    if renamed and base:
        old = next(iter(base))
        head = _prefix_free({**{p: c for p, c in head.items() if p != old}, old + "~moved": base[old]})
    start = _commit(scratch, "base", base, None)
    end = _commit(scratch, "head", head, start)
    git = Git(scratch)
    changes, _ = git.changes(start, end)
    with tempfile.TemporaryDirectory() as empty:
        numstat = subprocess.run(
            [
                "git",
                f"--git-dir={scratch}",
                "--work-tree",
                empty,
                "diff",
                "--numstat",
                "-M",
                "-z",
                "--raw",
                "--no-abbrev",
                start,
                end,
            ],
            capture_output=True,
            check=True,
        ).stdout
    expected = {(c.path, c.additions, c.deletions) for c in parse_raw_numstat(numstat)}
    assert {(c.path, c.additions, c.deletions) for c in changes} == expected
    assert {c.path for c in changes} == {p for p in set(base) | set(head) if base.get(p) != head.get(p)} - {
        c.previous_path for c in changes if c.previous_path
    } | {c.path for c in changes if c.previous_path}
    verdict = evaluate(gather(scratch, start, end, needs=RULES.needs))
    json.dumps(to_contract(verdict))
    to_markdown(verdict)
