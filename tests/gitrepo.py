"""Real git repositories in temporary folders, for tests and benchmarks."""

from __future__ import annotations

import subprocess
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Author",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


class GitRepo:
    """A scratch repository whose `main` branch has one commit; `topic()` starts the branch under test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.write("README.md", "# scratch\n")
        self.commit("initial")

    def git(self, *args: str) -> str:
        """Run git in the repository and return its standard output."""
        done = subprocess.run(["git", *args], cwd=self.root, env=_ENV, capture_output=True, check=True)
        return done.stdout.decode("utf-8", errors="replace")

    def write(self, path: str, content: str | bytes) -> None:
        """Write a file (str as UTF-8), creating folders."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)

    def commit(self, message: str) -> str:
        """Stage everything and commit; returns the new sha."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def topic(self, name: str = "topic") -> None:
        """Start a branch off the current commit."""
        self.git("checkout", "-q", "-b", name)


def lines(count: int, prefix: str = "line") -> str:
    """`count` distinct lines, each a statement every checked grammar reads (`line_0 = 0`)."""
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(count))
