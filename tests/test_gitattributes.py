"""`.gitattributes` decided as `git check-attr` decides them: each case states git's answer and asks git."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.core.gitattributes import AttributeState, GitAttributes
from bot.core.snapshot import GitAttributesFile

# No system, global or XDG attributes file may take part: only the work tree's `.gitattributes`.
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_ATTR_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "XDG_CONFIG_HOME": "/nonexistent",
    "LC_ALL": "C.UTF-8",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


class CheckAttr:
    """A scratch repository whose work tree holds the `.gitattributes` files under test; git answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        subprocess.run(["git", "init", "-q", str(root)], env=_GIT_ENV, check=True)
        self._written: list[Path] = []

    def write(self, files: Mapping[str, str]) -> None:
        """Make these the only `.gitattributes` files: folder ('' for the root) → text, written as UTF-8."""
        for old in self._written:
            old.unlink()
        self._written = []
        for folder, text in files.items():
            target = self.root / folder / ".gitattributes"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8", "surrogateescape"))
            self._written.append(target)

    def states(self, paths: Sequence[str], attributes: Sequence[str]) -> dict[tuple[str, str], str]:
        """`git check-attr -z --stdin`: (path, attribute) → "set", "unset", "unspecified" or the value."""
        given = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
        done = subprocess.run(
            ["git", "check-attr", "-z", "--stdin", *attributes],
            cwd=self.root,
            env=_GIT_ENV,
            input=given,
            capture_output=True,
            check=True,
        )
        fields = [f.decode("utf-8", "surrogateescape") for f in done.stdout.split(b"\0")[:-1]]
        return {(fields[i], fields[i + 1]): fields[i + 2] for i in range(0, len(fields), 3)}


def rendered(state: AttributeState) -> str:
    """A state as git check-attr prints it."""
    if isinstance(state, str):
        return state
    return {True: "set", False: "unset", None: "unspecified"}[state]


def attributes_of(files: Mapping[str, str]) -> GitAttributes:
    """The matcher over these files: folder → text."""
    return GitAttributes(GitAttributesFile(folder, text) for folder, text in files.items())


@pytest.fixture(scope="module")
def git(tmp_path_factory: pytest.TempPathFactory) -> CheckAttr:
    """One scratch repository for this module's cases; each case rewrites its `.gitattributes` files."""
    return CheckAttr(tmp_path_factory.mktemp("check-attr"))


class Case(NamedTuple):
    id: str
    files: dict[str, str]
    path: str
    attribute: str
    expected: AttributeState


GEN = "linguist-generated"
ROOT_PY = {"": "*.py linguist-generated\n"}

STATES = [
    Case("bare set", {"": "*.pb.go linguist-generated\n"}, "api/v1/x.pb.go", GEN, True),
    Case("=true is a value", {"": "*.py linguist-generated=true\n"}, "a.py", GEN, "true"),
    Case("=TRUE keeps its case", {"": "*.py linguist-generated=TRUE\n"}, "a.py", GEN, "TRUE"),
    Case("=false is a value", {"": "*.py linguist-generated=false\n"}, "a.py", GEN, "false"),
    Case("-attr unsets", {"": "*.py -linguist-generated\n"}, "a.py", GEN, False),
    Case("-attr=value unsets", {"": "*.py -diff=x\n"}, "a.py", "diff", False),
    Case("!attr unspecifies", {"": "*.py linguist-generated\n*.py !linguist-generated\n"}, "a.py", GEN, None),
    Case("no line", ROOT_PY, "a.md", GEN, None),
    Case("empty value", {"": "*.py diff=\n"}, "a.py", "diff", ""),
    Case("value holding =", {"": "*.py diff=a=b\n"}, "a.py", "diff", "a=b"),
    Case("names are case-sensitive", {"": "*.py Linguist-Generated\n"}, "a.py", GEN, None),
    Case("vendored", {"": "third/** linguist-vendored\n"}, "third/x/lib.c", "linguist-vendored", True),
    Case("vendored is not generated", {"": "third/** linguist-vendored\n"}, "third/lib.c", GEN, None),
    Case(
        "documentation", {"": "docs/** linguist-documentation\n"}, "docs/a.md", "linguist-documentation", True
    ),
    Case(
        "documentation unset", {"": "*.md -linguist-documentation\n"}, "a.md", "linguist-documentation", False
    ),
    Case("-diff", {"": "*.png -diff\n"}, "img/a.png", "diff", False),
    Case("diff set", {"": "*.py diff\n"}, "a.py", "diff", True),
    Case("diff=driver", {"": "*.md diff=markdown\n"}, "a.md", "diff", "markdown"),
    Case("!diff", {"": "*.py -diff\n*.py !diff\n"}, "a.py", "diff", None),
]

