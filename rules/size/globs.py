"""The rules file's `exclude` globs, checked when the file is validated: each compiles with the matcher
`measure_size` uses (pathspec's GitIgnoreSpec), its runs of `*` read as git reads them, and none can make
matching one path take seconds.

pathspec translates a glob into a backtracking regular expression. Every wildcard that can match text
of any length and is followed by more of the pattern is one nested loop when a path does not match: a
4 KiB path (git's usual PATH_MAX) is matched in 0.2 ms with one, 160 ms with two (`**/a/**/c`), 35-90 s
with three (`*a*a*c` against one long name, `**/a/**/a/**/c` against `a/a/a/…`). Paths come from the
pull request, so its author chooses them: a glob may have at most two such wildcards.
"""

from __future__ import annotations

import re
import warnings
from typing import Annotated

from pydantic import AfterValidator

MAX_DEGREE = 2
_POSIX_CLASS = re.compile(r"\[:[a-z]*:\]")


def checked_glob(pattern: str) -> str:
    """`pattern` with each run of `*` collapsed, once it is known to compile, to match something and to
    match in bounded time; else a ValueError that says why."""
    if _POSIX_CLASS.search(pattern):
        raise ValueError(f"{pattern!r}: character classes such as [:alpha:] are not supported; list them")
    tokens = _collapsed(_tokens(pattern))
    glob = "".join(tokens)
    from pathspec import GitIgnoreSpec  # loads only when a rules file sets globs, as in `measure_size`

    try:
        with warnings.catch_warnings():  # re's FutureWarning about '[[': the glob is rejected or fine
            warnings.simplefilter("ignore", FutureWarning)
            compiled = GitIgnoreSpec.from_lines([glob]).patterns
    except re.error as error:
        raise ValueError(f"{pattern!r} is not a valid glob: {error.msg}") from None
    except ValueError as error:  # pathspec's own error wraps the reason
        reason = str(error.__cause__ or error).rstrip(".")
        raise ValueError(f"{pattern!r} is not a valid glob: {reason[:1].lower()}{reason[1:]}") from None
    if not compiled or compiled[0].include is None:
        raise ValueError(f"{pattern!r} matches no path (blank, a '#' comment or an unclosed '[')")
    if _degree(tokens) > MAX_DEGREE:
        raise ValueError(
            f"{pattern!r} has more than {MAX_DEGREE} wildcards that match text of any length and are "
            "followed by more of the pattern; matching it could take seconds per path"
        )
    return glob


Glob = Annotated[str, AfterValidator(checked_glob)]
"""A gitwildmatch glob of the rules file, checked by `checked_glob`."""


def _tokens(pattern: str) -> list[str]:
    """`pattern` split into `/`, runs of `*`, and single items (a character, `\\x`, `[...]`)."""
    tokens: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            end = len(pattern) - len(pattern[i:].lstrip("*"))
        elif char == "\\":
            end = i + 2
        elif char == "[":
            start = i + 1 + (pattern[i + 1 : i + 2] in ("!", "^"))
            close = pattern.find("]", start + 1)
            end = close + 1 if close != -1 else i + 1
        else:
            end = i + 1
        tokens.append(pattern[i:end])
        i = end
    return tokens


def _collapsed(tokens: list[str]) -> list[str]:
    """Runs of `*` as git's wildmatch reads them: `**` when the run is a whole segment, else `*`; and
    consecutive `**` segments as one (`**/**/a` is `**/a`: each matches zero or more folders)."""
    out: list[str] = []
    for i, token in enumerate(tokens):
        whole = (i == 0 or tokens[i - 1] == "/") and (i + 1 == len(tokens) or tokens[i + 1] == "/")
        star = token.startswith("*") and len(token) > 1
        glob = ("**" if whole else "*") if star else token
        if glob == "**" and out[-2:] == ["**", "/"]:
            out.pop()  # the '/' before this repeated '**'
            continue
        out.append(glob)
    return out


def _degree(tokens: list[str]) -> int:
    """How many loops nest when a path fails to match: the `**` segments that are not last (plus the
    implicit leading one of a pattern without `/`), or the most `*` in one segment followed by more of
    it, whichever is larger (a path of L bytes cannot have both many folders and long names)."""
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token == "/":
            segments.append([])
        else:
            segments[-1].append(token)
    while len(segments) > 1 and not segments[-1]:
        segments.pop()  # a trailing '/' only says "a folder"
    folders = sum(s == ["**"] for s in segments[:-1]) + (len(segments) == 1)
    names = max(sum(t == "*" for t in s[:-1]) for s in segments)
    return max(folders, names)
