"""Split plans: whole packages, tests beside their code in the same package, root files by concern,
changelog fragments with their change, dependency order from manifests, data proposed for `exclude`,
and the git commands that make each part a branch."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.files import FileFacts, Kind, counted_kind
from bot.core.owners import owners_of
from bot.core.report.contract import to_contract
from bot.core.sections import Items, Section
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestInfo, PullRequestSnapshot, RepositoryFiles
from bot.core.verdict import evaluate
from rules.size import _plan_block
from rules.size.branches import git_commands
from rules.size.concerns import is_fragment
from rules.size.measure import counted_lines
from rules.size.packages import read_packages
from rules.size.pairing import Subjects
from rules.size.split import SplitPlan, owners_file, plan_split, rename_sources
from tests.gitrepo import GitRepo, lines


def _file(path: str, count: int, kind: Kind | None = None) -> FileFacts:
    return FileFacts(path, kind or counted_kind(path), count, 0)


def _where(plan: SplitPlan) -> dict[str, int]:
    return {path: index for index, part in enumerate(plan.parts) for path in part.paths}


def _check_invariants(
    plan: SplitPlan, files: Sequence[FileFacts], max_lines: int, max_files: int, manifests: Mapping[str, str]
) -> None:
    """Every file in exactly one part; limits kept except by a lone file; no 0-line part; one package each."""
    listed = [path for part in plan.parts for path in part.paths]
    assert len(listed) == len(set(listed))
    if plan.parts:
        assert set(listed) == {f.path for f in files}
    facts = {f.path: f for f in files}
    roots = read_packages(manifests)
    for number, part in enumerate(plan.parts, start=1):
        counted = [facts[p] for p in part.paths if p not in part.uncounted]
        assert part.lines == sum(counted_lines(f) for f in counted) > 0
        assert all(
            counted_lines(facts[p]) == 0 or (plan.bulk and p in plan.bulk.paths) for p in part.uncounted
        )
        if part.lines > max_lines or len(counted) > max_files:
            assert len(counted) == 1, part
        code = [f.path for f in counted if not is_fragment(f.path)]
        if roots.roots and code:
            assert len({roots.root_of(p) for p in code}) == 1, part
        assert all(n < number for n in part.depends_on)


PYTHON_LIB = (
    {"pyproject.toml": '[project]\nname = "acme"\n'},
    [
        _file("src/acme/parser.py", 420),
        _file("src/acme/lexer.py", 300),
        _file("src/acme/cli/main.py", 250),
        _file("tests/test_parser.py", 200),
        _file("tests/test_lexer.py", 120),
        _file("tests/cli/test_main.py", 90),
        _file("docs/usage.md", 80),
        _file("pyproject.toml", 6),
        FileFacts("uv.lock", Kind.LOCKFILE, 400, 380),
        _file("changelog.d/20240501_parser.md", 4),
        _file(".github/workflows/tests.yml", 30),
        _file("ruff.toml", 12),
    ],
)
PNPM_MONOREPO = (
    {
        "package.json": json.dumps({"name": "root", "private": True, "workspaces": ["packages/*"]}),
        "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
        "packages/core/package.json": json.dumps({"name": "@acme/core"}),
        "packages/ui/package.json": json.dumps(
            {"name": "@acme/ui", "dependencies": {"@acme/core": "workspace:*"}}
        ),
        "packages/app/package.json": json.dumps(
            {"name": "@acme/app", "dependencies": {"@acme/ui": "workspace:*", "@acme/core": "workspace:^1"}}
        ),
    },
    [
        _file("packages/app/src/routes.ts", 300),
        _file("packages/app/src/routes.test.ts", 150),
        _file("packages/ui/src/Button.tsx", 260),
        _file("packages/ui/src/__tests__/Button.test.tsx", 140),
        _file("packages/ui/package.json", 2),
        _file("packages/core/src/format.ts", 380),
        _file("packages/core/src/format.spec.ts", 200),
        _file("packages/core/package.json", 2),
        FileFacts("pnpm-lock.yaml", Kind.LOCKFILE, 900, 800),
        _file(".changeset/brave-lions-dance.md", 5),
    ],
)
GO_MODULES = (
    {
        "go.work": "go 1.22\nuse (\n\t./lib\n\t./svc\n)\n",
        "lib/go.mod": "module example.com/mono/lib\n\ngo 1.22\n",
        "svc/go.mod": (
            "module example.com/mono/svc\n\nrequire (\n\texample.com/mono/lib v0.0.0 // local\n)\n"
            "replace example.com/mono/lib => ../lib\n"
        ),
    },
    [
        _file("svc/handler.go", 400),
        _file("svc/handler_test.go", 300),
        _file("svc/store/handler_test.go", 100),
        _file("lib/codec.go", 500),
        _file("lib/codec_test.go", 250),
        FileFacts("svc/go.sum", Kind.LOCKFILE, 30, 2),
    ],
)
CARGO_WORKSPACE = (
    {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/engine/Cargo.toml": '[package]\nname = "engine"\n',
        "crates/cli/Cargo.toml": (
            '[package]\nname = "acme-cli"\n[dependencies]\nengine = { path = "../engine" }\nclap = "4"\n'
        ),
    },
    [
        _file("crates/cli/src/main.rs", 350),
        _file("crates/engine/src/lib.rs", 450),
        _file("crates/engine/src/plan.rs", 420),
        _file("crates/engine/tests/plan.rs", 200),
        FileFacts("Cargo.lock", Kind.LOCKFILE, 60, 10),
    ],
)
MAVEN = (
    {
        "pom.xml": "<project><artifactId>parent</artifactId><modules><module>core</module></modules>",
        "core/pom.xml": "<project><parent><artifactId>p</artifactId></parent><artifactId>core</artifactId>",
        "web/pom.xml": (
            "<project><parent><artifactId>parent</artifactId></parent><artifactId>web</artifactId>"
            "<dependencies><dependency><groupId>a</groupId><artifactId>core</artifactId></dependency>"
            "</dependencies></project>"
        ),
    },
    [
        _file("web/src/main/java/com/acme/web/Controller.java", 300),
        _file("web/src/test/java/com/acme/web/ControllerTest.java", 200),
        _file("core/src/main/java/com/acme/core/Parser.java", 500),
        _file("core/src/test/java/com/acme/core/ParserTest.java", 250),
    ],
)
NO_MANIFESTS: tuple[dict[str, str], list[FileFacts]] = (
    {},
    [
        _file("src/api/a.py", 300),
        _file("src/api/b.py", 300),
        _file("src/db/x.py", 50),
        _file("src/db/y.py", 40),
        _file("web/app.ts", 350),
        _file("docs/guide.md", 100),
    ],
)
MANY_FILES = (
    {f"pkg{p}/pyproject.toml": f'[project]\nname = "pkg{p}"\n' for p in range(20)},
    [_file(f"pkg{i % 20}/src/pkg{i % 20}/mod{i // 20 % 7}/f{i}.py", 1 + i % 37) for i in range(10_000)]
    + [_file(f"pkg{i % 20}/tests/mod{i // 20 % 7}/test_f{i}.py", 3) for i in range(0, 10_000, 3)],
)
LAYOUTS = {
    "python-src-layout": PYTHON_LIB,
    "pnpm-monorepo": PNPM_MONOREPO,
    "go-workspace": GO_MODULES,
    "cargo-workspace": CARGO_WORKSPACE,
    "maven-multi-module": MAVEN,
    "no-manifests": NO_MANIFESTS,
    "10k-files-20-packages": MANY_FILES,
}


@pytest.mark.parametrize(("manifests", "files"), LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize(("max_lines", "max_files"), [(400, 60), (800, 5)], ids=["400-lines", "5-files"])
def test_plans_keep_their_promises(
    manifests: Mapping[str, str], files: list[FileFacts], max_lines: int, max_files: int
) -> None:
    """On real layouts every file lands in one part, parts keep the limits (or are one file), no part has
    0 lines, none mixes packages, and a part needs only earlier ones."""
    plan = plan_split(files, max_lines, max_files, manifests)
    _check_invariants(plan, files, max_lines, max_files, manifests)


TOGETHER = {
    "python-tests-mirror-src": (PYTHON_LIB, ["src/acme/parser.py", "tests/test_parser.py"]),
    "python-subfolder-mirror": (PYTHON_LIB, ["src/acme/cli/main.py", "tests/cli/test_main.py"]),
    "changelog-fragment-named": (PYTHON_LIB, ["src/acme/parser.py", "changelog.d/20240501_parser.md"]),
    "lockfile-with-manifest": (PYTHON_LIB, ["pyproject.toml", "uv.lock"]),
    "ts-same-folder": (PNPM_MONOREPO, ["packages/app/src/routes.ts", "packages/app/src/routes.test.ts"]),
    "ts-__tests__": (
        PNPM_MONOREPO,
        ["packages/ui/src/Button.tsx", "packages/ui/src/__tests__/Button.test.tsx"],
    ),
    "go-same-folder": (GO_MODULES, ["svc/handler.go", "svc/handler_test.go"]),
    "go-sum-with-its-module": (GO_MODULES, ["svc/go.sum", "svc/handler.go"]),
    "rust-integration-test": (CARGO_WORKSPACE, ["crates/engine/src/plan.rs", "crates/engine/tests/plan.rs"]),
    "java-mirrored-trees": (
        MAVEN,
        ["core/src/main/java/com/acme/core/Parser.java", "core/src/test/java/com/acme/core/ParserTest.java"],
    ),
}


@pytest.mark.parametrize(("layout", "paths"), TOGETHER.values(), ids=TOGETHER.keys())
def test_files_that_belong_together_share_a_part(
    layout: tuple[Mapping[str, str], list[FileFacts]], paths: list[str]
) -> None:
    """A test with the file it tests, a fragment with the change it names, a lockfile with its manifest."""
    manifests, files = layout
    where = _where(plan_split(files, 800, 60, manifests))
    assert len({where[p] for p in paths}) == 1


APART = {
    "two-packages": (PNPM_MONOREPO, ["packages/core/src/format.ts", "packages/ui/src/Button.tsx"]),
    "code-and-ci": (PYTHON_LIB, ["src/acme/lexer.py", ".github/workflows/tests.yml"]),
    "ci-and-lint": (PYTHON_LIB, [".github/workflows/tests.yml", "ruff.toml"]),
    "top-folders-without-manifests": (NO_MANIFESTS, ["src/db/x.py", "web/app.ts"]),
}


@pytest.mark.parametrize(("layout", "paths"), APART.values(), ids=APART.keys())
def test_files_that_do_not_belong_together_do_not(
    layout: tuple[Mapping[str, str], list[FileFacts]], paths: list[str]
) -> None:
    """Packages (or, without manifests, top folders) and root concerns never share a part, even when they
    would fit together; a Go test pairs only with its own folder."""
    manifests, files = layout
    where = _where(plan_split(files, 5000, 60, manifests))
    assert len({where[p] for p in paths}) == len(paths)


SUBJECTS = [
    ("tests/test_parser.py", ["src/acme/parser.py"], "", "src/acme/parser.py"),
    ("tests/api/test_views.py", ["app/api/views.py", "app/web/views.py"], "", "app/api/views.py"),
    ("tests/test_views.py", ["app/api/views.py", "app/web/views.py"], "", None),
    ("pkg/tests/test_x.py", ["pkg/src/pkg/x.py", "pkg/src/pkg/sub/x.py"], "pkg", "pkg/src/pkg/x.py"),
    ("svc/handler_test.go", ["svc/handler.go"], "", "svc/handler.go"),
    ("svc/store/handler_test.go", ["svc/handler.go"], "", None),
    ("ui/button.spec.ts", ["ui/button.ts"], "", "ui/button.ts"),
    ("ui/__tests__/Button.test.tsx", ["ui/Button.tsx", "ui/Button.css"], "", "ui/Button.tsx"),
    ("test/format.test.ts", ["src/format.ts", "src/format.py"], "", "src/format.ts"),
    ("src/test/java/a/ParserTest.java", ["src/main/java/a/Parser.java"], "", "src/main/java/a/Parser.java"),
    ("src/test/kotlin/a/TestParser.kt", ["src/main/kotlin/a/Parser.kt"], "", "src/main/kotlin/a/Parser.kt"),
    ("spec/models/user_spec.rb", ["app/models/user.rb"], "", "app/models/user.rb"),
    ("tests/__init__.py", ["src/acme/__init__.py"], "", None),
    ("tests/test_parser.py", ["src/acme/parser.rs"], "", None),
]


@pytest.mark.parametrize(
    ("test", "sources", "package", "expected"), SUBJECTS, ids=[f"{s[0]}->{s[3]}" for s in SUBJECTS]
)
def test_subject_of_a_test(test: str, sources: list[str], package: str, expected: str | None) -> None:
    """The source a test tests: same name without its marks, same language, the mirroring folder; none
    when two sources are equally likely."""
    assert Subjects.of((s, package) for s in sources).subject(test, package) == expected


def test_tests_never_pair_across_packages() -> None:
    """`packages/a/tests/test_util.py` does not join `packages/b/src/b/util.py`: they share only a name."""
    manifests = {"packages/a/pyproject.toml": "", "packages/b/pyproject.toml": ""}
    files = [
        _file("packages/a/tests/test_util.py", 300),
        _file("packages/a/src/a/core.py", 300),
        _file("packages/b/src/b/util.py", 300),
    ]
    where = _where(plan_split(files, 700, 60, manifests))
    assert where["packages/a/tests/test_util.py"] == where["packages/a/src/a/core.py"]
    assert where["packages/a/tests/test_util.py"] != where["packages/b/src/b/util.py"]


MANIFEST_CASES = {
    "npm-workspace-dependency": (
        {
            "a/package.json": '{"name": "@x/a", "devDependencies": {"@x/b": "workspace:*"}}',
            "b/package.json": '{"name": "@x/b"}',
        },
        {"a": {"b"}, "b": set()},
    ),
    "npm-file-dependency": (
        {"a/package.json": '{"dependencies": {"b": "file:../b"}}', "b/package.json": "{}"},
        {"a": {"b"}, "b": set()},
    ),
    "pyproject-pep508-normalised": (
        {
            "app/pyproject.toml": '[project]\nname="app"\ndependencies=["Acme_Core[extra]>=1"]\n',
            "core/pyproject.toml": '[project]\nname="acme.core"\n',
        },
        {"app": {"core"}, "core": set()},
    ),
    "uv-workspace-source": (
        {
            "pyproject.toml": '[project]\nname="root"\n[tool.uv.sources]\nlib = { workspace = true }\n',
            "libs/lib/pyproject.toml": '[project]\nname="lib"\n',
        },
        {"": {"libs/lib"}, "libs/lib": set()},
    ),
    "poetry-path-dependency": (
        {
            "svc/pyproject.toml": '[tool.poetry]\nname="svc"\n[tool.poetry.dependencies]\nx={path="../x"}\n',
            "x/setup.py": "from setuptools import setup\nsetup(name='x-lib')\n",
        },
        {"svc": {"x"}, "x": set()},
    ),
    "setup-cfg-install-requires": (
        {
            "a/setup.cfg": "[metadata]\nname = a\n[options]\ninstall_requires =\n    b-lib>=2\n",
            "b/setup.py": "setup(name='b_lib', install_requires=['requests'])",
        },
        {"a": {"b"}, "b": set()},
    ),
    "go-require-module-path": (
        {
            "svc/go.mod": "module example.com/svc\nrequire example.com/lib v1.0.0\n",
            "lib/go.mod": "module example.com/lib\n",
        },
        {"svc": {"lib"}, "lib": set()},
    ),
    "go-replace-local-path": (
        {
            "svc/go.mod": "module s\nrequire (\n  x v1\n)\nreplace x => ../lib // local\n",
            "lib/go.mod": "module elsewhere\n",
        },
        {"svc": {"lib"}, "lib": set()},
    ),
    "cargo-renamed-crate": (
        {
            "cli/Cargo.toml": (
                '[package]\nname="cli"\n[dependencies]\nengine = { package = "acme_engine", version = "1" }\n'
            ),
            "engine/Cargo.toml": '[package]\nname="acme-engine"\n',
        },
        {"cli": {"engine"}, "engine": set()},
    ),
    "gradle-project-reference": (
        {
            "app/build.gradle.kts": 'dependencies { implementation(project(":libs:core")) }\n',
            "libs/core/build.gradle": "plugins { id 'java' }\n",
        },
        {"app": {"libs/core"}, "libs/core": set()},
    ),
    "gemfile-path": (
        {"app/Gemfile": "gem 'engine', path: '../engine'\n", "engine/Gemfile": "source 'x'\n"},
        {"app": {"engine"}, "engine": set()},
    ),
    "csproj-project-reference": (
        {
            "src/Web/Web.csproj": '<Project><ItemGroup><ProjectReference Include="..\\Core\\Core.csproj" />'
            "</ItemGroup></Project>",
            "src/Core/Core.csproj": "<Project />",
        },
        {"src/Web": {"src/Core"}, "src/Core": set()},
    ),
    "composer-require": (
        {
            "a/composer.json": '{"name": "acme/a", "require": {"Acme/B": "*"}}',
            "b/composer.json": '{"name": "acme/b"}',
        },
        {"a": {"b"}, "b": set()},
    ),
    "broken-manifest-is-still-a-root": (
        {"a/package.json": "{not json", "b/Cargo.toml": "[package", "c/package.json": "[" * 50_000},
        {"a": set(), "b": set(), "c": set()},
    ),
    "fixture-project-is-no-package": (
        {"pyproject.toml": "", "tests/fixtures/proj/pyproject.toml": '[project]\nname="proj"\n'},
        {"": set()},
    ),
    "path-out-of-the-repository": (
        {"a/Cargo.toml": '[dependencies]\nx = { path = "../../outside" }\n'},
        {"a": set()},
    ),
}


@pytest.mark.parametrize(("manifests", "expected"), MANIFEST_CASES.values(), ids=MANIFEST_CASES.keys())
def test_in_repo_dependencies_from_manifests(
    manifests: Mapping[str, str], expected: Mapping[str, set[str]]
) -> None:
    """Each ecosystem's way of naming another package of the repository; a manifest that does not parse
    marks its package and names nothing; a test fixture's manifest is no package."""
    packages = read_packages(manifests)
    assert packages.roots == set(expected)
    assert {root: set(needs) for root, needs in packages.requires.items()} == expected


