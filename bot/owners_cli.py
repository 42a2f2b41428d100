"""`scopegate owners`: which CODEOWNERS line owns each path, read from git at a ref."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.errors import UserError


def add_owners_parser(commands: Any) -> None:
    """Add `owners` to the `scopegate` subcommands."""
    parser = commands.add_parser("owners", help="explain which CODEOWNERS line owns each path")
    parser.add_argument("--repo", type=Path, default=Path("."))
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.set_defaults(handler=owners)


def owners(args: argparse.Namespace) -> int:
    """Print the owners and the deciding line of each path; exit 0."""
    from bot.core.owners import owners_of, parse_codeowners

    found = _read_codeowners(args.repo, args.ref)
    parsed = parse_codeowners(found[1] if found else "")
    if parsed.too_large:
        print(
            f"{found[0] if found else ''}: not loaded: GitHub ignores a CODEOWNERS of 3 MB or more",
            file=sys.stderr,
        )
    for bad in parsed.invalid:
        print(f"{found[0] if found else ''}:{bad.line}: skipped: {bad.reason}", file=sys.stderr)
    answers = {path: owners_of(parsed, path) for path in args.paths}
    if args.format == "json":
        print(
            json.dumps({p: {"owners": list(a.owners), "line": a.line} for p, a in answers.items()}, indent=2)
        )
        return 0
    where = found[0] if found else "no CODEOWNERS"
    for path, answer in answers.items():
        said = f"{where}:{answer.line}" if answer.line else "no matching line"
        print(f"{path}: {' '.join(answer.owners) or '(no owners)'} ({said})")
    return 0


def _read_codeowners(repo: Path, ref: str) -> tuple[str, str] | None:
    from bot.core.locations import CODEOWNERS_PATHS

    for path in CODEOWNERS_PATHS:
        done = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "blob", f"{ref}:{path}"], capture_output=True, check=False
        )
        if done.returncode == 0:
            return path, done.stdout.decode("utf-8", "surrogateescape")
    verify = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "-q", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if verify.returncode != 0:
        raise UserError(f"{ref!r} is not a commit in {repo}")
    return None


def main() -> int:
    """`python -m bot.owners_cli owners …`, until the command is listed in bot/cli.py."""
    parser = argparse.ArgumentParser(prog="scopegate")
    add_owners_parser(parser.add_subparsers(required=True))
    args = parser.parse_args()
    try:
        return int(args.handler(args))
    except UserError as error:
        print(f"scopegate: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
