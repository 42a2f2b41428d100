"""The check rules that read the pull request as a whole, and `undeclared-import`: named bad cases, good
cases and look-alikes that must not fire."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.files import classify
from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot
from bot.core.verdict import Conclusion, evaluate
from rules.base import Context
from rules.checks import duplicate_block, lockfile_without_manifest, mixed_concerns, undeclared_import
from rules.checks.common import added_file
from rules.checks.duplicate_block import pull_request
from rules.checks.lockfile_without_manifest import changed

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _run(module: object, snapshot: PullRequestSnapshot) -> tuple[Finding, ...]:
    """What the module's rule finds under its defaults."""
    rule = module.RULE  # type: ignore[attr-defined]
    return rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings  # type: ignore[no-any-return]


def _with_status(snapshot: PullRequestSnapshot, path: str, status: FileStatus) -> PullRequestSnapshot:
    files = tuple(replace(f, status=status) if f.path == path else f for f in snapshot.files)
    return replace(snapshot, files=files)


LOCKS = [
    ("npm lockfile beside code", ("src/a.js", "package-lock.json"), [("package-lock.json", W)]),
    ("yarn lockfile beside code", ("src/a.ts", "yarn.lock"), [("yarn.lock", W)]),
    ("pnpm lockfile beside code", ("src/a.ts", "pnpm-lock.yaml"), [("pnpm-lock.yaml", W)]),
    ("poetry lockfile beside code", ("app/main.py", "poetry.lock"), [("poetry.lock", W)]),
    ("uv lockfile in a subproject", ("svc/app.py", "svc/uv.lock"), [("svc/uv.lock", W)]),
    ("Cargo.lock beside code", ("src/main.rs", "Cargo.lock"), [("Cargo.lock", W)]),
    ("go.sum beside code", ("cmd/x/main.go", "go.sum"), [("go.sum", W)]),
    ("Gemfile.lock beside code", ("app/models/a.rb", "Gemfile.lock"), [("Gemfile.lock", W)]),
    ("lockfile only: a refresh", ("package-lock.json",), [("package-lock.json", INFO)]),
    ("two lockfiles only", ("go.sum", "web/yarn.lock"), [("go.sum", INFO), ("web/yarn.lock", INFO)]),
    (
        "a manifest of another folder does not explain it",
        ("web/package.json", "api/package-lock.json", "api/a.js"),
        [("api/package-lock.json", W)],
    ),
    (
        "a manifest above the lockfile does not explain it",
        ("package.json", "web/package-lock.json"),
        [("web/package-lock.json", W)],
    ),
    ("npm lockfile with package.json", ("src/a.js", "package.json", "package-lock.json"), []),
    ("poetry with pyproject", ("pyproject.toml", "poetry.lock"), []),
    ("uv with pyproject", ("pyproject.toml", "uv.lock", "app/a.py"), []),
    ("go.sum with go.mod", ("go.mod", "go.sum"), []),
    ("Gemfile.lock with Gemfile", ("Gemfile", "Gemfile.lock"), []),
    ("Cargo.lock with a workspace member's manifest", ("crates/core/Cargo.toml", "Cargo.lock"), []),
    ("yarn.lock with a workspace package.json", ("packages/ui/package.json", "yarn.lock"), []),
    ("pnpm with its workspace file", ("pnpm-workspace.yaml", "pnpm-lock.yaml"), []),
    ("a vendored lockfile", ("vendor/lib/package-lock.json", "src/a.js"), []),
    ("a file merely named like a manifest's lock", ("src/package-lock.js", "src/a.js"), []),
    ("no lockfile", ("src/a.py", "README.md"), []),
]


@pytest.mark.parametrize(("name", "paths", "found"), LOCKS, ids=[c[0] for c in LOCKS])
def test_lockfiles_changed_without_their_manifest(
    name: str, paths: tuple[str, ...], found: list[tuple[str, Severity]]
) -> None:
    """A modified lockfile is reported on its first line unless a manifest it locks changed, in its
    folder or below; a warning beside other changes, info when only lockfiles change."""
    findings = _run(lockfile_without_manifest, changed(*paths))
    assert [(f.path, f.severity) for f in findings] == found
    assert all(f.line == 1 and f.scope is Scope.FILE for f in findings)


