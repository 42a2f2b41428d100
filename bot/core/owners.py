"""CODEOWNERS as GitHub reads it: last matching line wins, invalid lines skipped and reported.

https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.locations import CODEOWNERS_PATHS

# "CODEOWNERS files must be under 3 MB in size. A CODEOWNERS file over this limit will not be loaded."
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024
_OWNER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class OwnerRule:
    """One valid line: its number, pattern and owners (empty: the line clears ownership)."""

    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass(frozen=True)
class InvalidLine:
    """A line GitHub skips, with why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Codeowners:
    """A parsed CODEOWNERS file; `too_large` means GitHub does not load it at all."""

    rules: tuple[OwnerRule, ...]
    invalid: tuple[InvalidLine, ...]
    too_large: bool = False


@dataclass(frozen=True)
class Ownership:
    """Who owns a path and which line says so (`line` None: no line matches)."""

    owners: tuple[str, ...]
    line: int | None


def choose_codeowners(files: Mapping[str, str]) -> tuple[str, str] | None:
    """The CODEOWNERS GitHub uses among `files` (path -> text): the first in its location order."""
    return next(((p, files[p]) for p in CODEOWNERS_PATHS if p in files), None)


def parse_codeowners(text: str) -> Codeowners:
    """Parse a CODEOWNERS file; lines GitHub would skip come back in `invalid` with their numbers."""
    if len(text.encode("utf-8", "surrogateescape")) > MAX_CODEOWNERS_BYTES:
        return Codeowners((), (), too_large=True)
    rules: list[OwnerRule] = []
    invalid: list[InvalidLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, *rest = line.split()
        owners: list[str] = []
        for token in rest:
            if token.startswith("#"):  # the rest of the line is a comment
                break
            owners.append(token)
        reason = _pattern_problem(pattern) or next(
            (
                f"{owner!r} is not a @user, @org/team or email"
                for owner in owners
                if not _OWNER.fullmatch(owner)
            ),
            None,
        )
        if reason:
            invalid.append(InvalidLine(number, raw, reason))
            continue
        rules.append(OwnerRule(number, pattern, tuple(owners), _compile(pattern)))
    return Codeowners(tuple(rules), tuple(invalid))


def owners_of(codeowners: Codeowners, path: str) -> Ownership:
    """Who owns `path` (relative to the root, `/`-separated): the last matching line wins."""
    for rule in reversed(codeowners.rules):
        if rule.regex.match(path):
            return Ownership(rule.owners, rule.line)
    return Ownership((), None)


def _pattern_problem(pattern: str) -> str | None:
    # GitHub documents these gitignore features as unsupported; such a line is skipped.
    if pattern.startswith("!"):
        return "negation with '!' is not supported"
    if "[" in pattern or "]" in pattern:
        return "character ranges with '[ ]' are not supported"
    return None


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a pattern: gitignore globbing, except that `foo/*` does not reach into subfolders."""
    anchored = "/" in pattern.rstrip("/")
    directory_only = pattern.endswith("/")
    segments = pattern.strip("/").split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        glob = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment)
        parts.append(glob if last else glob + "/")
    body = "".join(parts)
    prefix = "" if anchored or segments[0] == "**" else "(?:.*/)?"
    if segments[-1] == "**":
        tail = ""
    elif directory_only:
        tail = "/.*"
    elif (segments[-1] == "*" and len(segments) > 1) or pattern == "/*":
        tail = ""  # `docs/*` and `/*`: files directly inside only
    else:
        tail = "(?:/.*)?"  # a file, or every file under a folder of that name
    return re.compile(f"{prefix}{body}{tail}\\Z", re.DOTALL)
