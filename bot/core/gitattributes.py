"""`.gitattributes` semantics for the two attributes scopegate reads: linguist-generated and -vendored.

Patterns follow gitattributes(5), which differs from .gitignore: a pattern never matches the files
inside a directory it names (`vendor/` and `vendor` match no file below `vendor/`; `vendor/**` does),
and negative patterns are forbidden. That is why this is not pathspec's gitignore matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.snapshot import GitAttributesFile

ATTRIBUTES = ("linguist-generated", "linguist-vendored")


@dataclass(frozen=True, slots=True)
class _Line:
    directory: str
    regex: re.Pattern[str]
    match_basename: bool
    values: tuple[tuple[str, bool | None], ...]


class GitAttributes:
    """The linguist attributes of paths, from every `.gitattributes` file of a tree."""

    def __init__(self, files: Iterable[GitAttributesFile]) -> None:
        ordered = sorted(files, key=lambda f: (f.directory.count("/") + bool(f.directory), f.directory))
        self._lines = tuple(line for f in ordered for line in _parse(f))

    def is_set(self, path: str, attribute: str) -> bool:
        """Whether `attribute` is set (bare or `=true`) for `path`; the deepest, last matching line wins."""
        state: bool | None = None
        for line in self._lines:
            for name, value in line.values:
                if name == attribute and _matches(line, path):
                    state = value
        return state is True


def _parse(file: GitAttributesFile) -> Iterable[_Line]:
    for raw in file.text.splitlines():
        parts = raw.split()
        if not parts or parts[0].startswith("#") or parts[0].startswith("!") or parts[0].endswith("/"):
            continue
        values = tuple(v for v in (_value(a) for a in parts[1:]) if v[0] in ATTRIBUTES)
        if values:
            pattern = parts[0]
            yield _Line(file.directory, _compile(pattern.lstrip("/")), "/" not in pattern, values)


def _value(token: str) -> tuple[str, bool | None]:
    if token.startswith("-"):
        return token[1:], False
    if token.startswith("!"):
        return token[1:], None
    name, _, value = token.partition("=")
    if not _:
        return name, True
    return name, value.lower() == "true"


def _matches(line: _Line, path: str) -> bool:
    prefix = f"{line.directory}/" if line.directory else ""
    if not path.startswith(prefix):
        return False
    relative = path[len(prefix) :]
    subject = relative.rsplit("/", 1)[-1] if line.match_basename else relative
    return line.regex.fullmatch(subject) is not None


def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
