"""`scopegate report`: rounds, rework and review time by size and AI share, from the App's ledger."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

# bot.core.review_report.GROUPINGS, imported when it runs
GROUPINGS = ("size", "ai", "team", "author-team", "author-kind")
FORMATS = ("text", "json", "csv")  # bot.core.review_report's renderers


def add_report_parser(commands: Any) -> None:
    """Add `report` to the `scopegate` subcommands."""
    parser = commands.add_parser(
        "report", help="rounds, rework and review time by PR size and AI share, from the ledger"
    )
    parser.add_argument("--repo", help="owner/name (default: every repository in the ledger)")
    parser.add_argument(
        "--since", type=_since, help="pull requests opened on or after this date (YYYY-MM-DD, UTC)"
    )
    parser.add_argument(
        "--group-by", choices=GROUPINGS, help="one grouping instead of the size by AI-share table"
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.set_defaults(handler=report)


def report(args: argparse.Namespace) -> int:
    """Print the report over the ledger `SCOPEGATE_DATABASE_URL` names (SQLite under the data folder by
    default); exit 0, or 2 when the ledger is not at the newest schema."""
    # The ledger's stack is imported only by the commands that read it.
    from bot.core.review_report import build_report, render_csv, render_json, render_text
    from bot.ledger.engine import create_engine_for, session_factory
    from bot.ledger.migrate import require_head
    from bot.ledger.review_report import pull_request_records
    from bot.settings import load_settings

    engine = create_engine_for(load_settings().database_url)
    try:
        require_head(engine)  # a SchemaError is the user's to fix: `scopegate migrate`
        with session_factory(engine)() as session:
            records = pull_request_records(session, repo=args.repo, since=args.since)
    finally:
        engine.dispose()
    render = {"text": render_text, "json": render_json, "csv": render_csv}[args.format]
    print(render(build_report(records, args.group_by)), end="")
    return 0


def _since(text: str) -> datetime:
    """A date or ISO timestamp, for argparse; naive ones are UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
