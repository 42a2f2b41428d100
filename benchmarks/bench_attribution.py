"""Line attribution on the CLI path: a pull request of 200 commits and 20,000 added lines, against
`git blame --porcelain` alone over the same files and ranges.

The attribution is what `scopegate check` runs for the `attribution` rule: the blame of the added ranges
(parsed), the first-parent patches of the commits replayed for rewrites, and the classification and
bucketing in the core. The baseline runs the same blame processes, as many at a time, and only reads
their output. On the App path the same pull request is served by the fake GitHub (tests/fakegithub): the
figures are the GitHub requests the gatherer makes with and without line attribution (the installation
token's exchange included), those of a re-evaluation after one more commit (Redis remembers the other
commits' patches), and whether the App's buckets equal the CLI's — for the 200 commits (past the App's
bound on commits read patch by patch: GraphQL blame) and for a pull request of 99 commits (one REST
request per commit).

python benchmarks/bench_attribution.py [--quick]
python benchmarks/bench_attribution.py --corpus REPO [--window N]   # a real history: classes, look-alikes
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collections import Counter

from benchmarks.common import figure, median_seconds
from bot.core.attribution import (
    Bucket,
    CommitClass,
    NoteLines,
    attribute_lines,
    blamed_ranges,
    classify_commit,
    is_look_alike,
    parse_note,
)
from bot.gather import localgit
from bot.gather.app_attribution import MAX_PATCHED_COMMITS
from rules.attribution.signals import SIGNALS
from rules.base import Need
from tests.gitrepo import GitRepo

CLAUDE = "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"


def build(root: Path, commits: int, added: int, files: int) -> GitRepo:
    """`commits` commits adding `added` lines over `files` files; every third commit co-authored by an
    agent, every fifth rewriting a few lines an earlier commit wrote."""
    repo = GitRepo(root)
    repo.topic()
    per_commit = added // commits
    contents: dict[int, list[str]] = {i: [] for i in range(files)}
    for n in range(commits):
        target = n % files
        contents[target] += [f"value_{n}_{j} = {n * j}\n" for j in range(per_commit)]
        if n % 5 == 4 and len(contents[target]) > 3:
            contents[target][1] = f"rewritten_{n} = 0\n"
        repo.write(f"src/mod{target}.py", "".join(contents[target]))
        repo.commit(f"step {n}\n\n{CLAUDE}" if n % 3 == 0 else f"step {n}")
    return repo


def attribute(root: Path) -> dict[Bucket, int]:
    """The attribution `check` computes: gather with blame, classify, bucket."""
    snapshot = localgit.gather(root, "main", "HEAD", needs=frozenset({Need.BLAME, Need.HUNKS}))
    history = snapshot.history
    assert history.blame is not None  # gathered with Need.BLAME
    classes = {c.sha: classify_commit(c, SIGNALS) for c in history.commits}
    return dict(attribute_lines(history.blame, history.rewrites, classes, added=0).buckets)


def gather_only(root: Path) -> None:
    """The same gathering without blame: what `check` spent before attribution."""
    localgit.gather(root, "main", "HEAD", needs=frozenset({Need.HUNKS}))


def blame_alone(root: Path, ranges: dict[str, list[tuple[int, int]]], start: str) -> None:
    """`git blame --porcelain -w` over the same ranges, as many at a time, output read and dropped."""

    def one(path: str) -> None:
        spans = [a for first, last in ranges[path] for a in ("-L", f"{first},{last}")]
        argv = ["git", "-C", str(root), "blame", "--porcelain", "-w", *spans, f"{start}..HEAD", "--", path]
        subprocess.run(argv, capture_output=True, check=True)

    with ThreadPoolExecutor(localgit.BLAME_PROCESSES) as pool:
        list(pool.map(one, list(ranges)))


def corpus(root: Path, name: str, window: int) -> None:
    """A real history: its commits by class and agent, the look-alikes refused (a name only), and the
    line buckets of its last `window` first-parent commits taken as one pull request."""
    git = localgit.Git.open(root)
    log = git.output("log", "--all", f"--format={localgit.LOG_FORMAT}").decode("utf-8", errors="replace")
    commits = list(localgit._commits(log))
    classes = [classify_commit(c, SIGNALS) for c in commits]
    by_class = Counter(c.kind.value for c in classes)
    by_agent = Counter(f"{c.agent} ({c.kind.value})" for c in classes if c.kind is not CommitClass.NONE)
    looks = [is_look_alike(c) for c, k in zip(commits, classes, strict=True) if k.kind is CommitClass.NONE]
    refused = Counter(f"{role} name with '{word}'" for role, word, _ in filter(None, looks))
    named = Counter(f"{role} {who}" for role, _, who in filter(None, looks) if role != "committer")
    figure(f"{name}: commits", len(commits), "commits")
    for kind, count in sorted(by_class.items()):
        figure(f"{name}: commits {kind}", count, "commits")
    for agent, count in by_agent.most_common():
        figure(f"{name}: commits by {agent}", count, "commits")
    for look, count in refused.most_common():
        figure(f"{name}: look-alikes refused, {look}", count, "commits")
    for look, count in named.most_common(20):
        figure(f"{name}: look-alike refused: {look}", count, "commits")
    snapshot = localgit.gather(root, f"HEAD~{window}", "HEAD", needs=frozenset({Need.BLAME, Need.HUNKS}))
    history = snapshot.history
    assert history.blame is not None  # gathered with Need.BLAME
    pr = {c.sha: classify_commit(c, SIGNALS) for c in history.commits}
    notes = {sha: n for sha, text in history.notes.items() if isinstance(n := parse_note(text), NoteLines)}
    figure(f"{name}: git-ai notes read in HEAD~{window}..HEAD", len(notes), "commits")
    bare = attribute_lines(history.blame, history.rewrites, pr, added=0)
    found = attribute_lines(history.blame, history.rewrites, pr, added=0, notes=notes)
    if notes:
        figure(f"{name}: ai share strict from commit signals alone", bare.share(Bucket.AI), "share")
    lines = sum(found.buckets.values())
    span = f"{name}: HEAD~{window}..HEAD as one pull request ({len(pr)} commits, {lines:,} lines)"
    for bucket in Bucket:
        figure(f"{span}: {bucket.value} lines", found.buckets.get(bucket, 0), "lines")
    figure(f"{span}: ai share strict", found.share(Bucket.AI), "share")
    figure(f"{span}: ai share inclusive", found.share(Bucket.AI, Bucket.MIXED, Bucket.ASSIST), "share")


def app_requests(root: Path) -> tuple[int, int, int, dict[str, Any]]:
    """GitHub requests of the App's gatherer for the branch at `root`, with line attribution (the rules'
    second phase asks for it: commits carry agent trailers) and without; with Redis, the re-evaluation
    after one more commit is pushed (the others' patches remembered); and the App's attribution."""
    import asyncio

    from redis.asyncio import Redis

    from bot.core.config import load_config
    from bot.core.report.contract import to_contract
    from bot.core.verdict import evaluate, later_needs
    from bot.embedded import embedded_redis
    from bot.gather.github import fetch_pull, gather, gather_later
    from bot.github.gateway import PullRequestGateway
    from rules import RULES
    from tests.fakegithub.blame import seed_from_git
    from tests.fakegithub.fixtures import FakeInstallation
    from tests.fakegithub.server import FakeGitHub

    with (
        FakeGitHub.serve() as fake,
        tempfile.TemporaryDirectory(prefix="scopegate-bench-redis-") as folder,
        embedded_redis(Path(folder)) as redis_url,
    ):
        app = fake.add_app(slug="scopegate")
        installation = fake.add_installation(app, "octo-org", ["hello-world"])
        seat = FakeInstallation(fake, app, installation, "octo-org", "hello-world")
        seed_from_git(fake, "octo-org", "hello-world", 1, root)

        async def count(number: int, attribution: bool, remember: bool) -> tuple[int, dict[str, Any]]:
            fake.reset_counts()
            redis = Redis.from_url(redis_url) if remember else None
            async with seat.client() as gh:
                gateway = PullRequestGateway(gh, "octo-org", "hello-world", number)
                facts = await fetch_pull(gateway)
                assert facts is not None  # seeded above
                snapshot = await gather(gateway, facts, RULES.needs)
                if attribution:
                    needs = later_needs(snapshot, RULES, load_config(RULES, snapshot.repository.rules))
                    assert Need.BLAME in needs  # a third of the commits carry a trailer
                    snapshot = await gather_later(gateway, snapshot, needs, redis=redis)
            if redis is not None:
                await redis.aclose()
            found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
            return len(fake.requests), found

        with_blame, found = asyncio.run(count(1, attribution=True, remember=False))
        without, _ = asyncio.run(count(1, attribution=False, remember=False))
        asyncio.run(count(1, attribution=True, remember=True))
        push_one_commit(root)
        seed_from_git(fake, "octo-org", "hello-world", 2, root)
        again, _ = asyncio.run(count(2, attribution=True, remember=True))
        return with_blame, without, again, found


def push_one_commit(root: Path) -> None:
    """One more commit on the branch at `root`: a new file of one line."""
    (root / "src" / "pushed.py").write_text("pushed = 1\n")
    who = {"GIT_AUTHOR_NAME": "Ada Author", "GIT_AUTHOR_EMAIL": "ada@example.com"}
    env = who | {"GIT_COMMITTER_NAME": "Ada Author", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    env |= {"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for argv in (["add", "-A"], ["commit", "-q", "-m", "one more commit"]):
        subprocess.run(["git", "-C", str(root), *argv], env=env, capture_output=True, check=True)


def cli_attribution(root: Path) -> dict[str, Any]:
    """The attribution `scopegate check` reports for the branch at `root`."""
    from bot.core.config import load_config
    from bot.core.report.contract import to_contract
    from bot.core.verdict import evaluate, later_needs
    from rules import RULES

    snapshot = localgit.gather(root, "main", "HEAD", needs=RULES.needs)
    loaded = load_config(RULES, snapshot.repository.rules)
    snapshot = localgit.gather_later(root, snapshot, later_needs(snapshot, RULES, loaded))
    found: dict[str, Any] = to_contract(evaluate(snapshot))["attribution"]
    return found


BUCKETS = ("ai_lines", "mixed_lines", "assist_lines", "unknown_lines", "attributed_lines", "outside_lines")


def app_figures(root: Path, label: str) -> None:
    """The App's requests for the branch at `root`, and whether its buckets equal the CLI's."""
    cli = cli_attribution(root)
    with_blame, without, again, app = app_requests(root)
    figure(
        f"App path: GitHub requests per evaluation ({label})",
        with_blame,
        "requests",
        "without line attribution",
        without,
    )
    figure(f"App path: GitHub requests, re-evaluation after one more commit ({label})", again, "requests")
    figure(f"App path: buckets equal the CLI's ({label})", all(app[k] == cli[k] for k in BUCKETS), "1 = yes")
    for reason in app["partial_reasons"]:
        print(f"  App partial ({label}): {reason}", file=sys.stderr)


def main() -> None:
    """Print the figures, one JSON object per line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller pull request, fewer runs")
    parser.add_argument("--corpus", type=Path, help="classify a real repository's history instead")
    parser.add_argument("--name", help="the repository's name in the figures")
    parser.add_argument("--window", type=int, default=200, help="commits taken as one pull request")
    arguments = parser.parse_args()
    if arguments.corpus:
        corpus(arguments.corpus, arguments.name or arguments.corpus.resolve().name, arguments.window)
        return
    quick = arguments.quick
    commits, added, files = (20, 2_000, 10) if quick else (200, 20_000, 50)
    repeat = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="scopegate-bench-") as folder:
        root = Path(folder) / "repo"
        build(root, commits, added, files)
        snapshot = localgit.gather(root, "main", "HEAD", needs=frozenset({Need.HUNKS}))
        ranges = blamed_ranges(snapshot.files)
        start = snapshot.pull_request.base_sha
        buckets = attribute(root)
        lines = sum(buckets.values())
        blame = median_seconds(lambda: blame_alone(root, ranges, start), repeat)
        total = median_seconds(lambda: attribute(root), repeat)
        base = median_seconds(lambda: gather_only(root), repeat)
        past = f": past {MAX_PATCHED_COMMITS} commits, GraphQL blame" if commits > MAX_PATCHED_COMMITS else ""
        app_figures(root, f"{commits} commits, {lines:,} added lines{past}")
        within = Path(folder) / "within"
        few = min(commits // 2, MAX_PATCHED_COMMITS - 1)  # one more pushed stays within the bound
        build(within, few, added // 2, files)
        app_figures(within, f"{few} commits, {added // 2:,} added lines")
    label = f"{commits} commits, {lines:,} added lines"
    figure(f"attribution time ({label})", total - base, "s", "git blame --porcelain -w alone", blame)
    figure(
        f"check gathering with attribution ({label})", total, "s", "check gathering without attribution", base
    )
    figure(f"ai lines ({label})", buckets.get(Bucket.AI, 0), "lines")
    figure(f"mixed lines ({label})", buckets.get(Bucket.MIXED, 0), "lines")


if __name__ == "__main__":
    main()
