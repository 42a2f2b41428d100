"""Property: on random patterns and paths in nested `.gitattributes`, the matcher agrees with git check-attr.

Each example writes up to three files of up to six lines and asks git, in one `check-attr --stdin -z` call,
about 20 paths and 9 attributes; most paths are drawn from the lines' own patterns so that many match.
The closing line of the run states how many pattern/path pairs and answers were compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tally import reported_tally
from tests.test_gitattributes import CheckAttr, attributes_of, rendered

pytestmark = pytest.mark.fuzz

ATTRIBUTES = (
    "linguist-generated",
    "linguist-vendored",
    "linguist-documentation",
    "diff",
    "binary",
    "merge",
    "text",
    "m",
    "n",
)
NOT_UTF8 = "\udce9"  # the byte 0xE9 alone, as surrogateescape decodes it: git matches bytes
FOLDERS = ("", "a", "b", "a/b", "a/a", "a/b/a", "*", "a b", "[a]", "é", NOT_UTF8)
PATTERN_ATOMS = (
    *'*?[]!^-/\\ab. ":#é\t',
    "**",
    "**/",
    "[:alpha:]",
    "[:punct:]",
    "[:x:]",
    "[a-b]",
    "[!a]",
    # bracket edge cases of wildmatch.c: `]` first, ranges open at either end or reversed, escapes in a
    # range, a class inside a range, `[:` without `:]`, and a bracket around multi-byte characters
    "[]a]",
    "[!]a]",
    "[^]]",
    "[a-]",
    "[-a]",
    "[z-a]",
    "[\\]-b]",
    "[a-\\z]",
    "[[]",
    "[[:]",
    "[[:a]",
    "[[::]]",
    "[[:alpha:]-z]",
    "[a-[:digit:]]",
    "[:upper:]",
    "[:space:]",
    "[:cntrl:]",
    "[é]",
    "[!é]",
    "***",
    "/**/",
    "\\",
    "A",
    NOT_UTF8,
)
NAMES = (
    *'ab.*[]!^-\\ "?:#é',
    *(
        "ab",
        "ba",
        "a.b",
        ".a",
        "a*",
        "[a]",
        "a[b",
        "!a",
        "a\\b",
        "a b",
        "a:b",
        "#a",
        "aé",
        "a\tb",
        "\\*",
        "a?",
        "A",
        "a]",
        "-",
        "a" + NOT_UTF8,
        "\x1b",
    ),
)
STAR_FILLS = ("", "a", "ab", "b/a", "é", "a.b", "a/b/a", "A", NOT_UTF8)
FILE_TAILS = ("", "", "", "\n* " + "a" * 2048 + " linguist-vendored\n", "\n*\0 -diff\n*.x\0m diff\n")
GLOBS = ("*", "?", "**", "[ab]", "[!a]", "\\")

names = st.sampled_from(NAMES)
raw_patterns = st.lists(st.sampled_from(PATTERN_ATOMS), min_size=1, max_size=8).map("".join)
states = st.builds(
    lambda prefix, name, value: f"{prefix}{name}{value}",
    st.sampled_from(("", "", "", "-", "!")),
    st.sampled_from((*ATTRIBUTES, "bad*name", "-x", "a.b_c")),
    st.sampled_from(("", "", "", "=true", "=TRUE", "=false", "=x", "=", "=a=b")),
)
blanks = st.sampled_from((" ", "\t", "  ", " \t"))


def clean(path: str) -> str:
    """A path as git lists it: no empty, `.`, `..` or `.git` component."""
    return "/".join(c for c in path.split("/") if c not in ("", ".", "..", ".git")) or "a"


def paths(draw: st.DrawFn) -> str:
    """A random path, often below one of the folders that hold a file."""
    folder = draw(st.sampled_from(FOLDERS))
    return clean("/".join([folder, *draw(st.lists(names, min_size=1, max_size=3))]))


def globbed(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern made from a path by putting wildcards in place of a few of its characters, and the path."""
    path = paths(draw)
    chars = list(path)
    for at, glob in draw(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(GLOBS)), max_size=3)):
        chars[at % len(chars)] = glob
    return "".join(chars), path


def instance(draw: st.DrawFn, pattern: str) -> str:
    """A path the pattern may well match: its wildcards filled in, a member taken from each `[...]`."""
    out, at = [], 0
    while at < len(pattern):
        char, at = pattern[at], at + 1
        close = pattern.find("]", at + 1) if char == "[" else -1
        if char == "*":
            out.append(draw(st.sampled_from(STAR_FILLS)))
        elif char == "?":
            out.append(draw(st.sampled_from(("a", "b", "?"))))
        elif char == "\\" and at < len(pattern):
            out.append(pattern[at])
            at += 1
        elif close > 0:
            members = pattern[at:close].lstrip("!^") or "a"
            out.append(draw(st.sampled_from(members)) if draw(st.booleans()) else "c")
            at = close + 1
        else:
            out.append(char)
    return "".join(out)


