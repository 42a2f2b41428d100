"""CODEOWNERS as GitHub reads it: last matching line wins, invalid lines skipped and reported.

https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.locations import CODEOWNERS_PATHS

# "CODEOWNERS files must be under 3 MB in size. A CODEOWNERS file over this limit will not be loaded."
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024
# `_` is in Enterprise Managed Users' handles (`octocat_acme`), so it is allowed beside letters and hyphens.
_OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_-]*(?:/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+")
# Tokens split on blanks; a backslash escapes the next character as in gitignore, so `a\ b` is one pattern.
_TOKEN = re.compile(r"(?:\\.|[^ \t\\]|\\$)+")
_WILD = frozenset("*?\\")


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
class _Index:
    """Rule positions by what a matching path must contain, so a path is tested against few regexes."""

    by_prefix: dict[str, tuple[int, ...]]  # anchored rules by their leading literal folders ("src/lib")
    by_name: dict[str, tuple[int, ...]]  # others by a literal name in them (`Makefile`, `**/logs`)
    by_ext: dict[str, tuple[int, ...]]  # others by the text after the last dot of a name (`*.js`)
    generic: tuple[int, ...]  # the rest, tested for every path


@dataclass(frozen=True)
class Codeowners:
    """A parsed CODEOWNERS file; `too_large` means GitHub does not load it at all."""

    rules: tuple[OwnerRule, ...]
    invalid: tuple[InvalidLine, ...]
    too_large: bool = False
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _build_index(self.rules))


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
    if len(text.encode("utf-8", "surrogateescape")) >= MAX_CODEOWNERS_BYTES:
        return Codeowners((), (), too_large=True)
    rules: list[OwnerRule] = []
    invalid: list[InvalidLine] = []
    # Lines end at "\n" only: str.splitlines would also break at form feeds and U+2028 and shift numbers.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        pattern, *rest = _TOKEN.findall(line)
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
            invalid.append(InvalidLine(number, raw.rstrip("\r"), reason))
            continue
        rules.append(OwnerRule(number, pattern, tuple(owners), _compile(pattern)))
    return Codeowners(tuple(rules), tuple(invalid))


def owners_of(codeowners: Codeowners, path: str) -> Ownership:
    """Who owns `path` (relative to the root, `/`-separated): the last matching line wins."""
    index = codeowners._index
    found = list(index.generic)
    end = -1
    for part in path.split("/"):
        end += len(part) + 1
        found += index.by_prefix.get(path[:end], ())
        found += index.by_name.get(part, ())
        if "." in part:
            found += index.by_ext.get(part[part.rfind(".") + 1 :], ())
    rules = codeowners.rules
    for position in sorted(found, reverse=True):
        if rules[position].regex.match(path):
            return Ownership(rules[position].owners, rules[position].line)
    return Ownership((), None)


def _pattern_problem(pattern: str) -> str | None:
    # GitHub documents these gitignore features as unsupported; such a line is skipped.
    if pattern.startswith("!"):
        return "negation with '!' is not supported"
    if "[" in pattern or "]" in pattern:
        return "character ranges with '[ ]' are not supported"
    if pattern.startswith("\\#"):
        return "escaping a leading '#' with '\\' is not supported"
    if pattern == "/":
        return "the pattern '/' never matches anything ('*' matches every file)"
    return None


def _segments(pattern: str) -> list[str]:
    return pattern.strip("/").split("/")


def _anchored(pattern: str) -> bool:
    # gitignore: a slash at the start or in the middle anchors the pattern; a trailing one does not.
    return "/" in pattern.rstrip("/")


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a pattern: gitignore globbing, except that `foo/*` does not reach into subfolders."""
    directory_only = pattern.endswith("/")
    segments = _segments(pattern)
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            if not last:
                parts.append("(?:[^/]+/)*")
            else:  # `a/**` is everything inside a; `a/**/` every folder inside a, so files one level down
                parts.append("[^/]+(?:/[^/]+)*" if directory_only else ".*")
            continue
        glob = _glob(segment)
        parts.append(glob if last else glob + "/")
    body = "".join(parts)
    prefix = "" if _anchored(pattern) or segments[0] == "**" else "(?:.*/)?"
    if directory_only:
        tail = "/.*"
    elif segments[-1] == "**":
        tail = ""
    elif (segments[-1] == "*" and len(segments) > 1) or pattern == "/*":
        tail = ""  # `docs/*` and `/*`: files directly inside only
    else:
        tail = "(?:/.*)?"  # a file, or every file under a folder of that name
    return re.compile(f"{prefix}{body}{tail}\\Z", re.DOTALL)


def _glob(segment: str) -> str:
    out: list[str] = []
    chars = iter(segment)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _build_index(rules: tuple[OwnerRule, ...]) -> _Index:
    buckets: dict[str, dict[str, list[int]]] = {"prefix": {}, "name": {}, "ext": {}, "generic": {}}
    for position, rule in enumerate(rules):
        kind, key = _bucket(rule.pattern)
        buckets[kind].setdefault(key, []).append(position)
    prefix, name, ext = (
        {k: tuple(v) for k, v in buckets[kind].items()} for kind in ("prefix", "name", "ext")
    )
    return _Index(prefix, name, ext, tuple(buckets["generic"].get("", ())))


def _bucket(pattern: str) -> tuple[str, str]:
    """Where the index files a pattern, by what every path it matches must contain."""
    segments = _segments(pattern)
    literal = [segment for segment in segments if not _WILD & set(segment)]
    if _anchored(pattern) and segments[0] in literal[:1]:
        lead = itertools.takewhile(lambda segment: segment in literal, segments)
        return "prefix", "/".join(lead)  # a match starts with these folders
    # Every segment but `**` matches one whole folder or file name of the path.
    if literal:
        return "name", literal[0]
    for segment in segments:
        tail = re.split(r"[*?\\]", segment)[-1]
        if "." in tail:  # the name ends with `tail`, so the text after its last dot is tail's
            return "ext", tail[tail.rfind(".") + 1 :]
    return "generic", ""
