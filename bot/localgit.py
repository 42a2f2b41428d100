"""Gather a `PullRequestSnapshot` from a local git repository: the CLI's front door."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from bot.config import RULES_PATH
from bot.diff import parse_diff
from bot.snapshot import (
    Commit,
    FileStatus,
    GitAttributesFile,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
)

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# The same diff for every user: no external diff drivers, textconv, colour or custom prefixes.
DIFF_ARGS = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


class GitError(Exception):
    """A git command failed for a reason the user can fix; the message is one line."""


def gather(repo: Path, base: str | None, head: str, rules_file: Path | None = None) -> PullRequestSnapshot:
    """Snapshot the change from the merge-base of `base` and `head` to `head`.

    Rules and CODEOWNERS come from the tip of `base` (a branch cannot loosen its own gate),
    unless `rules_file` names a file to use instead.
    """
    root = Path(_git(repo, "rev-parse", "--show-toplevel", error="not a git repository").decode().strip())
    base = base or default_base(root)
    base_sha, head_sha = _commit(root, base), _commit(root, head)
    merge_base = _git(
        root, "merge-base", base_sha, head_sha, error=f"{base} and {head} have no common ancestor"
    )
    start = merge_base.decode().strip()
    diff = _git(root, "-c", "core.quotePath=false", *DIFF_ARGS, "-U0", start, head_sha)
    files = parse_diff(diff.decode("utf-8", errors="replace"))
    rules_text = rules_file.read_text(encoding="utf-8") if rules_file else _show(root, base_sha, RULES_PATH)
    return PullRequestSnapshot(
        pull_request=PullRequestInfo(base_ref=base, head_ref=head, base_sha=start, head_sha=head_sha),
        files=files,
        commits=tuple(_commits(root, start, head_sha)),
        head_contents=LazyBlobs(
            root, head_sha, [f.path for f in files if f.status is not FileStatus.REMOVED]
        ),
        gitattributes=tuple(_gitattributes(root, base_sha)),
        rules_text=rules_text,
        rules_path=str(rules_file) if rules_file else RULES_PATH,
        codeowners_text=next((t for p in CODEOWNERS_PATHS if (t := _show(root, base_sha, p))), None),
    )


def default_base(root: Path) -> str:
    """The remote's default branch (`origin/HEAD`), else `main`."""
    result = _run(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    return result.stdout.decode().strip() if result.returncode == 0 else "main"


class LazyBlobs(Mapping[str, bytes]):
    """Contents of `paths` at `rev`, read in one `git cat-file --batch` on first use."""

    def __init__(self, root: Path, rev: str, paths: Sequence[str]) -> None:
        self._root, self._rev, self._paths = root, rev, tuple(paths)
        self._blobs: dict[str, bytes] | None = None

    def _load(self) -> dict[str, bytes]:
        if self._blobs is None:
            self._blobs = read_blobs(self._root, self._rev, self._paths)
        return self._blobs

    def __getitem__(self, path: str) -> bytes:
        return self._load()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def read_blobs(root: Path, rev: str, paths: Sequence[str]) -> dict[str, bytes]:
    """`{path: bytes}` at `rev` for the paths that exist there (one git process for all of them)."""
    request = b"".join(f"{rev}:{p}\n".encode() for p in paths)
    out = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"], input=request, capture_output=True, check=True
    ).stdout
    blobs: dict[str, bytes] = {}
    at = 0
    for path in paths:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            blobs[path] = out[at : at + size]
            at += size + 1
        elif len(header) == 3:  # a submodule or tree: its body is skipped, it has no text
            at += int(header[2]) + 1
    return blobs


def _commits(root: Path, start: str, head: str) -> Iterator[Commit]:
    fmt = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e"
    out = _git(root, "log", f"--format={fmt}", f"{start}..{head}").decode("utf-8", errors="replace")
    for record in out.split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) == 6:
            sha, an, ae, cn, ce, message = fields
            yield Commit(sha, Person(an, ae), Person(cn, ce), message.strip())


def _gitattributes(root: Path, rev: str) -> Iterator[GitAttributesFile]:
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", rev).decode("utf-8", errors="replace")
    paths = [p for p in listing.split("\0") if p == ".gitattributes" or p.endswith("/.gitattributes")]
    for path, blob in read_blobs(root, rev, paths).items():
        yield GitAttributesFile(path.rpartition("/")[0], blob.decode("utf-8", errors="replace"))


def _show(root: Path, rev: str, path: str) -> str | None:
    result = _run(root, "show", f"{rev}:{path}")
    return result.stdout.decode("utf-8", errors="replace") if result.returncode == 0 else None


def _commit(root: Path, ref: str) -> str:
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", error=f"unknown ref {ref!r}")
    return found.decode().strip()


def _git(root: Path, *args: str, error: str | None = None) -> bytes:
    result = _run(root, *args)
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"{root}: {error or (stderr[-1] if stderr else 'git ' + args[0] + ' failed')}")
    return result.stdout


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error
