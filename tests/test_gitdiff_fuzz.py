"""Property: the local gatherer's changed files are `git diff --numstat -M` file by file (path, status,
added and deleted lines, the old path of a rename), and its zero-context hunks add up to the same counts,
on generated histories with hostile paths: ` b/` in a folder, quotes, backslashes, tabs, newlines, ESC,
non-UTF-8 bytes, combining and right-to-left marks, spaces, globs, renames, mode and type changes. The
whole evaluation then renders them without crashing.

Every example is one base commit and one head commit derived from it file by file (kept, edited, deleted,
renamed with or without an edit, made executable, turned into a symlink; new files beside), both written
by a single `git fast-import` into one bare repository shared by the module. The expected counts come
from git itself, parsed here without the parser under test; the status from the trees the example wrote.
The closing line of the run states how many examples and files were compared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.markers import is_source_path
from bot.core.report.contract import to_contract
from bot.core.report.markdown import to_markdown
from bot.core.snapshot import FileStatus
from bot.core.verdict import evaluate
from bot.gather.localgit import gather
from rules import RULES
from rules.base import Need
from tests.tally import reported_tally

pytestmark = pytest.mark.fuzz

# git's own answer must not depend on the machine's configuration.
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_ATTR_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "XDG_CONFIG_HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}
REGULAR, EXECUTABLE, SYMLINK = "100644", "100755", "120000"

_ATOMS = [
    *(c.encode() for c in "abc -.~#!*?[]{}'\"\\\t\r\n\x1b\x7f"),
    b"plan b",  # a folder `plan b/`: the `diff --git a/… b/…` header cannot be split by guessing
    b" b",
    b"=>",  # numstat's `{old => new}` without -z
    b".py",  # source code: recounted when git calls it binary
    b".c",
    b".lock",
    "é".encode(),
    "e\u0301".encode(),  # decomposed é
    "漢".encode(),
    "\u202e".encode(),  # right-to-left override
    "\u200b".encode(),  # zero-width space
    "🙂".encode(),
    b"\xff",  # not UTF-8
    b"\xe9",
    b"\x80",
    b"\xc3",  # a UTF-8 lead byte without its continuation
]


def _allowed(segment: bytes) -> bool:
    """A path component git (fast-import, with core.protectNTFS on by default) accepts."""
    return segment not in (b".", b"..") and not segment.lower().startswith(b".git")


segments = st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=4).map(b"".join).filter(_allowed)
paths = st.lists(segments, min_size=1, max_size=3).map(b"/".join)
_LINES = [
    *(f"line {i}\n".encode() for i in range(8)),
    b"\n",
    b"z\r\n",
    "ünï\n".encode(),
    b"\xff\xfe latin \xe9\n",
    b"\x1b[31mred\n",
    b"diff --git a/x b/x\n",
    b"@@ -1 +1 @@\n",
    b"\\ No newline at end of file\n",
]
texts = st.builds(
    lambda body, tail: body + tail,
    st.lists(st.sampled_from(_LINES), max_size=10).map(b"".join),
    st.sampled_from([b"", b"", b"no newline at the end"]),
)
binaries = st.binary(max_size=30).map(lambda data: b"\0" + data)
contents = st.integers(0, 3).flatmap(lambda kind: binaries if kind == 0 else texts)  # a quarter binary
targets = st.one_of(paths, st.just(b"../outside"), st.just(b"/abs\x1b"))


class Blob(NamedTuple):
    mode: str
    data: bytes


Tree = dict[bytes, Blob]
_OPS = ("keep", "keep", "edit", "append", "delete", "rename", "rename-edit", "chmod", "symlink", "binary")


def _prefix_free(tree: Tree) -> Tree:
    """Drop paths that are folders of other paths (a file and a folder cannot share a name)."""
    return {p: b for p, b in tree.items() if not any(o != p and o.startswith(p + b"/") for o in tree)}


@st.composite
def histories(draw: st.DrawFn) -> tuple[Tree, Tree]:
    """A base tree and a head tree made from it file by file, plus new files."""
    base: Tree = {}
    for path in draw(st.lists(paths, max_size=7, unique=True)):
        mode = draw(st.sampled_from((REGULAR, REGULAR, REGULAR, EXECUTABLE, SYMLINK)))
        base[path] = Blob(mode, draw(targets if mode == SYMLINK else contents))
    base = _prefix_free(base)
    head: Tree = {}
    for path, blob in base.items():
        op = draw(st.sampled_from(_OPS))
        if op == "keep":
            head[path] = blob
        elif op == "edit":
            head[path] = Blob(blob.mode, draw(targets if blob.mode == SYMLINK else contents))
        elif op == "append":
            head[path] = blob._replace(data=blob.data + draw(texts))
        elif op in ("rename", "rename-edit"):
            moved = draw(st.one_of(paths, st.just(path + b"~"), st.just(b"plan b/" + path)))
            head[moved] = blob if op == "rename" else blob._replace(data=blob.data + b"edit\n")
        elif op == "chmod":
            head[path] = blob._replace(mode=EXECUTABLE if blob.mode == REGULAR else REGULAR)
        elif op == "symlink":
            head[path] = Blob(SYMLINK, draw(targets)) if blob.mode != SYMLINK else Blob(REGULAR, blob.data)
        elif op == "binary":
            head[path] = Blob(REGULAR, b"\0" + blob.data)
    for path in draw(st.lists(paths, max_size=3)):
        head.setdefault(path, Blob(REGULAR, draw(contents)))
    return base, _prefix_free(head)


def _quoted(path: bytes) -> bytes:
    """A path as fast-import reads it: C-quoted, every byte outside printable ASCII in octal."""
    out = [
        b"\\" + bytes([c]) if c in b'"\\' else bytes([c]) if 32 <= c < 127 else b"\\%03o" % c for c in path
    ]
    return b'"' + b"".join(out) + b'"'


def _commands(tree: Tree, mark: int, parent: int | None) -> bytes:
    branch = b"refs/heads/head" if parent else b"refs/heads/base"
    lines = [b"reset " + branch] if parent is None else []
    lines += [b"commit " + branch, b"mark :%d" % mark, b"committer A <a@b> 0 +0000", b"data 1", b"x"]
    lines += [b"from :%d" % parent] if parent else []
    lines += [b"deleteall"]
    body = b"\n".join(lines) + b"\n"
    for path, blob in tree.items():
        body += b"M %s inline %s\ndata %d\n%s\n" % (
            blob.mode.encode(),
            _quoted(path),
            len(blob.data),
            blob.data,
        )
    return body + b"\n"


class Repository:
    """A bare repository for the examples: each writes its base and head over the same two branches, and
    every `EXAMPLES_PER_REPOSITORY` examples a fresh repository replaces the last one.

    fast-import keeps what it writes as one small pack (left to itself it would run `unpack-objects` to
    loosen it, three times the cost of the import); a fresh repository keeps the packs few."""

    EXAMPLES_PER_REPOSITORY = 50

    def __init__(self, root: Path) -> None:
        self.root = root
        self.empty = root / "empty"
        self.empty.mkdir()
        self.written = 0
        self.git_dir = self._fresh()

    def _fresh(self) -> Path:
        git_dir = self.root / f"repo{self.written}.git"
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], env=_GIT_ENV, check=True)
        return git_dir

    def git(self, *args: str, stdin: bytes = b"") -> bytes:
        argv = ["git", f"--git-dir={self.git_dir}", "--work-tree", str(self.empty), *args]
        return subprocess.run(argv, env=_GIT_ENV, input=stdin, capture_output=True, check=True).stdout

    def commit(self, base: Tree, head: Tree) -> tuple[str, str]:
        """The base and head commits, written by one fast-import that prints both ids."""
        if self.written and self.written % self.EXAMPLES_PER_REPOSITORY == 0:
            shutil.rmtree(self.git_dir)
            self.git_dir = self._fresh()
        self.written += 1
        stream = _commands(base, 1, None) + _commands(head, 2, 1) + b"get-mark :1\nget-mark :2\ndone\n"
        importer = ("-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", "--force", "--done")
        start, end = self.git(*importer, stdin=stream).split()
        return start.decode(), end.decode()


class Expected(NamedTuple):
    raw: tuple[bytes, ...]  # the paths as git wrote them: the old path first for a rename
    path: str
    status: FileStatus
    additions: int | None  # None: git calls the file binary
    deletions: int | None
    previous_path: str | None


def numstat(output: bytes, base: Tree, head: Tree) -> list[Expected]:
    """Rows of `git diff -z --numstat -M`: `added TAB deleted TAB path NUL`, or for a rename
    `added TAB deleted TAB NUL old NUL new NUL`; the status from the trees the example wrote."""
    tokens = iter(output.split(b"\0"))
    rows = []
    for row in tokens:
        if not row:
            continue
        added, deleted, path = row.split(b"\t", 2)
        previous = next(tokens) if not path else None
        path = path or next(tokens)
        if previous is not None:
            status = FileStatus.RENAMED
        else:
            status = {
                (True, True): FileStatus.MODIFIED,
                (False, True): FileStatus.ADDED,
                (True, False): FileStatus.REMOVED,
            }[(path in base, path in head)]
        rows.append(
            Expected(
                raw=(path,) if previous is None else (previous, path),
                path=os.fsdecode(path),  # as the gatherer decodes: UTF-8, other bytes kept (PEP 383)
                status=status,
                additions=None if added == b"-" else int(added),
                deletions=None if deleted == b"-" else int(deleted),
                previous_path=None if previous is None else os.fsdecode(previous),
            )
        )
    return rows


def text_counts(repository: Repository, start: str, end: str, row: Expected) -> Expected:
    """The row with the lines `git diff --text` adds and deletes in its file. (git's numstat ignores
    `--text`: it calls such a file binary whatever it is told, so the lines of the patch are counted.)"""
    patch = repository.git(
        "--literal-pathspecs", "diff", "--text", "-U0", "-M", start, end, "--", *map(os.fsdecode, row.raw)
    )
    added = deleted = 0
    in_hunk = False
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            in_hunk = False
        elif line.startswith(b"@@ "):
            in_hunk = True
        elif in_hunk:
            added += line.startswith(b"+")
            deleted += line.startswith(b"-")
    return row._replace(additions=added, deletions=deleted)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Repository:
    return Repository(tmp_path_factory.mktemp("gitdiff-fuzz"))


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Counts of what was compared, reported once the module's examples have run."""
    yield from reported_tally(
        request,
        lambda counts: (
            f"gitdiff fuzz: {counts['examples']:,} examples, {counts['files']:,} changed files "
            f"compared with git diff --numstat -M ({counts['renamed']:,} renames, {counts['binary']:,} "
            f"binary, "
            f"{counts['recounted']:,} binary source files recounted as text, {counts['hostile']:,} paths git "
            f"quotes), {counts['disagreements']} disagreements"
        ),
    )


