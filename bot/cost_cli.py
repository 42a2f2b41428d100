"""`scopegate cost`: what the LLM calls cost per pull request, repository, team, stage or model, or every
call as FOCUS CSV, from the App's ledger; `scopegate cost record`: a call made outside the App (a CI
step, a script) recorded in the same ledger with the same tags (issue 13)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError

if TYPE_CHECKING:
    from decimal import Decimal

GROUPINGS = ("pr", "repo", "team", "stage", "model")  # bot.llm.costs.GROUPINGS, imported when it runs
FORMATS = ("text", "json", "csv")  # bot.llm.costs's renderers
WIRES = ("openai-responses", "openai-chat", "anthropic-messages")


def add_cost_parser(commands: Any) -> None:
    """Add `cost` and `cost record` to the `scopegate` subcommands."""
    parser = commands.add_parser("cost", help="LLM calls' cost per PR, repo, team, stage or model; FOCUS CSV")
    parser.add_argument("--by", choices=GROUPINGS, default="pr", help="what to sum the calls per")
    parser.add_argument("--repo", help="owner/name (default: every repository in the ledger)")
    parser.add_argument("--since", type=_moment, help="calls on or after this date (YYYY-MM-DD, UTC)")
    parser.add_argument("--until", type=_moment, help="calls before this date (YYYY-MM-DD, UTC)")
    parser.add_argument(
        "--format", choices=(*FORMATS, "focus"), default="text", help="focus: one FOCUS CSV row a call"
    )
    parser.set_defaults(handler=cost)
    actions = parser.add_subparsers(metavar="ACTION")
    record = actions.add_parser("record", help="record a call made outside the App, priced like the App's")
    record.add_argument("--provider", choices=WIRES, required=True, help="the wire format the usage is in")
    record.add_argument("--model", required=True, help="the model as the request named it")
    record.add_argument("--repo", dest="record_repo", required=True, help="owner/name")
    record.add_argument("--pr", type=int, help="pull request number")
    record.add_argument("--team", help="owning team")
    record.add_argument("--stage", default="ci", help="pipeline stage (default: ci)")
    record.add_argument("--installation", type=int, help="the App installation's id")
    record.add_argument("--call-id", help="idempotency key: recording it again writes nothing (default: new)")
    record.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="an extra tag")
    record.add_argument(
        "--usage", default="-", help="file holding the response's `usage` JSON object, - for stdin (default)"
    )
    record.add_argument(
        "--input-rate", type=_rate, help="USD per million input tokens, for an unpriced model"
    )
    record.add_argument(
        "--output-rate", type=_rate, help="USD per million output tokens, for an unpriced model"
    )
    record.set_defaults(handler=record_cost)


def cost(args: argparse.Namespace) -> int:
    """Print the calls of the ledger `SCOPEGATE_DATABASE_URL` names, summed or as FOCUS rows."""
    from bot.ledger.llm_calls import cost_rows
    from bot.llm.costs import focus_csv, group_costs, render_csv, render_json, render_text

    with _session() as session:
        rows = cost_rows(session, repo=args.repo, since=args.since, until=args.until)
    if args.format == "focus":
        print(focus_csv(rows), end="")
    else:
        render = {"text": render_text, "json": render_json, "csv": render_csv}[args.format]
        print(render(group_costs(rows, args.by), args.by), end="")
    return 0


def record_cost(args: argparse.Namespace) -> int:
    """Price the usage read from `--usage` and write it to the ledger once per call id; exit 2 when it
    cannot be priced (nothing is written: never a $0 row)."""
    from uuid import uuid4  # here, as every import this command alone needs: `scopegate` starts without them

    from bot.inference.ledger import ExternalCall, external_row
    from bot.inference.providers import Wire
    from bot.ledger.llm_calls import record_llm_call
    from bot.llm.costs import usd
    from bot.llm.prices import RateOverride

    usage = _usage(args.usage)
    tags = dict(_tag(text) for text in args.tag)
    call = ExternalCall(
        call_id=args.call_id or f"external:{uuid4()}",
        wire=Wire(args.provider),
        model=args.model,
        usage=usage,
        repo=args.record_repo,
        stage=args.stage,
        at=datetime.now(UTC),
        pr=args.pr,
        team=args.team,
        installation=args.installation,
        tags=tags,
    )
    overrides = {}
    if args.input_rate is not None or args.output_rate is not None:
        overrides[args.model] = RateOverride(uncached_input=args.input_rate, output=args.output_rate)
    row = external_row(call, overrides)
    if isinstance(row, str):
        raise UserError(f"not recorded: {row}")
    with _session() as session, session.begin():
        written = record_llm_call(session, row)
    if not written:
        print(f"already recorded: {row.call_id}")
        return 0
    import asyncio  # here: ~25 ms that `scopegate check` need not pay at start-up

    counted = asyncio.run(_charge_budgets(row))
    lag = "" if counted else "; Redis not reached, the budget counters catch up when seeded from the ledger"
    print(f"recorded {row.call_id}: {row.model}, {usd(row.charged_nano_usd)} USD{lag}")
    return 0


async def _charge_budgets(row: Any) -> bool:
    """Count the recorded call against the App's budgets it names (the operator's SCOPEGATE_LLM_* limits)."""
    from redis.asyncio import Redis

    from bot.inference.ledger import charge_outside
    from bot.inference.settings import load_llm_settings
    from bot.settings import load_settings

    client = Redis.from_url(load_settings().redis_url, socket_connect_timeout=2)
    try:
        return await charge_outside(client, row, load_llm_settings().limits())
    finally:
        await client.aclose()


class _session:
    """A session on the migrated ledger of the settings, its engine disposed after."""

    def __enter__(self) -> Any:
        from bot.ledger.engine import create_engine_for, session_factory
        from bot.ledger.migrate import require_head
        from bot.settings import load_settings

        self.engine = create_engine_for(load_settings().database_url)
        require_head(self.engine)  # a SchemaError is the user's to fix: `scopegate migrate`
        self.session = session_factory(self.engine)()
        return self.session

    def __exit__(self, *exc: object) -> None:
        self.session.close()
        self.engine.dispose()


def _usage(source: str) -> dict[str, object]:
    """The usage JSON object from a file or stdin."""
    text = sys.stdin.read() if source == "-" else _read(Path(source))
    try:
        usage = json.loads(text)
    except ValueError as error:
        raise UserError(f"--usage: not JSON: {error}") from None
    if not isinstance(usage, dict):
        raise UserError("--usage: not a JSON object (the response's `usage`)")
    return usage


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"--usage: {path}: cannot read: {error}") from None


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UserError(f"--tag {text!r}: not KEY=VALUE")
    return key, value


def _rate(text: str) -> Decimal:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of USD per million tokens") from None


def _moment(text: str) -> datetime:
    """A date or ISO timestamp, for argparse; naive ones are UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