@pytest.mark.parametrize("status", [FileStatus.ADDED, FileStatus.REMOVED])
def test_adding_or_removing_a_lockfile_is_no_drift(status: FileStatus) -> None:
    """Adopting or dropping a lockfile is a decision the diff shows: not reported."""
    snapshot = _with_status(changed("src/a.js", "package-lock.json"), "package-lock.json", status)
    assert _run(lockfile_without_manifest, snapshot) == ()


def test_a_renamed_manifest_explains_its_lockfile() -> None:
    """A manifest moved in the pull request counts as changed under either of its paths."""
    snapshot = changed("src/a.js", "package-lock.json")
    moved = ChangedFile("package.json", FileStatus.RENAMED, 0, 0, previous_path="package.json.old")
    assert _run(lockfile_without_manifest, replace(snapshot, files=(*snapshot.files, moved))) == ()


def test_the_message_names_the_manifest_and_the_way_back() -> None:
    """The message says which manifest did not change and how to undo the drift."""
    (finding,) = _run(lockfile_without_manifest, changed("svc/a.py", "svc/poetry.lock"))
    assert "`svc/poetry.lock` changes while `svc/pyproject.toml` does not" in finding.message
    assert "restore the lockfile from the base branch" in finding.message


def test_a_lockfile_drift_never_fails_the_gate_by_default() -> None:
    """Under the default rules file the finding is a warning: the check passes."""
    verdict = evaluate(changed("src/a.js", "package-lock.json"))
    assert verdict.conclusion is Conclusion.SUCCESS
    assert [f.rule for f in verdict.findings if f.rule == lockfile_without_manifest.ID] == [
        lockfile_without_manifest.ID
    ]


def test_the_refresh_level_is_configured_apart() -> None:
    """`alone: off` silences lockfile-only pull requests and keeps the warning beside code."""
    config = lockfile_without_manifest.Config(alone="off")
    rule = lockfile_without_manifest.RULE
    only = changed("package-lock.json")
    beside = changed("a.js", "package-lock.json")
    assert rule.run(Context(only, classify(only)), config).findings == ()
    assert len(rule.run(Context(beside, classify(beside)), config).findings) == 1