def test_parts_follow_dependencies() -> None:
    """core before ui before app, though path order says app first; each part names those it needs."""
    manifests, files = PNPM_MONOREPO
    plan = plan_split(files, 700, 60, manifests)
    packages = [p.package for p in plan.parts if not p.concern]
    assert packages == ["packages/core", "packages/ui", "packages/app"]
    number = {p.package: n for n, p in enumerate(plan.parts, start=1) if not p.concern}
    app = next(p for p in plan.parts if p.package == "packages/app")
    assert app.depends_on == (number["packages/core"], number["packages/ui"])
    assert plan.ordered_by_dependencies
    assert "depend on" in plan.note


ORDER_NOTES = {
    "no-manifests": ({}, False, "no package manifest"),
    "one-package": ({"package.json": "{}"}, False, "one package"),
    "manifests-without-dependencies": (
        {"a/package.json": "{}", "b/package.json": "{}"},
        False,
        "only a suggestion",
    ),
    "cycle": (
        {
            "a/package.json": '{"name": "a", "dependencies": {"b": "1"}}',
            "b/package.json": '{"name": "b", "dependencies": {"a": "1"}}',
        },
        True,
        "cycle",
    ),
}


@pytest.mark.parametrize(("manifests", "ordered", "says"), ORDER_NOTES.values(), ids=ORDER_NOTES.keys())
def test_plan_says_what_its_order_rests_on(manifests: Mapping[str, str], ordered: bool, says: str) -> None:
    """Without a readable dependency the plan says its order is only a suggestion; a cycle is named."""
    plan = plan_split([_file("a/x.ts", 500), _file("b/y.ts", 500)], 800, 60, manifests)
    assert plan.ordered_by_dependencies is ordered
    assert says in plan.note


