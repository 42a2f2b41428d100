"""Time of `scopegate check` on a 100,000-changed-line diff, against `git diff` producing the same patch.

python benchmarks/bench_check.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure, median_seconds, run_child
from bot.core.report.contract import to_contract
from bot.core.verdict import evaluate
from bot.gather.localgit import gather
from rules import RULES
from tests.gitrepo import GitRepo


def build(root: Path, changed_lines: int) -> GitRepo:
    """A repository whose `topic` branch changes `changed_lines` counted lines over 200 source files
    (100 rewritten: n/2 deleted + n/4 added each; 100 new: n/4 lines each), plus a 5,000-line lockfile
    and a pure rename, which count 0."""
    repo = GitRepo(root)
    files = 200
    per_file = changed_lines // files
    for i in range(files // 2):
        repo.write(f"src/pkg{i % 10}/mod{i}.py", "".join(f"value_{j} = {j}\n" for j in range(per_file)))
    repo.write("src/moved.py", "".join(f"moved_{j} = {j}\n" for j in range(500)))
    repo.commit("base")
    repo.topic()
    for i in range(files // 2):
        # every line rewritten: per_file deleted + per_file added = 2 * per_file changed lines
        repo.write(
            f"src/pkg{i % 10}/mod{i}.py", "".join(f"value_{j} = {j * 2}\n" for j in range(per_file // 2))
        )
    for i in range(files // 2, files):
        repo.write(f"lib/area{i % 10}/new{i}.py", "".join(f"new_{j} = {j}\n" for j in range(per_file // 2)))
    repo.write("package-lock.json", "".join(f'"dep{j}": "1.0.{j}",\n' for j in range(5000)))
    (root / "src/moved.py").rename(root / "src/renamed.py")
    repo.commit("big change")
    return repo


def main() -> None:
    """Build the repository, then time the CLI, the in-process evaluation and the baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 lines, fewer repeats (CI smoke run)")
    args = parser.parse_args()
    changed, repeat = (10_000, 3) if args.quick else (100_000, 7)
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp) / "repo", changed)
        base = repo.git("merge-base", "main", "topic").strip()
        diff = ["git", "diff", "--no-color", "-M", base, "topic"]
        check = [sys.executable, "-m", "bot", "check", "--base", "main", "--format", "json"]
        measured = to_contract(evaluate(gather(repo.root, "main", "HEAD", needs=RULES.needs)))["size"]
        figure("effective changed lines (counted files)", measured["effective_lines"], "lines")

        git_runs = [run_child(diff, repo.root) for _ in range(repeat)]
        check_runs = [run_child(check, repo.root) for _ in range(repeat)]
        git_time = statistics.median(t for t, _ in git_runs)
        figure(
            "scopegate check (CLI process, json)",
            statistics.median(t for t, _ in check_runs) * 1000,
            "ms",
            "git diff producing the same patch",
            git_time * 1000,
        )
        in_process = median_seconds(
            lambda: evaluate(gather(repo.root, "main", "HEAD", needs=RULES.needs)), repeat
        )
        figure(
            "gather + evaluate in process",
            in_process * 1000,
            "ms",
            "git diff producing the same patch",
            git_time * 1000,
        )
        figure(
            "scopegate check peak memory",
            max(m for _, m in check_runs),
            "MiB",
            "git diff peak memory",
            max(m for _, m in git_runs),
        )
        startup = [run_child([sys.executable, "-c", "import bot.cli"], repo.root)[0] for _ in range(repeat)]
        figure("python start-up + imports of bot.cli", statistics.median(startup) * 1000, "ms")


if __name__ == "__main__":
    main()