MACROS = [
    Case("binary unsets diff", {"": "*.bin binary\n"}, "a.bin", "diff", False),
    Case("binary unsets merge", {"": "*.bin binary\n"}, "a.bin", "merge", False),
    Case("binary unsets text", {"": "*.bin binary\n"}, "a.bin", "text", False),
    Case("binary itself is set", {"": "*.bin binary\n"}, "a.bin", "binary", True),
    Case("a later line re-sets diff", {"": "*.bin binary\n*.bin diff\n"}, "a.bin", "diff", True),
    Case("diff before binary on a line", {"": "*.bin diff binary\n"}, "a.bin", "diff", False),
    Case("diff after binary on a line", {"": "*.bin binary diff\n"}, "a.bin", "diff", True),
    Case("binary=value does not expand", {"": "*.bin binary=yes\n"}, "a.bin", "diff", None),
    Case("-binary does not expand", {"": "*.bin -binary\n"}, "a.bin", "diff", None),
    Case("binary in a nested file", {"sub": "*.bin binary\n"}, "sub/a.bin", "diff", False),
    Case("root redefines binary", {"": "[attr]binary -text\n*.bin binary\n"}, "a.bin", "diff", None),
    Case(
        "root macro used in a nested file",
        {"": "[attr]gen linguist-generated\n", "sub": "*.py gen\n"},
        "sub/a.py",
        GEN,
        True,
    ),
    Case("nested macro ignored", {"sub": "[attr]gen linguist-generated\n*.py gen\n"}, "sub/a.py", GEN, None),
    Case("nested macro is not a pattern", {"sub": "[attr]x linguist-generated\n"}, "sub/ax", GEN, None),
    Case("macro defined after use", {"": "*.py gen\n[attr]gen linguist-generated\n"}, "a.py", GEN, True),
    Case("macro of macros", {"": "[attr]a b\n[attr]b linguist-generated\n*.py a\n"}, "a.py", GEN, True),
    Case(
        "later line beats macro",
        {"": "[attr]gen linguist-generated\n*.py gen\n*.py -linguist-generated\n"},
        "a.py",
        GEN,
        False,
    ),
    Case(
        "macro beats earlier line",
        {"": "[attr]gen linguist-generated\n*.py -linguist-generated\n*.py gen\n"},
        "a.py",
        GEN,
        True,
    ),
    Case(
        "last definition wins",
        {"": "[attr]gen linguist-generated\n[attr]gen linguist-vendored\n*.py gen\n"},
        "a.py",
        GEN,
        None,
    ),
    Case("bare [attr] is a pattern", {"": "[attr] linguist-generated\n"}, "a", GEN, True),
    Case("invalid macro name", {"": "[attr]a*b linguist-generated\n*.py a*b\n"}, "a.py", GEN, None),
]

PRECEDENCE = [
    Case(
        "deeper file wins",
        {"": "*.py linguist-generated\n", "api": "*.py -linguist-generated\n"},
        "api/a.py",
        GEN,
        False,
    ),
    Case(
        "root still rules elsewhere",
        {"": "*.py linguist-generated\n", "api": "*.py -linguist-generated\n"},
        "a.py",
        GEN,
        True,
    ),
    Case("later line wins", {"": "*.py linguist-generated\n*.py -linguist-generated\n"}, "a.py", GEN, False),
    Case(
        "deeper early line beats root late line",
        {"api": "*.py -linguist-generated\nx.md linguist-generated\n", "": "*.py linguist-generated\n"},
        "api/a.py",
        GEN,
        False,
    ),
    Case(
        "!attr in a deeper file",
        {"": "*.py linguist-generated\n", "sub": "*.py !linguist-generated\n"},
        "sub/a.py",
        GEN,
        None,
    ),
    Case("sibling file does not apply", {"other": "*.py linguist-generated\n"}, "api/a.py", GEN, None),
    Case("nested basename at any depth", {"sub": "*.py linguist-generated\n"}, "sub/x/y/a.py", GEN, True),
    Case("nested anchored", {"sub": "/a.py linguist-generated\n"}, "sub/a.py", GEN, True),
    Case("nested anchored not deeper", {"sub": "/a.py linguist-generated\n"}, "sub/x/a.py", GEN, None),
    Case("nested path is relative", {"sub": "x/a.py linguist-generated\n"}, "sub/x/a.py", GEN, True),
    Case("nested path not from root", {"sub": "x/a.py linguist-generated\n"}, "x/a.py", GEN, None),
    Case("folder named like a glob", {"[a]": "*.py linguist-generated\n"}, "[a]/b.py", GEN, True),
    Case("glob folder is literal", {"[a]": "*.py linguist-generated\n"}, "a/b.py", GEN, None),
]

