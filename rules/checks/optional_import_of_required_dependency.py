"""`optional-import-of-required-dependency`: an import guarded by `except ImportError` (or JavaScript's
`try { require(…) } catch`) although the project declares the dependency required: a guard for a state
that cannot happen, whose fallback is dead code."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Check, Finder, Hit
from bot.core.checks.languages import JS_FAMILY
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Scope, Severity
from bot.core.snapshot import PullRequestSnapshot
from rules.base import Example, Need, Rule
from rules.checks.candidates import enclosing, positions, text_of
from rules.checks.common import (
    CheckConfig,
    Level,
    added_file,
    check_rule,
    evaluate_check,
    hit,
    severity_of,
)
from rules.checks.dependencies import distributions, required_javascript, required_python

ID = "optional-import-of-required-dependency"
LANGUAGES = ("python", "javascript", "typescript", "tsx")
_PYTHON_MARKERS = (b"ImportError", b"ModuleNotFoundError")
_JS_MARKERS = (b"require(", b"import(")
_IMPORT_ERRORS = frozenset({b"ImportError", b"ModuleNotFoundError"})
_IMPORTS = frozenset({"import_statement", "import_from_statement"})
_LOADS = re.compile(rb"\b(?:require|import)\s*\(")
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "arrow_function", "method_definition"})


class Config(CheckConfig):
    """Guarded imports of required dependencies are annotated."""

    severity: Level = Field("warning", description="error, warning, info or off.")


def _caught(handler: Node, source: Source) -> bool:
    """Whether an `except` clause catches ImportError or ModuleNotFoundError (alone, in a tuple, `as e`)."""
    named = [c for c in handler.named_children if c.type not in {"block", "comment"}]
    if named and named[0].type == "as_pattern":
        named = named[0].named_children[:1]
    if named and named[0].type in {"tuple", "parenthesized_expression"}:
        named = named[0].named_children
    return any(text_of(source, n).rpartition(b".")[2] in _IMPORT_ERRORS for n in named)


def _modules(source: Source, statement: Node) -> list[str]:
    """The absolute modules an import statement names (`import a.b as c` → a.b; `from a import b` → a)."""
    if statement.type == "import_from_statement":
        module = statement.child_by_field_name("module_name")
        names = [module] if module is not None and module.type == "dotted_name" else []
    else:
        names = [c.child_by_field_name("name") or c for c in statement.named_children]
    return [text_of(source, n).decode("utf-8", "replace") for n in names if n is not None]


def _block(node: Node | None) -> list[Node]:
    """The statements of a block (a `try:` body, a handler's)."""
    block = node if node is None or node.type == "block" else node.child_by_field_name("body")
    if block is None and node is not None:
        block = next((c for c in node.children if c.type == "block"), None)
    return block.named_children if block is not None else []


def _python(source: Source, required: Mapping[str, str], severity: Severity) -> Iterator[Hit]:
    """Hits on the imports of required distributions in a `try:` whose handler catches ImportError."""
    tree = source.tree
    if tree is None:
        return
    tries: dict[int, Node] = {}
    for offset in positions(source.text, _PYTHON_MARKERS):
        handler = enclosing(tree.root_node, offset, offset + 1, {"except_clause"}, 4)
        if handler is not None and handler.parent is not None and _caught(handler, source):
            tries.setdefault(handler.parent.id, handler.parent)
    for statement in sorted(tries.values(), key=lambda n: n.start_byte):
        handlers = [c for c in statement.named_children if c.type == "except_clause" and _caught(c, source)]
        fallback = [s for h in handlers for s in _block(h)]
        if any(s.type == "raise_statement" for s in fallback):
            continue  # the import is not made optional, only its error reworded
        # A handler importing the same distribution picks a variant of it (`CSafeLoader`, `pydantic.v1`).
        fallen_back = {
            d for s in fallback if s.type in _IMPORTS for m in _modules(source, s) for d in _named(m)
        }
        imports = [s for s in _block(statement.child_by_field_name("body")) if s.type in _IMPORTS]
        # The guard is for an optional module when the `try:` also imports one that is not required.
        tops = {m.partition(".")[0] for s in imports for m in _modules(source, s)}
        if not all(distributions(top)[0] in required for top in tops):
            continue
        for guarded in imports:
            for module in _modules(source, guarded):
                found = [d for d in _named(module) if d in required and d not in fallen_back]
                if found:
                    message = (
                        f"`{module}` is required by {required[found[0]]}, yet its import is guarded by "
                        "`except ImportError`; import it plainly (the fallback cannot run)"
                    )
                    yield hit(guarded, message, severity)


def _named(module: str) -> tuple[str, ...]:
    """The distributions a module's import is read as: a top-level module, or a dotted one that is its
    distribution's own (`ruamel.yaml`); a submodule (`sqlalchemy.ext.asyncio`) may need an extra."""
    if "." not in module:
        return distributions(module)
    return distributions(".".join(module.split(".")[:2]))[:1]


def _package(specifier: bytes) -> str | None:
    """The npm package a `require`/`import()` specifier names, None for a relative path or a built-in."""
    name = specifier.decode("utf-8", "replace").strip("'\"`")
    if not name or name.startswith((".", "/", "node:")):
        return None
    parts = name.split("/")
    return "/".join(parts[:2]) if name.startswith("@") else parts[0]


def _guarding_try(source: Source, call: Node) -> Node | None:
    """The `try` statement whose own block holds `call` (not inside a function defined there), when that
    block only loads modules: a `try` around a whole program guards it, not its imports."""
    node = call.parent
    while node is not None and node.type not in _FUNCTIONS:
        parent = node.parent
        if node.type == "statement_block" and parent is not None and parent.type == "try_statement":
            if parent.child_by_field_name("body") != node:
                return None
            statements = [s for s in node.named_children if s.type != "comment"]
            loads = all(_LOADS.search(text_of(source, s)) for s in statements)
            return parent if loads else None
        node = parent
    return None


def _javascript(source: Source, required: Mapping[str, str], severity: Severity) -> Iterator[Hit]:
    """Hits on `require()` / `import()` of a package.json dependency inside a `try` with a `catch`."""
    tree = source.tree
    if tree is None:
        return
    seen: set[int] = set()
    for offset in sorted(positions(source.text, _JS_MARKERS)):
        call = enclosing(tree.root_node, offset, offset + 1, {"call_expression"}, 2)
        if call is None or call.id in seen:
            continue
        seen.add(call.id)
        function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if function is None or arguments is None or text_of(source, function) not in {b"require", b"import"}:
            continue
        given = arguments.named_children
        package = _package(text_of(source, given[0])) if given and given[0].type == "string" else None
        statement = _guarding_try(source, call) if package in required else None
        handler = statement.child_by_field_name("handler") if statement else None
        body = handler.child_by_field_name("body") if handler else None
        if package is None or body is None or _rethrows_or_requires(source, body, package):
            continue
        message = (
            f"`{package}` is in the dependencies of {required[package]}, yet its import is guarded by "
            "`try`/`catch`; import it plainly (the fallback cannot run)"
        )
        yield hit(call, message, severity)


def _rethrows_or_requires(source: Source, body: Node, package: str) -> bool:
    """Whether a `catch` throws (the import is not optional) or loads the same package another way."""
    text = text_of(source, body)
    return any(s.type == "throw_statement" for s in body.named_children) or package.encode() in text


def finder_for(config: CheckConfig, manifests: Mapping[str, str]) -> Finder:
    """Hits on guarded imports of what `manifests` (path → text) declare required."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        language = source.language
        if language not in LANGUAGES or source.tree is None or source.kind is Kind.TEST:
            return
        if language == "python":
            required = required_python(manifests, source.path)
            if required and any(m in source.text for m in _PYTHON_MARKERS):
                yield from _python(source, required, severity)
        elif language in JS_FAMILY:
            required = required_javascript(manifests, source.path)
            if required and any(m in source.text for m in _JS_MARKERS):
                yield from _javascript(source, required, severity)

    return find


def finder(config: CheckConfig) -> Finder:
    """Without manifests nothing is required: the rule reads them in `check`."""
    return finder_for(config, {})


def _with_manifest(path: str, text: str, manifest: str, manifest_text: str, passes: bool) -> Example:
    """An example pull request adding `path`, with the head's manifests at the root."""
    strict = f"checks:\n  {ID}:\n    severity: error\n" if not passes else None
    snapshot = added_file(path, text, strict)
    repository = replace(snapshot.repository, manifests={manifest: manifest_text})
    return Example(
        f"{path}: {text.splitlines()[1].strip()}", replace(snapshot, repository=repository), passes
    )


_PYPROJECT = '[project]\nname = "app"\ndependencies = ["PyYAML>=6", "tomli; python_version < \'3.11\'"]\n'
_PACKAGE_JSON = '{"dependencies": {"lodash": "^4"}, "optionalDependencies": {"fsevents": "^2"}}'
_BASE = check_rule(
    id=ID,
    summary="An import guarded by `except ImportError` / `try { require() }` of a required dependency.",
    help=f"""\
Code that catches ImportError around the import of a dependency the project declares required guards a
state that cannot happen: the fallback is dead code, and a broken install surfaces later and further
away. Python: an `import` in a `try:` whose handler catches `ImportError` or `ModuleNotFoundError`, of a
distribution listed without an environment marker in `[project].dependencies` or Poetry's
`[tool.poetry.dependencies]` of the nearest pyproject.toml, setup.cfg's `install_requires` or
requirements.txt (import names are matched to distributions: `yaml` is PyYAML). JavaScript and
TypeScript: `require("x")` or `import("x")` in a `try` block that only loads modules and whose `catch`
neither rethrows nor loads `x` otherwise, for `x` in the `dependencies` of the nearest package.json.
Left alone: optional dependencies (extras, dependency groups, dev, peer and optional npm
dependencies), one under a marker (`tomli; python_version < "3.11"`), the standard library (`tomllib`),
a handler that re-raises, a handler importing a variant of the same distribution (`CSafeLoader` or
`SafeLoader`), a submodule that may need an extra (`sqlalchemy.ext.asyncio`), a `try` that also guards
an optional module or (JavaScript) runs more than imports, and tests. The manifests are read at the head,
as the pull request leaves them. Severity `warning`. Languages: {", ".join(LANGUAGES)}.""",
    config=Config,
    finder=finder,
    examples=(
        _with_manifest(
            "app/config.py",
            "try:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n",
            "pyproject.toml",
            _PYPROJECT,
            passes=True,
        ),
        _with_manifest(
            "src/watch.js",
            "let fsevents;\ntry { fsevents = require('fsevents'); } catch { fsevents = null; }\n",
            "package.json",
            _PACKAGE_JSON,
            passes=True,
        ),
        _with_manifest(
            "app/config.py",
            "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
            "pyproject.toml",
            _PYPROJECT,
            passes=False,
        ),
        _with_manifest(
            "src/util.js",
            "let _;\ntry { _ = require('lodash'); } catch (e) { _ = null; }\n",
            "package.json",
            _PACKAGE_JSON,
            passes=False,
        ),
    ),
)


def check(snapshot: PullRequestSnapshot, config: CheckConfig) -> Check | None:
    """The check over the changed files, the head's manifests deciding what is required."""
    if severity_of(config) is None:
        return None
    return Scope.ADDED, finder_for(config, snapshot.repository.manifests)


RULE: Rule[CheckConfig] = replace(
    _BASE, evaluate=evaluate_check(ID, check), check=check, needs=_BASE.needs | {Need.MANIFESTS}
)
