"""The LLM review's cost before any call: tokens sent against the naive whole-diff prompt, and the share of
pull requests on which no call is made at all (DESIGN §8, issue 13).

Each repository's newest first-parent merges of a PR (`base..head`) and squash merges (`commit^..commit`)
are taken as pull requests (benchmarks/corpus_git.py `merged_prs`). Each is gathered and evaluated as
`scopegate check` does; `bot.llm.when.review_decision` says whether the model would be called (not after
a failed gate, on a bot's PR, on lockfiles or docs only, without an added line outside excluded files, or
when every file that counts is docs or changes only whitespace, comments or version values, proven by
parsing it at the base and the head: `bot.llm.unchanged`), and `bot.llm.packing.pack_diff` packs the diff
under BUDGET tokens. "PRs by decision" counts the PRs by the reason the review check would give. The
naive prompt is every changed file's hunks with their context, lockfiles and generated files included
(`PackedDiff.naive_tokens`); a pull request with no call sends 0 tokens. Token counts are the packer's
vocabulary-free upper-bound estimate, the diff alone (the instructions and output schema are the same
fixed cost on every call). The pull request's author is the commits' author when every commit is a
`[bot]`'s (the local history has no GitHub login).

python benchmarks/bench_llm_packing.py [GIT_DIR ...] [--max-prs 150]   # default: the mirrors found
python benchmarks/bench_llm_packing.py --quick                        # a generated repository, for CI

Figures go to stdout, one JSON object per line; the run's progress to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import figure
from benchmarks.corpus_git import MergedPR, merged_prs
from benchmarks.corpus_quick import build_quick_repository
from bot.core.config import load_config
from bot.core.snapshot import PullRequestSnapshot
from bot.core.verdict import evaluate, later_needs
from bot.gather import localgit
from bot.llm.packing import pack_diff
from bot.llm.when import review_decision
from rules import RULES

BUDGET = 8_000  # tokens of diff per review: a realistic share of a 32k-token context beside instructions
MIRRORS = Path("/work/.mirror")
DEFAULT_REPOSITORIES = (
    "pytest-dev+pytest",
    "python+mypy",
    "astral-sh+ruff",
    "hashicorp+terraform",
    "cli+cli",
    "angular+components",
)
TOKENS_GOAL, SKIPPED_GOAL = 0.4, 0.3


@dataclass
class Tally:
    """One repository's (or all of them together) pull requests, as the review stage would see them."""

    prs: int = 0
    skipped: int = 0
    naive: int = 0
    sent: int = 0
    ratios: list[float] = field(default_factory=list)  # sent/naive of each reviewed PR with a naive prompt
    all_ratios: list[float] = field(default_factory=list)  # the same of every PR with one, 0 when skipped
    unaccounted: int = 0  # files neither sent nor listed as left out
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        """Fold `other` into this tally."""
        self.prs, self.skipped = self.prs + other.prs, self.skipped + other.skipped
        self.naive, self.sent = self.naive + other.naive, self.sent + other.sent
        self.ratios += other.ratios
        self.all_ratios += other.all_ratios
        self.unaccounted += other.unaccounted
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


def snapshot_of(repo: Path, pr: MergedPR) -> PullRequestSnapshot:
    """The pull request gathered as `scopegate check` gathers it; a bot author where its commits say so."""
    snapshot = localgit.gather(repo, pr.base, pr.head, needs=RULES.needs)
    loaded = load_config(RULES, snapshot.repository.rules)
    snapshot = localgit.gather_later(repo, snapshot, later_needs(snapshot, RULES, loaded))
    authors = {c.author.name for c in snapshot.history.commits}
    if len(authors) == 1 and (name := authors.pop()).endswith("[bot]"):
        snapshot = replace(snapshot, pull_request=replace(snapshot.pull_request, author=name))
    return snapshot


def measure(repo: Path, prs: list[MergedPR]) -> Tally:
    """Decide and pack every pull request in `prs`."""
    tally = Tally()
    for pr in prs:
        snapshot = snapshot_of(repo, pr)
        verdict = evaluate(snapshot)
        call, reason = review_decision(snapshot, verdict)
        packed = pack_diff(snapshot, verdict.findings, BUDGET)
        listed = set(packed.files) | {u.path for u in packed.unseen}
        tally.unaccounted += sum(1 for f in snapshot.files if f.path not in listed)
        tally.prs += 1
        tally.naive += packed.naive_tokens
        key = "called" if call else reason
        tally.reasons[key] = tally.reasons.get(key, 0) + 1
        ratio = packed.tokens / packed.naive_tokens if packed.naive_tokens else None
        if not call:
            tally.skipped += 1
            tally.all_ratios += [] if ratio is None else [0.0]
            continue
        tally.sent += packed.tokens
        tally.ratios += [] if ratio is None else [ratio]
        tally.all_ratios += [] if ratio is None else [ratio]
    return tally


def report(name: str, tally: Tally) -> None:
    """The figures of one repository, or of all of them."""
    label = f"{name}, {tally.prs} merged PRs, budget {BUDGET:,} tokens"
    figure(
        f"llm_tokens_vs_naive ({label}; a PR with no call sends 0)", _ratio(tally.sent, tally.naive), "ratio"
    )
    if tally.all_ratios:
        figure(
            f"llm_tokens_vs_naive, mean per PR ({label}; a PR with no call sends 0)",
            statistics.mean(tally.all_ratios),
            "ratio",
        )
    if tally.ratios:
        figure(
            f"llm_tokens_vs_naive on reviewed PRs, median per PR ({label})",
            statistics.median(tally.ratios),
            "ratio",
        )
        figure(
            f"llm_tokens_vs_naive on reviewed PRs, mean per PR ({label})",
            statistics.mean(tally.ratios),
            "ratio",
        )
    figure(f"llm_skipped_share ({label})", _ratio(tally.skipped, tally.prs), "share")
    figure(f"files neither sent nor listed ({label})", tally.unaccounted, "files")
    for reason, count in sorted(tally.reasons.items(), key=lambda item: -item[1]):
        figure(f"PRs by decision ({label}): {reason}", count, "PRs")


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def main() -> int:
    """Print the figures; exit 1 when a file was neither sent nor listed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repos", nargs="*", type=Path, help="git directories (default: the mirrors found)")
    parser.add_argument("--max-prs", type=int, default=150, help="newest merged PRs per repository")
    parser.add_argument("--quick", action="store_true", help="a small generated repository, for CI")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scopegate-bench-") as folder:
        if arguments.quick:
            repos = {"generated": build_quick_repository(Path(folder))}
        elif arguments.repos:
            repos = {_name(path): path for path in arguments.repos}
        else:
            found = (MIRRORS / name / "repo" for name in DEFAULT_REPOSITORIES)
            repos = {path.parent.name: path for path in found if path.exists()}
        if not repos:
            parser.error("no repository given and no mirror found")
        overall = Tally()
        for name, path in repos.items():
            began = time.perf_counter()
            prs, _ = merged_prs(path, arguments.max_prs)
            tally = measure(path, prs)
            print(f"{name}: {len(prs)} PRs in {time.perf_counter() - began:.1f} s", file=sys.stderr)
            report(name, tally)
            overall.add(tally)
        if len(repos) > 1:
            report(f"all {len(repos)} repositories", overall)
    return 1 if overall.unaccounted else 0


def _name(path: Path) -> str:
    resolved = path.resolve()
    return resolved.parent.name if resolved.name in ("repo", ".git") else resolved.name


if __name__ == "__main__":
    sys.exit(main())
