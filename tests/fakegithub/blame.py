"""`Commit.blame(path:)` answered by git: the fake's commits that have a stored tree, along their first
parents, are written into a real repository (one `git fast-import`), and `git blame --porcelain` runs there.

GitHub's blame follows the whole history and does not ignore whitespace; neither does this one. Also
`seed_from_git`, which opens a pull request from a real repository's branch, every commit with its tree.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .models import Commit, Signature

if TYPE_CHECKING:
    from collections.abc import Callable

    from .models import Repo
    from .seeding import PullRequestSeeding

_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent", "PATH": "/usr/bin:/bin:/usr/local/bin"}
GIT_ENV = _ENV
_built: dict[tuple[str, ...], tuple[tempfile.TemporaryDirectory[str], dict[str, str]]] = {}
_lock = threading.Lock()


def blame_ranges(repo: Repo, sha: str, path: str) -> list[tuple[int, int, str]]:
    """`(first, last, commit sha)` of each range of `path` at `sha`, as GitHub's `Blame.ranges`."""
    chain = _first_parents(repo, sha)
    folder, real = _materialised(repo, chain)
    fake = {r: f for f, r in real.items()}
    done = subprocess.run(
        ["git", "blame", "--porcelain", real[sha], "--", path],
        cwd=folder,
        env=_ENV,
        capture_output=True,
        check=False,
    )
    ranges = []
    for line in done.stdout.decode(errors="replace").splitlines():
        fields = line.split(" ")
        if len(fields) == 4 and len(fields[0]) == 40 and fields[3].isdigit():
            first = int(fields[2])
            ranges.append((first, first + int(fields[3]) - 1, fake[fields[0]]))
    return ranges


def materialised_parent(repo: Repo, sha: str) -> tuple[Path, str, str | None]:
    """A real repository holding `sha` and its first parents, the commit's real sha there and its first
    parent's (None for a root commit)."""
    # the first parents of a pull request's head that holds the commit: one repository for all its commits
    heads = (_first_parents(repo, p.head_sha) for p in repo.pulls.values() if p.head_sha in repo.commits)
    chain = next((c for c in heads if sha in c), None) or _first_parents(repo, sha)
    folder, real = _materialised(repo, chain)
    at = chain.index(sha)
    return folder, real[sha], real[chain[at - 1]] if at else None


def _first_parents(repo: Repo, sha: str) -> tuple[str, ...]:
    chain: list[str] = []
    seen: set[str] = set()
    at: str | None = sha
    # A force-push back to an earlier head makes the fake's parent links a cycle: each commit once.
    while at is not None and at in repo.commits and at not in seen:
        seen.add(at)
        if at in repo.trees:
            chain.append(at)
        parents = repo.commits[at].parents
        at = parents[0] if parents else None
    if not chain or chain[0] != sha:
        chain.insert(0, sha)
    return tuple(reversed(chain))


def _materialised(repo: Repo, chain: tuple[str, ...]) -> tuple[Path, dict[str, str]]:
    """A real repository holding `chain` (oldest first) as commits, and each fake sha's real one."""
    with _lock:
        if chain not in _built:
            folder = tempfile.TemporaryDirectory(prefix="fakegithub-blame-")
            subprocess.run(["git", "init", "-q"], cwd=folder.name, env=_ENV, check=True)
            stream = bytearray()
            for mark, sha in enumerate(chain, 1):
                commit = repo.commits.get(sha) or Commit(sha)
                message = commit.message.encode()
                stream += f"commit refs/heads/main\nmark :{mark}\n".encode()
                stream += f"author {_who(commit.author)}\ncommitter {_who(commit.committer)}\n".encode()
                stream += b"data %d\n%s\n" % (len(message), message)
                if mark > 1:
                    stream += f"from :{mark - 1}\n".encode()
                stream += b"deleteall\n"
                for path, content in sorted(repo.trees.get(sha, {}).items()):
                    stream += f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (
                        len(content),
                        content,
                    )
            marks = Path(folder.name) / "marks"
            subprocess.run(
                ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
                cwd=folder.name,
                env=_ENV,
                input=bytes(stream),
                check=True,
            )
            real = {}
            for line in marks.read_text().splitlines():
                number, real_sha = line.split(" ")
                real[chain[int(number[1:]) - 1]] = real_sha
            _built[chain] = (folder, real)
        folder, real = _built[chain]
        return Path(folder.name), real


def _who(person: Signature) -> str:
    seconds = int(person.date.timestamp()) if person.date else 0
    return f"{person.name} <{person.email}> {seconds} +0000"


def seed_from_git(
    fake: PullRequestSeeding, owner: str, name: str, number: int, root: Path, *, base: str = "main"
) -> None:
    """Open pull request `number` from the checked-out branch of the repository at `root` against `base`:
    its first-parent commits with their real shas, parents, authors, messages and trees (and the tree of
    the commit the branch left the base at), and its git-ai notes ref
    (`refs/notes/ai`, pushed as git-ai does) when it has one."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=root, env=_ENV, capture_output=True, check=True).stdout

    start = git("merge-base", base, "HEAD").decode().strip()
    shas = git("rev-list", "--reverse", "--first-parent", f"{start}..HEAD").decode().split()
    parents = {sha: git("log", "-1", "--format=%P", sha).decode().split() for sha in shas}
    # where the branch left the base: after a merge from the base it is older than the merge base
    fork = (parents[shas[0]] or [start])[0]
    trees = {sha: _tree(git, sha) for sha in (start, fork, *shas)}
    commits = []
    for sha in shas:
        fields = git("log", "-1", "--format=%an%x00%ae%x00%cn%x00%ce%x00%B", sha).decode().split("\0")
        author, committer = Signature(fields[0], fields[1], None), Signature(fields[2], fields[3], None)
        commits.append(Commit(sha, fields[4].strip(), author, committer, parents[sha]))
    head = trees[shas[-1]]
    changed: dict[str, bytes | None] = {p: c for p, c in head.items() if trees[start].get(p) != c}
    changed |= {p: None for p in trees[start] if p not in head}
    fake.add_pull(
        owner,
        name,
        number,
        base_files=trees[start],
        head_files=changed,
        commits=commits,
        base_sha=start,
        head_sha=shas[-1],
    )
    repo = fake.repo(owner, name)
    assert repo is not None  # add_pull made it
    repo.trees.update(trees)
    repo.commits.setdefault(fork, Commit(fork, "The fork point"))
    if notes := git("for-each-ref", "--format=%(objectname)", "refs/notes/ai").decode().strip():
        repo.trees[notes], repo.refs["refs/notes/ai"] = _tree(git, notes), notes


def _tree(git: Callable[..., bytes], sha: str) -> dict[str, bytes]:
    names = git("ls-tree", "-r", "-z", "--name-only", sha).decode().split("\0")
    return {n: git("cat-file", "blob", f"{sha}:{n}") for n in names if n}