PYPROJECT = """\
[project]
name = "shop-app"
dependencies = [
    "PyYAML>=6", "psycopg2-binary", "python-dateutil", "google-cloud-storage",
    "tomli; python_version < '3.11'"
]
[project.optional-dependencies]
fast = ["orjson"]
[dependency-groups]
dev = ["pytest"]
[build-system]
requires = ["setuptools>=61"]
"""
POETRY = '[tool.poetry]\nname = "svc"\n[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "*"\n'
PACKAGE_JSON = (
    '{"name": "@shop/web", "dependencies": {"lodash": "^4", "@tanstack/react-query": "^5"},'
    ' "devDependencies": {"vitest": "^1", "@types/node": "^20"}, "peerDependencies": {"react": "^18"}}'
)
PY = {"pyproject.toml": PYPROJECT}
JS = {"package.json": PACKAGE_JSON}
# (name, path, text, manifests, the modules reported)
IMPORTS = [
    ("py undeclared import", "app/a.py", "import requests\n", PY, ["requests"]),
    ("py undeclared from-import", "app/a.py", "from attrs import define\n", PY, ["attrs"]),
    ("py undeclared in a function", "app/a.py", "def f():\n    import numpy as np\n", PY, ["numpy"]),
    ("py undeclared among declared", "app/a.py", "import yaml, requests\n", PY, ["requests"]),
    ("py undeclared submodule", "app/a.py", "import matplotlib.pyplot as plt\n", PY, ["matplotlib.pyplot"]),
    ("py requirements.txt", "a.py", "import flask\n", {"requirements.txt": "django==5\n"}, ["flask"]),
    ("py poetry", "svc/a.py", "import requests\n", {"svc/pyproject.toml": POETRY}, ["requests"]),
    ("py required", "app/a.py", "import yaml\n", PY, []),
    ("py distribution with a suffix", "app/a.py", "import psycopg2\n", PY, []),
    ("py distribution with a prefix", "app/a.py", "from dateutil import parser\n", PY, []),
    ("py namespace distribution", "app/a.py", "from google.cloud import storage\n", PY, []),
    ("py extra", "app/a.py", "import orjson\n", PY, []),
    ("py marker-conditioned", "app/a.py", "import tomli\n", PY, []),
    ("py build requirement", "app/a.py", "import setuptools\nimport pkg_resources\n", PY, []),
    ("py the project's own name", "app/a.py", "import shop_app\n", PY, []),
    ("py stdlib", "app/a.py", "import os, json\nfrom collections import abc\nimport tomllib\n", PY, []),
    ("py future", "app/a.py", "from __future__ import annotations\n", PY, []),
    ("py relative", "app/a.py", "from . import b\nfrom .c import d\n", PY, []),
    ("py own package by path", "app/a.py", "from app.models import User\n", PY, []),
    (
        "py optional import in try",
        "app/a.py",
        "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
        PY,
        [],
    ),
    (
        "py TYPE_CHECKING import",
        "app/a.py",
        "if TYPE_CHECKING:\n    from mypy_boto3_s3 import Client\n",
        PY,
        [],
    ),
    ("py in a test", "tests/test_a.py", "import hypothesis\n", PY, []),
    (
        "py newer stdlib behind a version check",
        "app/a.py",
        "if sys.version_info >= (3, 14):\n    import annotationlib\n",
        PY,
        [],
    ),
    (
        "py platform module",
        "app/a.py",
        'if sys.platform == "win32":\n    import winreg, msvcrt_ext\n',
        PY,
        [],
    ),
    ("py no manifest", "app/a.py", "import requests\n", {}, []),
    (
        "py tools-only pyproject",
        "a.py",
        "import requests\n",
        {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"},
        [],
    ),
    (
        "py dynamic dependencies",
        "a.py",
        "import requests\n",
        {"pyproject.toml": '[project]\nname = "a"\ndynamic = ["dependencies"]\n'},
        [],
    ),
    ("py import in a comment", "app/a.py", "# import requests\nx = 1\n", PY, []),
    ("js undeclared require", "src/a.js", "const dayjs = require('dayjs');\n", JS, ["dayjs"]),
    ("js undeclared import", "src/a.js", "import axios from 'axios';\n", JS, ["axios"]),
    ("ts undeclared scoped", "src/a.ts", "import { z } from '@acme/schema';\n", JS, ["@acme/schema"]),
    ("ts undeclared re-export", "src/a.ts", "export { x } from 'zod';\n", JS, ["zod"]),
    ("tsx undeclared dynamic import", "src/a.tsx", "const m = await import('chart.js');\n", JS, ["chart.js"]),
    ("js dependency", "src/a.js", "import _ from 'lodash';\nimport fp from 'lodash/fp';\n", JS, []),
    ("ts scoped dependency", "src/a.ts", "import { useQuery } from '@tanstack/react-query';\n", JS, []),
    ("js dev dependency", "src/a.js", "import { defineConfig } from 'vitest/config';\n", JS, []),
    ("tsx peer dependency", "src/a.tsx", "import React from 'react';\nconst A = () => <div />;\n", JS, []),
    ("js node built-ins", "src/a.js", "const fs = require('fs');\nimport path from 'node:path';\n", JS, []),
    ("js fs/promises", "src/a.js", "import { readFile } from 'fs/promises';\n", JS, []),
    ("js relative", "src/a.js", "import a from './a';\nimport b from '../b.js';\n", JS, []),
    (
        "ts aliases",
        "src/a.ts",
        "import a from '@/lib/a';\nimport b from '~/b';\nimport c from '#c';\n",
        JS,
        [],
    ),
    ("ts type-only import", "src/a.ts", "import type { Foo } from 'some-types';\n", JS, []),
    ("ts the package's own name", "src/a.ts", "import { x } from '@shop/web/utils';\n", JS, []),
    ("js require of a variable", "src/a.js", "const m = require(name);\n", JS, []),
    (
        "js workspace root declares it",
        "packages/ui/a.js",
        "import axios from 'axios';\n",
        {
            "package.json": '{"devDependencies": {"axios": "1"}}',
            "packages/ui/package.json": '{"name": "ui"}',
        },
        [],
    ),
    ("js in a test", "src/a.test.js", "import nock from 'nock';\n", JS, []),
    ("js no package.json", "src/a.js", "import axios from 'axios';\n", {}, []),
    ("ts declaration file", "types/a.d.ts", "import { X } from 'undeclared';\n", JS, []),
]


def _imports(path: str, text: str, manifests: dict[str, str]) -> tuple[Finding, ...]:
    snapshot = added_file(path, text)
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests=manifests))
    return _run(undeclared_import, snapshot)


