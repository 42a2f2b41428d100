"""Git reads for the corpus benchmark: merged PRs on the first-parent line, numstat, blob ids, blob heads.

Every read uses git's `-z` machine formats, so paths with spaces, quotes or newlines arrive as they are.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_MERGE = re.compile(r"Merge pull request #(\d+)")
NULL_SHA = "0" * 40
ATTRIBUTES = ("linguist-generated", "linguist-vendored", "diff")


@dataclass(frozen=True)
class MergedPR:
    """One merged pull request as a (base, head) pair of commits on the default branch."""

    commit: str
    base: str
    head: str
    kind: str  # "merge" (second parent is the head) or "squash" (the commit itself is the head)
    number: int | None
    subject: str


@dataclass(frozen=True)
class NumstatEntry:
    """One file of `git diff --numstat -M -z`; `added`/`deleted` are None for a binary file."""

    path: str
    old_path: str | None
    added: int | None
    deleted: int | None


@dataclass(frozen=True)
class RawEntry:
    """One file of `git diff --raw -z -M`: the blob ids on both sides (NULL_SHA where absent)."""

    path: str
    old_blob: str
    new_blob: str
    new_mode: str


def git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in `repo` (a work tree or a git directory) and return stdout; raise on failure."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=input, capture_output=True, check=True
    ).stdout


def is_bare(repo: Path) -> bool:
    """Whether `repo` is a bare repository (a git directory without a work tree)."""
    return git(repo, "rev-parse", "--is-bare-repository").strip() == b"true"


def merged_prs(repo: Path, limit: int, branch: str = "HEAD") -> tuple[list[MergedPR], int]:
    """The newest `limit` merged PRs on the first-parent line of `branch`: merge commits whose subject
    names a PR (first parent as base, second as head) and squash merges whose subject ends in `(#1234)`
    (the commit's parent as base); and how many merge commits were passed over because their subject
    names no PR (`Merge branch 'v3.9.x'` brings a maintenance branch's many PRs in at once)."""
    prs: list[MergedPR] = []
    branch_merges = 0
    log = git(repo, "log", "--first-parent", "--format=%H%x00%P%x00%s%x00", branch)
    for sha, parents, subject in _records(log.decode("utf-8", errors="replace")):
        parent = parents.split()
        if len(parent) >= 2:
            number = _MERGE.search(subject) or _SQUASH.search(subject)
            if number is None:
                branch_merges += 1
                continue
            prs.append(MergedPR(sha, parent[0], parent[1], "merge", _number(number), subject))
        elif len(parent) == 1 and (squash := _SQUASH.search(subject)):
            prs.append(MergedPR(sha, parent[0], sha, "squash", _number(squash), subject))
        if len(prs) >= limit:
            break
    return prs, branch_merges


def _records(log: str) -> Iterator[tuple[str, str, str]]:
    fields = log.split("\0")
    for at in range(0, len(fields) - 3, 3):
        yield fields[at].lstrip("\n"), fields[at + 1], fields[at + 2]


def _number(found: re.Match[str] | None) -> int | None:
    return int(found.group(1)) if found else None


def merge_base(repo: Path, base: str, head: str) -> str:
    """The merge-base `scopegate check` diffs from."""
    return git(repo, "merge-base", base, head).decode().strip()


def numstat(repo: Path, start: str, head: str) -> tuple[list[NumstatEntry], float, str]:
    """`git diff --numstat -M -z start head`: its entries, its wall time in seconds and its stderr (git
    warns there when rename detection was skipped)."""
    began = time.perf_counter()
    done = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "diff",
            "--no-ext-diff",
            "--no-textconv",
            "--numstat",
            "-M",
            "-z",
            start,
            head,
        ],
        capture_output=True,
        check=True,
    )
    elapsed = time.perf_counter() - began
    return (
        list(_numstat(done.stdout.decode("utf-8", errors="surrogateescape"))),
        elapsed,
        done.stderr.decode(),
    )


