"""`scopegate serve`, `web` and `worker` as real processes: start-up on a fresh machine, setup, shutdown."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.intake.signature import sign
from bot.ledger.migrate import head_revision, upgrade
from tests.manifest_server import GOOD_CODE, WEBHOOK_SECRET, conversion_server, form

START_SECONDS = 30
STOP_SECONDS = 20


@dataclass
class Running:
    """A `scopegate serve` process, its address, data folder and log."""

    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log: Path

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace")


def clean_environment(**settings: str) -> dict[str, str]:
    """This environment without any SCOPEGATE_* variable, plus `settings`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCOPEGATE_")}
    return env | settings


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serve(tmp_path: Path, command: str = "serve", **settings: str) -> Iterator[Running]:
    """Run `scopegate serve` (or `web`) on a free port with a fresh data folder; yield once /healthz
    answers."""
    port = free_port()
    data_dir = tmp_path / "data"
    log = tmp_path / "serve.log"
    argv = [sys.executable, "-m", "bot", command, "--port", str(port)]
    argv += ["--data-dir", str(data_dir)] if command == "serve" else []
    # cwd: a folder without a .env; output to a file, so a full pipe can never stall the server
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=tmp_path, env=clean_environment(**settings), stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(process, f"http://127.0.0.1:{port}", data_dir, log)
    try:
        wait_until_up(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_command(tmp_path: Path, command: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run `scopegate <command>` to its end with only `settings` in the environment."""
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path,
        env=clean_environment(**settings),
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )


def wait_until_up(running: Running) -> None:
    """Poll /healthz until it answers; fail with the log if the process dies or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert running.process.poll() is None, f"serve exited:\n{running.output()}"
        try:
            if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"serve did not answer within {START_SECONDS} s:\n{running.output()}")


def ping_delivery() -> tuple[bytes, dict[str, str]]:
    """A `ping` delivery signed with the secret GitHub gives the App."""
    body = b'{"zen": "Design for failure.", "hook_id": 7}'
    headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "serve-ping"}
    return body, headers | {"X-Hub-Signature-256": sign(WEBHOOK_SECRET, body)}


def setup_page(running: Running) -> str:
    """The setup page a fresh `serve` offers the holder of the link it printed to its log, once the holder
    confirmed the address GitHub reaches it at."""
    found = re.search(r"to set it up, open (\S+)", running.output())
    assert found is not None, running.output()
    link = found[1]
    assert link.startswith(f"{running.url}/?token=")
    assert httpx.get(f"{running.url}/", timeout=5).status_code == 403
    token = parse_qs(urlsplit(link).query)["token"][0]
    return httpx.get(f"{running.url}/", params={"token": token, "url": running.url}, timeout=5).text


def test_serve_starts_on_a_fresh_machine(tmp_path: Path) -> None:
    """No settings at all: embedded Redis and SQLite under the data folder, ready, the setup form behind the
    link printed to the log, and webhooks refused with 503 until the App is set up."""
    with serve(tmp_path) as running:
        ready = httpx.get(f"{running.url}/readyz", timeout=5)
        deadline = time.monotonic() + START_SECONDS
        while ready.json().get("worker") != "ok (1 alive)" and time.monotonic() < deadline:
            time.sleep(0.1)  # the worker's first heartbeat may follow the web app's start
            ready = httpx.get(f"{running.url}/readyz", timeout=5)
        home = setup_page(running)
        body, headers = ping_delivery()
        webhook = httpx.post(f"{running.url}/webhooks", content=body, headers=headers, timeout=5)

    checks = {"ready": True, "redis": "ok", "database": "ok", "worker": "ok (1 alive)"}
    assert (ready.status_code, ready.json()) == (200, checks)
    action, manifest = form(home)
    assert action.startswith("https://github.com/settings/apps/new?state=")
    assert manifest["hook_attributes"]["url"] == f"{running.url}/webhooks"
    assert (webhook.status_code, webhook.json()) == (503, {"reason": "the App is not set up yet: open /"})
    assert (running.data_dir / "scopegate.db").is_file()
    assert (running.data_dir / "redis" / "appendonly.aof").exists()


def test_sigterm_stops_web_worker_and_redis(tmp_path: Path) -> None:
    """SIGTERM stops the web app, the worker and the embedded Redis, and the process exits 0."""
    with serve(tmp_path) as running:
        running.process.send_signal(signal.SIGTERM)
        code = running.process.wait(STOP_SECONDS)
    assert code == 0, running.output()
    assert "Application shutdown complete" in running.output()
    assert "ready to exit" in (running.data_dir / "redis" / "redis.log").read_text()