def test_root_concerns_are_ordered_around_packages() -> None:
    """Root build files first, then code, then lint, CI and repository settings, docs-only parts last."""
    manifests, files = PYTHON_LIB
    files = [*files, _file(".gitignore", 2)]
    plan = plan_split(files, 700, 60, manifests)
    assert [p.concern for p in plan.parts] == ["build", "", "", "", "lint", "CI", "repository settings"]
    plan = plan_split(NO_MANIFESTS[1], 400, 60)
    assert plan.parts[-1].paths == ("docs/guide.md",)


def test_ci_and_lint_files_stay_together() -> None:
    """All workflow files are one part, all lint configs another."""
    files = [_file(f".github/workflows/w{i}.yml", 40) for i in range(5)]
    files += [_file(".eslintrc.json", 30), _file(".prettierrc", 5), _file("src/a.ts", 790)]
    plan = plan_split(files, 800, 60)
    where = _where(plan)
    assert len({where[f".github/workflows/w{i}.yml"] for i in range(5)}) == 1
    assert where[".eslintrc.json"] == where[".prettierrc"] != where[".github/workflows/w0.yml"]


FRAGMENTS = {
    "named-by-file-stem": ("newsfragments/1234.parser.bugfix", "lib/parser.py"),
    "numbered-goes-to-largest": ("changes/1234-someone.md", "lib/big.py"),
    "changeset-to-largest": (".changeset/brave-lions-dance.md", "lib/big.py"),
    "package-changelog-to-its-package": ("web/CHANGELOG.md", "web/page.ts"),
}