@pytest.mark.parametrize(("name", "path", "text", "manifests", "found"), IMPORTS, ids=[c[0] for c in IMPORTS])
def test_undeclared_imports(
    name: str, path: str, text: str, manifests: dict[str, str], found: list[str]
) -> None:
    """An added import of a third-party module is reported when no manifest at or above the file
    declares what provides it, and the standard library, relative, local and guarded imports pass."""
    findings = _imports(path, text, manifests)
    assert [f.message.split("`")[1] for f in findings] == found
    assert all(f.severity is W for f in findings)


def test_an_undeclared_import_on_a_line_the_pull_request_did_not_add_does_not_count() -> None:
    """Only imports on added lines are the pull request's."""
    snapshot = added_file("app/a.py", "import requests\nimport numpy\n")
    file = snapshot.files[0]
    hunk = replace(file.hunks[0], added=(2,))
    snapshot = replace(snapshot, files=(replace(file, status=FileStatus.MODIFIED, hunks=(hunk,)),))
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests=PY))
    assert [f.line for f in _run(undeclared_import, snapshot)] == [2]


def test_an_undeclared_import_names_the_module_on_its_line() -> None:
    """The finding sits on the import's line and says no manifest declares the module."""
    (finding,) = _imports("app/a.py", "import os\n\nimport requests\n", PY)
    assert (finding.line, finding.message) == (
        3,
        "`requests` is imported but no manifest above this file declares it",
    )


def test_a_sibling_folder_s_modules_are_the_project_s_own() -> None:
    """A module named like a folder of another changed file is the project's, not a package."""
    snapshot = added_file("app/a.py", "import helpers\n")
    other = ChangedFile("helpers/__init__.py", FileStatus.MODIFIED, 1, 0)
    snapshot = replace(snapshot, files=(*snapshot.files, other))
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests=PY))
    assert _run(undeclared_import, snapshot) == ()


