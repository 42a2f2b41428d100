"""Changes that leave nothing for a reviewing model to read, proven from a file's whole text at the base and
at the head (issue 13, `bot.llm.when`).

Three kinds, each decided by parsing both versions, never by how the changed lines look:

- **whitespace only**: the same tokens in the same syntax tree, only whitespace between tokens changed
  (Python by its tokenizer, whose INDENT/DEDENT and NEWLINE tokens carry its indentation and line
  structure; Go, JavaScript, TypeScript, Java, Rust and Ruby by their tree-sitter grammars). Whitespace
  inside a string literal, a heredoc, a template or JSX text is part of a token, so changing it is a
  change; so is an indentation that moves a Python statement into another block.
- **comments only**: the same once comments and Python docstrings are taken out. A comment that is a
  tool's directive (`# type: ignore`, `# noqa`, `//go:build`, `// @ts-expect-error`, `eslint-disable`,
  `scopegate: ignore[…]`, a doctest or a Rust doc-test fence, …) is never taken out: adding, changing or
  moving one is a change, and where a file holds one, its line breaks must stay as they were around it.
- **versions only**: a manifest whose only change is version values: the package's own version, its
  dependencies' version constraints, or a tool's pinned version (`package.json`, `pyproject.toml` and
  `Cargo.toml` parsed whole; `go.mod` requirements, requirements files, `MODULE.bazel` versions with
  their checksums, a `VERSION` file, `.pre-commit-config.yaml` revs, GitHub Actions `uses:` refs,
  `*-version:` inputs and version pins in workflows, and a Python module's `__version__`, line by line).
  A dependency added, removed or pointed at a URL, path or git branch is a change; so is a checksum
  changed without its version.

Only a file modified in place counts (not added, removed or renamed), read whole at both ends and decoded as
UTF-8; anything that cannot be proven is a change, and the model is called.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import re
import tokenize
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.core.checks.languages import COMMENTS, language_of, parser
from bot.core.snapshot import ChangedFile, FileStatus, Hunk
from bot.llm.roles import Role, line_roles

MAX_BYTES = 1024 * 1024  # larger files are not parsed for this: the model is called
_SPACES = re.compile(rb"\s+")
_NOT_CODE = frozenset({Role.COMMENT, Role.DOCSTRING, Role.BLANK})
_PYTHON_VERSION_LINE = re.compile(
    r"(?:__version__|VERSION|version)\s*(?::\s*str\s*)?=\s*[\"'][^\"']*[\"']\s*(?:#.*)?"
)


class Sameness(StrEnum):
    """What a change leaves the same: everything but whitespace, comments, or version values."""

    WHITESPACE = "whitespace"
    COMMENTS = "comments"
    VERSIONS = "versions"


def sameness(file: ChangedFile) -> Sameness | None:
    """How little `file` changes for a reviewer, or None when it changes code (or that is not proven)."""
    if file.status is not FileStatus.MODIFIED or not file.hunks:
        return None
    texts = _whole_texts(file)
    if texts is None:
        return None
    base, head = texts
    if base == head:
        return None
    language = language_of(file.path)
    if language is not None:
        if not _worth_parsing(file, language, base, head):
            return None
        before, after = _stream(language, base), _stream(language, head)
        if before is None or after is None:
            return None
        if before.signature(drop=False) == after.signature(drop=False):
            return Sameness.WHITESPACE
        if before.signature(drop=True) == after.signature(drop=True):
            return Sameness.COMMENTS
        if (
            language == "python"
            and before.signature(drop=False, versions=True) == after.signature(drop=False, versions=True)
            and _versions_changed(before.versions, after.versions)
        ):
            return Sameness.VERSIONS
        return None
    return Sameness.VERSIONS if _manifest_versions_only(file.path, base, head, file.hunks) else None


def _worth_parsing(file: ChangedFile, language: str, base: bytes, head: bytes) -> bool:
    """A quick test that only refuses, so most code changes are not parsed twice: the text is the same but
    for whitespace, or every changed line is a comment, a docstring or blank to the line scanner
    (`bot.llm.roles`), or — in Python — a version assignment."""
    if _SPACES.sub(b"", base) == _SPACES.sub(b"", head):
        return True
    old, new = base.decode("utf-8"), head.decode("utf-8")
    old_lines, new_lines = old.splitlines(), new.splitlines()
    old_roles, new_roles = line_roles(file.path, old), line_roles(file.path, new)
    changed = [
        (roles[n - 1], lines[n - 1])
        for numbers, roles, lines in (
            ([n for h in file.hunks for n in h.removed], old_roles, old_lines),
            ([n for h in file.hunks for n in h.added], new_roles, new_lines),
        )
        for n in numbers
        if 1 <= n <= len(roles)
    ]
    code = [line for role, line in changed if role not in _NOT_CODE]
    return not code or (language == "python" and all(_PYTHON_VERSION_LINE.fullmatch(line) for line in code))


def _whole_texts(file: ChangedFile) -> tuple[bytes, bytes] | None:
    """The file's bytes at the base and the head, when both are held whole, fit `MAX_BYTES` and are
    UTF-8."""
    head, base = file.head, file.base
    if head is None or base is None or file.head_size != len(head):
        return None
    if len(head) > MAX_BYTES or len(base) > MAX_BYTES:
        return None
    try:
        head.decode("utf-8")
        base.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return base, head


# ---------------------------------------------------------------------------------------------------------
# Code: a file as the sequence of what its parser distinguishes.

# Comments that tell a tool something: kept in place when comments are taken out. Shared by every language
# (a false match only keeps a comment, which means calling the model).
_DIRECTIVE_ANY = (
    r"^#!"  # a shebang
    r"|[\w-]+:\s*(ignore|disable|enable|noqa|skip)\b"  # `type: ignore`, `scopegate: ignore[…]`, `ruff: noqa`
    r"|\bnoqa\b|\bpragma\b|\bnolint|nosec\b|nosemgrep|\blgtm\b|codeql|gitleaks"
    r"|@generated|do not (edit|modify)|auto-?generated|generated (by|from)"
    r"|\bscopegate\b|\brenovate\b|dependabot|prettier-ignore|biome-ignore|\beslint|\btslint:|\bjshint"
    r"|clang-format|cppcheck|coverity|\bistanbul\b|\bc8\s|\bv8\s+ignore|noinspection|NOSONAR|CHECKSTYLE"
    r"|@formatter:|NON-NLS|rubocop:|:nocov:|cspell:|spell-?checker:"
)
_DIRECTIVES = {
    "python": r"coding[:=]|^#\s*type:|\bmypy:|\bpyright:|\bpyre-|\bruff:|\bty:|\bisort:|\bpylint:|^#\s*///"
    r"|\bfmt:|\byapf:|\bflake8\b|>>>",
    "go": r"^//\s*go:|^//go:|^//\s*\+build|^//\s*export\s|^//\s*line\s|^/\*\s*line\s"
    r"|^//\s*(unordered\s+)?output:|#\s*(include|cgo|define)",
    "javascript": r"@ts-|webpack[A-Z]|@vite-ignore|[@#]__PURE__|__NO_SIDE_EFFECTS__|__INLINE__"
    r"|source(Mapping)?URL|@jsx|@flow|^///\s*<|^/\*\s*globals?\s|^/\*\s*exported\s|@license|@preserve|@ngInject|@nocollapse"
    r"|@suppress|@externs|@define|@nosideeffects|@noinline|@export\b|deno-|"
    # JSDoc types are checked in JavaScript files (`checkJs`): a type annotation is code there.
    r"@(type|typedef|param|returns?|template|satisfies|import|callback|enum|implements|extends|augments"
    r"|this|overload|property|prop)\b",
    "typescript": r"@ts-|webpack[A-Z]|@vite-ignore|[@#]__PURE__|__NO_SIDE_EFFECTS__|__INLINE__"
    r"|source(Mapping)?URL|@jsx|^///\s*<|@license|@preserve|@nocollapse|@suppress|@externs|@define"
    r"|@nosideeffects|@noinline|@export\b|deno-",
    "java": r"@formatter|\bfall ?through|\$NON-NLS|@SuppressWarnings",
    "rust": r"rustfmt|clippy|\bSAFETY:",
    "ruby": r"coding[:=]|encoding:|frozen_string_literal|warn_indent|shareable_constant_value|^#\s*typed:"
    r"|steep:|@rbs\b|^#:|^#\s*@type\b",
}
_DIRECTIVES["tsx"] = _DIRECTIVES["typescript"]
_DIRECTIVE = {
    name: re.compile(f"{_DIRECTIVE_ANY}|{extra}", re.IGNORECASE | re.MULTILINE)
    for name, extra in _DIRECTIVES.items()
}
# Node types whose bytes between children are content (a string's, a heredoc's, JSX text, …), compared
# exactly; between the children of any other node only whitespace the lexer skipped can lie.
_CONTENT_NODES = re.compile(
    r"string|heredoc|template|jsx|regex|char|literal|content|comment|text|fragment|raw|word|symbol|escape"
    r"|interpolation|quote|doc"
)
_VERSION_NAMES = frozenset({"__version__", "VERSION", "version"})


@dataclass(slots=True)
class _Token:
    """One thing the parser distinguishes: `kind` and `text` are compared; a token from a comment that
    can be taken out is `removable`, a directive comment is `directive`; `rows` place it for line
    breaks; a version value (a Python `__version__` string) is `version`."""

    kind: str
    text: bytes
    rows: tuple[int, int] | None = None  # first and last row, for leaves
    removable: bool = False
    directive: bool = False
    version: bool = False
    comment: bool = False


@dataclass(slots=True)
class _Stream:
    tokens: list[_Token] = field(default_factory=list)

    @property
    def versions(self) -> list[bytes]:
        return [t.text for t in self.tokens if t.version]

    def signature(self, *, drop: bool, versions: bool = False) -> tuple[object, ...]:
        """What must be equal for two versions to be the same: the tokens (comments and docstrings
        left out with `drop`, version values blanked with `versions`), and — where the file holds a
        directive comment — the line breaks between tokens and the exact rows around each directive."""
        kept = [t for t in self.tokens if not (drop and t.removable)]
        compared = tuple((t.kind, b"" if versions and t.version else t.text) for t in kept)
        if not any(t.directive for t in kept):
            return compared
        leaves = [(t.rows, t.directive) for t in kept if t.rows is not None]
        breaks = tuple(b[0] > a[1] for (a, _), (b, _) in itertools.pairwise(leaves))
        around = tuple(
            (
                rows[0] - leaves[i - 1][0][1] if i else None,
                leaves[i + 1][0][0] - rows[1] if i + 1 < len(leaves) else None,
            )
            for i, (rows, directive) in enumerate(leaves)
            if directive
        )
        return compared, breaks, around


def _stream(language: str, source: bytes) -> _Stream | None:
    """`source` as its parser sees it, or None when it does not parse cleanly."""
    if language == "python":
        return _python_stream(source)
    return _tree_stream(language, source)


def _python_stream(source: bytes) -> _Stream | None:
    """Python by its tokenizer: every token but NL (a line break inside brackets or of a blank line),
    INDENT, DEDENT and NEWLINE by kind only; comments (not directives) and docstrings (without a
    doctest) removable, the NEWLINE ending a docstring with it."""
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (SyntaxError, ValueError, RecursionError, MemoryError, tokenize.TokenError):
        return None
    lines = source.splitlines(keepends=True)
    docstrings = _docstring_starts(tree)
    versions = _version_values(tree)
    directive = _DIRECTIVE["python"]
    stream = _Stream()
    in_docstring = False
    for token in tokens:
        kind = token.type
        if kind in (tokenize.ENCODING, tokenize.NL, tokenize.ENDMARKER):
            continue
        name = tokenize.tok_name[kind]
        if kind in (tokenize.INDENT, tokenize.DEDENT):
            stream.tokens.append(_Token(name, b""))
            continue
        if kind == tokenize.NEWLINE:
            stream.tokens.append(_Token(name, b"", removable=in_docstring))
            in_docstring = False
            continue
        start = (token.start[0], _byte_column(lines, token.start))
        text = token.string.encode()
        rows = (token.start[0], token.end[0])
        if kind == tokenize.COMMENT:
            is_directive = directive.search(token.string) is not None
            stream.tokens.append(_Token(name, text, rows, not is_directive, is_directive, comment=True))
            continue
        if start in docstrings:
            in_docstring = docstrings[start]
        stream.tokens.append(
            _Token(
                name,
                text,
                rows,
                removable=in_docstring,
                version=kind == tokenize.STRING and start in versions,
            )
        )
    return _spread_directives(stream, "python")


def _byte_column(lines: Sequence[bytes], position: tuple[int, int]) -> int:
    """The UTF-8 byte column of a tokenizer position (row from 1, column in characters)."""
    row, column = position
    if not 1 <= row <= len(lines):
        return column
    return len(lines[row - 1].decode("utf-8")[:column].encode())


def _docstring_starts(tree: ast.Module) -> dict[tuple[int, int], bool]:
    """Where each docstring starts (row, byte column), and whether it may be taken out: not when it holds
    a doctest (`>>>`), which is a test."""
    starts: dict[tuple[int, int], bool] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            starts[(first.lineno, first.col_offset)] = ">>>" not in first.value.value
    return starts


def _version_values(tree: ast.Module) -> set[tuple[int, int]]:
    """Where the string of a module-level `__version__ = "…"` (or `VERSION`, `version`) starts."""
    found: set[tuple[int, int]] = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and targets[0].id in _VERSION_NAMES
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            found.add((value.lineno, value.col_offset))
    return found


def _tree_stream(language: str, source: bytes) -> _Stream | None:
    """A tree-sitter language: every node's type, opening and closing; each leaf's text; the bytes between
    children that are not whitespace, or all of them inside a node holding content (a string, …)."""
    tree = parser(language).parse(source)
    root = tree.root_node
    if root.has_error:
        return None
    comments = COMMENTS[language]
    directive = _DIRECTIVE[language]
    cgo = language == "go" and b'import "C"' in source  # the comment before it is C code
    stream = _Stream()
    out = stream.tokens

    def gap(start: int, end: int, content: bool) -> None:
        between = source[start:end]
        if between and (content or between.strip()):
            out.append(_Token("gap", between))

    def leaf(node: Any, removable: bool = False, is_directive: bool = False, comment: bool = False) -> None:
        end_row = node.end_point.row - (
            1 if node.end_point.column == 0 and node.end_point.row > node.start_point.row else 0
        )
        text = source[node.start_byte : node.end_byte]
        out.append(
            _Token(node.type, text, (node.start_point.row, end_row), removable, is_directive, comment=comment)
        )

    # (node, its children, the next child's index, where the last child ended, content node) — iterative,
    # as a deeply nested file (generated, minified) would pass Python's recursion limit.
    stack: list[list[Any]] = []

    def enter(node: Any) -> None:
        if node.type in comments:
            is_directive = cgo or bool(
                directive.search(source[node.start_byte : node.end_byte].decode(errors="replace"))
            )
            leaf(node, removable=not is_directive, is_directive=is_directive, comment=True)
        elif node.child_count == 0:
            leaf(node)
        else:
            out.append(_Token("(", node.type.encode()))
            stack.append(
                [node, node.children, 0, node.start_byte, _CONTENT_NODES.search(node.type) is not None]
            )

    enter(root)
    while stack:
        frame = stack[-1]
        node, children, index, position, content = frame
        if index == len(children):
            gap(position, node.end_byte, content)
            out.append(_Token(")", b""))
            stack.pop()
            continue
        child = children[index]
        frame[2], frame[3] = index + 1, child.end_byte
        gap(position, child.start_byte, content)
        enter(child)
    return _spread_directives(stream, language)


def _spread_directives(stream: _Stream, language: str) -> _Stream:
    """A block of comments on consecutive lines is read as one: where one of them is a directive, or the
    block holds a Rust doctest, all are (the lines after a Go example's `// Output:` are a test's too)."""
    block: list[_Token] = []
    last_row = -2

    def close() -> None:
        doctest = language == "rust" and _rust_doctest(
            b"".join(t.text for t in block).decode("utf-8", "replace")
        )
        if doctest or any(t.directive for t in block):
            for token in block:
                token.directive, token.removable = True, False
        block.clear()

    for token in stream.tokens:
        if token.rows is None:
            continue
        if token.comment and (not block or token.rows[0] <= last_row + 1):
            block.append(token)
        else:
            close()
            if token.comment:
                block.append(token)
        last_row = token.rows[1]
    close()
    return stream


_FENCE = re.compile(r"\s*(?:///?!?|/?\*+|//)?\s?(```+|~~~+)\s*(.*)")
_RUST_CODE_BLOCK = re.compile(
    r"|.*\b(?:rust|ignore|should_panic|no_run|compile_fail|edition\d*|test_harness)\b.*"
)


def _rust_doctest(text: str) -> bool:
    """Whether a Rust doc comment's text opens a code block rustdoc compiles (no info string, or a Rust
    one: ```` ``` ````, ```` ```no_run ````; not ```` ```python ```` or ```` ```text ````)."""
    inside = False
    for line in text.splitlines():
        fence = _FENCE.fullmatch(line)
        if fence is None:
            continue
        if not inside and _RUST_CODE_BLOCK.fullmatch(fence[2].strip()):
            return True
        inside = not inside
    return False


# ---------------------------------------------------------------------------------------------------------
# Manifests: version values only.

# A version or a range of them, as npm, Cargo, Poetry and PEP 440 write them: digits required, and no `:`,
# `/`, `@` or `#`, so a URL, a path, a git ref or a tag such as `latest` is never taken for one.
_VERSION = re.compile(r"[\sv~^<>=!|,.*xX0-9A-Za-z+_-]*\d[\sv~^<>=!|,.*xX0-9A-Za-z+_-]*")
_REF = re.compile(r"v?\d[\w.+-]*|[0-9a-f]{40}")  # a release tag or a full commit hash
_PACKAGE_MANAGER = re.compile(r"[a-z]+@\d[\w.+-]*")
_PEP508 = re.compile(
    r"\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*"
    r"(?P<spec>(?:===?|[<>!~]=?)\s*[\w.*+!-]+(?:\s*,\s*(?:===?|[<>!~]=?)\s*[\w.*+!-]+)*)?\s*"
    r"(?P<marker>;[^#]*?)?\s*"
)


def _manifest_versions_only(path: str, base: bytes, head: bytes, hunks: Sequence[Hunk]) -> bool:
    """Whether the manifest at `path` changes version values and nothing else."""
    name = path.rpartition("/")[2]
    before, after = base.decode("utf-8"), head.decode("utf-8")
    structured = _STRUCTURED.get(name)
    if structured is not None:
        return structured(before, after)
    line = _line_pattern(path, name)
    return line is not None and _lines_change_versions(before, after, hunks, line)


def _json_versions(before: str, after: str) -> bool:
    try:
        old, new = json.loads(before), json.loads(after)
    except (ValueError, RecursionError):
        return False
    return _only_versions(old, new, _package_json_field)


def _toml_versions(
    allowed: Callable[[tuple[str, ...]], Callable[[str, str], bool] | None],
) -> Callable[[str, str], bool]:
    def compare(before: str, after: str) -> bool:
        try:
            old, new = tomllib.loads(before), tomllib.loads(after)
        except (ValueError, RecursionError):
            return False
        return _only_versions(old, new, allowed)

    return compare


def _only_versions(
    old: object, new: object, allowed: Callable[[tuple[str, ...]], Callable[[str, str], bool] | None]
) -> bool:
    """Whether two parsed documents are equal but for values at version fields (`allowed` gives the test
    of a field by its path, lists' items as `[]`), at least one of which changed."""
    changed = 0

    def same(a: object, b: object, path: tuple[str, ...]) -> bool:
        nonlocal changed
        if isinstance(a, dict) and isinstance(b, dict):
            return list(a) == list(b) and all(same(a[k], b[k], (*path, str(k))) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y, (*path, "[]")) for x, y in zip(a, b, strict=True))
        if type(a) is type(b) and a == b:
            return True
        test = allowed(path)
        if test is None or not isinstance(a, str) or not isinstance(b, str) or not test(a, b):
            return False
        changed += 1
        return True

    return same(old, new, ()) and changed > 0


