"""Run the App for end-to-end tests: the web app under uvicorn in a thread, workers in the test's event loop
or as real processes, and signed webhook deliveries built from the vendored payloads.

`python -m tests.apprunner --job-timeout SECONDS` runs one worker process with a short arq job timeout
(`scopegate worker` keeps the production one), its settings from the `SCOPEGATE_*` environment.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from arq.worker import Worker
from pydantic import SecretStr

from bot.intake.signature import sign
from bot.settings import ENV_PREFIX, Settings, load_settings
from bot.web.app import create_app
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.models import Delivery, Repo
from workers.settings import create_worker

REPO_ROOT = Path(__file__).resolve().parent.parent
WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"
START_SECONDS = 20.0
STOP_SECONDS = 20.0
POLL_SECONDS = 0.05
# The vendored example each delivery is built from (octokit's examples, see fixtures/webhooks/SOURCE.md).
EXAMPLES = {
    ("pull_request", "opened"): "pull_request/12-opened.json",
    ("pull_request", "synchronize"): "pull_request/22-synchronize.json",
    ("pull_request", "labeled"): "pull_request/08-labeled.json",
    ("pull_request", "ready_for_review"): "pull_request/15-ready_for_review.json",
    ("pull_request", "converted_to_draft"): "pull_request/05-converted_to_draft.json",
    ("issue_comment", "created"): "issue_comment/03-created.json",
    ("push", None): "push/04.json",
}

T = TypeVar("T")


def app_settings(
    installation: FakeInstallation, *, redis_url: str, database_url: str, **overrides: Any
) -> Settings:
    """Settings of an App deployed against the fake GitHub, independent of the environment's `.env`."""
    app = installation.app
    values: dict[str, Any] = {
        "app_id": app.id,
        "private_key": app.private_key_pem,
        "webhook_secret": app.webhook_secret,
        "bot_login": f"{app.slug}[bot]",
        "github_api_url": installation.fake.url,
        "redis_url": redis_url,
        "database_url": database_url,
    }
    return load_settings(_env_file=None, **(values | overrides))


def environment(settings: Settings) -> dict[str, str]:
    """This process's environment without its `SCOPEGATE_*` variables, plus those naming `settings`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    for name, value in settings.model_dump(mode="json", exclude_none=True).items():
        raw = getattr(settings, name)
        env[f"{ENV_PREFIX}{name.upper()}"] = (
            raw.get_secret_value() if isinstance(raw, SecretStr) else str(value)
        )
    return env


async def until(probe: Callable[[], T | None], *, what: str, timeout: float = START_SECONDS) -> T:
    """Poll `probe` until it returns something truthy, and return that; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(POLL_SECONDS)


async def until_async(
    probe: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = START_SECONDS
) -> T:
    """`until` for a probe that must be awaited."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(POLL_SECONDS)


@contextmanager
def serve_web(settings: Settings) -> Iterator[str]:
    """Run the web app (`create_app`) under uvicorn in a thread on a free loopback port; yield its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(POLL_SECONDS)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_SECONDS)
        listener.close()


@asynccontextmanager
async def worker_in_loop(settings: Settings, **arq_options: Any) -> AsyncIterator[Worker]:
    """A worker (`create_worker`) running in this event loop until the block ends; its jobs cut short by
    the end are left for arq to run again, as in a deployment's shutdown."""
    options = {"handle_signals": False, "poll_delay": POLL_SECONDS} | arq_options
    worker = create_worker(settings, **options)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        await worker.close()
        with suppress(asyncio.CancelledError):
            await task


@dataclass
class WorkerProcess:
    """A worker running as its own process, its output in a file."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process dies at once, whatever it was doing."""
        self.process.kill()
        self.process.wait(STOP_SECONDS)


@contextmanager
def worker_process(settings: Settings, log: Path, argv: Sequence[str]) -> Iterator[WorkerProcess]:
    """Run `python ARGV…` from the repository with `settings` as its only `SCOPEGATE_*` variables, output
    to `log`; stop it with SIGTERM (SIGKILL after a grace period) when the block ends, unless it is gone."""
    env = environment(settings) | {"PYTHONPATH": str(REPO_ROOT)}
    # cwd: a folder without a `.env`; output to a file, so a full pipe can never stall the worker
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *argv], cwd=log.parent, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    running = WorkerProcess(process, log)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                running.kill()


@dataclass(frozen=True)
class Webhook:
    """One delivery: its event, payload and GUID (a redelivery keeps the GUID)."""

    event: str
    payload: dict[str, Any]
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def body(self) -> bytes:
        """The bytes GitHub sends."""
        return json.dumps(self.payload).encode()

    def headers(self, secret: str, body: bytes) -> dict[str, str]:
        """GitHub's delivery headers for `body`, signed with `secret`."""
        return {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/e2e",
            "X-GitHub-Event": self.event,
            "X-GitHub-Delivery": self.guid,
            "X-Hub-Signature-256": sign(secret, body),
        }


