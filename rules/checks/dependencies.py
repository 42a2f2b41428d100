"""The dependencies a project declares as always required, read from its manifests: Python's
`[project].dependencies`, Poetry's `[tool.poetry.dependencies]`, setup.cfg's `install_requires` and
`requirements.txt`; npm's `dependencies`. Optional ones (extras, dependency groups, dev, peer and optional
npm dependencies) and ones under an environment marker (`tomli; python_version < "3.11"`) are not
required, so guarding their import is right.

A manifest that does not parse names nothing: the rule then reports nothing rather than guess.
`declared_python` / `declared_javascript` read every dependency a manifest declares, optional or not
(`undeclared-import`).
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

# Real manifests stay under 100 kB; a larger text is not read.
MAX_MANIFEST_CHARS = 1_000_000
# Manifests parsed, kept by their text: every changed file below one asks, and a worker lives through
# many pull requests' manifests (an unbounded cache would keep them all).
_CACHED = 256
PYTHON_MANIFESTS = ("pyproject.toml", "setup.cfg", "requirements.txt")
JS_MANIFESTS = ("package.json",)
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*?)\s*(;.*)?$")
# Import names that differ from their distribution's (PyPI), for the distributions commonly guarded.
IMPORT_NAMES = {
    "yaml": "pyyaml",
    "pil": "pillow",
    "attr": "attrs",
    "dateutil": "python-dateutil",
    "bs4": "beautifulsoup4",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "jwt": "pyjwt",
    "dotenv": "python-dotenv",
    "crypto": "pycryptodome",
    "openssl": "pyopenssl",
    "magic": "python-magic",
    "serial": "pyserial",
    "git": "gitpython",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "docx": "python-docx",
    "slugify": "python-slugify",
    "zmq": "pyzmq",
    "google.protobuf": "protobuf",
    "ruamel.yaml": "ruamel-yaml",
}


def normalised(name: str) -> str:
    """A distribution's name as PEP 503 compares them (`Ruamel.YAML` is `ruamel-yaml`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(module: str) -> tuple[str, ...]:
    """The distributions an imported module may come from: its own name, dotted or top-level, and the
    known distribution of that import name."""
    parts = module.split(".")
    names = [".".join(parts[:2]), parts[0]] if len(parts) > 1 else [parts[0]]
    found = [IMPORT_NAMES.get(n.lower(), n) for n in names]
    return tuple(dict.fromkeys(normalised(n) for n in found))


def nearest(manifests: Mapping[str, str], path: str, names: Iterable[str]) -> list[tuple[str, str]]:
    """The manifests of `names` in the nearest folder above `path` that holds one, as (path, text)."""
    wanted = tuple(names)
    folder = path.rpartition("/")[0]
    while True:
        keys = [f"{folder}/{name}" if folder else name for name in wanted]
        found = [(key, manifests[key]) for key in keys if key in manifests]
        if found or not folder:
            return found
        folder = folder.rpartition("/")[0]


def required_python(manifests: Mapping[str, str], path: str) -> dict[str, str]:
    """The distributions required without condition by the Python project holding `path`, each with
    the manifest that requires it."""
    return {
        name: where
        for where, text in nearest(manifests, path, PYTHON_MANIFESTS)
        for name in _python(where.rpartition("/")[2], text)
    }


def required_javascript(manifests: Mapping[str, str], path: str) -> dict[str, str]:
    """The npm packages in `dependencies` of the nearest package.json above `path`, with its path."""
    return {
        name: where for where, text in nearest(manifests, path, JS_MANIFESTS) for name in _package_json(text)
    }


@lru_cache(maxsize=_CACHED)
def _python(name: str, text: str) -> frozenset[str]:
    """What one Python manifest requires without condition (cached: every changed file asks)."""
    if len(text) > MAX_MANIFEST_CHARS:
        return frozenset()
    try:
        if name == "pyproject.toml":
            return frozenset(_pyproject(tomllib.loads(text)))
        if name == "setup.cfg":
            return frozenset(_setup_cfg(text))
        return frozenset(_unconditional(_requirement_lines(text)))
    except (ValueError, RecursionError, configparser.Error):
        return frozenset()


@lru_cache(maxsize=_CACHED)
def _package_json(text: str) -> frozenset[str]:
    """The `dependencies` of a package.json."""
    if len(text) > MAX_MANIFEST_CHARS:
        return frozenset()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return frozenset()
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    return (
        frozenset(k for k in dependencies if isinstance(k, str))
        if isinstance(dependencies, dict)
        else frozenset()
    )


def _pyproject(data: dict[str, Any]) -> Iterator[str]:
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        yield from _unconditional(d for d in project["dependencies"] if isinstance(d, str))
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    table = poetry.get("dependencies") if isinstance(poetry, dict) else None
    for key, value in table.items() if isinstance(table, dict) else ():
        conditional = isinstance(value, dict) and (
            value.get("optional") or "markers" in value or "python" in value
        )
        if key.lower() != "python" and not conditional:
            yield normalised(key)


