"""`.gitattributes` decided as `git check-attr` (2.39) decides them, from every such file of the base tree.

The rules are gitattributes(5) and git's attr.c, dir.c and wildmatch.c, not .gitignore's: a line's
pattern without `/` matches the basename below the file's folder, one with `/` is anchored to it, a
trailing `/` matches no file, `!pattern` lines are ignored, `[attr]name …` macros count only in the root
file (git's `binary` = `-diff -merge -text` everywhere), the deepest file's last matching line wins, and
a line with an invalid attribute name is dropped whole. Matching is on bytes, as git's is: `?` is one
byte of a UTF-8 path, not one character.

Neither pathspec (gitignore semantics, translated to regular expressions) nor wcmatch reproduces
wildmatch: both take an unterminated `[` literally where git matches nothing, and neither has git's
`[:class:]` edge cases or attr.c's literal-prefix shortcut (under which `dir/gen**` matches
`dir/gen/a/b`). So wildmatch is reimplemented here, with the abort codes of git 2.41 (same answers as
2.39, without its exponential time on `*a*a*a…`) and an explicit stack instead of one recursion per `*`.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

from bot.core.snapshot import GitAttributesFile

AttributeState = bool | str | None
"""True: set (`attr`); False: unset (`-attr`); None: unspecified (`!attr`, or no line); str: `attr=value`."""

_States = tuple[tuple[str, AttributeState], ...]

_BUILTIN_MACROS: dict[str, _States] = {"binary": (("diff", False), ("merge", False), ("text", False))}
_MAX_LINE = 2048  # attr.h ATTR_MAX_LINE_LENGTH: git ignores longer lines, with a warning
_MAX_FILE = 100 * 1024 * 1024  # ATTR_MAX_FILE_SIZE: git ignores larger files whole
_BOM = b"\xef\xbb\xbf"
_TOKEN = re.compile(rb"[^ \t\r\n]+")  # attr.c splits on " \t\r\n" only, not on every isspace()
_NAME = re.compile(rb"[A-Za-z0-9_.][-A-Za-z0-9_.]*")
_QUOTE_OR_ESCAPE = re.compile(rb'["\\]')
_OCTAL = re.compile(rb"[0-3][0-7]{2}")
_ESCAPES = {b"a": 7, b"b": 8, b"f": 12, b"n": 10, b"r": 13, b"t": 9, b"v": 11, b"\\": 92, b'"': 34}


class GitAttributes:
    """The attributes of paths, from every `.gitattributes` file of a tree (one per folder)."""

    def __init__(self, files: Iterable[GitAttributesFile]) -> None:
        self._rules: dict[bytes, tuple[_Rule, ...]] = {}
        self._macros = dict(_BUILTIN_MACROS)
        for file in files:
            folder = _encode(file.directory)
            rules = []
            for line in _lines(file.text):
                parsed = _parse_line(line, macros_allowed=not folder)
                if isinstance(parsed, _Macro):
                    self._macros[parsed.name] = parsed.states
                elif parsed is not None:
                    rules.append(parsed)
            self._rules[folder] = tuple(rules)
        self._resolved: dict[str, dict[str, AttributeState]] = {}

    def state(self, path: str, attribute: str) -> AttributeState:
        """What git check-attr says of `attribute` for the file `path` (from the root, `/`-separated)."""
        resolved = self._resolved.get(path)
        if resolved is None:
            resolved = self._resolved[path] = self._resolve(_encode(path))
        return resolved.get(attribute)

    def is_set(self, path: str, attribute: str) -> bool:
        """Whether `attribute` is set bare or to "true" in any case (scopegate's reading of linguist-*)."""
        value = self.state(path, attribute)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def is_binary(self, path: str) -> bool:
        """Whether `git diff` calls `path` binary by its attributes: `diff` unset, directly or by a macro
        such as `binary`. (A set `diff` makes git diff it as text even if it holds NUL bytes.)"""
        return self.state(path, "diff") is False

    def _resolve(self, path: bytes) -> dict[str, AttributeState]:
        values: dict[str, AttributeState] = {}
        basename = path[path.rfind(b"/") + 1 :]
        folders = [path[:i] for i in range(len(path) - 1, 0, -1) if path[i] == 0x2F]
        for folder in [*folders, b""]:  # deepest file first, its last line first (attr.c `fill`)
            relative = path[len(folder) + 1 :] if folder else path
            for rule in reversed(self._rules.get(folder, ())):
                if rule.pattern.matches(relative, basename):
                    _fill(values, rule.states, self._macros)
        return values


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A line's pattern, cut as dir.c `parse_path_pattern`, `match_basename` and `match_pathname` cut it."""

    basename_only: bool
    literal: bytes  # the bytes before the first wildcard, compared as they are
    rest: bytes  # handed to wildmatch on its own: a `**` at its start counts as at the pattern's start
    suffix: bytes | None  # a basename pattern `*literal` only asks whether the name ends so

    def matches(self, relative: bytes, basename: bytes) -> bool:
        """Whether the pattern matches a path, given relative to its file's folder, and its basename."""
        name = basename if self.basename_only else relative
        if self.suffix is not None:
            return name.endswith(self.suffix)
        if not name.startswith(self.literal):
            return False
        name = name[len(self.literal) :]
        if not self.rest:
            return not name
        return _wildmatch(self.rest, name, pathname=not self.basename_only)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: _Pattern
    states: _States


@dataclass(frozen=True, slots=True)
class _Macro:
    name: str
    states: _States


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _lines(text: str) -> Iterator[bytes]:
    """The lines of a checked-out `.gitattributes` as git reads them (attr.c `read_attr_from_file`)."""
    data = _encode(text)
    if len(data) >= _MAX_FILE:
        return
    *ended, last = data.removeprefix(_BOM).split(b"\n")
    for line in [*(line.removesuffix(b"\r") for line in ended), last]:
        yield line.partition(b"\0")[0]


def _parse_line(line: bytes, *, macros_allowed: bool) -> _Rule | _Macro | None:
    """A line's rule or macro definition; None for blank lines, comments and lines git ignores."""
    first = _TOKEN.search(line)
    if first is None or line[first.start()] == 0x23 or len(line) >= _MAX_LINE:
        return None
    quoted = _unquote(line, first.start()) if line[first.start()] == 0x22 else None
    name, end = quoted or (first.group(), first.end())
    states = _parse_states(line, end)
    text = name.partition(b"\0")[0]
    if states is None:
        return None
    if len(name) > 6 and text.startswith(b"[attr]"):
        macro = _TOKEN.match(text[6:].lstrip(b" \t\r\n"))
        if not macros_allowed or macro is None or not _NAME.fullmatch(macro.group()):
            return None
        return _Macro(macro.group().decode(), states)
    if text.startswith(b"!") or text.endswith(b"/"):
        return None  # git forbids negative patterns; a trailing `/` only matches folders, never a file
    return _Rule(_pattern(text), states)


def _unquote(line: bytes, start: int) -> tuple[bytes, int] | None:
    """The C-quoted name at `line[start]` and where it ends (quote.c `unquote_c_style`); None if malformed."""
    out = bytearray()
    at = start + 1
    while found := _QUOTE_OR_ESCAPE.search(line, at):
        out += line[at : found.start()]
        at = found.start()
        if line[at] == 0x22:
            return bytes(out), at + 1
        escape = line[at + 1 : at + 2]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            at += 2
        elif octal := _OCTAL.match(line, at + 1):
            out.append(int(octal.group(), 8))
            at += 4
        else:
            return None
    return None


def _parse_states(line: bytes, start: int) -> _States | None:
    """`attr`, `-attr`, `!attr`, `attr=value` tokens; None if one is not a valid name (git drops the line)."""
    states: list[tuple[str, AttributeState]] = []
    for token in _TOKEN.findall(line, start):
        name, equals, value = token.partition(b"=")
        state: AttributeState = value.decode("utf-8", "surrogateescape") if equals else True
        if name[:1] in (b"-", b"!"):
            name, state = name[1:], (False if name[:1] == b"-" else None)
        if not _NAME.fullmatch(name):
            return None
        states.append((name.decode(), state))
    return tuple(states)


def _pattern(text: bytes) -> _Pattern:
    literal = next((i for i, byte in enumerate(text) if byte in _SPECIAL), len(text))
    if b"/" not in text:
        suffix = text[1:] if text[:1] == b"*" and not _SPECIAL.intersection(text[1:]) else None
        return _Pattern(True, text[:literal], text[literal:], suffix)
    anchored = text.removeprefix(b"/")  # "/x" and "x/y" are both relative to the file's folder
    literal -= len(text) - len(anchored)
    return _Pattern(False, anchored[:literal], anchored[literal:], None)


def _fill(values: dict[str, AttributeState], states: _States, macros: dict[str, _States]) -> None:
    """Give each attribute not yet decided its state, last first; a macro set expands where it stands."""
    pending = [reversed(states)]
    while pending:
        for name, value in pending[-1]:
            if name not in values:
                values[name] = value
                if value is True and name in macros:
                    pending.append(reversed(macros[name]))
                    break
        else:
            pending.pop()


# wildmatch.c, as git's sane ctype decides (ASCII only: a byte above 127 is in no class)
_MATCH, _NOMATCH, _ABORT_ALL, _ABORT_TO_STARSTAR = range(4)
_SPECIAL = frozenset(b"*?[\\")
_SLASH, _STAR, _QUESTION, _BACKSLASH, _OPEN, _CLOSE = b"/*?\\[]"
_PUNCT = frozenset(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_CLASSES = {
    b"alnum": frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    b"alpha": frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    b"blank": frozenset(b" \t"),
    b"cntrl": frozenset([*range(32), 127]),
    b"digit": frozenset(b"0123456789"),
    b"graph": frozenset(range(33, 127)),
    b"lower": frozenset(b"abcdefghijklmnopqrstuvwxyz"),
    b"print": frozenset(range(32, 127)),
    b"punct": _PUNCT,
    b"space": frozenset(b" \t\n\r"),  # git's isspace(): not \v or \f
    b"upper": frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    b"xdigit": frozenset(b"0123456789ABCDEFabcdef"),
}

_Frame = Generator[tuple[int, int], int, int]


def _wildmatch(pattern: bytes, text: bytes, *, pathname: bool) -> bool:
    """Whether `text` matches `pattern` as git's wildmatch() decides, with WM_PATHNAME or without.

    git recurses once per `*` tried, exponentially often on `**/**/…`: here each call is a generator frame
    on a list (a line of stars would overflow Python's stack), and its answer, a function of where it
    starts in the pattern and the text alone, is remembered, so no call is made twice.
    """
    known: dict[tuple[int, int], int] = {}
    calls = [(0, 0)]
    frames = [_dowild(pattern, text, 0, 0, pathname)]
    answer: int | None = None
    while frames:
        try:
            call = next(frames[-1]) if answer is None else frames[-1].send(answer)
        except StopIteration as returned:
            frames.pop()
            answer = known[calls.pop()] = returned.value
            continue
        answer = known.get(call)
        if answer is None:
            calls.append(call)
            frames.append(_dowild(pattern, text, *call, pathname))
    return answer == _MATCH


def _dowild(pattern: bytes, text: bytes, p: int, t: int, pathname: bool) -> _Frame:  # noqa: PLR0912
    start = p
    while p < len(pattern):
        char = pattern[p]
        if t == len(text) and char != _STAR:
            return _ABORT_ALL
        if char == _OPEN:
            outcome, p = _bracket(pattern, p, text[t], pathname)
            if outcome != _MATCH:
                return outcome
        elif char == _STAR:
            p += 1
            match_slash = not pathname
            if p < len(pattern) and pattern[p] == _STAR:
                second = p
                while p < len(pattern) and pattern[p] == _STAR:
                    p += 1
                after = pattern[p : p + 2]
                globstar = second - start < 2 or pattern[second - 2] == _SLASH
                if pathname and globstar and (after[:1] in (b"", b"/") or after == b"\\/"):
                    if after[:1] == b"/" and (yield (p + 1, t)) == _MATCH:
                        return _MATCH  # `**/` matching no folder at all
                    match_slash = True
            if p == len(pattern):
                return _MATCH if match_slash or b"/" not in text[t:] else _ABORT_TO_STARSTAR
            if not match_slash and pattern[p] == _SLASH:
                slash = text.find(b"/", t)
                if slash < 0:
                    return _ABORT_ALL
                t, p = slash + 1, p + 1  # `*/` with WM_PATHNAME: exactly the next folder
                continue
            while t < len(text):
                if pattern[p] not in _SPECIAL:  # skip ahead to the literal that follows the star
                    t = _find(text, pattern[p], t, match_slash)
                    if t < 0:
                        return _ABORT_ALL if match_slash else _ABORT_TO_STARSTAR
                outcome = yield (p, t)
                if outcome != _NOMATCH:
                    if not match_slash or outcome != _ABORT_TO_STARSTAR:
                        return outcome
                elif not match_slash and text[t] == _SLASH:
                    return _ABORT_TO_STARSTAR
                t += 1
            return _ABORT_ALL
        elif char == _QUESTION:
            if pathname and text[t] == _SLASH:
                return _NOMATCH
            p += 1
        else:
            if char == _BACKSLASH:
                p += 1  # a trailing backslash compares with the end of the pattern: no match
                char = pattern[p] if p < len(pattern) else -1
            if text[t] != char:
                return _NOMATCH
            p += 1
        t += 1
    return _MATCH if t == len(text) else _NOMATCH


def _find(text: bytes, char: int, t: int, match_slash: bool) -> int:
    while t < len(text) and (match_slash or text[t] != _SLASH):
        if text[t] == char:
            return t
        t += 1
    return -1


def _bracket(pattern: bytes, p: int, char: int, pathname: bool) -> tuple[int, int]:  # noqa: PLR0912
    """Match `char` against the `[...]` at `pattern[p]`: (_MATCH and the offset after `]`) or a failure."""

    def at(i: int) -> int:
        return pattern[i] if i < len(pattern) else 0

    p += 1
    negated = at(p) in b"!^"
    p += negated
    previous, matched = 0, False
    current = at(p)
    while True:  # the first member may be `]`
        if not current:
            return _ABORT_ALL, p
        if current == _BACKSLASH:
            p += 1
            current = at(p)
            if not current:
                return _ABORT_ALL, p
            matched |= char == current
        elif current == ord("-") and previous and at(p + 1) not in (0, _CLOSE):
            p += 1
            current = at(p)
            if current == _BACKSLASH:
                p += 1
                current = at(p)
                if not current:
                    return _ABORT_ALL, p
            matched |= previous <= char <= current  # `[z-a]` is empty; its `z` matched already
            current = 0
        elif current == _OPEN and at(p + 1) == ord(":"):
            close = pattern.find(b"]", p + 2)
            if close < 0:
                return _ABORT_ALL, p
            if close - (p + 2) < 1 or pattern[close - 1] != ord(":"):
                matched |= char == _OPEN  # no `:]`: the `[` is an ordinary member
            else:
                members = _CLASSES.get(pattern[p + 2 : close - 1])
                if members is None:
                    return _ABORT_ALL, p  # `[[:bogus:]]` matches nothing at all
                matched |= char in members
                p, current = close, 0
        else:
            matched |= char == current
        previous = current
        p += 1
        current = at(p)
        if current == _CLOSE:
            break
    if matched == negated or (pathname and char == _SLASH):
        return _NOMATCH, p
    return _MATCH, p + 1