PATTERNS = [
    Case(
        "negative pattern ignored",
        {"": "*.py linguist-generated\n!a.py -linguist-generated\n"},
        "a.py",
        GEN,
        True,
    ),
    Case("escaped bang is literal", {"": "\\!a.py linguist-generated\n"}, "!a.py", GEN, True),
    Case("trailing slash matches no file", {"": "gen/ linguist-generated\n"}, "gen/a.py", GEN, None),
    Case("trailing slash not the name", {"": "gen/ linguist-generated\n"}, "gen", GEN, None),
    Case("a name matches no file below it", {"": "gen linguist-generated\n"}, "gen/a.py", GEN, None),
    Case("a name matches at any depth", {"": "gen linguist-generated\n"}, "x/gen", GEN, True),
    Case("dir/** below", {"": "gen/** linguist-generated\n"}, "gen/deep/a.py", GEN, True),
    Case("dir/** not dir itself", {"": "gen/** linguist-generated\n"}, "gen", GEN, None),
    Case("**/ leading", {"": "**/gen/*.py linguist-generated\n"}, "a/b/gen/x.py", GEN, True),
    Case("**/ zero folders", {"": "**/gen/*.py linguist-generated\n"}, "gen/x.py", GEN, True),
    Case("/**/ zero folders", {"": "a/**/b linguist-generated\n"}, "a/b", GEN, True),
    Case("/**/ many folders", {"": "a/**/b linguist-generated\n"}, "a/x/y/b", GEN, True),
    Case("** alone", {"": "** linguist-generated\n"}, "a/b/c", GEN, True),
    Case("a** is a*", {"": "a** linguist-generated\n"}, "x/ab", GEN, True),
    Case("x/**y is x/*y", {"": "foo/**bar linguist-generated\n"}, "foo/xbar", GEN, True),
    Case("x/**y not deeper", {"": "foo/**bar linguist-generated\n"}, "foo/a/bar", GEN, None),
    # git 2.39's match_pathname hands wildmatch the part after the literal prefix, where `**` counts as
    # at the start of the pattern (git 2.52 changed this)
    Case("dir/gen** reaches below (2.39)", {"": "dir/gen** linguist-generated\n"}, "dir/gen/a/b", GEN, True),
    Case("dir/gen**/x zero folders (2.39)", {"": "dir/gen**/x linguist-generated\n"}, "dir/genx", GEN, True),
    Case("* stops at /", {"": "a/* linguist-generated\n"}, "a/b/c", GEN, None),
    Case("*/ one folder", {"": "a/*/c linguist-generated\n"}, "a/b/c", GEN, True),
    Case("leading / anchors", {"": "/a.py linguist-generated\n"}, "a.py", GEN, True),
    Case("leading / not deeper", {"": "/a.py linguist-generated\n"}, "x/a.py", GEN, None),
    Case("inner / anchors", {"": "a/b linguist-generated\n"}, "x/a/b", GEN, None),
    Case("basename at any depth", ROOT_PY, "a/b/c.py", GEN, True),
    Case("? is one byte", {"": "?.txt linguist-generated\n"}, "é.txt", GEN, None),
    Case("?? is é", {"": "??.txt linguist-generated\n"}, "é.txt", GEN, True),
    Case("\\* is literal", {"": "\\*.py linguist-generated\n"}, "*.py", GEN, True),
    Case("\\* is not a star", {"": "\\*.py linguist-generated\n"}, "a.py", GEN, None),
    Case("trailing backslash", {"": "a\\ linguist-generated\n"}, "a\\", GEN, None),
    Case("[a-z]", {"": "[a-z].py linguist-generated\n"}, "q.py", GEN, True),
    Case("[!a]", {"": "[!a].py linguist-generated\n"}, "a.py", GEN, None),
    Case("[!a] other", {"": "[!a].py linguist-generated\n"}, "b.py", GEN, True),
    Case("[^a]", {"": "[^a].py linguist-generated\n"}, "b.py", GEN, True),
    Case("[]]", {"": "[]].py linguist-generated\n"}, "].py", GEN, True),
    Case("[]a]", {"": "[]a].py linguist-generated\n"}, "a.py", GEN, True),
    Case("[z-a] matches z", {"": "[z-a].py linguist-generated\n"}, "z.py", GEN, True),
    Case("[z-a] nothing else", {"": "[z-a].py linguist-generated\n"}, "m.py", GEN, None),
    Case("[a-] dash", {"": "[a-].py linguist-generated\n"}, "-.py", GEN, True),
    Case("unterminated [", {"": "a[b linguist-generated\n"}, "a[b", GEN, None),
    Case("[] unterminated", {"": "[].py linguist-generated\n"}, "].py", GEN, None),
    Case("[[:alpha:]]", {"": "[[:alpha:]].py linguist-generated\n"}, "a.py", GEN, True),
    Case("[[:alpha:]] digit", {"": "[[:alpha:]].py linguist-generated\n"}, "1.py", GEN, None),
    Case("[[:bogus:]]", {"": "[[:bogus:]].py linguist-generated\n"}, "a.py", GEN, None),
    Case("[[:] is a set", {"": "[[:].py linguist-generated\n"}, ":.py", GEN, True),
    Case("[[:space:]] no \\v", {"": "a[[:space:]]b linguist-generated\n"}, "a\vb", GEN, None),
    Case("[/] never a slash", {"": "x[/]y linguist-generated\n"}, "x/y", GEN, None),
    Case("quoted space", {"": '"a b.py" linguist-generated\n'}, "a b.py", GEN, True),
    Case("quoted \\t", {"": '"a\\tb" linguist-generated\n'}, "a\tb", GEN, True),
    Case("quoted octal", {"": '"\\141.py" linguist-generated\n'}, "a.py", GEN, True),
    Case("quoted octal UTF-8", {"": '"\\303\\251.py" linguist-generated\n'}, "é.py", GEN, True),
    Case("quoted quote", {"": '"a\\"b" linguist-generated\n'}, 'a"b', GEN, True),
    Case("bad escape: unquoted", {"": '"a\\qb" linguist-generated\n'}, '"aqb"', GEN, True),
    Case("unterminated quote", {"": '"a.py linguist-generated\n'}, '"a.py', GEN, True),
    Case("quote then attribute", {"": '"a.py"linguist-generated\n'}, "a.py", GEN, True),
    Case("quoted NUL ends it", {"": '"a\\000b" linguist-generated\n'}, "a", GEN, True),
    Case("comment", {"": "# *.py linguist-generated\n"}, "a.py", GEN, None),
    Case("indented comment", {"": " \t# *.py linguist-generated\n"}, "a.py", GEN, None),
    Case("escaped #", {"": "\\#a linguist-generated\n"}, "#a", GEN, True),
    Case("# inside", {"": "a#b linguist-generated\n"}, "a#b", GEN, True),
    Case("CRLF", {"": "*.md -linguist-generated\r\n*.py linguist-generated\r\n"}, "a.py", GEN, True),
    Case("blanks around", {"": "  \t*.py\t\tlinguist-generated  \t\n"}, "a.py", GEN, True),
    Case("form feed is no blank", {"": "*.py\flinguist-generated\n"}, "a.py", GEN, None),
    Case("BOM", {"": "\ufeff*.py linguist-generated\n"}, "a.py", GEN, True),
    Case(
        "NUL ends the line", {"": "*.py\0 linguist-generated\n*.md linguist-generated\n"}, "a.md", GEN, True
    ),
    Case("NUL keeps the part before", {"": "*.py linguist-generated\0 junk*\n"}, "a.py", GEN, True),
    Case("invalid name drops the line", {"": "*.py linguist-generated foo*bar\n"}, "a.py", GEN, None),
    Case("bare - drops the line", {"": "*.py linguist-generated -\n"}, "a.py", GEN, None),
    Case("=value without name", {"": "*.py linguist-generated =x\n"}, "a.py", GEN, None),
    Case("line of 2047 bytes", {"": "*.py linguist-generated" + " " * 2024 + "\n"}, "a.py", GEN, True),
    Case(
        "line of 2048 bytes ignored", {"": "*.py linguist-generated" + " " * 2025 + "\n"}, "a.py", GEN, None
    ),
    Case("no newline at the end", {"": "*.py linguist-generated"}, "a.py", GEN, True),
]