def _both(pattern: re.Pattern[str]) -> Callable[[str, str], bool]:
    return lambda a, b: pattern.fullmatch(a) is not None and pattern.fullmatch(b) is not None


def _requirement_bump(a: str, b: str) -> bool:
    """Two PEP 508 requirements of the same project, extras and marker, differing in the version only."""
    old, new = _PEP508.fullmatch(a), _PEP508.fullmatch(b)
    return old is not None and new is not None and _requirement_key(old) == _requirement_key(new)


def _requirement_key(match: re.Match[str]) -> tuple[str, str, str]:
    name = re.sub(r"[-_.]+", "-", match["name"]).lower()
    marker = " ".join((match["marker"] or "").split())
    return name, match["extras"] or "", marker


_VERSION_FIELD = _both(_VERSION)
_NPM_DEPENDENCIES = frozenset({"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"})


def _package_json_field(path: tuple[str, ...]) -> Callable[[str, str], bool] | None:
    if path == ("version",):
        return _VERSION_FIELD
    if path == ("packageManager",):
        return _both(_PACKAGE_MANAGER)
    if len(path) == 2 and (path[0] in _NPM_DEPENDENCIES or path[0] in {"engines", "volta", "resolutions"}):
        return _VERSION_FIELD
    if (len(path) >= 2 and path[0] == "overrides") or (len(path) >= 3 and path[:2] == ("pnpm", "overrides")):
        return _VERSION_FIELD
    return None