PY_BLOCK = """\
def total(order):
    amount = 0
    for item in order.items:
        if item.taxable:
            amount += item.price * (1 + order.tax_rate)
        else:
            amount += item.price
    return round(amount, 2)
"""
JS_BLOCK = """\
function total(order) {
  let amount = 0;
  for (const item of order.items) {
    if (item.taxable) {
      amount += item.price * (1 + order.taxRate);
    } else {
      amount += item.price;
    }
  }
  return Math.round(amount * 100) / 100;
}
"""
OTHER_BLOCK = PY_BLOCK.replace("amount", "subtotal").replace("total(", "net(")
GO_BLOCK = """\
func total(o Order) float64 {
\tamount := 0.0
\tfor _, item := range o.Items {
\t\tif item.Taxable {
\t\t\tamount += item.Price * (1 + o.TaxRate)
\t\t} else {
\t\t\tamount += item.Price
\t\t}
\t}
\treturn amount
}
"""
PY_IMPORTS = (
    "from __future__ import annotations\n\nimport json\nimport os\nimport re\nimport sys\n"
    "from a import (\n    b,\n    c,\n)\n"
)
GO_IMPORTS = 'package a\n\nimport (\n\t"fmt"\n\t"os"\n\t"strings"\n\t"sync"\n\t"time"\n\t"io"\n)\n'
# (name, files, the (path, line, end line) of each finding)
DUPLICATES = [
    ("py across files", {"a/x.py": PY_BLOCK, "a/y.py": PY_BLOCK}, [("a/y.py", 1, 8)]),
    ("py in one file", {"a/x.py": PY_BLOCK + "\n\n" + PY_BLOCK}, [("a/x.py", 11, 18)]),
    (
        "py three copies",
        {"a/x.py": PY_BLOCK, "a/y.py": PY_BLOCK, "a/z.py": PY_BLOCK},
        [("a/y.py", 1, 8), ("a/z.py", 1, 8)],
    ),
    (
        "py re-indented, with a comment and blank lines inside",
        {
            "a/x.py": PY_BLOCK,
            "a/y.py": "class K:\n"
            + "".join(
                f"    {line}\n" + ("    # why\n\n" if n == 2 else "")
                for n, line in enumerate(PY_BLOCK.splitlines())
            ),
        },
        [("a/y.py", 2, 11)],
    ),
    ("js across files", {"src/a.js": JS_BLOCK, "src/b.js": JS_BLOCK}, [("src/b.js", 1, 10)]),
    ("ts and tsx", {"src/a.ts": JS_BLOCK, "src/b.tsx": JS_BLOCK}, [("src/b.tsx", 1, 10)]),
    ("go across files", {"a/x.go": GO_BLOCK, "a/y.go": GO_BLOCK}, [("a/y.go", 1, 10)]),
    (
        "py a copy that diverges is reported up to where it does",
        {
            "a/x.py": PY_BLOCK + "\n\ndef tail():\n    return 1\n",
            "a/y.py": PY_BLOCK + "\n\ndef other():\n    return 2\n",
        },
        [("a/y.py", 1, 8)],
    ),
    (
        "py two blocks copied in another order",
        {"a/x.py": PY_BLOCK + "\n" + OTHER_BLOCK, "a/y.py": OTHER_BLOCK + "z = 0\n" + PY_BLOCK},
        [("a/y.py", 1, 8), ("a/y.py", 10, 17)],
    ),
    ("py one copy", {"a/x.py": PY_BLOCK}, []),
    ("py a variant", {"a/x.py": PY_BLOCK, "a/y.py": PY_BLOCK.replace("amount", "subtotal")}, []),
    (
        "py five shared lines are below the default",
        {"a/x.py": PY_BLOCK, "a/y.py": "\n".join(PY_BLOCK.splitlines()[:5])},
        [],
    ),
    (
        "py the same imports atop files",
        {"a/x.py": PY_IMPORTS + "X = 1\n", "a/y.py": PY_IMPORTS + "Y = 2\n"},
        [],
    ),
    ("go the same import block", {"a/x.go": GO_IMPORTS, "a/y.go": GO_IMPORTS}, []),
    ("closing braces only", {"a/x.js": "}\n" * 3 + "});\n" * 6, "a/y.js": "}\n" * 3 + "});\n" * 6}, []),
    ("the same comments", {"a/x.py": "# one\n# two\n# three\n# four\n# five\n# six\n" * 2}, []),
    ("one line repeated is no pair of blocks", {"a/x.py": "x.append(1)\n" * 11}, []),
    ("tests repeat on purpose", {"tests/test_a.py": PY_BLOCK, "tests/test_b.py": PY_BLOCK}, []),
    (
        "docs and data",
        {"docs/a.md": PY_BLOCK, "docs/b.md": PY_BLOCK, "a.yml": PY_BLOCK, "b.yml": PY_BLOCK},
        [],
    ),
]


@pytest.mark.parametrize(("name", "files", "found"), DUPLICATES, ids=[c[0] for c in DUPLICATES])
def test_duplicate_blocks(name: str, files: dict[str, str], found: list[tuple[str, int, int]]) -> None:
    """A block of six counted added lines found again is reported on each later copy, as one block."""
    findings = _run(duplicate_block, pull_request(files))
    assert [(f.path, f.line, f.end_line) for f in findings] == found
    assert all(f.severity is W for f in findings)