CASES = STATES + MACROS + PRECEDENCE + PATTERNS


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_against_git(case: Case, git: CheckAttr) -> None:
    """The attribute's state is the one stated, and `git check-attr` gives that same state."""
    git.write(case.files)
    from_git = git.states([case.path], [case.attribute])[(case.path, case.attribute)]
    assert from_git == rendered(case.expected)
    assert attributes_of(case.files).state(case.path, case.attribute) == case.expected


def test_case_ids_are_unique() -> None:
    """Every case can be run by its id alone."""
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("*.py linguist-generated", True),
        ("*.py linguist-generated=true", True),
        ("*.py linguist-generated=True", True),
        ("*.py linguist-generated=TRUE", True),
        ("*.py linguist-generated=false", False),
        ("*.py linguist-generated=yes", False),
        ("*.py -linguist-generated", False),
        ("*.py !linguist-generated", False),
        ("*.md linguist-generated", False),
    ],
    ids=["bare", "true", "True", "TRUE", "false", "yes", "unset", "unspecified", "no line"],
)
def test_is_set(line: str, expected: bool) -> None:
    """`is_set` holds for a bare set or the value "true" in any case, nothing else."""
    assert attributes_of({"": line + "\n"}).is_set("a.py", GEN) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*.py -diff\n", True),
        ("*.py binary\n", True),
        ("[attr]nodiff -diff\n*.py nodiff\n", True),
        ("*.py binary\n*.py diff\n", False),
        ("*.py diff=python\n", False),
        ("*.py !diff\n", False),
        ("*.py -text\n", False),
        ("[attr]binary -text\n*.py binary\n", False),
    ],
    ids=[
        "-diff",
        "binary",
        "own macro",
        "binary then diff",
        "diff driver",
        "!diff",
        "-text",
        "binary redefined",
    ],
)
def test_is_binary(text: str, expected: bool, git: CheckAttr) -> None:
    """`is_binary` is git diff's reading: `diff` unset, however it came to be; git agrees on `diff`."""
    git.write({"": text})
    assert (git.states(["a.py"], ["diff"])[("a.py", "diff")] == "unset") is expected
    assert attributes_of({"": text}).is_binary("a.py") is expected