def test_app_set_up_through_serve_receives_webhooks(tmp_path: Path) -> None:
    """Through the setup page of a running `serve`, the App's credentials land in its SQLite ledger and
    the next delivery signed with the App's secret is accepted."""
    with conversion_server() as github, serve(tmp_path, SCOPEGATE_GITHUB_API_URL=github.url) as running:
        action, _ = form(setup_page(running))
        state = parse_qs(urlsplit(action).query)["state"][0]
        done = httpx.get(
            f"{running.url}/setup/callback", params={"code": GOOD_CODE, "state": state}, timeout=10
        )
        body, headers = ping_delivery()
        webhook = httpx.post(f"{running.url}/webhooks", content=body, headers=headers, timeout=5)
    assert done.status_code == 200, running.output()
    assert (webhook.status_code, webhook.json()["reason"]) == (200, "ping")


@pytest.mark.parametrize(
    ("command", "settings", "message"),
    [
        pytest.param(
            "web",
            {"SCOPEGATE_REDIS_URL": "http://localhost:6379"},
            "SCOPEGATE_REDIS_URL is invalid: must start with one of redis://, rediss://, unix://",
            id="web-redis-url",
        ),
        pytest.param(
            "worker",
            {"SCOPEGATE_APP_ID": "123"},
            "SCOPEGATE_PRIVATE_KEY or SCOPEGATE_PRIVATE_KEY_PATH is required",
            id="worker-key-missing",
        ),
        pytest.param(
            "worker",
            {"SCOPEGATE_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----"},
            "SCOPEGATE_APP_ID is required",
            id="worker-app-id-missing",
        ),
        pytest.param(
            "web",
            {"SCOPEGATE_APP_ID": "1", "SCOPEGATE_PRIVATE_KEY_PATH": "/nonexistent/key.pem"},
            "SCOPEGATE_PRIVATE_KEY_PATH: cannot read /nonexistent/key.pem: No such file or directory",
            id="web-key-unreadable",
        ),
        pytest.param(
            "worker",
            {"SCOPEGATE_GITHUB_API_URL": "api.github.com"},
            "SCOPEGATE_GITHUB_API_URL is invalid: must be an http(s) URL such as https://api.github.com",
            id="worker-api-url",
        ),
        pytest.param(
            "serve",
            {"SCOPEGATE_PORT": "0"},
            "SCOPEGATE_PORT is invalid: Input should be greater than or equal to 1",
            id="serve-port",
        ),
    ],
)
def test_bad_setting_stops_start_up_with_one_line(
    tmp_path: Path, command: str, settings: dict[str, str], message: str
) -> None:
    """A missing or invalid setting: exit 2 and one line naming the variable, before anything starts."""
    result = run_command(tmp_path, command, **settings)
    assert result.returncode == 2
    assert result.stderr == f"scopegate: {message}\n"
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["web", "worker"])
@pytest.mark.parametrize(
    ("revision", "state"),
    [(None, "has no ledger schema, not revision {head}"), ("0002", "is at revision 0002, not {head}")],
    ids=["empty", "at-0002"],
)
def test_unmigrated_database_stops_start_up_with_one_line(
    tmp_path: Path, command: str, revision: str | None, state: str
) -> None:
    """`web` and `worker` on a database that answers but is not migrated: exit 2 and one line naming the
    fix, instead of serving 503s while the log fills with SQL errors."""
    database = tmp_path / "ledger.db"
    database.touch()  # an empty file is an empty SQLite database
    url = f"sqlite:///{database}"
    if revision is not None:
        upgrade(url, revision)
    result = run_command(tmp_path, command, SCOPEGATE_DATABASE_URL=url)
    expected = f"the database at {url} {state.format(head=head_revision())}: run scopegate migrate"
    assert (result.returncode, result.stderr, result.stdout) == (2, f"scopegate: {expected}\n", "")


def test_database_that_does_not_answer_is_no_start_up_error(tmp_path: Path) -> None:
    """A database that does not answer is an outage, not a configuration error: `web` warns and starts
    (its /readyz says the database is down)."""
    url = "postgresql+psycopg://scopegate:secret@127.0.0.1:1/ledger"
    with serve(tmp_path, "web", SCOPEGATE_DATABASE_URL=url) as running:
        ready = httpx.get(f"{running.url}/readyz", timeout=5)
    assert (ready.status_code, ready.json()["database"]) == (503, "error: no answer")
    warning = "the database at postgresql+psycopg://scopegate:***@127.0.0.1:1/ledger does not answer"
    assert warning in running.output()
    assert "secret" not in running.output()
