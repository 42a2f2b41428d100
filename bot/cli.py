"""The `scopegate` command: gate a local branch, tools for maintainers of the rules file, and the App."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.backtest_cli import add_backtest_parser
from bot.cost_cli import add_cost_parser
from bot.errors import UserError
from bot.owners_cli import add_owners_parser
from bot.report_cli import add_report_parser

# Each command imports what it runs when it runs: the rules, their config models (pydantic) and the
# gatherer are ~0.4 s of start-up that `--help`, `cost` or `owners` need not pay (tests/test_cli_startup.py).
if TYPE_CHECKING:
    from bot.core.snapshot import ConfigSource
    from bot.core.verdict import Verdict
    from bot.settings import Settings
    from rules.base import Catalogue

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class UsageError(UserError):
    """A mistake in the command's arguments."""


def main(argv: Sequence[str] | None = None, rules: Catalogue | None = None) -> int:
    """Entry point of the `scopegate` console script; `rules` is the catalogue to run (default: the
    built-in rules, imported by the commands that read them)."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.catalogue = (lambda: rules) if rules is not None else _builtin_rules
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UserError as error:
        print(f"scopegate: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def check(args: argparse.Namespace) -> int:
    """Evaluate the branch and print the verdict; exit 0 when the gate passes, 1 when it fails, 2 when the
    rules file is broken (the verdict, measured with the defaults, is printed all the same)."""
    from bot.core.config import load_config
    from bot.core.verdict import Conclusion, evaluate, later_needs
    from bot.gather.localgit import gather, gather_later

    catalogue: Catalogue = args.catalogue()
    rules = _rules_override(args.config)
    snapshot = gather(args.repo, args.base, args.head, needs=catalogue.needs, rules=rules)
    loaded = load_config(catalogue, snapshot.repository.rules)
    snapshot = gather_later(args.repo, snapshot, later_needs(snapshot, catalogue, loaded))
    verdict = evaluate(snapshot, catalogue, loaded)
    # A broken rules file is a user error (exit 2) named on stderr as `FILE:LINE:COL: problem`, and the
    # verdict still goes to stdout: a CI step reading `--format json|sarif` gets the `config` findings.
    try:
        for problem in verdict.problems:
            print(problem, file=sys.stderr)
    except BrokenPipeError:
        # Nobody reads stderr (`2>&1 | head`, a closed log): the verdict on stdout and the exit code stand.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())
    try:
        _print(verdict, args.format)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`scopegate check | head`): the verdict still decides the exit code. Point stdout at
        # /dev/null so that Python's flush at exit does not fail again with a traceback:
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if verdict.problems:
        return EXIT_USAGE
    return EXIT_PASS if verdict.conclusion is not Conclusion.FAILURE else EXIT_FAIL


def _print(verdict: Verdict, output: str) -> None:
    """The verdict on stdout. Each renderer is imported when used: the terminal's (rich) alone is ~15 ms
    of start-up, which a `--format json` step in CI need not pay. JSON is indented for a terminal and one
    line for a program."""
    indent = 2 if sys.stdout.isatty() else None
    if output == "text":
        from bot.core.report.terminal import console_for, print_verdict

        print_verdict(verdict, console_for(sys.stdout))
    elif output == "markdown":
        from bot.core.report.markdown import to_markdown

        print(to_markdown(verdict))
    elif output == "json":
        from bot.core.report.contract import to_contract, to_json

        print(to_json(to_contract(verdict), indent))
    else:
        from bot.core.report.contract import to_json
        from bot.core.report.sarif import to_sarif

        print(to_json(to_sarif(verdict), indent))


def rules_validate(args: argparse.Namespace) -> int:
    """Print `FILE:LINE:COL: message` for each problem; exit 2 when there is one. Files are read as bytes,
    no further than one byte past the size limit: one too big or not UTF-8 is a located problem too."""
    from bot.core.config import MAX_RULES_BYTES, ConfigProblem, validate_bytes

    catalogue: Catalogue = args.catalogue()
    problems: list[ConfigProblem] = []
    for path in args.files:
        try:
            with path.open("rb") as file:
                data = file.read(MAX_RULES_BYTES + 1)
            size = max(len(data), path.stat().st_size)  # a pipe's size is 0: what was read, then
        except OSError as error:
            raise UsageError(f"{path}: cannot read: {error}") from error
        problems += validate_bytes(catalogue, str(path), data, size)
    for problem in problems:
        print(problem)
    return EXIT_USAGE if problems else EXIT_PASS


def rules_schema(args: argparse.Namespace) -> int:
    """Print the rules file's JSON Schema."""
    from bot.core.config import rules_file_model

    print(json.dumps(rules_file_model(args.catalogue()).model_json_schema(), indent=2))
    return EXIT_PASS


def rules_init(args: argparse.Namespace) -> int:
    """Print a commented rules file holding every default."""
    from bot.core.report.rulesdoc import render_rules_init

    print(render_rules_init(args.catalogue()), end="")
    return EXIT_PASS


def rules_table(args: argparse.Namespace) -> int:
    """Print the README's rule table."""
    from bot.core.report.rulesdoc import render_rule_table

    print(render_rule_table(args.catalogue()))
    return EXIT_PASS


