"""A local repository's merged pull requests, read from its history: the merges of its first-parent line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.gather.localgit import Git


@dataclass(frozen=True, slots=True)
class Merge:
    """A merge commit on the first-parent line: the branch it brought in is `first..second`."""

    sha: str
    first: str  # the line merged into
    second: str  # the branch's tip
    subject: str


def merges(
    repo: Path, head: str = "HEAD", *, since: str | None = None, limit: int | None = None
) -> list[Merge]:
    """The merges of `head`'s first-parent history, newest first (`since`: a date git reads)."""
    git = Git.open(repo)
    args = ["log", "--first-parent", "--merges", "--format=%H%x00%P%x00%s"]
    if since:
        args.append(f"--since={since}")
    if limit:
        args.append(f"--max-count={limit}")
    found = []
    for line in git.output(*args, head, "--").decode("utf-8", errors="replace").splitlines():
        sha, parents, subject = line.split("\0", 2)
        first, second, *_ = parents.split()
        found.append(Merge(sha, first, second, subject))
    return found