def _setup_cfg(text: str) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    yield from _unconditional(parser.get("options", "install_requires", fallback="").splitlines())


def _requirement_lines(text: str) -> Iterator[str]:
    """requirements.txt's requirements: comments, options (`-r`, `-e`, `--hash`) and URLs left out."""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")) and "://" not in line:
            yield line


def _unconditional(requirements: Iterable[str]) -> Iterator[str]:
    """The names of PEP 508 requirements without an environment marker."""
    for requirement in requirements:
        match = _NAME.match(requirement)
        if match and not match[4]:
            yield normalised(match[1])


def declared_python(manifests: Mapping[str, str], path: str) -> frozenset[str] | None:
    """Every distribution the Python manifests in the folders at and above `path` declare — required,
    optional, extras, dependency groups, dev and build ones, and the project's own name — or None when
    none of them declares its dependencies (no manifest, or a pyproject.toml that only configures tools
    or lists them as `dynamic`): then nothing can be said to be undeclared."""
    found = [
        _declared_python(where.rpartition("/")[2], text)
        for where, text in _above(manifests, path, PYTHON_MANIFESTS)
    ]
    known = [names for names in found if names is not None]
    return frozenset().union(*known) if known else None


def declared_javascript(manifests: Mapping[str, str], path: str) -> frozenset[str] | None:
    """Every npm package the package.json files at and above `path` declare (`dependencies`, dev, peer
    and optional ones, and their own names; a workspace's root declares its members' tools), or None
    without a package.json."""
    found = [_declared_package_json(text) for _, text in _above(manifests, path, JS_MANIFESTS)]
    known = [names for names in found if names is not None]
    return frozenset().union(*known) if known else None


def _above(manifests: Mapping[str, str], path: str, names: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """The manifests of `names` in every folder from `path`'s up to the root, as (path, text)."""
    folder = path.rpartition("/")[0]
    while True:
        for name in names:
            key = f"{folder}/{name}" if folder else name
            if key in manifests:
                yield key, manifests[key]
        if not folder:
            return
        folder = folder.rpartition("/")[0]


@lru_cache(maxsize=_CACHED)
def _declared_python(name: str, text: str) -> frozenset[str] | None:
    if len(text) > MAX_MANIFEST_CHARS:
        return None
    try:
        if name == "pyproject.toml":
            names = _pyproject_declared(tomllib.loads(text))
        elif name == "setup.cfg":
            names = _setup_cfg_declared(text)
        else:
            names = list(_requirement_lines(text))
    except (ValueError, RecursionError, configparser.Error):
        return None
    if names is None:
        return None
    return frozenset(normalised(m[1]) for n in names if (m := _NAME.match(n)))


def _strings(value: object) -> list[str]:
    """The strings of a list, or of every list of a table (extras, groups)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _pyproject_declared(data: dict[str, Any]) -> list[str] | None:
    project, tool = data.get("project"), data.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    poetry = tool.get("poetry")
    names: list[str] = []
    declares = False
    if isinstance(project, dict):
        dynamic = project.get("dynamic")
        if isinstance(dynamic, list) and "dependencies" in dynamic:
            return None
        declares = True
        names += _strings(project.get("dependencies")) + _strings(project.get("optional-dependencies"))
        names += _strings([project.get("name")])
    if isinstance(poetry, dict):
        declares = declares or "dependencies" in poetry
        groups = poetry.get("group")
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        tables += (
            [g.get("dependencies") for g in groups.values() if isinstance(g, dict)]
            if isinstance(groups, dict)
            else []
        )
        names += [k for t in tables if isinstance(t, dict) for k in t if isinstance(k, str)]
        names += _strings([poetry.get("name")])
    if not declares:
        return None
    build = data.get("build-system")
    names += _strings(data.get("dependency-groups")) + _strings(
        build.get("requires") if isinstance(build, dict) else None
    )
    uv, pdm = tool.get("uv"), tool.get("pdm")
    names += _strings(uv.get("dev-dependencies")) if isinstance(uv, dict) else []
    names += _strings(pdm.get("dev-dependencies")) if isinstance(pdm, dict) else []
    return names


def _setup_cfg_declared(text: str) -> list[str] | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    if not parser.has_option("options", "install_requires"):
        return None
    names = parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        names += [line for _, value in parser.items("options.extras_require") for line in value.splitlines()]
    return [*names, parser.get("metadata", "name", fallback="")]


@lru_cache(maxsize=_CACHED)
def _declared_package_json(text: str) -> frozenset[str] | None:
    if len(text) > MAX_MANIFEST_CHARS:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    fields = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
    names = {k for f in fields if isinstance(data.get(f), dict) for k in data[f] if isinstance(k, str)}
    own = data.get("name")
    return frozenset(names | ({own} if isinstance(own, str) else set()))