def rules_explain(args: argparse.Namespace) -> int:
    """Print the effective config of a branch and where each value came from."""
    from bot.core.config import load_config
    from bot.core.report.rulesdoc import render_explain
    from bot.gather.localgit import gather

    override = _rules_override(args.config)
    if override:
        layers: tuple[ConfigSource, ...] = (override,)
    else:
        layers = gather(args.repo, args.base, "HEAD", needs=frozenset()).repository.rules
    loaded = load_config(args.catalogue(), layers)
    for problem in loaded.problems:
        print(problem, file=sys.stderr)
    print(render_explain(loaded), end="")
    return EXIT_USAGE if loaded.problems else EXIT_PASS


def serve(args: argparse.Namespace) -> int:
    """Run the web app and the worker in one process, with embedded Redis and SQLite unless configured."""
    # The App's stack (uvicorn, arq, SQLAlchemy) is imported only by the commands that run it.
    from bot.embedded import RedisStartError
    from bot.serve import StartError, serve_all

    settings = _app_settings(args)
    try:
        serve_all(settings)
    except (StartError, RedisStartError) as error:
        print(f"scopegate: {error}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_PASS


def web(args: argparse.Namespace) -> int:
    """Run the web app: webhook intake, setup page, health, metrics."""
    from bot.serve import serve_web

    serve_web(_app_settings(args))
    return EXIT_PASS


def worker(args: argparse.Namespace) -> int:
    """Run a worker: it evaluates the queued pull requests."""
    from bot.serve import serve_worker

    serve_worker(_app_settings(args))
    return EXIT_PASS


def migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema."""
    from bot.serve import StartError
    from bot.serve import migrate as migrate_database

    try:
        revision = migrate_database(_app_settings(args))
    except StartError as error:
        print(f"scopegate: {error}", file=sys.stderr)
        return EXIT_FAIL
    print(f"the database is at revision {revision}")
    return EXIT_PASS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scopegate", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check_parser = commands.add_parser("check", help="gate the current branch of a local git repository")
    _repo_options(check_parser)
    check_parser.add_argument("--head", default="HEAD", help="the branch to gate (default: HEAD)")
    check_parser.add_argument("--format", choices=("text", "markdown", "json", "sarif"), default="text")
    check_parser.set_defaults(handler=check)

    rules = commands.add_parser("rules", help="validate, explain and generate the rules file")
    rules_commands = rules.add_subparsers(required=True, metavar="ACTION")
    validate = rules_commands.add_parser("validate", help="check rules files; exit 2 on a problem")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.set_defaults(handler=rules_validate)
    rules_commands.add_parser("schema", help="print the JSON Schema").set_defaults(handler=rules_schema)
    rules_commands.add_parser("init", help="print a commented default file").set_defaults(handler=rules_init)
    rules_commands.add_parser("table", help="print the README rule table").set_defaults(handler=rules_table)
    explain = rules_commands.add_parser("explain", help="effective config and where each value came from")
    _repo_options(explain)
    explain.set_defaults(handler=rules_explain)
    add_backtest_parser(rules_commands)
    _app_commands(commands)
    return parser


def _app_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`serve`, `web`, `worker` and `migrate`; settings come from SCOPEGATE_* variables (see README)."""
    serve_parser = commands.add_parser("serve", help="run the App in one process (web app and worker)")
    _listen_options(serve_parser)
    serve_parser.add_argument(
        "--data-dir", type=Path, help="embedded Redis and SQLite live here (default: SCOPEGATE_DATA_DIR)"
    )
    serve_parser.set_defaults(handler=serve)
    web_parser = commands.add_parser("web", help="run the web app (production: several behind a proxy)")
    _listen_options(web_parser)
    web_parser.set_defaults(handler=web)
    commands.add_parser("worker", help="run a worker (production: as many as needed)").set_defaults(
        handler=worker
    )
    commands.add_parser("migrate", help="bring the database to the newest schema").set_defaults(
        handler=migrate
    )
    add_owners_parser(commands)
    add_report_parser(commands)
    add_cost_parser(commands)


def _listen_options(parser: argparse.ArgumentParser) -> None:
    """`--host` and `--port`."""
    parser.add_argument("--host", help="interface to listen on (default: SCOPEGATE_HOST, else 127.0.0.1)")
    parser.add_argument("--port", type=_port, help="port to listen on (default: SCOPEGATE_PORT, else 8000)")


def _port(text: str) -> int:
    """A TCP port number, for argparse."""
    port = int(text) if text.isdecimal() else 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return port


def _app_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and `.env`, the command line's options winning; logging set up."""
    import logging

    from bot.settings import load_settings  # the App's settings stack; `check` does without it

    given = {name: getattr(args, name, None) for name in ("host", "port", "data_dir")}
    settings = load_settings(**{name: value for name, value in given.items() if value is not None})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return settings


def _repo_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="repository (default: current folder)")
    parser.add_argument("--base", help="base ref (default: the remote's default branch, else main)")
    parser.add_argument("--config", type=Path, help="rules file to use instead of the base's")


def _builtin_rules() -> Catalogue:
    """The built-in rule catalogue."""
    from rules import RULES

    return RULES


def _rules_override(path: Path | None) -> ConfigSource | None:
    from bot.core.snapshot import ConfigSource

    return ConfigSource(str(path), _read(path)) if path else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read: {error}") from error
