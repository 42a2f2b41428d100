"""The floor for any Python tool that gates a branch: the git commands `scopegate check` runs, their
counts summed, nothing else. `python benchmarks/floor_check.py REPO BASE HEAD` prints the counted lines.

Deliberately minimal: no classification, no rules file, no rendering; it reads the same objects.
"""

from __future__ import annotations

import subprocess
import sys


def git(repo: str, *args: str, data: bytes | None = None) -> bytes:
    """A git command's standard output."""
    return subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True, check=True).stdout


def main() -> None:
    """Run the commands and print the sum of added and deleted lines."""
    repo, base, head = sys.argv[1:4]
    git(repo, "rev-parse", "--absolute-git-dir")
    git(repo, "cat-file", "--batch-check", data=f"{base}^{{commit}}\n{head}^{{commit}}\n".encode())
    start = git(repo, "merge-base", base, head).decode().strip()
    git(repo, "log", "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e", f"{start}..{head}")
    git(repo, "ls-tree", "-r", "-z", "--name-only", base)
    out = git(repo, "diff", "-M", "-z", "--raw", "--numstat", "--no-abbrev", start, head)
    tokens = out.split(b"\0")
    blobs, total, at = [], 0, 0
    while at < len(tokens) and tokens[at].startswith(b":"):
        fields = tokens[at][1:].split(b" ")
        blobs += [fields[2], fields[3]]
        at += 3 if fields[4][:1] in (b"R", b"C") else 2
    for token in tokens[at:]:
        parts = token.split(b"\t")
        if len(parts) == 3 and parts[0] != b"-":
            total += int(parts[0]) + int(parts[1])
    wanted = b"".join(b + b"\n" for b in blobs if b.strip(b"0"))
    git(repo, "cat-file", "--batch", data=wanted)
    print(total)


if __name__ == "__main__":
    main()
