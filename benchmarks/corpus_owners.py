"""Every path of real trees matched against their own CODEOWNERS: crashes, skipped lines, matched paths.

`python benchmarks/corpus_owners.py GIT_DIR… [--sample N]` reads each repository's CODEOWNERS at HEAD from the
first of GitHub's locations, lists HEAD's tree, and matches every path. It prints one JSON figure per line
(DESIGN §10), each skipped line with its number, and a seeded sample of answers (path, deciding line and its
pattern) to check by hand. The `codeowners` package answers the same paths; where it differs is counted.
Nothing is kept from the repositories but these figures.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeowners import CodeOwners

from benchmarks.common import figure
from bot.core.locations import CODEOWNERS_PATHS
from bot.core.owners import Codeowners, Ownership, owners_of, parse_codeowners


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False)


def _codeowners(git_dir: Path) -> tuple[str, str] | None:
    for path in CODEOWNERS_PATHS:
        done = _git(git_dir, "cat-file", "blob", f"HEAD:{path}")
        if done.returncode == 0:
            return path, done.stdout.decode("utf-8", "surrogateescape")
    return None


def _tree(git_dir: Path) -> list[str]:
    listed = _git(git_dir, "ls-tree", "-r", "-z", "--name-only", "HEAD").stdout
    return [p.decode("utf-8", "surrogateescape") for p in listed.split(b"\0") if p]


def _report(name: str, git_dir: Path, sample: int) -> None:
    found = _codeowners(git_dir)
    if found is None:
        print(json.dumps({"repository": name, "codeowners": None}))
        return
    where, text = found
    paths = _tree(git_dir)
    parsed = parse_codeowners(text)
    crashes: list[str] = []
    answers: dict[str, Ownership] = {}
    start = time.perf_counter()
    for path in paths:
        try:
            answers[path] = owners_of(parsed, path)
        except Exception as error:  # the figure is the count of these; one must not stop the others
            crashes.append(f"{path}: {error!r}")
    elapsed = time.perf_counter() - start
    theirs = CodeOwners(text)
    differ = [p for p, a in answers.items() if _theirs(theirs, p) != (a.line, a.owners)]

    said = f"{name} ({where}, {len(text.splitlines())} lines)"
    figure(f"{said}: paths", len(paths), "paths")
    figure(f"{said}: crashes", len(crashes), "paths")
    figure(f"{said}: skipped lines", len(parsed.invalid), "lines")
    figure(f"{said}: paths with owners", sum(1 for a in answers.values() if a.owners), "paths")
    figure(f"{said}: paths cleared by a line without owners", _cleared(answers), "paths")
    figure(f"{said}: paths no line matches", sum(1 for a in answers.values() if a.line is None), "paths")
    figure(f"{said}: match every path", elapsed * 1000, "ms")
    figure(f"{said}: paths where codeowners (PyPI) answers otherwise", len(differ), "paths")
    for bad in parsed.invalid:
        print(
            json.dumps({"repository": name, "skipped_line": bad.line, "reason": bad.reason, "text": bad.text})
        )
    for crash in crashes[:10]:
        print(json.dumps({"repository": name, "crash": crash}))
    for path in differ[:5]:
        print(json.dumps({"repository": name, "differs": path, "codeowners_line": _theirs(theirs, path)[0]}))
    for path in random.Random(11).sample(sorted(answers), min(sample, len(answers))):
        print(json.dumps({"repository": name, "sample": path, **_explain(parsed, answers[path])}))


def _theirs(theirs: CodeOwners, path: str) -> tuple[int | None, tuple[str, ...]]:
    owners, line, _pattern, _section = theirs.matching_line(path)
    return line, tuple(owner for _kind, owner in owners)


def _cleared(answers: dict[str, Ownership]) -> int:
    return sum(1 for a in answers.values() if a.line is not None and not a.owners)


def _explain(parsed: Codeowners, answer: Ownership) -> dict[str, object]:
    rule = next((r for r in parsed.rules if r.line == answer.line), None)
    return {"line": answer.line, "pattern": rule.pattern if rule else None, "owners": list(answer.owners)}


def main() -> None:
    """Report each git directory given on the command line."""
    options = argparse.ArgumentParser()
    options.add_argument("git_dirs", nargs="+", type=Path, metavar="GIT_DIR")
    options.add_argument("--sample", type=int, default=10, help="answers to print for checking by hand")
    args = options.parse_args()
    for git_dir in args.git_dirs:
        name = (
            git_dir.resolve().name if git_dir.name not in ("repo", ".git") else git_dir.resolve().parent.name
        )
        _report(name, git_dir, args.sample)


if __name__ == "__main__":
    main()
