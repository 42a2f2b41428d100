"""CODEOWNERS matching as GitHub documents it, one named case per behaviour."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    # Order: "the last matching pattern takes the most precedence".
    ("later-narrower-wins", "* @a\n/src/ @b", "src/x.py", ("@b",), 2),
    ("later-broader-wins", "/src/ @b\n* @a", "src/x.py", ("@a",), 2),
    ("same-pattern-twice", "/src/ @a\n/src/ @b", "src/x", ("@b",), 2),
    ("later-unmatched-ignored", "/src/ @a\n/docs/ @b", "src/x", ("@a",), 1),
    ("owners-replaced-not-merged", "*.js @a @b\n/web/*.js @c", "web/x.js", ("@c",), 2),
    ("lines-counted-through-comments", "# c\n\n# d\n*.md @m", "a.md", ("@m",), 4),
    # A line without owners: "its owners are left empty" and the path has no code owner.
    ("clear-then-reown", "* @a\n/vendor/\n/vendor/ours/ @b", "vendor/ours/x", ("@b",), 3),
    ("clear-then-reown-sibling", "* @a\n/vendor/\n/vendor/ours/ @b", "vendor/theirs/x", (), 2),
    ("clear-everything", "* @a\n*", "x/y", (), 2),
    ("clear-with-comment", "* @a\n/gen/ # generated", "gen/x", (), 2),
    ("clear-then-later-owner", "/apps/\n* @a", "apps/x", ("@a",), 2),
    # Comments: a line starting with `#`, and owners end at a `#`.
    ("indented-comment", "  # * @a", "x", (), None),
    ("hash-inside-pattern", "/a#b @h", "a#b", ("@h",), 1),
    ("owner-after-comment-ignored", "* @a # ask @b", "x", ("@a",), 1),
    ("comment-after-email", "* dev@example.com #x", "x", ("dev@example.com",), 1),
    # Escapes: gitignore's backslash, except before a leading `#` (a documented exception).
    ("backslash-hash-skipped", "* @a\n\\#x @h", "#x", ("@a",), 1),
    ("escaped-space", "/my\\ dir/ @s", "my dir/x", ("@s",), 1),
    ("escaped-star-literal", "/a\\*b @s", "a*b", ("@s",), 1),
    ("escaped-star-not-wild", "/a\\*b @s", "axb", (), None),
    ("escaped-bang-literal", "\\!x @x", "!x", ("@x",), 1),
    # `!` negation and `[ ]` ranges do not work: the line is skipped.
    ("negation-does-not-unown", "/src/ @a\n!/src/gen/", "src/gen/x", ("@a",), 1),
    ("range-ch-skipped", "*.[ch] @c", "x.c", (), None),
    ("range-close-only-skipped", "* @a\na] @x", "a]", ("@a",), 1),
    ("bang-mid-pattern-literal", "/a!b @x", "a!b", ("@x",), 1),
    # Case-sensitive, "because GitHub uses a case sensitive file system".
    ("case-ext", "*.JS @j", "a.js", (), None),
    ("case-name", "makefile @m", "Makefile", (), None),
    ("case-owner-kept", "* @OctoCat", "x", ("@OctoCat",), 1),
    ("case-folder-anywhere", "apps/ @o", "Apps/x", (), None),
    # `*` matches anything but `/`; a name without a slash matches files and folders at any depth.
    ("star-not-slash", "/a*b @x", "a/b", (), None),
    ("star-empty", "/a*b @x", "ab", ("@x",), 1),
    ("star-middle-folder", "/src/*/test @t", "src/x/test/a.py", ("@t",), 1),
    ("star-middle-one-level", "/src/*/test @t", "src/x/y/test/a", (), None),
    ("ext-matches-folder", "*.d @d", "conf.d/x", ("@d",), 1),
    ("root-star-dotfile", "/* @r", ".gitignore", ("@r",), 1),
    ("star-dot-folder", "* @a", ".github/x", ("@a",), 1),
    ("star-suffix-name", "*_test.go @t", "pkg/a_test.go", ("@t",), 1),
    ("star-suffix-exact-end", "*_test.go @t", "pkg/a_test.go.orig", (), None),
    ("star-prefix-name", "Dockerfile* @d", "x/Dockerfile.dev", ("@d",), 1),
    ("ext-multi-dot", "*.tar.gz @t", "x/a.tar.gz", ("@t",), 1),
    ("ext-multi-dot-partial", "*.tar.gz @t", "x/a.gz", (), None),
    ("ext-not-suffix-of-ext", "*.js @j", "a.json", (), None),
    ("ext-deep", "*.py @p", "a/b/c/d/e/f/g.py", ("@p",), 1),
    # `docs/*`: "files like docs/getting-started.md but not further nested files".
    ("slash-star-anchored", "docs/* @d", "x/docs/a.md", (), None),
    ("slash-star-ext", "docs/*.md @d", "docs/a.md", ("@d",), 1),
    ("slash-star-ext-nested", "docs/*.md @d", "docs/x/a.md", (), None),
    ("root-slash-star-direct", "/docs/* @d", "docs/a", ("@d",), 1),
    ("root-slash-star-nested", "/docs/* @d", "docs/a/b", (), None),
    ("star-folder-slash", "docs/*/ @d", "docs/a/b.md", ("@d",), 1),
    ("star-folder-slash-file", "docs/*/ @d", "docs/a.md", (), None),
    ("star-slash-star", "*/* @x", "a/b", ("@x",), 1),
    ("star-slash-star-deep", "*/* @x", "a/b/c", (), None),
    ("star-slash-star-root", "*/* @x", "a", (), None),
    ("root-star-dir-not-recursive", "* @a\n/* @r", "src/a.py", ("@a",), 1),
    # `?` is one character other than `/`.
    ("question-needs-one", "/a?.py @q", "a.py", (), None),
    ("question-only-one", "/a?.py @q", "abc.py", (), None),
    # `**`: leading `**/` in all folders, trailing `/**` everything inside, `/**/` zero or more folders.
    ("double-star-logs-root", "**/logs @l", "logs/x", ("@l",), 1),
    ("double-star-logs-file", "**/logs @l", "a/logs", ("@l",), 1),
    ("double-star-foo-bar", "**/foo/bar @b", "x/foo/bar", ("@b",), 1),
    ("double-star-foo-bar-apart", "**/foo/bar @b", "x/foo/y/bar", (), None),
    ("double-star-end-not-self", "/a/** @a", "a", (), None),
    ("double-star-end-deep", "a/** @a", "a/b/c/d", ("@a",), 1),
    ("double-star-end-anchored", "a/** @a", "x/a/b", (), None),
    ("double-star-mid-folder", "/a/**/b @b", "a/x/y/z/b/c", ("@b",), 1),
    ("double-star-ext", "/docs/**/*.md @m", "docs/a/b/c.md", ("@m",), 1),
    ("double-star-ext-zero", "/docs/**/*.md @m", "docs/c.md", ("@m",), 1),
    ("double-star-ext-other", "/docs/**/*.md @m", "docs/c.txt", (), None),
    ("double-star-alone", "** @a", "a/b", ("@a",), 1),
    ("double-star-in-name-is-star", "/a**b @x", "axyb", ("@x",), 1),
    ("double-star-in-name-not-slash", "/a**b @x", "a/b", (), None),
    # Anchoring: a leading or middle slash anchors at the root; a trailing one alone does not.
    ("leading-slash-root-only", "/README.md @r", "docs/README.md", (), None),
    ("name-anywhere-root", "README.md @r", "README.md", ("@r",), 1),
    ("name-anywhere-deep", "README.md @r", "a/b/README.md", ("@r",), 1),
    ("middle-slash-root", "src/lib @l", "src/lib/a", ("@l",), 1),
    ("trailing-slash-root-too", "apps/ @o", "apps/x", ("@o",), 1),
    ("trailing-slash-deep", "apps/ @o", "a/b/apps/c/d", ("@o",), 1),
    ("folder-pattern-not-file", "apps/ @o", "x/apps", (), None),
    ("bare-name-file", "apps @o", "x/apps", ("@o",), 1),
    ("anchored-folder-not-file", "/build/logs/ @l", "build/logs", (), None),
    ("anchored-name-file", "/build/logs @l", "build/logs", ("@l",), 1),
    ("anchored-name-folder", "/build/logs @l", "build/logs/a", ("@l",), 1),
    ("prefix-not-partial-name", "/src @s", "src2/a", (), None),
    ("folder-not-partial-name", "/src/ @s", "srcx", (), None),
    ("name-not-partial", "lib @l", "mylib/a", (), None),
    ("name-not-stem", "lib @l", "lib.py", (), None),
    ("dot-folder", ".github/ @g", ".github/workflows/a.yml", ("@g",), 1),
    ("codeowners-itself", "/.github/CODEOWNERS @admins", ".github/CODEOWNERS", ("@admins",), 1),
    # Everything else in a pattern is literal.
    ("dot-literal", "/a.b @x", "axb", (), None),
    ("plus-literal", "/c++/ @x", "c++/a", ("@x",), 1),
    ("parens-literal", "/a(b) @x", "a(b)", ("@x",), 1),
    ("dollar-literal", "/a$ @x", "a$", ("@x",), 1),
    ("unicode-path", "/docs/ü/ @u", "docs/ü/a", ("@u",), 1),
    ("space-in-path", "* @a", "a b/c d", ("@a",), 1),
    # Owners: @username, @org/team-name, or an email; any other token makes the line invalid.
    ("owner-hyphen", "* @octo-cat", "x", ("@octo-cat",), 1),
    ("team-underscore-dot", "* @octo-org/team_a.b", "x", ("@octo-org/team_a.b",), 1),
    ("managed-user-underscore", "* @octocat_acme", "x", ("@octocat_acme",), 1),
    ("email-plus", "* a+b@example.io", "x", ("a+b@example.io",), 1),
    ("owner-without-at-skipped", "* octocat", "x", (), None),
    ("invalid-owner-keeps-earlier", "* @a\n/x octocat", "x", ("@a",), 1),
    ("one-bad-owner-spoils-line", "* @a\n/x @b octocat", "x", ("@a",), 1),
    ("team-nested-skipped", "* @org/team/sub", "x", (), None),
    ("bare-at-skipped", "* @", "x", (), None),
    # Lines: blanks separate tokens, only a newline ends a line.
    ("tabs-separate", "*\t@a\t@b", "x", ("@a", "@b"), 1),
    ("many-spaces", "*     @a    @b", "x", ("@a", "@b"), 1),
    ("trailing-spaces", "* @a   ", "x", ("@a",), 1),
    ("crlf", "* @a\r\n*.js @b\r\n", "a.js", ("@b",), 2),
    ("indented-line", "   /src/ @s", "src/x", ("@s",), 1),
    ("form-feed-not-a-newline", "# a\x0cb\n* @a", "x", ("@a",), 2),
    ("slash-alone-skipped", "* @a\n/ @b", "x", ("@a",), 1),
    ("empty-file", "", "x", (), None),
    ("only-comments", "# x\n# y", "x", (), None),
]


@pytest.mark.parametrize(
    ("text", "path", "owners", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_github_semantics(text: str, path: str, owners: tuple[str, ...], line: int | None) -> None:
    """Each documented rule decides who owns the path and which line says so."""
    match = owners_of(parse_codeowners(text), path)
    assert (match.owners, match.line) == (owners, line)


INVALID = [
    # (id, CODEOWNERS text, (line, first word of the reason) of each skipped line)
    ("negation", "* @a\n!x @b", [(2, "negation")]),
    ("range", "*.[ch] @c", [(1, "character")]),
    ("close-bracket", "a] @c", [(1, "character")]),
    # GitHub flagged this line of CPython's file as an error: https://github.com/python/cpython/pull/112206
    (
        "cpython-ceval-range",
        "Python/ceval.c @markshannon\nPython/ceval*.[ch] @markshannon",
        [(2, "character")],
    ),
    ("escaped-hash", "\\#x @h", [(1, "escaping")]),
    ("slash-alone", "/ @a", [(1, "the")]),
    ("bad-owner", "/x not-an-owner", [(1, "'not-an-owner'")]),
    ("nested-team", "/x @org/a/b", [(1, "'@org/a/b'")]),
    (
        "numbers-past-blanks-and-comments",
        "# c\n\n* @a\n\n!x @b\n# d\n[ab] @c",
        [(5, "negation"), (7, "character")],
    ),
    ("numbers-crlf", "* @a\r\n!x @b\r\n", [(2, "negation")]),
    ("comment-not-reported", "# !x [y] @", []),
    ("owners-less-line-valid", "/x", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_lines_reported_with_numbers(text: str, expected: list[tuple[int, str]]) -> None:
    """Lines GitHub skips are reported by number with a reason; the others still apply."""
    parsed = parse_codeowners(text)
    assert [(bad.line, bad.reason.split()[0]) for bad in parsed.invalid] == expected
    assert {rule.line for rule in parsed.rules}.isdisjoint(line for line, _ in expected)


def test_invalid_line_keeps_its_text() -> None:
    """The report quotes the line as written, without its carriage return."""
    (bad,) = parse_codeowners("* @a\r\n  !x @b  \r\n").invalid
    assert bad.text == "  !x @b  "


@pytest.mark.parametrize(
    ("size", "loaded"),
    [(MAX_CODEOWNERS_BYTES - 1, True), (MAX_CODEOWNERS_BYTES, False), (MAX_CODEOWNERS_BYTES + 1, False)],
    ids=["under-3mb-loaded", "at-3mb-not-loaded", "over-3mb-not-loaded"],
)
def test_size_cap(size: int, loaded: bool) -> None:
    """Files "must be under 3 MB"; a larger one is not loaded: nobody owns anything and the result says so."""
    head = "* @a\n"
    parsed = parse_codeowners(head + "#" * (size - len(head)))
    assert parsed.too_large is not loaded
    assert owners_of(parsed, "x").owners == (("@a",) if loaded else ())


def test_size_counts_bytes_not_characters() -> None:
    """The cap is on the file's bytes: multi-byte characters count for what they weigh."""
    assert parse_codeowners("* @a\n#" + "ü" * (MAX_CODEOWNERS_BYTES // 2)).too_large


LOCATIONS = [
    # (id, files present, the one GitHub reads)
    ("github-first", [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"], ".github/CODEOWNERS"),
    ("root-before-docs", ["docs/CODEOWNERS", "CODEOWNERS"], "CODEOWNERS"),
    ("docs-alone", ["docs/CODEOWNERS"], "docs/CODEOWNERS"),
    ("github-before-docs", ["docs/CODEOWNERS", ".github/CODEOWNERS"], ".github/CODEOWNERS"),
    ("none", [], None),
    ("lowercase-name-ignored", ["codeowners", ".github/codeowners"], None),
    ("other-folder-ignored", ["src/CODEOWNERS", ".gitlab/CODEOWNERS"], None),
]


@pytest.mark.parametrize(("present", "chosen"), [c[1:] for c in LOCATIONS], ids=[c[0] for c in LOCATIONS])
def test_location_precedence(present: list[str], chosen: str | None) -> None:
    """`.github/CODEOWNERS` beats the root's, which beats `docs/`; no other place or spelling counts."""
    found = choose_codeowners({path: f"text of {path}" for path in present})
    assert found == (None if chosen is None else (chosen, f"text of {chosen}"))


_SEGMENT = st.sampled_from(
    ["a", "b", "src", "x.js", "a.tar.gz", "*", "**", "?", "*.js", "a*", "*_t.go", "\\*"]
)
_PATTERN = st.builds(
    lambda lead, segs, trail: lead + "/".join(segs) + trail,
    st.sampled_from(["", "/"]),
    st.lists(_SEGMENT, min_size=1, max_size=4),
    st.sampled_from(["", "/"]),
)
_PATH = st.lists(
    st.sampled_from(["a", "b", "src", "x.js", "a.tar.gz", "c_t.go", "*", "ab"]), min_size=1, max_size=5
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PATTERN, min_size=1, max_size=12), st.lists(_PATH, min_size=1, max_size=10))
def test_index_agrees_with_a_full_scan(patterns: list[str], paths: list[list[str]]) -> None:
    """The index only narrows which lines are tried: the answer is the last matching line of a full scan."""
    parsed = parse_codeowners("\n".join(f"{p} @o{i}" for i, p in enumerate(patterns)))
    for parts in paths:
        path = "/".join(parts)
        last = next((r for r in reversed(parsed.rules) if r.regex.match(path)), None)
        assert owners_of(parsed, path).line == (last.line if last else None)
