"""When the LLM review is called: only after a passing gate, on a diff with code a model can read."""

from __future__ import annotations

import difflib
from dataclasses import replace

import pytest

from bot.core.diff import parse_file_patch
from bot.core.snapshot import (
    ChangedFile,
    FileStatus,
    GitAttributesFile,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.core.verdict import Conclusion, evaluate
from bot.llm.report import ReviewFacts, review_output
from bot.llm.when import CALL, review_decision

INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)
LOCK = b'{\n  "name": "app",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {}\n}\n'
MANIFEST = '{"name": "app"}\n'


def _file(
    path: str, added: int = 5, status: FileStatus = FileStatus.MODIFIED, head: bytes = b""
) -> ChangedFile:
    return ChangedFile(path, status, added, 2, head=head or None, head_size=len(head) if head else None)


SOURCE = _file("src/app.py")
TEST = _file("tests/test_app.py")
DOCS = _file("docs/guide.md")
README = _file("README.md")
LOCKFILE = _file("package-lock.json", head=LOCK)
GENERATED = _file("gen/schema.py")
GENERATED_ATTRIBUTES = (GitAttributesFile("", "gen/** linguist-generated\n"),)

CASES = {
    "source change is reviewed": ((SOURCE,), None, (), True, CALL),
    "source with docs and a lockfile is reviewed": ((SOURCE, DOCS, LOCKFILE), None, (), True, CALL),
    "tests alone are reviewed": ((TEST,), None, (), True, CALL),
    "a human login is reviewed": ((SOURCE,), "octocat", (), True, CALL),
    "docs only": ((DOCS, README), None, (), False, "docs only"),
    "docs and a lockfile": ((DOCS, LOCKFILE), None, (), False, "docs only"),
    "lockfile only": ((LOCKFILE,), None, (), False, "lockfiles only"),
    "a bot's pull request": ((SOURCE,), "dependabot[bot]", (), False, "authored by a bot (dependabot[bot])"),
    "generated files only": ((GENERATED,), None, GENERATED_ATTRIBUTES, False, "no added line outside"),
    "deletions only": ((_file("src/app.py", added=0),), None, (), False, "no added line outside"),
    "a removed source file": (
        (_file("src/old.py", added=0, status=FileStatus.REMOVED),),
        None,
        (),
        False,
        "no added line outside",
    ),
    "no file at all": ((), None, (), False, "no added line outside"),
}


@pytest.mark.parametrize(
    ("files", "author", "attributes", "call", "reason"), list(CASES.values()), ids=list(CASES)
)
def test_review_decision(
    files: tuple[ChangedFile, ...],
    author: str | None,
    attributes: tuple[GitAttributesFile, ...],
    call: bool,
    reason: str,
) -> None:
    """After a passing gate the model is called only where it has code to read and a human wrote it."""
    snapshot = PullRequestSnapshot(
        replace(INFO, author=author),
        files,
        repository=RepositoryFiles(gitattributes=attributes, manifests={"package.json": MANIFEST}),
    )
    verdict = evaluate(snapshot)
    assert verdict.conclusion is Conclusion.SUCCESS
    decided, why = review_decision(snapshot, verdict)
    assert (decided, why.startswith(reason)) == (call, True), why


def test_a_failed_gate_is_never_reviewed() -> None:
    """A pull request the gate failed gets no model call, whatever its diff: the failure stands."""
    snapshot = PullRequestSnapshot(INFO, (_file("src/big.py", added=5_000),))
    verdict = evaluate(snapshot)
    assert verdict.conclusion is Conclusion.FAILURE
    assert review_decision(snapshot, verdict) == (
        False,
        "the deterministic gate did not pass: its verdict stands without a model",
    )


# ---------------------------------------------------------------------------------------------------------
# Changes parsing proves leave nothing to review: whitespace, comments, version values (bot.llm.unchanged).


def _modified(
    path: str, base: str, head: str, *, base_held: bool = True, whole_head: bool = True
) -> ChangedFile:
    """`path` changed in place from `base` to `head`, with the hunks git would give (3 lines of context)."""
    diff = list(difflib.unified_diff(base.splitlines(True), head.splitlines(True), n=3))
    hunks = parse_file_patch("".join(diff[2:]))
    added = sum(len(h.added) for h in hunks)
    removed = sum(len(h.removed) for h in hunks)
    data = head.encode()
    return ChangedFile(
        path,
        FileStatus.MODIFIED,
        added,
        removed,
        hunks=hunks,
        head=data,
        head_size=len(data) if whole_head else len(data) + 100,
        base_start=base.encode()[:4096],
        base=base.encode() if base_held else None,
    )