def test_a_duplicate_names_the_first_copy() -> None:
    """The message says how long the block is and where its first copy is."""
    (finding,) = _run(duplicate_block, pull_request({"a/x.py": PY_BLOCK, "a/y.py": PY_BLOCK}))
    assert finding.message.startswith("these 8 lines repeat lines 1-8 in `a/x.py`")


def test_a_block_copied_from_the_base_is_not_the_pull_request_s_duplicate() -> None:
    """Only added lines are compared: a copy of lines the pull request did not add is not found."""
    snapshot = pull_request({"a/x.py": PY_BLOCK, "a/y.py": PY_BLOCK})
    old = snapshot.files[0]
    untouched = replace(old, status=FileStatus.MODIFIED, hunks=(replace(old.hunks[0], added=()),))
    assert _run(duplicate_block, replace(snapshot, files=(untouched, snapshot.files[1]))) == ()


def test_the_block_length_is_configured() -> None:
    """`min_lines: 4` finds a four-line block the default leaves alone."""
    files = {"a/x.py": "\n".join(PY_BLOCK.splitlines()[:4]), "a/y.py": "\n".join(PY_BLOCK.splitlines()[:4])}
    snapshot = pull_request(files)
    rule = duplicate_block.RULE
    assert rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings == ()
    found = rule.run(Context(snapshot, classify(snapshot)), duplicate_block.Config(min_lines=4)).findings
    assert [f.path for f in found] == ["a/y.py"]


def test_a_duplicate_is_suppressed_with_a_reason() -> None:
    """`scopegate: ignore[duplicate-block] reason` above the copy silences it."""
    copy = "# scopegate: ignore[duplicate-block] generated twin kept in sync by hand\n" + PY_BLOCK
    assert _run(duplicate_block, pull_request({"a/x.py": PY_BLOCK, "a/y.py": copy})) == ()


# (name, changed paths with their added lines, manifests, the areas reported)
AREAS = [
    (
        "two components, docs and CI",
        {"bot/a.py": 80, "web/b.ts": 40, "docs/x.md": 10, ".github/workflows/ci.yml": 5},
        {},
        ["bot/", "web/", "docs", "CI"],
    ),
    (
        "three components under src and a lint config",
        {"src/api/a.py": 50, "src/cli/b.py": 30, "src/jobs/c.py": 30, ".pre-commit-config.yaml": 2},
        {},
        ["src/api/", "src/cli/", "src/jobs/", "lint"],
    ),
    (
        "workspace packages that do not depend on each other",
        {"packages/ui/a.ts": 60, "packages/api/b.ts": 50, "README.md": 5, "package.json": 2},
        {
            "packages/ui/package.json": '{"name": "ui"}',
            "packages/api/package.json": '{"name": "api"}',
            "package.json": '{"name": "root"}',
        },
        ["packages/ui/", "packages/api/", "docs", "build"],
    ),
    (
        "one component with its tests, docs and CI",
        {"bot/a.py": 80, "tests/test_a.py": 60, "docs/a.md": 10, ".github/workflows/ci.yml": 5},
        {},
        [],
    ),
    ("two components and docs", {"bot/a.py": 80, "rules/b.py": 40, "README.md": 10}, {}, []),
    (
        "a small pull request",
        {"bot/a.py": 20, "web/b.ts": 20, "docs/x.md": 5, ".github/workflows/ci.yml": 5},
        {},
        [],
    ),
    (
        "packages one of which requires the other are one area",
        {"packages/ui/a.ts": 60, "packages/core/b.ts": 50, "docs/a.md": 5, ".github/workflows/ci.yml": 5},
        {
            "packages/ui/package.json": '{"name": "ui", "dependencies": {"core": "workspace:*"}}',
            "packages/core/package.json": '{"name": "core"}',
        },
        [],
    ),
    (
        "generated and vendored files are no area",
        {"bot/a.py": 80, "vendor/x/y.go": 900, "docs/a.md": 5, ".github/workflows/ci.yml": 5},
        {},
        [],
    ),
    (
        "code at the root is no component",
        {"setup.py": 50, "noxfile.py": 50, "docs/a.md": 5, "Makefile": 5},
        {},
        [],
    ),
]