NEEDS = RULES.needs | {Need.HUNKS}
_PLAIN = frozenset(range(33, 127)) - frozenset(b'"\\')


@given(histories())
@example(({b"plan b/x.py": Blob(REGULAR, b"a\n")}, {b"plan b/x.py": Blob(REGULAR, b"b\n")}))
@example(({b"f": Blob(REGULAR, b"x\n")}, {b"f": Blob(SYMLINK, b"target")}))
@example(({b"a\xff\n\tb": Blob(REGULAR, b"1\n2\n3\n")}, {b"c \xe9/d": Blob(REGULAR, b"1\n2\n3\n")}))
@example(({b"app.py": Blob(REGULAR, b"x\n")}, {b"app.py": Blob(REGULAR, b"\0x\ny\n")}))
def test_gather_equals_numstat(
    repository: Repository, tally: Counter[str], history: tuple[Tree, Tree]
) -> None:
    """Every file git lists, and no other, with git's status, old path and counts; a binary file counts 0
    unless its name says source code, which counts as `git diff --text` does; hunks sum to the counts."""
    base, head = history
    start, end = repository.commit(base, head)
    plain = numstat(repository.git("diff", "-z", "--numstat", "-M", start, end), base, head)
    recount = {row.path for row in plain if row.additions is None and is_source_path(row.path)}
    expected = [text_counts(repository, start, end, r) if r.path in recount else r for r in plain]
    snapshot = gather(repository.git_dir, "base", "head", needs=NEEDS)
    ours = Counter((f.path, f.status, f.additions, f.deletions, f.previous_path) for f in snapshot.files)
    theirs = Counter(
        (r.path, r.status, r.additions or 0, r.deletions or 0, r.previous_path) for r in expected
    )
    binary = {(r.path, r.previous_path) for r in plain if r.additions is None and r.path not in recount}
    tally.update(
        examples=1,
        files=len(expected),
        renamed=sum(r.status is FileStatus.RENAMED for r in expected),
        binary=len(binary),
        recounted=len(recount),
        hostile=sum(not _PLAIN.issuperset(os.fsencode(r.path)) for r in expected),
        disagreements=((ours - theirs) + (theirs - ours)).total(),
    )
    assert ours == theirs
    assert {(f.path, f.previous_path) for f in snapshot.files if f.binary} == binary
    # git's -U0 patch calls a recounted file binary (no hunks), and shows a type change as a deletion and
    # a creation, where numstat compares the two blobs (a symlink to `a` made a file holding `a`: 0 and 0).
    retyped = {
        r.path
        for r in plain
        if len(r.raw) == 1 and r.raw[0] in base and r.raw[0] in head
        if (base[r.raw[0]].mode == SYMLINK) != (head[r.raw[0]].mode == SYMLINK)
    }
    for file in snapshot.files:
        if file.path not in recount | retyped:
            added = sum(h.target_length for h in file.hunks)
            removed = sum(h.source_length for h in file.hunks)
            assert (added, removed) == (file.additions, file.deletions), file
    verdict = evaluate(snapshot)
    json.dumps(to_contract(verdict))
    to_markdown(verdict)
