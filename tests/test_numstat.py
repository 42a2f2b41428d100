"""For counted files, scopegate's sizes equal `git diff --numstat` on the same range."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.files import classify
from bot.gather.localgit import gather
from rules import RULES
from rules.base import Need
from rules.size.measure import measure_size
from tests.gitrepo import GitRepo, lines


def _mixed_edits(repo: GitRepo) -> None:
    repo.write("src/a.py", lines(100) + "tail")
    repo.write("src/b.py", "x\r\ny\r\n" * 50)
    repo.commit("base files")
    repo.topic()
    repo.write("src/a.py", lines(40) + lines(30, "new") + "tail\n")
    repo.write("src/b.py", "x\r\nz\r\n" * 50)
    repo.write("src/c.py", lines(77))


def _rename_with_edit(repo: GitRepo) -> None:
    repo.write("pkg/module.py", lines(200))
    repo.commit("base")
    repo.topic()
    (repo.root / "pkg/module.py").unlink()
    repo.write("lib/module.py", lines(195) + lines(10, "extra"))


def _delete_and_binary(repo: GitRepo) -> None:
    repo.write("old.py", lines(60))
    repo.commit("base")
    repo.topic()
    (repo.root / "old.py").unlink()
    repo.write("blob.bin", b"\0\1\2" * 100)
    repo.write("notes.md", lines(12))


def _type_change(repo: GitRepo) -> None:
    repo.write("link.py", lines(3))
    repo.write("keep.py", lines(5))
    repo.commit("base")
    repo.topic()
    (repo.root / "link.py").unlink()
    (repo.root / "link.py").symlink_to("keep.py")
    repo.write("keep.py", lines(6))


def _plan_b_folder(repo: GitRepo) -> None:
    repo.write("plan b/x.py", lines(10))
    repo.commit("base")
    repo.topic()
    repo.write("plan b/x.py", lines(12))
    repo.write("a b/c d.py", lines(2))


def _non_utf8(repo: GitRepo) -> None:
    repo.topic()
    repo.write("latin.txt", "".join(f"ligne {i} \xe9t\xe9\n" for i in range(30)).encode("latin-1"))
    repo.write("mixed.py", b"ok = 1\n\xff\xfe broken\n")


@pytest.mark.parametrize(
    "scenario",
    [_mixed_edits, _rename_with_edit, _delete_and_binary, _non_utf8, _type_change, _plan_b_folder],
    ids=["edits-crlf-no-eol", "rename-with-edit", "delete-and-binary", "non-utf8", "type-change", "plan-b"],
)
def test_sizes_equal_numstat(tmp_path: Path, scenario: Callable[[GitRepo], None]) -> None:
    """Added and deleted lines of every counted file match git's own count, with hunks read too (a type
    change is two sections of git's patch and one file)."""
    repo = GitRepo(tmp_path / "repo")
    scenario(repo)
    repo.commit("change")
    numstat = _numstat(repo.git("diff", "--numstat", "-M", "-z", "main...HEAD"))
    measure = measure_size(classify(gather(repo.root, "main", "HEAD", needs=RULES.needs | {Need.HUNKS})))
    ours = {f.path: (f.additions, f.deletions) for f in measure.counted}
    assert ours
    assert ours == {path: numstat[path] for path in ours}


def _numstat(output: str) -> dict[str, tuple[int, int]]:
    """Parse `git diff --numstat -z`: a rename's row has an empty path followed by old and new paths."""
    tokens = iter(output.split("\0"))
    counts: dict[str, tuple[int, int]] = {}
    for row in tokens:
        if not row:
            continue
        added, deleted, path = row.split("\t")
        if not path:
            next(tokens)
            path = next(tokens)
        counts[path] = (int(added), int(deleted)) if added != "-" else (0, 0)
    return counts
