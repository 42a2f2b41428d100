"""Gather a `PullRequestSnapshot` from a local git repository: the CLI's front door."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from bot.core.diff import parse_diff
from bot.core.files import HEAD_START_BYTES
from bot.core.locations import CODEOWNERS_PATHS, RULES_PATH, is_gitattributes
from bot.core.snapshot import (
    Commit,
    ConfigSource,
    FileStatus,
    GitAttributesFile,
    History,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.errors import UserError
from rules.base import Need

# The same diff for every user: no external diff drivers, textconv, colour or custom prefixes.
LOG_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e"
DIFF_ARGS = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


class GitError(UserError):
    """A git command failed for a reason the user can fix; the message is one line."""


def gather(
    repo: Path,
    base: str | None,
    head: str,
    *,
    needs: frozenset[Need],
    rules: ConfigSource | None = None,
) -> PullRequestSnapshot:
    """Snapshot the change from the merge-base of `base` and `head` to `head`, reading the head's files
    only as far as `needs` asks.

    Rules, CODEOWNERS and `.gitattributes` come from the tip of `base` (a branch cannot loosen its own
    gate), unless `rules` is given instead.
    """
    root = Path(_git(repo, "rev-parse", "--show-toplevel", error="not a git repository").decode().strip())
    base = base or default_base(root)
    base_sha, head_sha = _resolve(root, base, head)
    merge_base = _git(
        root, "merge-base", base_sha, head_sha, error=f"{base} and {head} have no common ancestor"
    )
    start = merge_base.decode().strip()
    # The three reads are independent: git produces the log and the tree listing while Python parses the
    # diff as it streams in, which is most of the wall time on a large change.
    log = _spawn(root, "log", f"--format={LOG_FORMAT}", f"{start}..{head_sha}")
    listing = _spawn(root, "ls-tree", "-r", "-z", "--name-only", base_sha)
    diff = _spawn(root, "-c", "core.quotePath=false", *DIFF_ARGS, "-U0", start, head_sha)
    assert diff.stdout is not None  # spawned with a pipe; narrows the type
    files = parse_diff(io.TextIOWrapper(diff.stdout, encoding="utf-8", errors="replace", newline="\n"))
    _finish(diff)
    commits = tuple(_commits(_finish(log).decode("utf-8", errors="replace")))
    attributes = [
        p for p in _finish(listing).decode("utf-8", errors="replace").split("\0") if is_gitattributes(p)
    ]
    at_base = {
        p: b.decode("utf-8", errors="replace")
        for p, b in read_blobs(root, base_sha, [RULES_PATH, *CODEOWNERS_PATHS, *attributes]).items()
    }
    if needs & {Need.FILE_KINDS, Need.HEAD_TEXT}:
        keep = None if Need.HEAD_TEXT in needs else HEAD_START_BYTES
        present = [f.path for f in files if f.status is not FileStatus.REMOVED]
        heads = read_blobs(root, head_sha, present, keep=keep)
        files = tuple(replace(f, head=heads.get(f.path)) for f in files)
    return PullRequestSnapshot(
        pull_request=PullRequestInfo(base_ref=base, head_ref=head, base_sha=start, head_sha=head_sha),
        files=files,
        history=History(commits),
        repository=RepositoryFiles(
            rules=(rules or ConfigSource(RULES_PATH, at_base.get(RULES_PATH)),),
            codeowners=next((at_base[p] for p in CODEOWNERS_PATHS if p in at_base), None),
            gitattributes=tuple(
                GitAttributesFile(p.rpartition("/")[0], at_base[p]) for p in attributes if p in at_base
            ),
        ),
    )


def default_base(root: Path) -> str:
    """The remote's default branch (`origin/HEAD`), else `main`."""
    result = _run(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    return result.stdout.decode().strip() if result.returncode == 0 else "main"


def read_blobs(root: Path, rev: str, paths: Sequence[str], *, keep: int | None = None) -> dict[str, bytes]:
    """`{path: bytes}` at `rev` for the paths that exist there (one git process for all of them); with
    `keep`, only each blob's first `keep` bytes are kept."""
    request = b"".join(f"{rev}:{p}\n".encode() for p in paths)
    out = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"], input=request, capture_output=True, check=True
    ).stdout
    blobs: dict[str, bytes] = {}
    at = 0
    for path in paths:
        end = out.index(b"\n", at)
        header = out[at:end]
        at = end + 1
        if header.endswith((b" missing", b" ambiguous")):
            continue
        _, kind, size = header.rsplit(b" ", 2)
        if kind == b"blob":
            blobs[path] = out[at : at + (int(size) if keep is None else min(int(size), keep))]
        at += int(size) + 1  # a submodule or tree has no text: its body is skipped
    return blobs


def _commits(log: str) -> Iterator[Commit]:
    for record in log.split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) == 6:
            sha, an, ae, cn, ce, message = fields
            yield Commit(sha, Person(an, ae), Person(cn, ce), message.strip())


def _resolve(root: Path, *refs: str) -> list[str]:
    """The commit sha of each ref, in one git process."""
    request = "".join(f"{ref}^{{commit}}\n" for ref in refs).encode()
    out = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch-check"], input=request, capture_output=True, check=True
    ).stdout.decode(errors="replace")
    shas = []
    for ref, line in zip(refs, out.splitlines(), strict=True):
        sha, _, kind = line.partition(" ")
        if not kind.startswith("commit "):
            raise GitError(f"{root}: unknown ref {ref!r}")
        shas.append(sha)
    return shas


def _git(root: Path, *args: str, error: str | None = None) -> bytes:
    result = _run(root, *args)
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"{root}: {error or (stderr[-1] if stderr else 'git ' + args[0] + ' failed')}")
    return result.stdout


def _spawn(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process: subprocess.Popen[bytes]) -> bytes:
    """The rest of a spawned git's output, once it has exited successfully."""
    out, err = process.communicate()
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise GitError(lines[-1] if lines else f"git exited {process.returncode}")
    return out


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error
