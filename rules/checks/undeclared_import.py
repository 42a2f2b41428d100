"""`undeclared-import`: an added import of a third-party module that no manifest of the project declares:
it works on the author's machine, where the package happens to be installed, and fails on a clean
install."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterator, Mapping
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
from rules.checks.common import CheckConfig, Level, added_file, check_rule, evaluate_check, hit, severity_of
from rules.checks.dependencies import declared_javascript, declared_python, distributions, normalised

ID = "undeclared-import"
LANGUAGES = ("python", "javascript", "typescript", "tsx")
_PY_IMPORTS = frozenset({"import_statement", "import_from_statement"})
_JS_IMPORTS = frozenset({"import_statement", "export_statement", "call_expression"})
# Import names whose distribution's name is none of the forms matched below.
_DISTRIBUTIONS = {
    "pkg_resources": "setuptools",
    "_pytest": "pytest",
    "skimage": "scikit-image",
    "fitz": "pymupdf",
    "win32api": "pywin32",
    "win32con": "pywin32",
    "pythoncom": "pywin32",
    "mpl_toolkits": "matplotlib",
    "google.protobuf": "protobuf",
}
_STDLIB = frozenset(sys.stdlib_module_names)
_GATES = (b"TYPE_CHECKING", b"version_info", b"platform")
NODE_BUILTINS = frozenset(
    {
        *("assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto"),
        *("dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https"),
        *("inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring"),
        *("readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty"),
        *("url", "util", "v8", "vm", "wasi", "worker_threads", "zlib"),
    }
)
# What an npm package name may be (lower case; scoped `@scope/name`): `@/x`, `~/x`, `#x` are aliases.
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")


class Config(CheckConfig):
    """Imports of undeclared third-party modules are annotated."""

    severity: Level = Field("warning", description="error, warning, info or off.")


def _python_candidates(module: str) -> tuple[str, ...]:
    """The distribution names an imported module may come from (`google.cloud.storage` may be
    google-cloud-storage)."""
    parts = module.split(".")
    found = list(distributions(module))
    if len(parts) >= 3:
        found.append(normalised("-".join(parts[:3])))
    for n in (".".join(parts[:2]), parts[0]):
        if n in _DISTRIBUTIONS:
            found.append(_DISTRIBUTIONS[n])
    return tuple(dict.fromkeys(found))


def _provides(declared: frozenset[str], candidates: Collection[str]) -> bool:
    """Whether a declared distribution may provide the module: its name, or its name with a prefix or
    a suffix (`psycopg2-binary`, `python-dateutil`, `pyserial`, `django-environ`)."""
    for c in candidates:
        if c in declared or f"py{c}" in declared:
            return True
        if any(d.startswith(f"{c}-") or d.endswith(f"-{c}") for d in declared):
            return True
    return False


def _guarded(statement: Node) -> bool:
    """Whether an import sits in a `try:` with an `except` (an optional module, handled when missing),
    under `if TYPE_CHECKING:` (never run), or under a test of the Python version or the platform (a
    newer standard library's module, a platform's own)."""
    node = statement.parent
    while node is not None and node.type not in {"function_definition", "class_definition"}:
        if node.type == "try_statement" and any(c.type == "except_clause" for c in node.children):
            return True
        condition = node.child_by_field_name("condition") if node.type == "if_statement" else None
        if condition is not None and any(m in (condition.text or b"") for m in _GATES):
            return True
        node = node.parent
    return False


def _python_modules(source: Source, statement: Node) -> list[tuple[Node, str]]:
    """The absolute modules an import names, with the node naming each (relative imports left out)."""
    if statement.type == "import_from_statement":
        module = statement.child_by_field_name("module_name")
        named = [module] if module is not None and module.type == "dotted_name" else []
    else:
        named = [c.child_by_field_name("name") or c for c in statement.named_children]
    return [(n, text_of(source, n).decode("utf-8", "replace")) for n in named if n is not None]


def _added_statements(
    source: Source, words: tuple[bytes, ...], kinds: frozenset[str], depth: int
) -> Iterator[Node]:
    """Each import statement (a node of `kinds` around one of `words`) that starts on an added line, once."""
    tree = source.tree
    if tree is None:
        return
    seen: set[int] = set()
    for offset in positions(source.text, words):
        statement = enclosing(tree.root_node, offset, offset + 1, kinds, depth)
        if statement is None or statement.id in seen or statement.start_point.row + 1 not in source.added:
            continue
        seen.add(statement.id)
        yield statement


def _python(
    source: Source, declared: frozenset[str], local: frozenset[str], severity: Severity
) -> Iterator[Hit]:
    for statement in _added_statements(source, (b"import ",), _PY_IMPORTS, 1):
        if _guarded(statement):
            continue
        for node, module in _python_modules(source, statement):
            top = module.partition(".")[0]
            if top in _STDLIB or top in local or top.startswith("__"):
                continue
            if not _provides(declared, _python_candidates(module)):
                yield hit(
                    node, f"`{module}` is imported but no manifest above this file declares it", severity
                )


def _package(specifier: str) -> str | None:
    """The npm package a specifier names; None for a relative path, a URL, a built-in or an alias."""
    if not specifier or specifier.startswith((".", "/")) or ":" in specifier or "!" in specifier:
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return name if _NPM_NAME.match(name) and name not in NODE_BUILTINS else None


def _specifier(source: Source, node: Node) -> Node | None:
    """The string an import, a re-export, `require(…)` or `import(…)` loads; None for a type-only import
    (erased) or another call."""
    if node.type == "call_expression":
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is None or arguments is None or text_of(source, function) not in {b"require", b"import"}:
            return None
        given = arguments.named_children
        return given[0] if len(given) == 1 and given[0].type == "string" else None
    if any(c.type == "type" for c in node.children):  # `import type …`, `export type … from`
        return None
    found = node.child_by_field_name("source")
    return found if found is not None and found.type == "string" else None


def _javascript(
    source: Source, declared: frozenset[str], local: frozenset[str], severity: Severity
) -> Iterator[Hit]:
    for statement in _added_statements(source, (b"import", b"require(", b"from "), _JS_IMPORTS, 2):
        string = _specifier(source, statement)
        if string is None:
            continue
        package = _package(text_of(source, string).decode("utf-8", "replace").strip("'\"`"))
        if package is None or package in declared or package.split("/")[0] in local:
            continue
        if f"@types/{package}" in declared:
            continue
        yield hit(
            string, f"`{package}` is imported but no package.json above this file declares it", severity
        )


def local_names(snapshot: PullRequestSnapshot) -> frozenset[str]:
    """Names that are the project's own modules: the folders and module files of the changed paths and
    of the manifests (`src/app/x.py` makes `app` and `x` local)."""
    names: set[str] = set()
    for path in (*(f.path for f in snapshot.files), *snapshot.repository.manifests):
        *folders, file = path.split("/")
        names.update(folders)
        names.add(file.partition(".")[0])
    return frozenset(names)


def finder_for(config: CheckConfig, manifests: Mapping[str, str], local: frozenset[str]) -> Finder:
    """Hits on added imports that `manifests` do not declare and that are not in `local`."""
    severity = severity_of(config) or Severity.WARNING

    def find(source: Source) -> Iterator[Hit]:
        language = source.language
        if language not in LANGUAGES or source.kind is not Kind.SOURCE or source.path.endswith(".d.ts"):
            return
        if not source.added or source.tree is None:
            return
        if language == "python":
            declared = declared_python(manifests, source.path)
            if declared is not None:
                yield from _python(source, declared, local, severity)
        elif language in JS_FAMILY:
            packages = declared_javascript(manifests, source.path)
            if packages is not None:
                yield from _javascript(source, packages, local, severity)

    return find


def finder(config: CheckConfig) -> Finder:
    """Without manifests nothing is declared, and nothing reported: the rule reads them in `check`."""
    return finder_for(config, {}, frozenset())


def check(snapshot: PullRequestSnapshot, config: CheckConfig) -> Check | None:
    """The check over the changed files, the head's manifests saying what is declared."""
    if severity_of(config) is None:
        return None
    return Scope.ADDED, finder_for(config, snapshot.repository.manifests, local_names(snapshot))