@pytest.mark.parametrize(("fragment", "joins"), FRAGMENTS.values(), ids=FRAGMENTS.keys())
def test_changelog_fragment_travels_with_its_change(fragment: str, joins: str) -> None:
    """A fragment joins the part its name names, else the largest part of its package, else the largest."""
    manifests = {"lib/pyproject.toml": "", "web/package.json": "{}"}
    files = [
        _file("lib/parser.py", 300),
        _file("lib/big.py", 700),
        _file("web/page.ts", 200),
        _file(fragment, 4),
    ]
    plan = plan_split(files, 800, 60, manifests)
    where = _where(plan)
    assert where[fragment] == where[joins]
    assert len(plan.parts) == 3, "a fragment makes no part of its own"


def test_fragment_never_overflows_a_part() -> None:
    """The part a fragment names is full: it goes to the largest part it fits in."""
    files = [_file("a/parser.py", 800), _file("a/other.py", 100), _file("changelog.d/parser.md", 5)]
    where = _where(plan_split(files, 800, 60, {"a/pyproject.toml": ""}))
    assert where["changelog.d/parser.md"] == where["a/other.py"] != where["a/parser.py"]


def test_fragments_that_fit_nowhere_share_parts() -> None:
    """Fragments too big for every code part make as few parts of their own as fit, not one each."""
    files = [_file("a/x.py", 800)] + [_file(f"changelog.d/{i}.md", 300) for i in range(3)]
    plan = plan_split(files, 800, 60, {"a/pyproject.toml": ""})
    assert [p.lines for p in plan.parts] == [800, 600, 300]


