"""`scopegate check` as a process, against the floor and against git, at five sizes.

For each size the same branch is measured, interleaved after a warm-up: `scopegate check --format json`;
the floor (benchmarks/floor_check.py: a minimal Python script running the same git commands and summing
the counts); and `git diff --numstat -M` alone. Each child's own peak memory comes from GNU time. A
branch's size is what `check` counts (stderr prints it beside git's count, which adds the 5,000 lines of
the branch's lockfile).

python benchmarks/bench_check.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure, run_child
from tests.gitrepo import GitRepo

FLOOR = Path(__file__).with_name("floor_check.py")


def lines_pr(root: Path, changed: int) -> GitRepo:
    """A branch changing `changed` counted lines: `changed / 2` lines rewritten (one added, one deleted
    each) over up to 200 files, each its own text (the checks parse each); plus a 5,000-line
    package-lock.json in npm's format beside the base's package.json, so that it counts 0 (a lockfile
    without its manifest, or not in its format, counts: each size would be 5,000 lines more than it
    says), and a pure rename."""
    repo = GitRepo(root)
    files = max(1, min(200, changed // 10))
    per_file = max(1, changed // files)
    half = range(per_file // 2)
    for i in range(files):
        repo.write(f"src/pkg{i % 10}/mod{i}.py", "".join(f"value_{j} = {i + j}\n" for j in half))
    repo.write("src/moved.py", "".join(f"moved_{j} = {j}\n" for j in range(500)))
    repo.write("package.json", '{"name": "app"}\n')
    repo.commit("base")
    repo.topic()
    for i in range(files):
        repo.write(f"src/pkg{i % 10}/mod{i}.py", "".join(f"value_{j} = {(i + j) * 2 + 1}\n" for j in half))
    packages = "".join(f'    "node_modules/d{j}": {{"version": "1.0.{j}"}},\n' for j in range(4994))
    repo.write(
        "package-lock.json",
        '{\n  "lockfileVersion": 3,\n  "packages": {\n' + packages + '    "": {}\n  }\n}\n',
    )
    (root / "src/moved.py").rename(root / "src/renamed.py")
    repo.commit("change")
    return repo


def files_pr(root: Path, count: int) -> GitRepo:
    """A branch adding `count` small files (3 lines each) in 100 folders."""
    repo = GitRepo(root)
    repo.topic()
    for i in range(count):
        repo.write(f"pkg{i % 100}/file{i}.py", f"a = {i}\nb = {i}\nc = {i}\n")
    repo.commit("many files")
    return repo


def measure(name: str, build: Callable[[Path], GitRepo], repeat: int) -> None:
    """The three commands on one branch, interleaved, after a warm-up of each."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp) / "repo")
        start = repo.git("merge-base", "main", "topic").strip()
        commands = {
            "check": [sys.executable, "-m", "bot", "check", "--base", "main", "--format", "json"],
            "floor": [sys.executable, str(FLOOR), str(repo.root), "main", "topic"],
            "git": ["git", "diff", "--numstat", "-M", start, "topic"],
        }
        runs: dict[str, list[tuple[float, float]]] = {key: [] for key in commands}
        for argv in commands.values():
            run_child(argv, repo.root)  # warm-up: the page cache, Python's .pyc files
        for _ in range(repeat):
            for key, argv in commands.items():
                runs[key].append(run_child(argv, repo.root))
        time = {key: statistics.median(t for t, _ in done) * 1000 for key, done in runs.items()}
        memory = {key: max(m for _, m in done) for key, done in runs.items()}
        counted = subprocess.run(commands["floor"], capture_output=True, check=True, text=True).stdout.strip()
        verdict = subprocess.run(
            commands["check"], cwd=repo.root, capture_output=True, check=False, text=True
        ).stdout
        effective = json.loads(verdict)["size"]["effective_lines"]
        print(f"{name}: git counts {counted} lines, scopegate {effective} effective lines", file=sys.stderr)
        figure(
            f"{name}: scopegate check", time["check"], "ms", "the floor (same git commands)", time["floor"]
        )
        figure(f"{name}: scopegate check", time["check"], "ms", "git diff --numstat -M", time["git"])
        figure(f"{name}: the floor", time["floor"], "ms", "git diff --numstat -M", time["git"])
        figure(f"{name}: scopegate check peak memory", memory["check"], "MiB", "the floor", memory["floor"])
        figure(f"{name}: git diff --numstat peak memory", memory["git"], "MiB")


def main() -> None:
    """Build each branch and measure it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repeats (CI smoke run)")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    sizes: list[tuple[str, Callable[[Path], GitRepo]]] = [
        ("20-line PR", lambda root: lines_pr(root, 20)),
        ("60-line PR", lambda root: lines_pr(root, 60)),
    ]
    if args.quick:
        sizes += [
            ("10k-line PR", lambda root: lines_pr(root, 10_000)),
            ("1,000 files", lambda r: files_pr(r, 1000)),
        ]
    else:
        sizes += [
            ("100k-line PR", lambda root: lines_pr(root, 100_000)),
            ("1M-line PR", lambda root: lines_pr(root, 1_000_000)),
            ("10,000 files", lambda root: files_pr(root, 10_000)),
        ]
    for name, build in sizes:
        measure(name, build, repeat)
    startup = [run_child([sys.executable, "-c", "import bot.cli"], Path.cwd())[0] for _ in range(repeat)]
    bare = [run_child([sys.executable, "-c", "pass"], Path.cwd())[0] for _ in range(repeat)]
    figure(
        "import bot.cli",
        statistics.median(startup) * 1000,
        "ms",
        "python -c pass",
        statistics.median(bare) * 1000,
    )


if __name__ == "__main__":
    main()