def _pyproject_field(path: tuple[str, ...]) -> Callable[[str, str], bool] | None:
    if path in {("project", "version"), ("tool", "poetry", "version")}:
        return _VERSION_FIELD
    requirement_lists = (
        path in {("project", "dependencies", "[]"), ("build-system", "requires", "[]")}
        or (len(path) == 4 and path[:2] == ("project", "optional-dependencies") and path[3] == "[]")
        or (len(path) == 3 and path[0] == "dependency-groups" and path[2] == "[]")
        or path in {("tool", "uv", f"{k}-dependencies", "[]") for k in ("constraint", "override", "dev")}
    )
    if requirement_lists:
        return _requirement_bump
    if path[:3] in {("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies")}:
        return _VERSION_FIELD if _dependency_entry(path, 3) else None
    if len(path) > 5 and path[:3] == ("tool", "poetry", "group") and path[4] == "dependencies":
        return _VERSION_FIELD if _dependency_entry(path, 5) else None
    return None


def _dependency_entry(path: tuple[str, ...], table: int) -> bool:
    """A dependency's value in the table of `table` keys: `name = "1.2"`, or `version` in its table."""
    return len(path) == table + 1 or (len(path) == table + 2 and path[-1] == "version")


_CARGO_TABLES = frozenset({"dependencies", "dev-dependencies", "build-dependencies"})