def quoted(draw: st.DrawFn, pattern: str) -> str:
    """The pattern C-quoted as git reads it: plain, or with punctuation and non-ASCII bytes in octal."""
    octal = draw(st.booleans())
    out = []
    for char in pattern:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t":
            out.append("\\t")
        elif octal and not char.isalnum():
            out.append("".join(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogateescape")))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@st.composite
def lines(draw: st.DrawFn, folder: str) -> tuple[str, list[str]]:
    """One line and paths it may match, from the folder: instances of its pattern, the path it was made
    from (none for comments and macro definitions)."""
    kind = draw(st.sampled_from(("rule",) * 8 + ("comment", "macro", "noise")))
    if kind == "noise":  # any text at all: whatever git makes of it, the matcher must make too
        return draw(st.text(max_size=30)) + draw(st.sampled_from(("", " linguist-generated", " -diff"))), []
    if kind == "comment":
        return draw(st.sampled_from(("#", " #", "\\#"))) + draw(raw_patterns) + " linguist-generated", []
    if kind == "macro":
        name = draw(st.sampled_from(("m", "n", "binary", "linguist-generated")))
        return f"[attr]{name}" + "".join(f" {s}" for s in draw(st.lists(states, max_size=3))), []
    pattern, origin = (draw(raw_patterns), None) if draw(st.integers(0, 2)) == 2 else globbed(draw)
    written = quoted(draw, pattern) if draw(st.booleans()) and draw(st.booleans()) else pattern
    body = "".join(draw(blanks) + s for s in draw(st.lists(states, min_size=1, max_size=3)))
    lead, tail = draw(st.sampled_from(("", "", " ", "\t"))), draw(st.sampled_from(("", "", " ", "\r")))
    below = [instance(draw, pattern) for _ in range(3)] + ([origin] if origin else [])
    return lead + written + body + tail, [clean(f"{folder}/{p}") for p in below]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, str], list[str], int]:
    """`.gitattributes` files (folder → text), up to 20 distinct paths, and how many lines have a pattern."""
    folders = draw(st.lists(st.sampled_from(FOLDERS), min_size=1, max_size=3, unique=True))
    files: dict[str, str] = {}
    candidates: list[str] = []
    rules = 0
    for folder in folders:
        written = draw(st.lists(lines(folder), min_size=1, max_size=6))
        text = "\n".join(text for text, _ in written) + draw(st.sampled_from(("", "\n", "\r\n")))
        # a byte-order mark (skipped by git), a line git ignores for its length, a NUL that ends a line
        files[folder] = (
            draw(st.sampled_from(("", "", "", "\ufeff"))) + text + draw(st.sampled_from(FILE_TAILS))
        )
        rules += sum(1 for _, near in written if near)
        candidates += [path for _, near in written for path in near]
    near = list(dict.fromkeys(candidates))
    chosen = draw(st.permutations(near))[:15] if near else []  # most from the lines, the rest anywhere
    for _ in range(20 - len(chosen)):
        chosen += [path] if (path := paths(draw)) not in chosen else []
    return files, chosen, rules


@pytest.fixture(scope="module")
def git(tmp_path_factory: pytest.TempPathFactory) -> CheckAttr:
    """One scratch repository for every example."""
    return CheckAttr(tmp_path_factory.mktemp("check-attr-fuzz"))


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Counts of what was compared, reported once the module's examples have run."""
    yield from reported_tally(
        request,
        lambda counts: (
            f"gitattributes fuzz: {counts['examples']:,} examples, {counts['pairs']:,} pattern/path pairs, "
            f"{counts['answers']:,} path/attribute answers ({counts['specified']:,} not unspecified) "
            f"compared with git check-attr, {counts['disagreements']} disagreements"
        ),
    )


# Twenty paths and their files are the smallest example worth a git process.
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(scenarios())
def test_agrees_with_git_check_attr(
    git: CheckAttr, tally: Counter[str], scenario: tuple[dict[str, str], list[str], int]
) -> None:
    """For every path and attribute, the state is what `git check-attr` prints; nothing raises."""
    files, chosen, rules = scenario
    git.write(files)
    expected = git.states(chosen, ATTRIBUTES)
    attributes = attributes_of(files)
    got = {(p, a): rendered(attributes.state(p, a)) for p in chosen for a in ATTRIBUTES}
    wrong = {key: (got[key], expected[key]) for key in got if got[key] != expected[key]}
    tally.update(
        examples=1,
        pairs=rules * len(chosen),
        answers=len(got),
        specified=sum(v != "unspecified" for v in expected.values()),
        disagreements=len(wrong),
    )
    assert not wrong, f"files {files!r}: (path, attribute) → (ours, git's) {wrong!r}"