def test_zero_line_files_ride_along() -> None:
    """Pure renames, lockfiles and generated files make no part; they join the part nearest them."""
    files = [
        _file("pkg/a.py", 500),
        _file("pkg/sub/b.py", 500),
        _file("pkg/sub/renamed.py", 0),
        FileFacts("pkg/sub/b_pb2.py", Kind.GENERATED, 900, 0),
        _file("other/moved.py", 0),
    ]
    plan = plan_split(files, 600, 60)
    assert len(plan.parts) == 2
    where = _where(plan)
    assert where["pkg/sub/renamed.py"] == where["pkg/sub/b_pb2.py"] == where["pkg/sub/b.py"]
    assert set(plan.parts[where["pkg/sub/b.py"]].uncounted) == {"pkg/sub/renamed.py", "pkg/sub/b_pb2.py"}
    assert "other/moved.py" in plan.parts[0].uncounted


def test_file_above_limit_stands_alone() -> None:
    """A single file larger than the limit is its own part, and the plan says so."""
    plan = plan_split([_file("big.py", 5000), _file("small.py", 10)], 800, 60)
    assert [(p.paths, p.lines) for p in plan.parts] == [(("big.py",), 5000), (("small.py",), 10)]
    (first, _) = _plan_block(plan, 800).items
    assert "one file above the limit" in first.detail


def test_unit_over_limit_is_split_by_file() -> None:
    """A source with its tests, together over the limit, becomes neighbouring parts of one file each."""
    plan = plan_split([_file("a/x.py", 600), _file("a/test_x.py", 500)], 800, 60)
    assert [p.paths for p in plan.parts] == [("a/x.py",), ("a/test_x.py",)]


def test_file_count_limit_splits_too() -> None:
    """Too many files splits even when the lines fit."""
    files = [_file(f"src/m{i:02}.py", 1) for i in range(10)]
    plan = plan_split(files, 800, 4)
    assert [len(p.paths) for p in plan.parts] == [4, 4, 2]


