"""Packages of a repository read from their manifests: where each one's root is, and which in-repo
packages it depends on.

Manifests come from the head (they describe the code being split) and may be anything a branch holds:
one that does not parse still marks a package root, it just names no dependencies.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.locations import MANIFESTS

# Real manifests stay under 100 kB; a larger text is not read, so a branch cannot make the plan slow.
MAX_MANIFEST_CHARS = 1_000_000
# A manifest below one of these folders belongs to a test's fixture project (pip, poetry and ruff have
# hundreds), not to a package of the repository.
_FIXTURE_DIRS = frozenset(
    {"test", "tests", "__tests__", "testdata", "test_data", "test-data", "fixtures", "__fixtures__"}
)
_PEP508_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_QUOTED = re.compile(r"""['"]([^'"\n]+)['"]""")
_SETUP_NAME = re.compile(r"""\bname\s*=\s*['"]([^'"\n]+)['"]""")
_SETUP_REQUIRES = re.compile(r"\binstall_requires\s*=\s*\[([^\]]*)\]")
_GRADLE_PROJECT = re.compile(r"""\bproject\s*\(\s*(?:path\s*[:=]\s*)?['"](:[^'"\n]*)['"]""")
_GEM_PATH = re.compile(r"""^\s*gem\s+['"][^'"\n]+['"][^\n]*?\bpath(?::|\s*=>)\s*['"]([^'"\n]+)['"]""", re.M)
_PROJECT_REFERENCE = re.compile(r"""<ProjectReference\s[^>]*?\bInclude\s*=\s*["']([^"'>]+)["']""", re.I)
_POM_DEPENDENCY = re.compile(r"<dependency\b[^>]*>(.*?)</dependency\s*>", re.S)
_POM_NOT_OWN = re.compile(
    r"<(parent|dependencies|dependencyManagement|build|profiles)\b[^>]*>.*?</\1\s*>", re.S
)
_ARTIFACT = re.compile(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What one manifest says: the package's names (per ecosystem) and what it depends on."""

    names: frozenset[str]
    requires: frozenset[str]
    paths: frozenset[str]


@dataclass(frozen=True, slots=True)
class Packages:
    """Package roots ('' is the repository's root) and the in-repo packages each one depends on."""

    roots: frozenset[str]
    requires: Mapping[str, frozenset[str]]
    _known: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def root_of(self, path: str) -> str | None:
        """The root of the nearest package holding `path`, None when no manifest is above it."""
        folder = path.rpartition("/")[0]
        walked = []
        while folder not in self._known:
            if folder in self.roots or not folder:
                self._known[folder] = folder if folder in self.roots else None
                break
            walked.append(folder)
            folder = folder.rpartition("/")[0]
        root = self._known[folder]
        self._known.update(dict.fromkeys(walked, root))
        return root


def read_packages(manifests: Mapping[str, str]) -> Packages:
    """The packages the manifests at `manifests` (path → text) declare, with their in-repo dependencies:
    a dependency names another package (per ecosystem: a Python distribution, an npm, Cargo, Composer or
    Maven name, a Go module path) or points at its folder (Cargo, Go `replace`, Gemfile, Gradle, .NET)."""
    read: dict[str, list[Manifest]] = {}
    for path, text in sorted(manifests.items()):
        folder, name = posixpath.split(path)
        if is_manifest(name) and _FIXTURE_DIRS.isdisjoint(folder.split("/")):
            read.setdefault(folder, []).append(_read(name, text, folder))
    owners: dict[str, set[str]] = {}
    for folder, found in read.items():
        for manifest in found:
            for key in manifest.names:
                owners.setdefault(key, set()).add(folder)
    requires: dict[str, frozenset[str]] = {}
    for folder, found in read.items():
        needed = {root for m in found for key in m.requires for root in owners.get(key, ())}
        needed |= {root for m in found for target in m.paths if (root := _root_at(target, read))}
        requires[folder] = frozenset(needed - {folder})
    return Packages(frozenset(read), requires)


def is_manifest(name: str) -> bool:
    """Whether a file called `name` makes its folder a package root."""
    return name in MANIFESTS or name.endswith(".csproj")


def _root_at(target: str, roots: Mapping[str, object]) -> str | None:
    """The package a path dependency points at: its folder, or the folder of the manifest it names."""
    if target in roots:
        return target
    parent = posixpath.dirname(target)
    return parent if parent in roots and is_manifest(posixpath.basename(target)) else None


def _read(name: str, text: str, folder: str) -> Manifest:
    if len(text) > MAX_MANIFEST_CHARS:
        return Manifest(frozenset(), frozenset(), frozenset())
    try:
        reader = _READERS.get(name, _read_csproj if name.endswith(".csproj") else _nothing)
        names, requires, paths = reader(text)
    except (ValueError, RecursionError, configparser.Error):
        # Not in its format (tomllib and json raise ValueError subclasses, thousands of nested brackets
        # RecursionError): still a package root, naming nothing.
        return Manifest(frozenset(), frozenset(), frozenset())
    return Manifest(frozenset(names), frozenset(requires), frozenset(_resolve(folder, paths)))


def _resolve(folder: str, paths: Iterable[str]) -> Iterator[str]:
    """Repository paths of path dependencies: relative to the manifest, or to the root when they start
    with `/`; none that leaves the repository."""
    for raw in paths:
        joined = posixpath.normpath(posixpath.join(folder, raw.replace("\\", "/")).lstrip("/") or ".")
        if joined != ".." and not joined.startswith(("../", "/")):
            yield "" if joined == "." else joined


Read = tuple[Iterable[str], Iterable[str], Iterable[str]]


def _nothing(text: str) -> Read:
    return (), (), ()


def _python_name(requirement: str) -> str | None:
    match = _PEP508_NAME.match(requirement)
    return "py:" + re.sub(r"[-_.]+", "-", match[1]).lower() if match else None


def _python(names: Iterable[str], requirements: Iterable[str]) -> tuple[list[str], list[str]]:
    own = [n for n in map(_python_name, names) if n]
    return own, [n for n in map(_python_name, requirements) if n]


def _read_pyproject(text: str) -> Read:
    data = tomllib.loads(text)
    project = _table(data, "project")
    poetry = _table(_table(data, "tool"), "poetry")
    requirements = [*_strings(project.get("dependencies"))]
    for extra in _table(project, "optional-dependencies").values():
        requirements += _strings(extra)
    for group in _table(data, "dependency-groups").values():
        requirements += _strings(group)
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [_table(g, "dependencies") for g in _table(poetry, "group").values() if isinstance(g, dict)]
    requirements += [key for table in tables for key in table]
    sources = _table(_table(_table(data, "tool"), "uv"), "sources")
    paths = [v["path"] for table in [*tables, sources] for v in table.values() if _has_str(v, "path")]
    requirements += [key for key, v in sources.items() if isinstance(v, dict) and v.get("workspace")]
    names, requires = _python(_strings([project.get("name"), poetry.get("name")]), requirements)
    return names, requires, paths


def _read_setup_cfg(text: str) -> Read:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    name = parser.get("metadata", "name", fallback="")
    requirements = parser.get("options", "install_requires", fallback="").splitlines()
    if parser.has_section("options.extras_require"):
        requirements += [r for _, value in parser.items("options.extras_require") for r in value.splitlines()]
    names, requires = _python([name], [r for r in requirements if r.strip()])
    return names, requires, ()


def _read_setup_py(text: str) -> Read:
    name = _SETUP_NAME.search(text)
    block = _SETUP_REQUIRES.search(text)
    names, requires = _python([name[1]] if name else [], _QUOTED.findall(block[1]) if block else [])
    return names, requires, ()


_LOCAL_SPECS = ("file:", "link:")


def _read_package_json(text: str) -> Read:
    data = json.loads(text)
    if not isinstance(data, dict):
        return (), (), ()
    groups = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
    entries = [(k, v) for group in groups for k, v in _table(data, group).items()]
    paths = [v.split(":", 1)[1] for _, v in entries if isinstance(v, str) and v.startswith(_LOCAL_SPECS)]
    return _strings_with("npm:", [data.get("name")]), ["npm:" + k for k, _ in entries], paths


def _read_composer(text: str) -> Read:
    data = json.loads(text)
    if not isinstance(data, dict):
        return (), (), ()
    requires = [k for group in ("require", "require-dev") for k in _table(data, group)]
    name = data.get("name")
    return (
        ["composer:" + name.lower()] if isinstance(name, str) else [],
        ["composer:" + k.lower() for k in requires],
        (),
    )


def _read_cargo(text: str) -> Read:
    data = tomllib.loads(text)
    kinds = ("dependencies", "dev-dependencies", "build-dependencies")
    tables = [_table(data, key) for key in kinds]
    for target in _table(data, "target").values():
        tables += [_table(target, key) for key in kinds]
    tables.append(_table(_table(data, "workspace"), "dependencies"))
    requires = []
    for table in tables:
        for key, value in table.items():
            renamed = value.get("package") if isinstance(value, dict) else None
            requires.append(_crate(renamed if isinstance(renamed, str) else key))
    paths = [v["path"] for table in tables for v in table.values() if _has_str(v, "path")]
    name = _table(data, "package").get("name")
    return [_crate(name)] if isinstance(name, str) else [], requires, paths


def _crate(name: str) -> str:
    # crates.io treats `-` and `_` in a crate name as the same character.
    return "cargo:" + name.replace("_", "-")


def _read_go_mod(text: str) -> Read:
    names: list[str] = []
    requires: list[str] = []
    paths: list[str] = []
    block = ""
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if line == ")":
            block = ""
            continue
        words = line.split()
        if len(words) >= 2 and words[1] == "(":
            block = words[0]
            continue
        verb, args = (block, words) if block else (words[0] if words else "", words[1:])
        if verb == "module" and args:
            names.append("go:" + args[0].strip('"'))
        elif verb == "require" and args:
            requires.append("go:" + args[0].strip('"'))
        elif verb == "replace" and "=>" in args:
            target = args[args.index("=>") + 1 :]
            if target and target[0].startswith("."):
                paths.append(target[0])
    return names, requires, paths


def _read_pom(text: str) -> Read:
    # Read with patterns, not an XML parser: a head's pom.xml is untrusted, and entities are no concern here.
    dependencies = [m[1] for block in _POM_DEPENDENCY.findall(text) if (m := _ARTIFACT.search(block))]
    name = _ARTIFACT.search(_POM_NOT_OWN.sub("", text))
    return (["maven:" + name[1]] if name else []), ["maven:" + d for d in dependencies], ()


def _read_gradle(text: str) -> Read:
    # `project(':libs:core')` is the folder libs/core below the settings file, taken to be the repository's
    # root (https://docs.gradle.org/current/userguide/multi_project_builds.html).
    return (), (), ["/" + p.strip(":").replace(":", "/") for p in _GRADLE_PROJECT.findall(text)]


def _read_gemfile(text: str) -> Read:
    return (), (), _GEM_PATH.findall(text)


def _read_csproj(text: str) -> Read:
    return (), (), _PROJECT_REFERENCE.findall(text)


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _strings_with(prefix: str, values: list[Any]) -> list[str]:
    return [prefix + v for v in values if isinstance(v, str)]


def _has_str(value: Any, key: str) -> bool:
    return isinstance(value, dict) and isinstance(value.get(key), str)


_READERS = {
    "pyproject.toml": _read_pyproject,
    "setup.cfg": _read_setup_cfg,
    "setup.py": _read_setup_py,
    "package.json": _read_package_json,
    "composer.json": _read_composer,
    "Cargo.toml": _read_cargo,
    "go.mod": _read_go_mod,
    "pom.xml": _read_pom,
    "build.gradle": _read_gradle,
    "build.gradle.kts": _read_gradle,
    "Gemfile": _read_gemfile,
}