def _numstat(out: str) -> Iterator[NumstatEntry]:
    fields = out.split("\0")
    at = 0
    while at < len(fields) - 1:
        added, deleted, path = fields[at].split("\t", 2)
        old: str | None = None
        if path == "":  # a rename or copy: the two paths follow as their own fields
            old, path = fields[at + 1], fields[at + 2]
            at += 3
        else:
            at += 1
        yield NumstatEntry(path, old, _count(added), _count(deleted))


def _count(field: str) -> int | None:
    return None if field == "-" else int(field)


def raw(repo: Path, start: str, head: str) -> dict[str, RawEntry]:
    """`git diff --raw -z -M`: the blob ids of each changed file, by its path at the head."""
    out = git(repo, "diff", "--raw", "--no-abbrev", "-M", "-z", start, head).decode(
        "utf-8", "surrogateescape"
    )
    fields = out.split("\0")
    entries: dict[str, RawEntry] = {}
    at = 0
    while at < len(fields) - 1:
        _, new_mode, old_blob, new_blob, status = fields[at].lstrip(":").split(" ")
        if status[0] in "RC":
            path, at = fields[at + 2], at + 3
        else:
            path, at = fields[at + 1], at + 2
        entries[path] = RawEntry(path, old_blob, new_blob, new_mode)
    return entries


class BlobHeads:
    """The first bytes of blobs by id, from one long-lived `git cat-file --batch` (one object at a time, so
    a large blob is streamed through, never held whole)."""

    def __init__(self, repo: Path, keep: int) -> None:
        self._keep = keep
        self._process = subprocess.Popen(
            ["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self._process.stdin is not None  # spawned with pipes; narrows the types
        assert self._process.stdout is not None
        self._in, self._out = self._process.stdin, self._process.stdout

    def read(self, blob: str) -> bytes | None:
        """The first `keep` bytes of `blob`, or None when it is not a blob here."""
        self._in.write(f"{blob}\n".encode())
        self._in.flush()
        header = self._out.readline().split()
        if len(header) != 3:
            return None
        size = int(header[2])
        kept = self._out.read(min(size, self._keep))
        left = size - len(kept) + 1  # the body ends with a newline
        while left > 0:
            left -= len(self._out.read(min(left, 1 << 20)))
        return kept if header[1] == b"blob" else None

    def lines(self, blob: str) -> int:
        """The number of lines of `blob` (newlines, plus one for an unterminated last line)."""
        self._in.write(f"{blob}\n".encode())
        self._in.flush()
        header = self._out.readline().split()
        if len(header) != 3:
            return 0
        left, count, last = int(header[2]), 0, b"\n"
        while left > 0:
            chunk = self._out.read(min(left, 1 << 20))
            count, last, left = count + chunk.count(b"\n"), chunk[-1:], left - len(chunk)
        self._out.read(1)
        return count + (last != b"\n")

    def close(self) -> None:
        """End the git process."""
        self._in.close()
        self._process.wait()


def base_attributes(repo: Path, commit: str, paths: list[str]) -> dict[str, set[str]]:
    """The attributes among `linguist-generated`, `linguist-vendored` and `-diff` that `commit`'s own
    `.gitattributes` files give each path, as `git check-attr` decides them (read from a scratch index of
    that commit, so neither a work tree nor git ≥ 2.40's `--source` is needed)."""
    if not paths:
        return {}
    with tempfile.TemporaryDirectory(prefix="bench-corpus-index-") as tmp:
        env = os.environ | {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        subprocess.run(
            ["git", "-C", str(repo), "read-tree", commit], env=env, capture_output=True, check=True
        )
        out = subprocess.run(
            ["git", "-C", str(repo), "check-attr", "--cached", "-z", "--stdin", *ATTRIBUTES],
            input=b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths),
            env=env,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
    found: dict[str, set[str]] = {p: set() for p in paths}
    fields = out.split("\0")
    for at in range(0, len(fields) - 2, 3):
        path, name, value = fields[at : at + 3]
        if (name != "diff" and value in ("set", "true")) or (name == "diff" and value == "unset"):
            found[path].add("binary" if name == "diff" else name)
    return found
