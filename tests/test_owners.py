"""CODEOWNERS matching as GitHub documents it, one named case per behaviour."""

from __future__ import annotations

import pytest

from bot.core.owners import MAX_CODEOWNERS_BYTES, choose_codeowners, owners_of, parse_codeowners

CASES = [
    # (id, CODEOWNERS text, path, owners expected, line expected)
    ("star-everything", "* @all", "a/b/c.py", ("@all",), 1),
    ("ext-any-depth", "*.js @js", "x/y/a.js", ("@js",), 1),
    ("ext-root", "*.js @js", "a.js", ("@js",), 1),
    ("ext-no-match", "*.js @js", "a.jsx", (), None),
    ("last-line-wins", "* @all\n*.js @js", "a.js", ("@js",), 2),
    ("earlier-line-loses", "*.js @js\n* @all", "a.js", ("@all",), 2),
    ("no-owners-clears", "/apps/ @octocat\n/apps/github", "apps/github/x.rb", (), 2),
    ("cleared-sibling-kept", "/apps/ @octocat\n/apps/github", "apps/web/x.rb", ("@octocat",), 1),
    ("dir-anywhere", "apps/ @apps", "src/apps/a.py", ("@apps",), 1),
    ("dir-root-only", "/build/logs/ @logs", "x/build/logs/a", (), None),
    ("dir-root", "/build/logs/ @logs", "build/logs/deep/a", ("@logs",), 1),
    ("slash-star-not-recursive", "docs/* @docs", "docs/build-app/t.md", (), None),
    ("slash-star-direct", "docs/* @docs", "docs/start.md", ("@docs",), 1),
    ("root-star-files-only", "/* @root", "src/a.py", (), None),
    ("root-star-root-file", "/* @root", "setup.py", ("@root",), 1),
    ("double-star-dir", "**/logs @l", "deep/er/logs/x", ("@l",), 1),
    ("double-star-mid", "/a/**/b @b", "a/x/y/b", ("@b",), 1),
    ("double-star-mid-zero", "/a/**/b @b", "a/b", ("@b",), 1),
    ("double-star-end", "/a/** @a", "a/x/y", ("@a",), 1),
    ("question-mark", "/a?.py @q", "ab.py", ("@q",), 1),
    ("question-not-slash", "/a?b @q", "a/b", (), None),
    ("case-sensitive", "/Docs/ @d", "docs/a.md", (), None),
    ("team-owner", "/src/ @org/team", "src/a", ("@org/team",), 1),
    ("email-owner", "/src/ dev@example.com", "src/a", ("dev@example.com",), 1),
    ("many-owners", "* @a @b/c d@e.io", "x", ("@a", "@b/c", "d@e.io"), 1),
    ("inline-comment", "* @a # owners of all", "x", ("@a",), 1),
    ("comment-line", "# * @a", "x", (), None),
    ("backslash-hash-not-escape", "\\#x @h", "#x", (), None),
    ("negation-skipped", "* @a\n!x @b", "x", ("@a",), 1),
    ("range-skipped", "* @a\n[xy] @b", "x", ("@a",), 1),
    ("anchored-middle-slash", "src/lib @l", "other/src/lib/a", (), None),
    ("file-name-anywhere", "Makefile @m", "a/b/Makefile", ("@m",), 1),
    ("name-matches-folder", "vendor @v", "a/vendor/x.go", ("@v",), 1),
    ("exact-file", "/README.md @r", "README.md", ("@r",), 1),
    ("blank-lines-numbered", "\n\n* @a", "x", ("@a",), 3),
]


@pytest.mark.parametrize(
    ("text", "path", "owners", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_github_semantics(text: str, path: str, owners: tuple[str, ...], line: int | None) -> None:
    """Each documented rule decides who owns the path and which line says so."""
    match = owners_of(parse_codeowners(text), path)
    assert (match.owners, match.line) == (owners, line)


def test_invalid_lines_reported_with_numbers() -> None:
    """Lines GitHub skips are reported by number with a reason; the valid ones still apply."""
    parsed = parse_codeowners("* @a\n!x @b\n[ab] @c\n/x not-an-owner\n")
    assert [(bad.line, bad.reason.split()[0]) for bad in parsed.invalid] == [
        (2, "negation"),
        (3, "character"),
        (4, "'not-an-owner'"),
    ]
    assert [rule.line for rule in parsed.rules] == [1]


def test_too_large_file_not_loaded() -> None:
    """A file past 3 MB is not loaded: nobody owns anything and the result says why."""
    parsed = parse_codeowners("* @a\n" + "#" * MAX_CODEOWNERS_BYTES)
    assert parsed.too_large
    assert owners_of(parsed, "x").owners == ()


def test_location_precedence() -> None:
    """`.github/CODEOWNERS` beats the root's, which beats `docs/`."""
    files = {"docs/CODEOWNERS": "d", "CODEOWNERS": "r", ".github/CODEOWNERS": "g"}
    assert choose_codeowners(files) == (".github/CODEOWNERS", "g")
    assert choose_codeowners({"docs/CODEOWNERS": "d", "CODEOWNERS": "r"}) == ("CODEOWNERS", "r")
    assert choose_codeowners({}) is None