BULK = {
    "jest-snapshots": (
        [_file(f"src/__snapshots__/c{i}.test.ts.snap", 400, Kind.TEST) for i in range(10)]
        + [_file("src/c.ts", 300), _file("src/c.test.ts", 200)],
        ('"**/__snapshots__/**"',),
        "snapshots",
    ),
    "fixtures-named-folder": (
        [_file(f"tests/fixtures/case{i}.json", 900) for i in range(6)] + [_file("src/x.py", 1200)],
        ('"tests/fixtures/**"',),
        "fixtures",
    ),
    "csv-data": (
        [_file(f"reports/prices_{i}.csv", 5000) for i in range(3)] + [_file("etl/load.py", 700)],
        ('"**/*.csv"',),
        "data files",
    ),
    "json-in-a-data-folder": (
        [_file(f"app/data/cities_{i}.json", 3000) for i in range(3)] + [_file("app/data/load.py", 700)],
        ('"app/data/**/*.json"',),
        "data files",
    ),
    "go-testdata": (
        [_file(f"parser/testdata/t{i}.golden", 700) for i in range(8)] + [_file("parser/p.go", 900)],
        ('"**/testdata/**"',),
        "test data",
    ),
}


@pytest.mark.parametrize(("files", "globs", "kind"), BULK.values(), ids=BULK.keys())
def test_dominant_data_is_proposed_for_exclusion(
    files: list[FileFacts], globs: tuple[str, ...], kind: str
) -> None:
    """When data makes up most of the lines, the plan proposes the `exclude` line and splits only the
    rest (here: under the limit, so no parts at all) instead of making a part per few data files."""
    plan = plan_split(files, 1500, 60)
    assert plan.bulk is not None
    assert tuple(json.dumps(g) for g in plan.bulk.globs) == globs
    assert plan.bulk.kinds == (kind,)
    assert plan.bulk.share > 0.6
    assert plan.parts == ()
    intro = _plan_block(plan, 1500).intro
    assert f"exclude: [{', '.join(globs)}]" in intro
    assert "within the limits" in intro


def test_rest_beside_dominant_data_is_still_split() -> None:
    """Data over 60 % and a rest still over the limit: the rest is split, the data rides uncounted."""
    files = [_file(f"web/__snapshots__/s{i}.snap", 3000, Kind.TEST) for i in range(3)]
    files += [_file("web/a.ts", 700), _file("web/b.ts", 700), _file("web/s0.ts", 10)]
    plan = plan_split(files, 800, 60)
    assert plan.bulk is not None
    assert plan.bulk.globs == ("**/__snapshots__/**",)
    assert len(plan.parts) == 2
    assert sum(len(p.uncounted) for p in plan.parts) == 3
    _check_invariants(plan, files, 800, 60, {})


def test_no_proposal_below_the_share() -> None:
    """Fixtures at half of the lines are split like the rest."""
    files = [_file("tests/fixtures/a.json", 500), _file("src/x.py", 500)]
    assert plan_split(files, 800, 60).bulk is None


def test_pathspecs_are_folders_a_part_owns() -> None:
    """A folder all of whose changes are in one part is one pathspec; rename sources are included."""
    files = [
        _file("a/x/1.py", 300),
        _file("a/x/2.py", 300),
        _file("a/y/3.py", 700),
        _file("b/new.py", 0),
        _file("b/c.py", 10),
    ]
    plan = plan_split(files, 800, 60, renamed_from={"b/new.py": "a/y/old.py"})
    specs = {p.title: p.pathspecs for p in plan.parts}
    assert specs["a/x/"] == ("a/x/",)
    assert specs["a/y/3.py"] == ("a/y/3.py",)
    assert specs["b/c.py"] == ("b/", "a/y/old.py")