def test_files_call_keeps_working() -> None:
    """The calls bot/core/files.py makes: vendored and generated, each its own attribute."""
    attributes = attributes_of({"": "third/** linguist-vendored\n", "api": "*_pb2.py linguist-generated\n"})
    assert attributes.is_set("third/lib.c", "linguist-vendored")
    assert not attributes.is_set("third/lib.c", "linguist-generated")
    assert attributes.is_set("api/x_pb2.py", "linguist-generated")


def test_many_macros_chained(git: CheckAttr) -> None:
    """A chain of 1,500 macros expands to its end, as in git, without exhausting Python's stack."""
    text = (
        "".join(f"[attr]m{i} m{i + 1}\n" for i in range(1500)) + "[attr]m1500 linguist-generated\n*.py m0\n"
    )
    git.write({"": text})
    assert git.states(["a.py"], [GEN])[("a.py", GEN)] == "set"
    assert attributes_of({"": text}).state("a.py", GEN) is True


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/a/**/a/**/a/**/a/**/a/**/b", "/".join(["a"] * 60) + "/c", False),
        ("**/a/**/a/**/a/**/a/**/a/**/b", "/".join(["a"] * 60) + "/b", True),
        ("*a*a*a*a*a*a*a*a*a*a*a*a", "a" * 200 + "b", False),
        ("x/*a*a*a*a*a*a*a*a*a*a*a*a", "x/" + "a" * 200 + "b", False),
        ("*a" * 1000, "a" * 200, False),
        ("**/" * 100 + "b", "/".join(["a"] * 100) + "/c", False),
    ],
    ids=[
        "**/ chain, no match",
        "**/ chain, match",
        "stars",
        "stars after a folder",
        "2,000-byte line",
        "**/ x 100",
    ],
)
def test_patterns_stay_fast(pattern: str, path: str, expected: bool) -> None:
    """Patterns of many `*` or `**` answer in well under a second, and a line of stars does not exhaust
    Python's stack. Not put to git: git 2.39 is exponential here (16 `**/` against 16 folders: 14 s)."""
    attributes = attributes_of({"": f"{pattern} linguist-generated\n"})
    started = time.perf_counter()
    assert attributes.is_set(path, GEN) is expected
    assert time.perf_counter() - started < 1.0