async def deliver(http: httpx.AsyncClient, secret: str, webhook: Webhook) -> httpx.Response:
    """POST one delivery to the web app's /webhooks."""
    body = webhook.body()
    return await http.post("/webhooks", content=body, headers=webhook.headers(secret, body))


def forward_redeliveries(web_url: str, secret: str) -> Callable[[Delivery], int]:
    """A fake GitHub `on_redeliver` callback: POST the delivery's payload to the web app, as GitHub does,
    with its original GUID, and report the status the web app answered."""

    def forward(delivery: Delivery) -> int:
        """Deliver `delivery` again; its status is what the fake then lists."""
        webhook = Webhook(delivery.event, delivery.payload, delivery.guid)
        body = webhook.body()
        response = httpx.post(f"{web_url}/webhooks", content=body, headers=webhook.headers(secret, body))
        return response.status_code

    return forward


class Webhooks:
    """Deliveries for the fake's installation, built from the vendored examples with the repository,
    installation, pull request and head commit changed to the fake's."""

    def __init__(self, installation: FakeInstallation) -> None:
        """Deliveries about `installation.owner/repo`."""
        self.installation = installation

    def pull_request(
        self, action: str, number: int, *, sender: str = "octocat", label: str | None = None
    ) -> Webhook:
        """`pull_request.<action>` for PR `number` as the fake holds it now (its head and base)."""
        with self.installation.fake.lock:
            pull = self._repo().pulls[number]
            head, base, base_ref, head_ref = pull.head_sha, pull.base_sha, pull.base_ref, pull.head_ref
        payload = self._example("pull_request", action, sender)
        payload["number"] = number
        pr = payload["pull_request"]
        pr["number"] = number
        pr["head"].update(sha=head, ref=head_ref)
        pr["base"].update(sha=base, ref=base_ref)
        for end in (pr["head"], pr["base"]):
            self._place(end["repo"])
        if action == "synchronize":
            payload["after"] = head
        if label is not None:
            payload["label"]["name"] = label
        return Webhook("pull_request", payload)

    def comment(self, number: int, body: str, *, login: str, comment_id: int) -> Webhook:
        """`issue_comment.created`: `login` commented `body` on PR `number`."""
        payload = self._example("issue_comment", "created", login)
        issue = payload["issue"]
        issue["number"] = number
        # Pull requests are issues whose payload carries `pull_request`; octokit's example is a plain issue.
        issue["pull_request"] = {"url": f"{self._api_repo()}/pulls/{number}"}
        payload["comment"].update(id=comment_id, body=body)
        payload["comment"]["user"]["login"] = login
        return Webhook("issue_comment", payload)

    def push(self, branch: str, before: str, after: str, modified: Sequence[str]) -> Webhook:
        """`push` of one commit `after` to `branch`, modifying `modified`."""
        payload = self._example("push", None, "octocat")
        payload.update(ref=f"refs/heads/{branch}", before=before, after=after, forced=False, deleted=False)
        commit = {
            **payload["head_commit"],
            "id": after,
            "added": [],
            "removed": [],
            "modified": list(modified),
        }
        payload["commits"] = [commit]
        payload["head_commit"] = commit
        return Webhook("push", payload)

    def _example(self, event: str, action: str | None, sender: str) -> dict[str, Any]:
        """A copy of the vendored example, placed in the fake's repository and installation."""
        payload = copy.deepcopy(_vendored(EXAMPLES[(event, action)]))
        self._place(payload["repository"])
        # Some vendored examples were captured from a repository webhook, which carries no installation.
        payload.setdefault("installation", {})["id"] = self.installation.installation_id
        payload["sender"]["login"] = sender
        return payload

    def _place(self, repository: dict[str, Any]) -> None:
        """Make a payload's repository object name the fake's repository."""
        owner, name = self.installation.owner, self.installation.repo
        with self.installation.fake.lock:
            default_branch = self._repo().default_branch
        repository.update(name=name, full_name=f"{owner}/{name}", default_branch=default_branch)
        repository["owner"]["login"] = owner

    def _repo(self) -> Repo:
        """The repository as the fake holds it."""
        repo = self.installation.fake.repo(self.installation.owner, self.installation.repo)
        assert repo is not None, "seed the repository (add_pull) before building deliveries about it"
        return repo

    def _api_repo(self) -> str:
        """The repository's REST URL on the fake."""
        return f"{self.installation.fake.url}/repos/{self.installation.owner}/{self.installation.repo}"


@cache
def _vendored(relative: str) -> dict[str, Any]:
    """A vendored example payload, parsed once."""
    loaded: dict[str, Any] = json.loads((WEBHOOKS / relative).read_text(encoding="utf-8"))
    return loaded


def main(argv: Sequence[str] | None = None) -> None:
    """Run one worker with a short job timeout, its settings from the environment, until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.apprunner", description=__doc__)
    parser.add_argument("--job-timeout", type=float, required=True, help="arq's job timeout, in seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = create_worker(load_settings(), job_timeout=args.job_timeout, poll_delay=0.1)
    worker.run()


if __name__ == "__main__":
    main()
