"""`scopegate check` on real git repositories: the local front door, end to end."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.gather.localgit import gather
from rules.base import Need
from tests.gitrepo import GitRepo, lines


def check(repo: GitRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    """Run `scopegate check --format json` and return the exit code and the parsed contract."""
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--format", "json", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def test_lockfile_only_change_passes(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A 5,000-line lockfile-only change counts 0 and passes, with the lockfile listed."""
    repo.write("package.json", '{"name": "app"}\n')
    repo.commit("package")
    repo.topic()
    packages = "".join(f'    "node_modules/p{i}": {{"version": "1.0.{i}"}},\n' for i in range(4994))
    repo.write(
        "package-lock.json",
        '{\n  "lockfileVersion": 3,\n  "packages": {\n' + packages + '    "": {}\n  }\n}\n',
    )
    repo.commit("bump deps")
    code, out = check(repo, capsys)
    assert code == 0
    assert out["conclusion"] == "success"
    assert out["size"]["effective_lines"] == 0
    assert out["size"]["excluded_files"] == [
        {"path": "package-lock.json", "reason": "lockfile", "added": 5000, "deleted": 0}
    ]


def test_oversized_change_fails_with_split_plan_under_limit(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1,200-line source change fails; every part of its split plan is under the limit and
    tests travel with the code they test."""
    repo.topic()
    for area in ("api", "db", "ui"):
        repo.write(f"src/{area}/{area}.py", lines(300, area))  # three alike would be duplicate blocks
        repo.write(f"tests/test_{area}.py", lines(100))
    repo.commit("three features at once")
    code, out = check(repo, capsys)
    assert code == 1
    assert out["size"]["effective_lines"] == 1200
    assert [f["rule"] for f in out["findings"]] == ["size"]
    plan = out["split_plan"]
    assert len(plan) >= 2
    assert all(part["lines"] <= 800 for part in plan)
    assert sorted(p for part in plan for p in part["paths"]) == sorted(
        [f"src/{a}/{a}.py" for a in ("api", "db", "ui")] + [f"tests/test_{a}.py" for a in ("api", "db", "ui")]
    )
    for part in plan:
        for path in part["paths"]:
            if path.startswith("tests/test_"):
                area = path.removeprefix("tests/test_").removesuffix(".py")
                assert f"src/{area}/{area}.py" in part["paths"], f"{path} is apart from its code"


def test_split_plan_follows_packages_and_its_commands_rebuild_the_change(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """In an npm workspace where `web` depends on `core`, the plan splits by package, puts `core` first,
    keeps each test in its package, and its `git` commands create branches that together hold exactly the
    pull request's change."""
    repo.write("package.json", '{"private": true, "workspaces": ["packages/*"]}\n')
    repo.write("packages/core/package.json", '{"name": "@acme/core"}\n')
    repo.write("packages/web/package.json", '{"name": "@acme/web", "dependencies": {"@acme/core": "1"}}\n')
    repo.commit("workspace")
    repo.topic()
    for package in ("web", "core"):
        repo.write(f"packages/{package}/src/index.ts", lines(500))
        repo.write(f"packages/{package}/test/index.test.ts", lines(100))
    repo.commit("two packages at once")
    code, out = check(repo, capsys)
    assert code == 1
    plan = out["split_plan"]
    assert [(p["package"], p["paths"]) for p in plan] == [
        ("packages/core", ["packages/core/src/index.ts", "packages/core/test/index.test.ts"]),
        ("packages/web", ["packages/web/src/index.ts", "packages/web/test/index.test.ts"]),
    ]
    assert plan[1]["depends_on"] == [1]
    assert out["split"]["ordered_by_dependencies"] is True
    for part in plan:
        for command in part["git"]:
            repo.git(*shlex.split(command)[1:])
    rebuilt = repo.git("diff", "--numstat", "main", "split/2")
    assert rebuilt == repo.git("diff", "--numstat", "main", "topic")


def test_pure_rename_counts_zero(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Moving a file without editing it changes nothing in the effective size."""
    repo.write("src/old_name.py", lines(500))
    repo.commit("add module")
    repo.topic()
    (repo.root / "lib").mkdir()
    repo.git("mv", "src/old_name.py", "lib/new_name.py")
    repo.commit("move it")
    code, out = check(repo, capsys)
    assert code == 0
    assert out["size"]["effective_lines"] == 0
    [moved] = out["size"]["changed_files"]
    assert moved["reason"] == "no line changed: not counted toward max_files"


def test_many_excluded_files_say_where_their_list_is(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past 50 excluded files the text output gives counts by kind and says every file is in the JSON."""
    repo.topic()
    for i in range(60):
        repo.write(f"tests/__snapshots__/case{i}.snap", lines(3))
    repo.commit("snapshots")
    assert main(["check", "--repo", str(repo.root), "--base", "main"]) == 0
    text = capsys.readouterr().out
    assert "All 60 excluded files are listed by --format json." in text
    assert "case0.snap" not in text


def test_nested_gitattributes_generated_is_honoured(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `linguist-generated` line in a nested `.gitattributes` of the base excludes matching files."""
    repo.write("api/.gitattributes", "gen/*.py linguist-generated=true\n*.pb.go linguist-generated\n")
    repo.commit("mark generated code")
    repo.topic()
    repo.write("api/gen/client.py", lines(900))
    repo.write("api/v1/service.pb.go", lines(900))
    repo.write("api/handwritten.py", lines(10))
    repo.write("gen/client.py", lines(5))  # outside api/: the nested file does not apply
    repo.commit("regenerate")
    code, out = check(repo, capsys)
    assert code == 0
    assert out["size"]["effective_lines"] == 15
    excluded = {f["path"]: f["reason"] for f in out["size"]["excluded_files"]}
    assert excluded == {"api/gen/client.py": "generated", "api/v1/service.pb.go": "generated"}


def test_generated_header_is_excluded(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Go's `Code generated … DO NOT EDIT.` comment marks a file generated where the base agrees (it was
    generated there too); a mention in code does not."""
    header = "// Code generated by protoc-gen-go. DO NOT EDIT.\n"
    repo.write("gen.go", header + "package gen\n")
    repo.commit("generated client")
    repo.topic()
    repo.write("gen.go", header + lines(2000))
    repo.write("doc.py", 'MARKER = "Code generated by x. DO NOT EDIT."\n')
    repo.commit("regenerated")
    _, out = check(repo, capsys)
    assert out["size"]["effective_lines"] == 1
    assert [f["path"] for f in out["size"]["excluded_files"]] == ["gen.go"]


def test_binary_file_is_listed_and_counts_zero(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A binary file is listed as excluded and adds no lines."""
    repo.topic()
    repo.write("logo.png", bytes(range(256)) * 64)
    repo.write("src/app.py", lines(3))
    repo.commit("logo")
    code, out = check(repo, capsys)
    assert code == 0
    assert out["size"]["effective_lines"] == 3
    assert out["size"]["excluded_files"] == [
        {"path": "logo.png", "reason": "binary", "added": 0, "deleted": 0}
    ]


def test_invalid_utf8_and_missing_final_newline(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Latin-1 text, a lone CR and a file without a final newline are measured, not crashed on."""
    repo.write("legacy.txt", "caf\xe9\n".encode("latin-1"))
    repo.commit("legacy")
    repo.topic()
    repo.write("legacy.txt", "caf\xe9 cr\xe8me\nna\xefve\rtext\n".encode("latin-1"))
    repo.write("src/tail.py", "a = 1\nb = 2")
    repo.commit("edit")
    code, out = check(repo, capsys)
    assert code == 0
    assert (out["size"]["added"], out["size"]["deleted"]) == (4, 1)


def test_rules_file_with_unknown_key(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A rules file with an unknown key fails validation naming its line, and `check` exits 2."""
    repo.write(".github/scopegate.yml", "size:\n  max_lines: 100\n  max_lnes: 5\n")
    repo.commit("rules with a typo")
    repo.topic()
    repo.write("src/a.py", lines(3))
    repo.commit("work")
    assert main(["rules", "validate", str(repo.root / ".github/scopegate.yml")]) == 2
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("scopegate.yml:3:3: size.max_lnes: unknown key (did you mean max_lines?)")
    )
    code = main(["check", "--repo", str(repo.root), "--base", "main"])
    assert code == 2
    assert ".github/scopegate.yml:3:3: size.max_lnes: unknown key" in capsys.readouterr().err


def test_head_cannot_loosen_its_own_gate(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Rules come from the base: a branch that raises `max_lines` in its own rules file still fails."""
    repo.write(".github/scopegate.yml", "size:\n  max_lines: 100\n  warn_lines: 50\n")
    repo.commit("strict rules")
    repo.topic()
    repo.write("src/big.py", lines(150))
    repo.write(".github/scopegate.yml", "size:\n  max_lines: 10000\n")
    repo.commit("big change that loosens the gate")
    code, out = check(repo, capsys)
    assert code == 1
    assert out["size"]["limits"]["max_lines"] == 100


def test_config_flag_replaces_base_rules(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--config FILE` is used instead of the base's rules file."""
    repo.topic()
    repo.write("src/a.py", lines(50))
    repo.commit("work")
    rules = tmp_path / "strict.yml"
    rules.write_text("size:\n  max_lines: 20\n  warn_lines: 10\n")
    code, out = check(repo, capsys, "--config", str(rules))
    assert code == 1
    assert out["size"]["limits"]["max_lines"] == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-branch"], "unknown ref 'no-such-branch'"),
        (["--head", "no-such-branch"], "unknown ref 'no-such-branch'"),
        (["--config", "/no/such/file.yml"], "/no/such/file.yml: cannot read"),
    ],
    ids=["unknown-base", "unknown-head", "missing-config"],
)
def test_usage_errors_exit_2_with_one_line(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Usage mistakes exit 2 with one line, never a traceback."""
    code = main(["check", "--repo", str(repo.root), "--base", "main", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_not_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder outside any git repository exits 2 saying so."""
    assert main(["check", "--repo", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"scopegate: {tmp_path}: not a git repository"


def test_default_base_is_remote_default_branch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --base, the branch is compared with the remote's default branch (`origin/HEAD`)."""
    upstream = GitRepo(tmp_path / "upstream")
    upstream.git("checkout", "-q", "-b", "trunk")
    upstream.write("src/a.py", lines(5))
    upstream.commit("trunk work")
    clone = tmp_path / "clone"
    upstream.git("clone", "-q", "-b", "trunk", str(upstream.root), str(clone))
    local = GitRepo.__new__(GitRepo)
    local.root = clone
    local.topic()
    local.write("src/b.py", lines(7))
    local.commit("topic work")
    assert main(["check", "--repo", str(clone), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["base"]["ref"] == "origin/trunk"
    assert out["size"]["effective_lines"] == 7


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif"])
def test_every_format_renders(repo: GitRepo, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """Each output format renders a failing verdict and keeps the exit code."""
    repo.topic()
    repo.write("src/big.py", lines(900))
    repo.commit("big")
    assert main(["check", "--repo", str(repo.root), "--base", "main", "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "900" in out


def test_snapshots_count_zero_unless_the_rules_file_counts_them(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Jest and syrupy snapshots are their own kind and count 0; the title says most lines are excluded;
    `count_snapshots: true` on the base makes them count."""
    repo.topic()
    repo.write("src/app.ts", lines(12))
    repo.write("src/__snapshots__/app.test.ts.snap", lines(900))
    repo.write("tests/__snapshots__/test_app.ambr", lines(300))
    repo.commit("snapshots")
    code, out = check(repo, capsys)
    assert code == 0
    assert out["size"]["effective_lines"] == 12
    assert {f["path"]: f["reason"] for f in out["size"]["excluded_files"]} == {
        "src/__snapshots__/app.test.ts.snap": "snapshot",
        "tests/__snapshots__/test_app.ambr": "snapshot",
    }
    assert out["rules"][0]["headline"] == "12 effective lines (size/S), 1,200 more excluded"
    repo.git("switch", "main")
    repo.write(".github/scopegate.yml", "size:\n  count_snapshots: true\n")
    repo.commit("count snapshots")
    repo.git("switch", "topic")
    code, out = check(repo, capsys)
    assert code == 1
    assert out["size"]["effective_lines"] == 1212


def test_check_in_json_loads_only_what_it_uses(repo: GitRepo) -> None:
    """`check --format json` on a repository without a rules file, within its limits, starts without the
    terminal renderer (rich), the YAML reader (ruamel), the glob matcher (pathspec) or the split planner:
    each is start-up time a CI step would pay for nothing."""
    repo.topic()
    repo.write("src/app.py", lines(20))
    repo.commit("small")
    probe = (
        "import sys\nfrom bot.cli import main\n"
        f"code = main(['check', '--repo', {str(repo.root)!r}, '--base', 'main', '--format', 'json'])\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\nsys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = {m.split(".")[0] for m in done.stderr.split()} | set(done.stderr.split())
    assert not loaded & {"rich", "ruamel", "pathspec", "rules.size.split", "bot.core.report.markdown"}
    assert json.loads(done.stdout)["size"]["effective_lines"] == 20


def test_added_lines_that_read_like_patch_headers_are_added_lines(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose added lines read like a patch's own headers (`diff --git …`, `@@ -1 +1 @@`) has the
    hunks git shows, so the findings on its added lines are where they are; a renamed file's edit, a
    binary file and a mode change beside it keep theirs."""
    repo.write("notes/patch.txt", "intro\n")
    repo.write("src/moved.py", lines(30))
    repo.write("tool.sh", "echo hi\n")
    repo.commit("base")
    repo.topic()
    repo.write("notes/patch.txt", "intro\ndiff --git a/x b/x\n@@ -1 +1 @@\n+fake\n")
    (repo.root / "src/moved.py").rename(repo.root / "src/renamed.py")
    repo.write("src/renamed.py", lines(30).replace("line_9 = 9\n", "line_9 = 10  # TODO: after\n"))
    repo.write("logo.png", b"\x89PNG\0\0\1")
    (repo.root / "tool.sh").chmod(0o755)
    repo.write("src/todo.py", "diff = 1\n# TODO: later\n")
    repo.commit("change")
    snapshot = gather(repo.root, "main", "topic", needs=frozenset({Need.HUNKS}))
    added = {f.path: [(h.target_start, h.target_length) for h in f.hunks] for f in snapshot.files}
    assert added == {
        "logo.png": [],
        "notes/patch.txt": [(2, 3)],
        "src/renamed.py": [(10, 1)],
        "src/todo.py": [(1, 2)],
        "tool.sh": [],
    }
    code, out = check(repo, capsys)
    todos = [(f["path"], f["line"]) for f in out["findings"] if f["rule"] == "todo-added"]
    assert (code, todos) == (0, [("src/renamed.py", 10), ("src/todo.py", 2)])