def _cargo_field(path: tuple[str, ...]) -> Callable[[str, str], bool] | None:
    if path in {("package", "version"), ("workspace", "package", "version")}:
        return _VERSION_FIELD
    table = 0
    if path[:1] and path[0] in _CARGO_TABLES:
        table = 1
    elif path[:1] == ("workspace",) and len(path) > 1 and path[1] == "dependencies":
        table = 2
    elif path[:1] == ("target",) and len(path) > 2 and path[2] in _CARGO_TABLES:
        table = 3
    if table and _dependency_entry(path, table):
        return _VERSION_FIELD
    return None


_STRUCTURED: dict[str, Callable[[str, str], bool]] = {
    "package.json": _json_versions,
    "pyproject.toml": _toml_versions(_pyproject_field),
    "Cargo.toml": _toml_versions(_cargo_field),
}

# Line-by-line manifests: each changed line must be one of its file's version lines (`_Line`), and the
# removed and added lines of each hunk the same once their values are blanked, in any order; a trailing
# comment naming the version (`note`) may change with it.
_HASH = re.compile(r"sha(?:256|384|512)-[A-Za-z0-9+/]+=*|[0-9a-f]{64}")  # an artifact's checksum


@dataclass(frozen=True, slots=True)
class _Line:
    """A version line: `pattern` has a `value` group (and maybe `note`) that `value` must match; a
    `checksum` line (the artifact a version names, pinned by its hash) changes only beside a version."""

    pattern: re.Pattern[str]
    value: re.Pattern[str] = _REF
    checksum: bool = False