PY_BASE = 'import os\n\n\ndef f(a, b):\n    """Add."""\n    # the sum\n    return a + b\n'
GO_BASE = "package main\n\n// F adds.\nfunc F(a, b int) int {\n\treturn a + b\n}\n"
TS_BASE = (
    "/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n"
)
PACKAGE = (
    '{\n  "name": "app",\n  "version": "1.2.0",\n  "dependencies": {\n    "left-pad": "^1.3.0"\n  }\n}\n'
)
PYPROJECT = (
    '[project]\nname = "app"\nversion = "1.0"\n'
    "dependencies = [\n    \"attrs>=23.1; python_version<'3.13'\",\n]\n"
)
CARGO = (
    '[package]\nname = "app"\nversion = "0.1.0"\n\n'
    '[dependencies]\nserde = { version = "1.0.200", features = ["derive"] }\n'
)
GO_MOD = (
    "module example.com/app\n\ngo 1.22\n\n"
    "require (\n\tgithub.com/x/y v1.2.3\n\tgolang.org/x/mod v0.37.0 // indirect\n)\n"
)
WORKFLOW = (
    "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@0ad4b8fadaa221de15dcec353f45205ec38ea70b # v4.1.4\n"
    "      - uses: actions/setup-node@v4\n        with:\n          node-version: 22\n"
    "      - run: npm test\n"
)
PRE_COMMIT = (
    "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
    "    rev: v0.15.20\n    hooks:\n      - id: ruff\n"
)
BAZEL = (
    'bazel_dep(name = "rules_pkg", version = "1.2.0")\n\npnpm.pnpm(\n    name = "pnpm",\n'
    '    pnpm_version = "11.5.3",\n    pnpm_version_integrity = "sha512-esHJGTQcITo03A0Cr7cUPFwmrC==",\n)\n'
)
WHITESPACE = "whitespace only"
COMMENTS = "comments only"
VERSIONS = "version bumps only"
PARSED_CASES: dict[str, tuple[tuple[ChangedFile, ...], bool, str]] = {
    # Whitespace between tokens.
    "go: an indentation fixed (tabs for spaces)": (
        (_modified("main.go", GO_BASE, GO_BASE.replace("\treturn", "    return")),),
        False,
        WHITESPACE,
    ),
    "typescript: trailing spaces removed": (
        (_modified("add.ts", TS_BASE.replace("{\n", "{   \n"), TS_BASE),),
        False,
        WHITESPACE,
    ),
    "python: a continuation line re-indented inside brackets": (
        (_modified("m.py", "x = f(1,\n      2)\n", "x = f(1,\n  2)\n"),),
        False,
        WHITESPACE,
    ),
    "python: a blank line and spaces between tokens": (
        (_modified("m.py", PY_BASE, PY_BASE.replace("\n\n\ndef", "\n\n\n\ndef  ")),),
        False,
        WHITESPACE,
    ),
    "python: a statement indented into the if block is code": (
        (_modified("m.py", "if a:\n    b()\nc()\n", "if a:\n    b()\n    c()\n"),),
        True,
        CALL,
    ),
    "python: whitespace inside a string literal is code": (
        (_modified("m.py", 'x = "a  b"\n', 'x = "a b"\n'),),
        True,
        CALL,
    ),
    "python: whitespace inside a string with escapes is code": (
        (_modified("m.py", 'x = "a\\n  b"\n', 'x = "a\\n b"\n'),),
        True,
        CALL,
    ),
    "go: indentation inside a raw string (a help text) is code": (
        (
            _modified(
                "help.go", "package p\n\nvar h = `\n    Usage\n`\n", "package p\n\nvar h = `\n\tUsage\n`\n"
            ),
        ),
        True,
        CALL,
    ),
    "javascript: whitespace inside a template literal is code": (
        (_modified("a.js", "const s = `a  ${b}`;\n", "const s = `a ${b}`;\n"),),
        True,
        CALL,
    ),
    "yaml: indentation (no parser here) is a change": (
        (_modified("ci.yml", "a:\n  b: 1\nc: 2\n", "a:\n  b: 1\n  c: 2\n"),),
        True,
        CALL,
    ),
    "a workflow step moved, its lines unchanged": (
        (
            _modified(
                ".github/workflows/ci.yml",
                "steps:\n  - run: a\n  - run: b\n  - run: c\n",
                "steps:\n  - run: b\n  - run: a\n  - run: c\n",
            ),
        ),
        True,
        CALL,
    ),
    "ruby: a squiggly heredoc's indentation is its text": (
        (_modified("a.rb", "x = <<~EOS\n  a\n    b\nEOS\n", "x = <<~EOS\n  a\n  b\nEOS\n"),),
        True,
        CALL,
    ),
    "java: a text block's indentation is its text": (
        (
            _modified(
                "A.java",
                'class A {\n  String s = """\n    a\n      b\n    """;\n}\n',
                'class A {\n  String s = """\n    a\n    b\n    """;\n}\n',
            ),
        ),
        True,
        CALL,
    ),
    "java: code re-indented": (
        (_modified("A.java", "class A {\n  int x = 1;\n}\n", "class A {\n    int x = 1;\n}\n"),),
        False,
        WHITESPACE,
    ),
    "python: a file that no longer parses": (
        (_modified("m.py", "def f():\n    return 1\n", "def f():\n    return 1\n  x = 2\n"),),
        True,
        CALL,
    ),
    "python: a blank line between a suppression and the line it covers": (
        (
            _modified(
                "m.py",
                "# scopegate: ignore[debug-output] CLI output\nprint(x)\n",
                "# scopegate: ignore[debug-output] CLI output\n\nprint(x)\n",
            ),
        ),
        True,
        CALL,
    ),
    "typescript: a line break after @ts-expect-error": (
        (
            _modified(
                "a.ts",
                "// @ts-expect-error: untyped\nconst x: number = y;\n",
                "// @ts-expect-error: untyped\n\nconst x: number = y;\n",
            ),
        ),
        True,
        CALL,
    ),
    # Comments and docstrings.
    "python: a comment's typo fixed": (
        (_modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total")),),
        False,
        COMMENTS,
    ),
    "python: a docstring added": (
        (_modified("m.py", "def g():\n    return 1\n", 'def g():\n    """One."""\n    return 1\n'),),
        False,
        COMMENTS,
    ),
    "go: a doc comment rewritten": (
        (
            _modified(
                "main.go", GO_BASE, GO_BASE.replace("// F adds.", "// F returns the sum\n// of a and b.")
            ),
        ),
        False,
        COMMENTS,
    ),
    "java: a comment reworded": (
        (
            _modified(
                "A.java", "class A {\n  // one\n  int x;\n}\n", "class A {\n  // the one\n  int x;\n}\n"
            ),
        ),
        False,
        COMMENTS,
    ),
    "typescript: a JSDoc rewritten": (
        (_modified("add.ts", TS_BASE, TS_BASE.replace("Adds two numbers.", "The sum of `a` and `b`.")),),
        False,
        COMMENTS,
    ),
    "rust: a doc comment's link with a python example beside it": (
        (
            _modified(
                "lib.rs",
                "/// See <https://a/3.10>.\n///\n/// ```python\n/// x = 1\n/// ```\nfn f() {}\n",
                "/// See <https://a/3>.\n///\n/// ```python\n/// x = 1\n/// ```\nfn f() {}\n",
            ),
        ),
        False,
        COMMENTS,
    ),
    "python: `# type: ignore` added is a directive": (
        (_modified("m.py", "x = f()\n", "x = f()  # type: ignore[no-any-return]\n"),),
        True,
        CALL,
    ),
    "python: a module-wide `# type: ignore` added is a directive": (
        (_modified("m.py", "x = f()\n", "# type: ignore\nx = f()\n"),),
        True,
        CALL,
    ),
    "python: a `#` line inside a multi-line string is its text": (
        (_modified("m.py", 'x = """\n# red\n"""\n', 'x = """\n# blue\n"""\n'),),
        True,
        CALL,
    ),
    "python: `# noqa` added is a directive": (
        (_modified("m.py", "import os\n", "import os  # noqa: F401\n"),),
        True,
        CALL,
    ),
    "python: a scopegate suppression added is a directive": (
        (_modified("m.py", "print(x)\n", "# scopegate: ignore[debug-output] the CLI prints\nprint(x)\n"),),
        True,
        CALL,
    ),
    "python: a doctest changed": (
        (
            _modified(
                "m.py",
                'def f():\n    """Add.\n\n    >>> f()\n    1\n    """\n    return 1\n',
                'def f():\n    """Add.\n\n    >>> f()\n    2\n    """\n    return 1\n',
            ),
        ),
        True,
        CALL,
    ),
    "python: a string statement after code is not a docstring": (
        (_modified("m.py", 'x = 1\n"""note"""\n', 'x = 1\n"""other note"""\n'),),
        True,
        CALL,
    ),
    "python: a `#` inside a string is not a comment": (
        (_modified("m.py", 'x = "# red"\n', 'x = "# blue"\n'),),
        True,
        CALL,
    ),
    "python: a comment and a line of code changed": (
        (
            _modified(
                "m.py",
                PY_BASE,
                PY_BASE.replace("# the sum\n    return a + b", "# the difference\n    return a - b"),
            ),
        ),
        True,
        CALL,
    ),
    "python: the encoding cookie is a directive": (
        (_modified("m.py", "# -*- coding: utf-8 -*-\nx = 1\n", "# -*- coding: latin-1 -*-\nx = 1\n"),),
        True,
        CALL,
    ),
    "go: a build constraint is a directive": (
        (_modified("main.go", "//go:build linux\n\n" + GO_BASE, "//go:build darwin\n\n" + GO_BASE),),
        True,
        CALL,
    ),
    "go: a line of an example's expected output is a test": (
        (
            _modified(
                "x_test.go",
                "package p\n\nfunc ExampleF() {\n\tF()\n\t// Output:\n\t// 1\n}\n",
                "package p\n\nfunc ExampleF() {\n\tF()\n\t// Output:\n\t// 2\n}\n",
            ),
        ),
        True,
        CALL,
    ),
    "go: the cgo preamble is C code": (
        (
            _modified(
                "c.go",
                'package p\n\n// #include <stdio.h>\nimport "C"\n',
                'package p\n\n// #include <stdlib.h>\nimport "C"\n',
            ),
        ),
        True,
        CALL,
    ),
    "rust: a line of a doctest is a test": (
        (
            _modified(
                "lib.rs",
                "/// Adds.\n///\n/// ```\n/// assert_eq!(add(1, 1), 2);\n/// ```\nfn add() {}\n",
                "/// Adds.\n///\n/// ```\n/// assert_eq!(add(1, 1), 3);\n/// ```\nfn add() {}\n",
            ),
        ),
        True,
        CALL,
    ),
    "typescript: @ts-expect-error added is a directive": (
        (_modified("a.ts", "const x: number = y;\n", "// @ts-expect-error untyped\nconst x: number = y;\n"),),
        True,
        CALL,
    ),
    "javascript: a JSDoc type is checked code": (
        (_modified("a.js", "/** @type {string} */\nlet x;\n", "/** @type {number} */\nlet x;\n"),),
        True,
        CALL,
    ),
    "yaml: a comment (no parser: `#` may be a block scalar's text)": (
        (_modified("ci.yml", "run: |\n  # step one\n  make\n", "run: |\n  # step 1\n  make\n"),),
        True,
        CALL,
    ),
    # Version values.
    "package.json: a dependency's range bumped": (
        (_modified("package.json", PACKAGE, PACKAGE.replace("^1.3.0", "^1.4.0")),),
        False,
        VERSIONS,
    ),
    "package.json: the package's own version": (
        (_modified("package.json", PACKAGE, PACKAGE.replace('"1.2.0"', '"1.3.0"')),),
        False,
        VERSIONS,
    ),
    "pyproject.toml: a requirement's lower bound raised": (
        (_modified("pyproject.toml", PYPROJECT, PYPROJECT.replace(">=23.1", ">=24.2")),),
        False,
        VERSIONS,
    ),
    "Cargo.toml: a dependency's version in its table": (
        (_modified("Cargo.toml", CARGO, CARGO.replace("1.0.200", "1.0.210")),),
        False,
        VERSIONS,
    ),
    "go.mod: requirements bumped": (
        (_modified("go.mod", GO_MOD, GO_MOD.replace("v1.2.3", "v1.2.4").replace("v0.37.0", "v0.40.0")),),
        False,
        VERSIONS,
    ),
    "requirements.txt: a pin bumped": (
        (_modified("requirements.txt", "attrs==23.1.0\nrich>=13\n", "attrs==24.2.0\nrich>=13\n"),),
        False,
        VERSIONS,
    ),
    "pre-commit: a hook's rev bumped": (
        (_modified(".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace("v0.15.20", "v0.15.22")),),
        False,
        VERSIONS,
    ),
    "workflow: an action's pinned commit and its version comment": (
        (
            _modified(
                ".github/workflows/ci.yml",
                WORKFLOW,
                WORKFLOW.replace(
                    "0ad4b8fadaa221de15dcec353f45205ec38ea70b # v4.1.4",
                    "11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
                ),
            ),
        ),
        False,
        VERSIONS,
    ),
    "workflow: a setup action's runtime version": (
        (
            _modified(
                ".github/workflows/ci.yml",
                WORKFLOW,
                WORKFLOW.replace("node-version: 22", "node-version: 24.1.0"),
            ),
        ),
        False,
        VERSIONS,
    ),
    "workflow: a tool's commit pinned in the environment": (
        (
            _modified(
                ".github/workflows/ci.yml",
                "env:\n  ANALYZER_COMMIT: 27b644f296d70fccacb7d7c23c91c5d6ccd8713d\n",
                "env:\n  ANALYZER_COMMIT: 2b409ad30445f16b863919e0799b438c6b04c645\n",
            ),
        ),
        False,
        VERSIONS,
    ),
    "workflow: a number under a name that merely holds REV": (
        (_modified(".github/workflows/ci.yml", "env:\n  REVIEWERS: 2\n", "env:\n  REVIEWERS: 3\n"),),
        True,
        CALL,
    ),
    "a VERSION file": (
        (_modified("version/VERSION", "1.16.0-dev\n", "1.16.0-alpha20260617\n"),),
        False,
        VERSIONS,
    ),
    "python: __version__ bumped": (
        (_modified("app/version.py", '__version__ = "2.3.0+dev"\n', '__version__ = "2.4.0+dev"\n'),),
        False,
        VERSIONS,
    ),
    "MODULE.bazel: a bazel_dep, and a tool's version with its checksum": (
        (
            _modified(
                "MODULE.bazel",
                BAZEL,
                BAZEL.replace('"1.2.0"', '"1.3.0"').replace("11.5.3", "11.7.0").replace("esHJGTQ", "GcyFLBI"),
            ),
        ),
        False,
        VERSIONS,
    ),
    "package.json: a dependency added": (
        (
            _modified(
                "package.json", PACKAGE, PACKAGE.replace('"^1.3.0"\n', '"^1.3.0",\n    "is-odd": "^3.0.1"\n')
            ),
        ),
        True,
        CALL,
    ),
    "package.json: a dependency pointed at a git URL": (
        (_modified("package.json", PACKAGE, PACKAGE.replace("^1.3.0", "github:someone/left-pad#1.3.0")),),
        True,
        CALL,
    ),
    "package.json: a dependency moved to a dist-tag": (
        (_modified("package.json", PACKAGE, PACKAGE.replace("^1.3.0", "latest")),),
        True,
        CALL,
    ),
    "package.json: a version and the name changed": (
        (
            _modified(
                "package.json", PACKAGE, PACKAGE.replace('"1.2.0"', '"1.3.0"').replace('"app"', '"app2"')
            ),
        ),
        True,
        CALL,
    ),
    "pyproject.toml: a requirement's marker changed with its version": (
        (
            _modified(
                "pyproject.toml",
                PYPROJECT,
                PYPROJECT.replace(">=23.1; python_version<'3.13'", ">=24; python_version<'3.14'"),
            ),
        ),
        True,
        CALL,
    ),
    "pyproject.toml: requires-python is no dependency": (
        (
            _modified(
                "pyproject.toml",
                PYPROJECT + 'requires-python = ">=3.10"\n',
                PYPROJECT + 'requires-python = ">=3.9"\n',
            ),
        ),
        True,
        CALL,
    ),
    "go.mod: a replace directive added": (
        (_modified("go.mod", GO_MOD, GO_MOD + "\nreplace github.com/x/y => github.com/fork/y v1.2.3\n"),),
        True,
        CALL,
    ),
    "go.mod: the language version": (
        (_modified("go.mod", GO_MOD, GO_MOD.replace("go 1.22", "go 1.23")),),
        True,
        CALL,
    ),
    "requirements.txt: a pin replaced by a URL": (
        (_modified("requirements.txt", "attrs==23.1.0\n", "attrs @ https://example.com/attrs.whl\n"),),
        True,
        CALL,
    ),
    "workflow: an action swapped for another": (
        (
            _modified(
                ".github/workflows/ci.yml",
                WORKFLOW,
                WORKFLOW.replace("actions/setup-node@v4", "someone/setup-node@v4"),
            ),
        ),
        True,
        CALL,
    ),
    "workflow: an action pointed at a branch": (
        (
            _modified(
                ".github/workflows/ci.yml",
                WORKFLOW,
                WORKFLOW.replace("actions/setup-node@v4", "actions/setup-node@main"),
            ),
        ),
        True,
        CALL,
    ),
    "MODULE.bazel: a checksum changed without its version": (
        (_modified("MODULE.bazel", BAZEL, BAZEL.replace("esHJGTQ", "GcyFLBI")),),
        True,
        CALL,
    ),
    "python: __version__ bumped beside code": (
        (_modified("app/version.py", '__version__ = "2.3"\nX = 1\n', '__version__ = "2.4"\nX = 2\n'),),
        True,
        CALL,
    ),
    "python: a function's local `version` is code": (
        (_modified("m.py", 'def f():\n    version = "1.0"\n', 'def f():\n    version = "2.0"\n'),),
        True,
        CALL,
    ),
    # Whole pull requests.
    "a version bump beside a code change": (
        (
            _modified("package.json", PACKAGE, PACKAGE.replace("^1.3.0", "^1.4.0")),
            _modified("m.py", "x = 1\n", "x = 2\n"),
        ),
        True,
        CALL,
    ),
    "a release: the changelog and the version": (
        (
            _modified("CHANGELOG.md", "# Changes\n", "# Changes\n\n## 1.3.0\n\n- Faster.\n"),
            _modified("package.json", PACKAGE, PACKAGE.replace('"1.2.0"', '"1.3.0"')),
        ),
        False,
        "docs and version bumps only",
    ),
    "docs, comments and version bumps together": (
        (
            _modified("README.md", "# App\n", "# App\n\nMore.\n"),
            _modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total")),
            _modified("package.json", PACKAGE, PACKAGE.replace("^1.3.0", "^1.4.0")),
        ),
        False,
        "docs, comments and version bumps only: no changed file has a code change",
    ),
    "a comment fixed beside a new file": (
        (
            _modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total")),
            ChangedFile("new.py", FileStatus.ADDED, 1, 0, head=b"# nothing\n", head_size=10),
        ),
        True,
        CALL,
    ),
    "the base's text was not gathered": (
        (_modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total"), base_held=False),),
        True,
        CALL,
    ),
    "the head's text is only its start": (
        (_modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total"), whole_head=False),),
        True,
        CALL,
    ),
}


@pytest.mark.parametrize(("files", "call", "reason"), list(PARSED_CASES.values()), ids=list(PARSED_CASES))
def test_changes_parsing_proves_leave_nothing_to_review(
    files: tuple[ChangedFile, ...], call: bool, reason: str
) -> None:
    """Whitespace between tokens, comments and docstrings, and version values are skipped, each with its
    reason; a look-alike that changes what the code does (or cannot be proven not to) is reviewed."""
    snapshot = PullRequestSnapshot(INFO, files)
    verdict = evaluate(snapshot)
    assert verdict.conclusion is Conclusion.SUCCESS, verdict.findings
    decided, why = review_decision(snapshot, verdict)
    assert (decided, why.startswith(reason)) == (call, True), why


def test_a_skip_s_reason_is_what_the_review_check_says() -> None:
    """The review check of a comment-only change ends neutral, its title the reason's first clause and
    its summary the whole reason."""
    snapshot = PullRequestSnapshot(
        INFO, (_modified("m.py", PY_BASE, PY_BASE.replace("# the sum", "# the total")),)
    )
    call, why = review_decision(snapshot, evaluate(snapshot))
    assert not call
    output = review_output(ReviewFacts("gpt-5-mini", why))
    assert output.conclusion is Conclusion.NEUTRAL
    assert output.title == "Skipped: comments only"
    assert f"No LLM review: {why}." in output.summary