@pytest.mark.parametrize(("name", "lines", "manifests", "found"), AREAS, ids=[c[0] for c in AREAS])
def test_mixed_concerns(
    name: str, lines: dict[str, int], manifests: dict[str, str], found: list[str]
) -> None:
    """A pull request spanning more than three areas, two of them code components, is one info finding
    naming its areas, largest code first."""
    snapshot = mixed_concerns.pull_request(lines)
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests=manifests))
    findings = _run(mixed_concerns, snapshot)
    if not found:
        assert findings == ()
        return
    (finding,) = findings
    assert (finding.severity, finding.scope, finding.path) == (INFO, Scope.PULL_REQUEST, None)
    listed = finding.message.split(": ", 1)[1].split("; ")[0]
    assert [part.split(" (")[0].strip("`") for part in listed.split("), ")] == found


def test_the_areas_are_listed_with_their_files_and_lines() -> None:
    """Each area says how many files and lines it holds."""
    snapshot = mixed_concerns.pull_request(
        {"bot/a.py": 80, "bot/b.py": 20, "web/b.ts": 40, "docs/x.md": 10, ".github/workflows/ci.yml": 5}
    )
    (finding,) = _run(mixed_concerns, snapshot)
    assert finding.message == (
        "the changes fall into 4 areas, 2 of them separate code components: `bot/` (2 files, 100 lines), "
        "`web/` (1 file, 40 lines), docs (1 file, 10 lines), CI (1 file, 5 lines); a pull request per area "
        "is reviewed more closely"
    )


def test_mixed_concerns_never_fail_the_gate_by_default() -> None:
    """Info goes to the summary: the check passes."""
    verdict = evaluate(
        mixed_concerns.pull_request(
            {"bot/a.py": 80, "web/b.ts": 40, "docs/x.md": 10, ".github/workflows/ci.yml": 5}
        )
    )
    assert verdict.conclusion is Conclusion.SUCCESS
    assert [f.severity for f in verdict.findings if f.rule == mixed_concerns.ID] == [INFO]


def test_the_area_limits_are_configured() -> None:
    """`max_groups: 2` reports two components and docs; `min_components: 3` spares two components."""
    snapshot = mixed_concerns.pull_request({"bot/a.py": 80, "rules/b.py": 40, "README.md": 10})
    rule = mixed_concerns.RULE
    context = Context(snapshot, classify(snapshot))
    assert len(rule.run(context, mixed_concerns.Config(max_groups=2)).findings) == 1
    assert rule.run(context, mixed_concerns.Config(max_groups=2, min_components=3)).findings == ()


@pytest.mark.parametrize("rule_id", ["duplicate-block", "lockfile-without-manifest", "mixed-concerns"])
def test_a_backtest_replays_the_pull_request_rules_at_the_candidate_s_severity(rule_id: str) -> None:
    """Like every check, the rules that read the whole pull request are replayed from their recorded
    findings at the candidate rules file's severity: `off` drops them, `error` raises them."""
    from bot.core.config import load_config
    from bot.core.locations import RULES_PATH
    from bot.core.replay import Recorded, replay
    from bot.core.snapshot import ConfigSource
    from rules import RULES

    recorded = Recorded(files=None, findings=((rule_id, W),))
    off = load_config(RULES, (ConfigSource(RULES_PATH, f"checks:\n  {rule_id}: {{severity: off}}\n"),))
    strict = load_config(RULES, (ConfigSource(RULES_PATH, f"checks:\n  {rule_id}: {{severity: error}}\n"),))
    assert replay(recorded, RULES, off) == ()
    assert replay(recorded, RULES, strict) == ((rule_id, E),)
