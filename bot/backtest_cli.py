"""`scopegate rules backtest`: what a candidate rules file would have said of past pull requests."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.report_cli import _since

if TYPE_CHECKING:  # imported by the command when it runs: `scopegate`'s start-up does without them
    from bot.core.backtest import Backtest
    from bot.core.config import LoadedConfig
    from rules.base import Catalogue

FORMATS = ("text", "json")  # bot.core.backtest's renderers
EXIT_PASS, EXIT_USAGE = 0, 2


def add_backtest_parser(actions: Any) -> None:
    """Add `backtest` to the `scopegate rules` actions."""
    parser = actions.add_parser(
        "backtest", help="replay a rules file over past pull requests (the ledger's, or a repo's merges)"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the candidate rules file")
    parser.add_argument(
        "--repo",
        help="a local repository's folder (its merges are replayed, no ledger needed), or owner/name of the "
        "ledger's pull requests (default: every pull request in the ledger)",
    )
    parser.add_argument("--since", type=_since, help="pull requests opened (merged, in git) since this date")
    parser.add_argument("--head", default="HEAD", help="git: the branch whose merges are replayed")
    parser.add_argument("--limit", type=int, help="git: the newest N merges only")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.set_defaults(handler=rules_backtest)


def rules_backtest(args: argparse.Namespace) -> int:
    """Print the backtest; exit 0, or 2 when the candidate rules file is broken (each problem on stderr
    as `FILE:LINE:COL: problem`, as `scopegate check` and `rules validate` name them)."""
    from bot.core.backtest import render_json, render_text
    from bot.core.config import load_config
    from bot.core.snapshot import ConfigSource

    catalogue: Catalogue = args.catalogue()
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{args.file}: cannot read: {error}") from error
    candidate = load_config(catalogue, (ConfigSource(str(args.file), text),))
    if candidate.problems:
        for problem in candidate.problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE
    if args.repo is not None and Path(args.repo).is_dir():
        result = _from_git(args, catalogue, candidate)
    else:
        result = _from_ledger(args, catalogue, candidate)
    print({"text": render_text, "json": render_json}[args.format](result), end="")
    return EXIT_PASS


def _from_git(args: argparse.Namespace, catalogue: Catalogue, candidate: LoadedConfig) -> Backtest:
    """Each merge of the first-parent history evaluated as `scopegate check` would (its branch against
    the line it was merged into), under the rules file of its base then and under the candidate."""
    from bot.core.backtest import NOT_IN_GIT, Case, backtest
    from bot.core.config import load_config
    from bot.core.findings import Severity
    from bot.core.verdict import evaluate, later_needs
    from bot.gather.localgit import GitError, gather, gather_later
    from bot.gather.merges import merges

    repo = Path(args.repo)
    since = args.since.isoformat() if args.since else None
    cases, skipped = [], 0
    shown = (Severity.ERROR, Severity.WARNING)
    for merge in merges(repo, args.head, since=since, limit=args.limit):
        try:
            snapshot = gather(repo, merge.first, merge.second, needs=catalogue.needs)
            then = load_config(catalogue, snapshot.repository.rules)
            wanted = later_needs(snapshot, catalogue, then) | later_needs(snapshot, catalogue, candidate)
            snapshot = gather_later(repo, snapshot, wanted)
        except GitError:
            skipped += 1  # e.g. a merge of unrelated histories: no branch point to diff from
            continue
        before, after = evaluate(snapshot, catalogue, then), evaluate(snapshot, catalogue, candidate)
        found = tuple((f.rule, f.severity) for f in after.findings if f.severity in shown)
        name = f"{merge.sha[:12]} {merge.subject}"
        cases.append(Case(name, found, before.conclusion.value))
    notes = ["what happened = the verdict under the rules file of each merge's base then"]
    if skipped:
        notes.append(f"{skipped} merges skipped: git could not diff their branch")
    return backtest(f"the merges of {args.head} in {repo}", cases, notes, rounds_and_rework=NOT_IN_GIT)


def _from_ledger(args: argparse.Namespace, catalogue: Catalogue, candidate: LoadedConfig) -> Backtest:
    """The ledger's pull requests (`SCOPEGATE_DATABASE_URL`), each replayed from its latest evaluation."""
    from bot.core.backtest import Case, backtest
    from bot.core.replay import replay
    from bot.ledger.backtest import recorded_pulls
    from bot.ledger.engine import create_engine_for, session_factory
    from bot.ledger.migrate import require_head
    from bot.settings import load_settings

    engine = create_engine_for(load_settings().database_url)
    try:
        require_head(engine)
        with session_factory(engine)() as session:
            pulls = recorded_pulls(session, as_of=datetime.now(UTC), repo=args.repo, since=args.since)
    finally:
        engine.dispose()
    cases = [Case(p.name, replay(p.recorded, catalogue, candidate), p.conclusion, p.merged, p.rounds)
             for p in pulls]  # fmt: skip
    notes = [
        "replayed from each pull request's latest evaluation: size from its recorded files, rework from its "
        "review history, checks' recorded findings at the candidate's severity; other rules as recorded"
    ]
    return backtest("the ledger" + (f" ({args.repo})" if args.repo else ""), cases, notes)
