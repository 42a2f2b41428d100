"""The core is pure: it imports no I/O library, and `evaluate()` opens no file, process or socket on
snapshots from either gatherer (DESIGN §1: the one architectural rule)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.core.report.contract import to_contract
from bot.core.report.markdown import to_markdown
from bot.core.snapshot import PullRequestSnapshot
from bot.core.verdict import evaluate
from bot.gather import localgit
from bot.gather.github import fetch_pull, gather
from bot.github.gateway import PullRequestGateway
from rules import RULES
from tests.fakegithub.fixtures import FakeInstallation
from tests.gitrepo import GitRepo, lines

ROOT = Path(__file__).parent.parent
PURE = [*sorted((ROOT / "bot" / "core").rglob("*.py")), *sorted((ROOT / "rules").rglob("*.py"))]
IO_PACKAGES = frozenset(
    {"fastapi", "starlette", "uvicorn", "arq", "redis", "githubkit", "httpx", "sqlalchemy", "alembic"}
    | {"subprocess", "socket", "asyncio", "http", "requests", "psycopg", "sqlite3", "os", "shutil"}
    | {"urllib.request", "urllib.error"}  # urllib.parse only quotes strings
)
IO_EVENTS = ("subprocess.", "socket.", "os.system", "os.exec", "os.posix_spawn", "open", "sqlite3.")


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(n for alias in node.names for n in (alias.name.split(".")[0], alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update((node.module.split(".")[0], node.module))
    return names


@pytest.mark.parametrize("path", PURE, ids=[str(p.relative_to(ROOT)) for p in PURE])
def test_pure_modules_import_no_io_library(path: Path) -> None:
    """No module of bot/core or rules/ imports an I/O library, the App's parts, or the stdlib's processes,
    sockets and files."""
    imported = _imported(path)
    assert not imported & IO_PACKAGES
    assert not {name for name in imported if name == "workers"}
    bot_parts = {line.split()[1] for line in path.read_text().splitlines() if line.startswith("from bot.")}
    assert all(part.startswith(("bot.core", "bot.errors")) for part in bot_parts), bot_parts


def test_importing_the_core_loads_no_io_package() -> None:
    """In a fresh interpreter, importing the whole core and the rule catalogue loads none of the App's
    I/O stack (the CLI's `check` path stays light too)."""
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in PURE]
    probe = f"import sys\nfor m in {modules!r}: __import__(m)\nprint('\\n'.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, check=True, text=True
        ).stdout.split()
    )
    heavy = {"fastapi", "starlette", "uvicorn", "arq", "redis", "githubkit", "httpx", "sqlalchemy", "alembic"}
    assert not {m.split(".")[0] for m in loaded} & heavy


_recording: list[list[str]] = []  # the events of the probe running now, if any


def _audit(event: str, _args: tuple[object, ...]) -> None:
    if _recording and event.startswith(IO_EVENTS):
        _recording[-1].append(event)


sys.addaudithook(_audit)  # hooks cannot be removed; it records only while a probe runs


@contextmanager
def _no_io() -> Iterator[list[str]]:
    """Record every file, process and socket event while the block runs."""
    events: list[str] = []
    _recording.append(events)
    try:
        yield events
    finally:
        _recording.pop()


def _evaluate_quietly(snapshot: PullRequestSnapshot) -> list[str]:
    # Once first, outside the probe: libraries import some of their modules on first use (ruamel's YAML
    # loader does), which reads .pyc files; that is Python loading code, not the core doing I/O.
    evaluate(snapshot)
    with _no_io() as events:
        verdict = evaluate(snapshot)
        to_markdown(verdict)
        to_contract(verdict)
    return list(events)


def test_evaluate_does_no_io_on_a_local_snapshot(tmp_path: Path) -> None:
    """A snapshot from the local gatherer is plain data: evaluating and rendering it runs no git."""
    repo = GitRepo(tmp_path / "repo")
    repo.write(".gitattributes", "gen/** linguist-generated\n")
    repo.write(".github/scopegate.yml", "size:\n  max_lines: 50\n  warn_lines: 20\n")
    repo.commit("rules")
    repo.topic()
    repo.write("src/app.py", lines(90))
    repo.write("gen/client.py", "# @generated\n" + lines(40))
    repo.commit("change")
    snapshot = localgit.gather(repo.root, "main", "HEAD", needs=RULES.needs)
    assert _evaluate_quietly(snapshot) == []


async def test_evaluate_does_no_io_on_a_github_snapshot(fake_installation: FakeInstallation) -> None:
    """A snapshot from the App's gatherer is plain data too: evaluating it sends no request."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    fake.add_pull(owner, repo, 5, base_files={}, head_files={"src/a.py": lines(900).encode()})
    async with fake_installation.client() as gh:
        gateway = PullRequestGateway(gh, owner, repo, 5)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
    fake.reset_counts()
    assert _evaluate_quietly(snapshot) == []
    assert fake.count() == 0


def test_the_audit_hook_sees_io() -> None:
    """The probe itself works: a process started inside it is recorded."""
    with _no_io() as events:
        subprocess.run(["true"], check=True)
    assert "subprocess.Popen" in events