def _line(pattern: str, value: re.Pattern[str] = _REF, checksum: bool = False) -> _Line:
    return _Line(re.compile(pattern), value, checksum)


_QUOTED = r"(?P<quote>[\"']?)(?P<value>[\w.+-]+)(?P=quote)(?P<note>\s+#.*)?\s*"
_GO_MOD = (_line(r"\s*(?:require\s+)?[\w.~/-]+\s+(?P<value>v\d[\w.+-]*)(?:\s*//\s*indirect)?\s*"),)
_PRE_COMMIT = (_line(rf"\s*(?:-\s+)?rev:\s*{_QUOTED}"),)
_WORKFLOW = (
    _line(
        r"\s*(?:-\s+)?uses:\s*(?P<quote>[\"']?)[\w.-]+/[\w./-]+@(?P<value>[\w.+-]+)(?P=quote)(?P<note>\s+#.*)?\s*"
    ),
    _line(rf"\s*(?:-\s+)?[\w-]+-version:\s*{_QUOTED}"),  # a setup action's `node-version: 24`
    _line(rf"\s*(?:[A-Z0-9]+_)*(?:VERSION|COMMIT|SHA|REV)(?:_[A-Z0-9]+)*:\s*{_QUOTED}"),  # an env pin
)
_BAZEL_MODULE = (
    _line(r"\s*bazel_dep\(.*\bversion\s*=\s*\"(?P<value>[^\"]+)\".*\)\s*", _VERSION),
    _line(r"\s*\w*version\s*=\s*\"(?P<value>[^\"]+)\",?\s*", _VERSION),  # `pnpm_version = "11.7.0",`
    _line(r"\s*\w*(?:integrity|sha256)\s*=\s*\"(?P<value>[^\"]+)\",?\s*", _HASH, checksum=True),
)
_VERSION_FILE = (_line(r"\s*(?P<value>v?\d[\w.+-]*)\s*"),)
_REQUIREMENTS_NAME = re.compile(r"(?:[\w.-]*requirements[\w.-]*|constraints[\w.-]*)\.(?:txt|in)")
_REQUIREMENTS = (_Line(_PEP508, _VERSION),)  # keyed as a requirement (`_requirement_key`)