def _example(path: str, text: str, manifest: str, manifest_text: str, passes: bool) -> Example:
    strict = None if passes else f"checks:\n  {ID}:\n    severity: error\n"
    snapshot = added_file(path, text, strict)
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests={manifest: manifest_text}))
    return Example(f"{path}: {text.splitlines()[0]}", snapshot, passes)


_PYPROJECT = (
    '[project]\nname = "app"\ndependencies = ["PyYAML>=6"]\n'
    '[project.optional-dependencies]\nfast = ["orjson"]\n'
)
_PACKAGE_JSON = '{"name": "web", "dependencies": {"lodash": "^4"}, "devDependencies": {"vitest": "^1"}}'
_BASE = check_rule(
    id=ID,
    summary="An added import of a third-party module no manifest of the project declares.",
    help=f"""\
An import that works only where the package happens to be installed fails on a clean install, in CI or
for the next contributor. Python: `import x` / `from x import y` on an added line, in a file that counts
as source, whose top-level module is not the standard library (`sys.stdlib_module_names`), not relative,
not one of the project's own (a folder or module name of a changed path or a manifest's path), and that
no distribution declared by the pyproject.toml, setup.cfg or requirements.txt files in the file's folder
and every folder above may provide: `[project]` dependencies, extras and name, `[dependency-groups]`,
`[build-system].requires`, Poetry's dependencies and groups, uv's and PDM's dev dependencies. A
distribution provides a module by its name (`yaml` is PyYAML, `google.cloud.storage` may be
google-cloud-storage) or that name with a prefix or a suffix (`psycopg2-binary`, `django-environ`).
JavaScript and TypeScript: `import … from "x"`, `export … from "x"`, `require("x")` and `import("x")`
of an npm package no package.json at or above the file names (dependencies, dev, peer, optional, or its
own name); Node built-ins, `node:` and other `scheme:` specifiers, relative paths, aliases (`@/x`, `~/x`,
`#x`) and `import type` pass. Left alone: imports in a `try:` with an `except` (an optional module),
under `if TYPE_CHECKING:` or a test of `sys.version_info` or the platform (a newer standard library's
module, a platform's own), tests (dev requirements files are not read), `.d.ts` files, and any file with
no manifest above it or whose manifests do not list their dependencies (`dynamic`, a pyproject.toml that
only configures tools). The manifests are read at the head. Severity `warning`. Languages:
{", ".join(LANGUAGES)}.""",
    config=Config,
    finder=finder,
    examples=(
        _example("app/load.py", "import yaml\n", "pyproject.toml", _PYPROJECT, passes=True),
        _example("src/util.ts", "import _ from 'lodash';\n", "package.json", _PACKAGE_JSON, passes=True),
        _example("app/load.py", "import requests\n", "pyproject.toml", _PYPROJECT, passes=False),
        _example(
            "src/util.js", "const dayjs = require('dayjs');\n", "package.json", _PACKAGE_JSON, passes=False
        ),
    ),
)
RULE: Rule[CheckConfig] = replace(
    _BASE, evaluate=evaluate_check(ID, check), check=check, needs=_BASE.needs | {Need.MANIFESTS}
)