def test_git_commands_recreate_the_pull_request(tmp_path: Path) -> None:
    """Running each part's commands in a real repository makes branches whose changes are exactly the
    part's files (deletions and renames included), stacked where a package needs another."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("core/package.json", '{"name": "core"}\n')
    repo.write("app/package.json", '{"name": "app", "dependencies": {"core": "1"}}\n')
    repo.write("core/old.ts", lines(20, "old"))
    repo.write("app/gone.ts", lines(30, "gone"))
    repo.write("app/we ird [1].ts", lines(5))
    base = repo.commit("base")
    repo.topic()
    repo.write("core/lib.ts", lines(500, "lib"))
    repo.git("mv", "core/old.ts", "core/renamed.ts")
    repo.git("rm", "-q", "app/gone.ts")
    repo.write("app/main.ts", lines(400, "main"))
    repo.write("app/we ird [1].ts", lines(9))
    head = repo.commit("head")
    numstat = repo.git("diff", "--numstat", "-z", "--no-renames", base, head).split("\0")
    files = [
        _file(path, int(added) + int(deleted))
        for added, deleted, path in (entry.split("\t") for entry in numstat if entry)
    ]
    files = [f for f in files if f.path not in {"core/old.ts"}]
    files.append(_file("core/renamed.ts", 0))
    manifests = {p: (repo.root / p).read_text() for p in ("core/package.json", "app/package.json")}
    plan = plan_split(files, 600, 60, manifests, {"core/renamed.ts": "core/old.ts"})
    assert [p.package for p in plan.parts] == ["core", "app"]
    assert plan.parts[1].depends_on == (1,)
    for number, commands in enumerate(git_commands(plan.parts, base, head), start=1):
        for command in commands:
            subprocess.run(
                command, shell=True, cwd=repo.root, check=True, capture_output=True, env=_git_env()
            )
        parent = base if number == 1 else f"split/{number - 1}"
        changed = repo.git("diff", "--name-only", "-z", "--no-renames", parent, f"split/{number}")
        expected = set(plan.parts[number - 1].paths) | ({"core/old.ts"} if number == 1 else set())
        assert set(filter(None, changed.split("\0"))) == expected
    assert repo.git("diff", "--stat", head, f"split/{len(plan.parts)}") == ""


def _git_env() -> dict[str, str]:
    return {
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": "/nonexistent",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }


def test_rename_sources_from_the_snapshot() -> None:
    """Renamed files name their base path; copies keep theirs (the source stays at the head)."""
    files = [
        ChangedFile("b.py", FileStatus.RENAMED, 0, 0, previous_path="a.py"),
        ChangedFile("d.py", FileStatus.COPIED, 1, 0, previous_path="c.py"),
        ChangedFile("e.py", FileStatus.MODIFIED, 1, 1),
    ]
    assert rename_sources(files) == {"b.py": "a.py"}


def test_plan_block_says_what_the_order_rests_on() -> None:
    """Without manifests the block says the order is only a suggestion, and lists each part."""
    plan = plan_split([_file("a/x.py", 900), _file("b/y.py", 100)], 800, 60)
    block = _plan_block(plan, 800)
    assert "only a suggestion" in block.intro
    assert [i.title for i in block.items] == ["a/x.py", "b/y.py"]


def test_hostile_paths_do_not_recurse() -> None:
    """Paths thousands of folders deep and odd characters are planned without error."""
    deep = "/".join(["d"] * 3000)
    files = [_file(f"{deep}/f{i}.py", 300) for i in range(5)] + [_file("a b/[x]/*.py", 700)]
    plan = plan_split(files, 800, 60, {f"{deep}/package.json": "{"})
    _check_invariants(plan, files, 800, 60, {})


_SEGMENT = st.sampled_from(["src", "tests", "pkg", "a", "b", "__snapshots__", "fixtures", ".github", "docs"])
_NAME = st.sampled_from(
    ["x.py", "test_x.py", "y.ts", "y.test.ts", "z_test.go", "z.go", "README.md", "c.snap"]
)
_PATH = st.builds(lambda folders, name: "/".join([*folders, name]), st.lists(_SEGMENT, max_size=4), _NAME)


@pytest.mark.fuzz
@given(
    st.dictionaries(_PATH, st.integers(0, 900), min_size=1, max_size=40),
    st.sets(st.sampled_from(["", "pkg", "a", "a/b", "src/pkg"]), max_size=3),
    st.integers(1, 1000),
    st.integers(1, 10),
)
def test_any_layout_keeps_the_promises(
    sizes: dict[str, int], roots: set[str], max_lines: int, max_files: int
) -> None:
    """Random layouts, manifests and limits: every promise of the plan holds."""
    files = [_file(path, count) for path, count in sizes.items()]
    manifests = {f"{r}/package.json".lstrip("/"): "{}" for r in roots}
    plan = plan_split(files, max_lines, max_files, manifests)
    _check_invariants(plan, files, max_lines, max_files, manifests)


OWNERS = "* @org/maintainers\n/src/acme/api/ @alice @bob\n/src/acme/db/ @carol\n/tests/ @qa\n"


def test_parts_keep_to_one_owner_group() -> None:
    """With a CODEOWNERS, one package's folders owned by different people become different parts even
    where they would fit together, so each proposed pull request has one set of reviewers."""
    files = [
        _file("src/acme/api/routes.py", 300),
        _file("src/acme/api/models.py", 100),
        _file("src/acme/db/store.py", 200),
        _file("src/acme/cli.py", 250),
    ]
    plan = plan_split(files, 800, 60, codeowners=owners_file(OWNERS))
    assert [(p.paths, p.owners) for p in plan.parts] == [
        (("src/acme/api/models.py", "src/acme/api/routes.py"), ("@alice", "@bob")),
        (("src/acme/cli.py",), ("@org/maintainers",)),
        (("src/acme/db/store.py",), ("@carol",)),
    ]
    assert plan.note.endswith(
        "Each part holds the files of one owner group of the base's CODEOWNERS (tests with their code)."
    )
    without = plan_split(files, 800, 60)
    assert [p.owners for p in without.parts] == [()] * len(without.parts)
    assert len(without.parts) < len(plan.parts)


def test_a_test_owned_elsewhere_stays_with_its_code() -> None:
    """A test whose CODEOWNERS line names other owners still travels with the code it tests: the part
    takes its code's owners."""
    files = [
        _file("src/acme/db/store.py", 500),
        _file("tests/test_store.py", 100),
        _file("src/acme/api/routes.py", 500),
    ]
    plan = plan_split(
        files, 800, 60, {"pyproject.toml": "[project]\nname = 'acme'\n"}, codeowners=owners_file(OWNERS)
    )
    (db,) = [p for p in plan.parts if "src/acme/db/store.py" in p.paths]
    assert (db.paths, db.owners) == (("src/acme/db/store.py", "tests/test_store.py"), ("@carol",))