def _line_pattern(path: str, name: str) -> tuple[_Line, ...] | None:
    """The version lines of the manifest at `path`, or None for a file that is no such manifest."""
    if name == "go.mod":
        return _GO_MOD
    if _REQUIREMENTS_NAME.fullmatch(name):
        return _REQUIREMENTS
    if name in {".pre-commit-config.yaml", ".pre-commit-config.yml"}:
        return _PRE_COMMIT
    workflow = path.startswith(".github/workflows/") and name.endswith((".yml", ".yaml"))
    if workflow or name in {"action.yml", "action.yaml"}:
        return _WORKFLOW
    if name == "MODULE.bazel":
        return _BAZEL_MODULE
    if name in {"VERSION", "VERSION.txt", "version.txt"}:
        return _VERSION_FILE
    return None


def _lines_change_versions(before: str, after: str, hunks: Sequence[Hunk], lines: tuple[_Line, ...]) -> bool:
    """Whether every hunk replaces version lines by the same lines with other values, in any order, and
    some version changed (not only spacing, a comment or a checksum)."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    versions_changed = False
    for hunk in hunks:
        if any(not 1 <= n <= len(old_lines) for n in hunk.removed) or any(
            not 1 <= n <= len(new_lines) for n in hunk.added
        ):
            return False
        removed = [_version_key(old_lines[n - 1], lines) for n in hunk.removed]
        added = [_version_key(new_lines[n - 1], lines) for n in hunk.added]
        if None in removed or None in added:
            return False
        old = [key for key in removed if key is not None]
        new = [key for key in added if key is not None]
        if Counter(k[0] for k in old) != Counter(k[0] for k in new):
            return False
        versions = [(k[0], k[1]) for k in old if not k[2]], [(k[0], k[1]) for k in new if not k[2]]
        versions_changed = versions_changed or Counter(versions[0]) != Counter(versions[1])
    return versions_changed


def _version_key(text: str, lines: tuple[_Line, ...]) -> tuple[str, str, bool] | None:
    """The line with its value (and a trailing comment naming it) blanked, the value, and whether it is
    a checksum; None when it is no version line of its file. A requirement is keyed by its project,
    extras and marker."""
    for line in lines:
        if line.pattern is _PEP508:
            requirement = _PEP508.fullmatch(re.sub(r"\s+#.*", "", text))
            if requirement is None:
                continue
            return (
                "\0".join(_requirement_key(requirement)),
                " ".join((requirement["spec"] or "").split()),
                False,
            )
        match = line.pattern.fullmatch(text)
        if match is None or line.value.fullmatch(match["value"]) is None:
            continue
        end = match.start("note") if match.groupdict().get("note") else len(text)
        return (
            text[: match.start("value")] + "\0" + text[match.end("value") : end],
            match["value"],
            line.checksum,
        )
    return None


def _versions_changed(before: Sequence[bytes], after: Sequence[bytes]) -> bool:
    """Whether Python version strings changed, each still a version (quotes stripped)."""
    values = [v.strip(b"\"'").decode() for v in (*before, *after)]
    return list(before) != list(after) and all(_VERSION.fullmatch(v) for v in values)