def test_owner_names_compare_as_github_compares_them() -> None:
    """Lines naming the same owners in another order or case are one owner group; an ignored file (3 MB
    or more) or no file at all plans as before."""
    codeowners = owners_file("/src/a/ @Bob @alice\n/src/b/ @alice @bob\n")
    files = [_file("src/a/x.py", 300), _file("src/b/y.py", 300), _file("src/c/z.py", 300)]
    plan = plan_split(files, 800, 60, codeowners=codeowners)
    assert [(p.paths, p.owners) for p in plan.parts] == [
        (("src/a/x.py", "src/b/y.py"), ("@Bob", "@alice")),
        (("src/c/z.py",), ()),
    ]
    assert owners_file(None) is None
    assert owners_file("* @x\n" * 700_000) is None


def _plan_block_of(section: Section) -> Items:
    return next(b for b in section.blocks if isinstance(b, Items))


def test_plan_shows_each_parts_owners() -> None:
    """The split plan's text names each part's owners, and the JSON contract lists them without `@`."""
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="a" * 40, head_sha="b" * 40)
    changed = tuple(
        ChangedFile(path, FileStatus.ADDED, 500, 0)
        for path in ("src/acme/api/routes.py", "src/acme/db/store.py")
    )
    snapshot = PullRequestSnapshot(info, changed, repository=RepositoryFiles(codeowners=OWNERS))
    verdict = evaluate(snapshot)
    (section, *_) = verdict.sections
    block = _plan_block_of(section)
    assert [(i.title, i.detail) for i in block.items] == [
        ("src/acme/api/routes.py", "500 lines, 1 file; owners @alice @bob"),
        ("src/acme/db/store.py", "500 lines, 1 file; owners @carol"),
    ]
    assert [p["owners"] for p in to_contract(verdict)["split_plan"]] == [["alice", "bob"], ["carol"]]


_OWNER_LINE = st.builds(
    lambda folder, owners: f"/{folder}/ {' '.join(owners)}".rstrip(),
    _SEGMENT,
    st.lists(st.sampled_from(["@a", "@B", "@org/t", "x@example.com"]), max_size=3),
)


@pytest.mark.fuzz
@given(
    st.dictionaries(_PATH, st.integers(0, 900), min_size=1, max_size=40),
    st.lists(_OWNER_LINE, max_size=6),
    st.integers(1, 1000),
    st.integers(1, 10),
)
def test_any_codeowners_keeps_the_promises(
    sizes: dict[str, int], owner_lines: list[str], max_lines: int, max_files: int
) -> None:
    """Random layouts and CODEOWNERS: every promise of the plan holds, and each part's owners are those of
    one of its counted files."""
    files = [_file(path, count) for path, count in sizes.items()]
    codeowners = owners_file("\n".join(owner_lines))
    assert codeowners is not None
    plan = plan_split(files, max_lines, max_files, codeowners=codeowners)
    _check_invariants(plan, files, max_lines, max_files, {})
    for part in plan.parts:
        counted = [p for p in part.paths if p not in part.uncounted]
        assert _folded(part.owners) in {_folded(owners_of(codeowners, p).owners) for p in counted}


def _folded(owners: Sequence[str]) -> frozenset[str]:
    return frozenset(o.casefold() for o in owners)


def test_riders_with_hostile_folders_find_a_part() -> None:
    """A file that counts 0 under `/` or an empty folder name (`b//c`) rides with a part: walking up its
    folders reaches the root (it used to loop forever at `/`)."""
    files = [_file("a/x.py", 900), _file("/y.lock", 5, Kind.BINARY), _file("b//c", 5, Kind.BINARY)]
    plan = plan_split(files, 800, 60)
    assert [p.uncounted for p in plan.parts] == [("/y.lock", "b//c")]


def test_a_file_that_counts_zero_rides_with_its_owners() -> None:
    """A generated file, counting 0, goes to a part of its own owners where one holds a file in a folder
    it shares, since GitHub asks its owners too; a lockfile still rides with its manifest."""
    codeowners = owners_file("* @org/maintainers\n/src/db/ @carol\n/src/gen/ @carol\n")
    files = [
        _file("src/api/routes.py", 500),
        _file("src/db/store.py", 500),
        _file("src/gen/schema.py", 900, Kind.GENERATED),
        _file("src/api/package.json", 1),
        _file("src/api/package-lock.json", 800, Kind.LOCKFILE),
    ]
    plan = plan_split(files, 800, 60, codeowners=codeowners)
    assert [(p.owners, p.uncounted) for p in plan.parts] == [
        (("@org/maintainers",), ("src/api/package-lock.json",)),
        (("@carol",), ("src/gen/schema.py",)),
    ]
    by_folder = plan_split(files, 800, 60)
    assert [p.uncounted for p in by_folder.parts] == [("src/gen/schema.py", "src/api/package-lock.json"), ()]
