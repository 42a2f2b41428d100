"""Does every accepted delivery end in a completed check on its PR's final head, whatever fails meanwhile?

`scopegate web` and a worker run as processes against a private redis-server, a private PostgreSQL ledger
(pgserver) and the fake GitHub; a burst of distinct pushes over many PRs is delivered, signed as GitHub
signs them, while one fault is injected per scenario: a worker SIGKILLed (and started again), the web app
restarted (deliveries meanwhile are refused, as GitHub then records them failed), the database stopped for
5 s, Redis restarted with and without its append-only file, GitHub answering 502 or 429 for a while. Once
the system settles (or a deadline passes),
per scenario: deliveries accepted, evaluations lost (final head delivered and accepted, yet no completed
check on it), check runs left in progress on any head, heads with more than one check run, and the time
to settle. Then the reconciliation sweep runs (as its ten-minute cron would; again once a run left in
progress is old enough for it to judge stuck) and the system settles again: `lost_after_sweep` is what even
the sweep did not find, and `stuck` is counted after it. Goal: zeros. A volatile Redis restart loses
what was queued, so its `lost` is not zero; its `lost_after_sweep` is.

The worker is the production one (`workers.supervise.run_worker`) with arq's job timeout at 30 s (10 s with
`--quick`) instead of 300 s, so a job cut off by a SIGKILL runs again within the benchmark (arq waits job
timeout + 10 s). `unjudged` counts final heads whose check says the evaluation could not be done (a job
that ran out of time, or failed for good): completed, as the issue asks, but no verdict.

    python benchmarks/bench_chaos.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import redis
from arq import create_pool
from arq.constants import default_queue_name, in_progress_key_prefix

from benchmarks.common import figure
from bot.embedded import RedisProcess, start_redis
from bot.github.publish import COULD_NOT_EVALUATE
from bot.intake.jobs import SweepInstallation, enqueue
from bot.ledger.migrate import upgrade
from bot.settings import Settings, load_settings
from tests.apprunner import Webhooks, app_settings, environment
from tests.fakegithub import FakeGitHub
from tests.fakegithub.faults import Fault
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.models import CheckRun
from tests.servers import Postgres, private_postgres_server
from workers.settings import redis_settings
from workers.sweep import STUCK_MARGIN_SECONDS

REPO_ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30.0


@dataclass(frozen=True)
class Size:
    """How big a run is."""

    pulls: int
    pushes: int  # after opening, per PR
    gap_seconds: float  # between deliveries
    settle_seconds: float  # the deadline for settling, after the last delivery
    # arq's job timeout (production: 300 s), short so that a SIGKILLed job runs again within the run
    # (arq waits job timeout + 10 s), long enough for the 10 jobs arq runs at once to take turns on the
    # one evaluation thread (a full run's evaluations take up to 2 s each).
    job_timeout_seconds: float


QUICK = Size(pulls=3, pushes=2, gap_seconds=0.1, settle_seconds=15.0, job_timeout_seconds=10.0)
FULL = Size(pulls=20, pushes=5, gap_seconds=0.05, settle_seconds=120.0, job_timeout_seconds=30.0)


@dataclass
class Outcome:
    """What one scenario ended with."""

    accepted: int = 0
    refused: int = 0
    lost: int = 0
    lost_after_sweep: int = 0
    unjudged: int = 0
    stuck: int = 0
    duplicates: int = 0
    settle_seconds: float = 0.0


@dataclass
class Deployment:
    """The App's processes and the services they use, for one scenario."""

    folder: Path
    installation: FakeInstallation
    settings: Settings
    redis: RedisProcess
    postgres: Postgres
    job_timeout_seconds: float
    web: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def fake(self) -> FakeGitHub:
        """The fake GitHub."""
        return self.installation.fake

    @property
    def web_url(self) -> str:
        """Where the web app listens."""
        return f"http://127.0.0.1:{self.settings.port}"

    def start_web(self) -> None:
        """`scopegate web`, answering once /healthz does."""
        self.web = self._spawn("web", [sys.executable, "-m", "bot", "web"])
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.web_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"the web app did not start: {self.logs[-1].read_text(errors='replace')}")

    def start_worker(self) -> None:
        """A worker process, running once its heartbeat shows on /readyz."""
        argv = [sys.executable, str(Path(__file__)), "--worker", str(self.job_timeout_seconds)]
        self.worker = self._spawn(f"worker{len(self.logs)}", argv)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            ready = httpx.get(f"{self.web_url}/readyz", timeout=5).json()
            if str(ready.get("worker", "")).startswith("ok"):
                return
            time.sleep(0.1)
        raise RuntimeError("the worker did not start")

    def kill_worker(self) -> None:
        """SIGKILL: the worker dies whatever it was doing."""
        assert self.worker is not None
        self.worker.kill()
        self.worker.wait()

    def stop_web(self) -> None:
        """SIGTERM, as a deploy does: requests in flight are answered, new ones find no listener."""
        assert self.web is not None
        self.web.send_signal(signal.SIGTERM)
        self.web.wait(20)

    def restart_redis(self, down_seconds: float, *, persist: bool) -> None:
        """Stop Redis (SIGTERM, as a restart does), and start it again on its port after `down_seconds`:
        from its append-only file, or (not `persist`) empty, as a Redis without persistence restarts."""
        self.redis.stop()
        argv = [str(arg) for arg in self.redis.process.args]  # type: ignore[union-attr]
        if not persist:
            argv[argv.index("--appendonly") + 1] = "no"
            for stored in self.redis.folder.glob("appendonly*"):
                shutil.rmtree(stored) if stored.is_dir() else stored.unlink()
        time.sleep(down_seconds)
        log = (self.redis.folder / "redis.log").open("ab")
        with log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        self.redis = RedisProcess(process, self.redis.url, self.redis.folder)

    def stop(self) -> None:
        """Stop every process this deployment started."""
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.redis.stop()

    def _spawn(self, name: str, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        self.logs.append(log)
        env = environment(self.settings) | {"PYTHONPATH": str(REPO_ROOT)}
        with log.open("wb") as out:
            return subprocess.Popen(argv, cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT)


def lines(count: int, tag: str) -> bytes:
    """`count` distinct lines."""
    return "".join(f"{tag} {i}\n" for i in range(count)).encode()


@contextmanager
def deployment(folder: Path, job_timeout_seconds: float) -> Iterator[Deployment]:
    """A fake GitHub with the App installed, a private Redis, a migrated ledger, the web app and a worker:
    one for every scenario (each on PRs of its own), since starting the processes costs seconds."""
    # An Enterprise Cloud installation's hourly limit: every scenario's evaluations and sweeps run within the
    # one hour, and a sweep left without spare requests would rightly stop (what it spends is a test's).
    with FakeGitHub.serve(check_responses=False, rate_limit=15_000) as fake:
        app = fake.add_app(slug="scopegate")
        installed = fake.add_installation(app, "octo-org", ["hello-world"])
        installation = FakeInstallation(fake, app, installed, "octo-org", "hello-world")
        redis = start_redis(folder / "redis", persist=True)
        with private_postgres_server() as postgres:
            upgrade(postgres.url)
            settings = app_settings(
                installation,
                redis_url=redis.url,
                database_url=postgres.url,
                debounce_seconds=0.3,
                port=_free_port(),
            )
            deployed = Deployment(folder, installation, settings, redis, postgres, job_timeout_seconds)
            try:
                deployed.start_web()
                deployed.start_worker()
                yield deployed
            finally:
                deployed.stop()


@dataclass(frozen=True)
class Scenario:
    """A fault, injected once `at` of the burst is delivered (0.5: in its middle, while deliveries go on;
    1.0: right after the last, while its jobs wait in the queue); `inject` returns an undo, called
    `hold_seconds` later."""

    name: str
    inject: Callable[[Deployment], Callable[[], None]]
    hold_seconds: float = 0.0
    at: float = 0.5


def _kill_worker(deployed: Deployment) -> Callable[[], None]:
    deployed.kill_worker()
    return deployed.start_worker


def _restart_web(deployed: Deployment) -> Callable[[], None]:
    deployed.stop_web()
    return deployed.start_web


def _restart_redis(*, persist: bool) -> Callable[[Deployment], Callable[[], None]]:
    def inject(deployed: Deployment) -> Callable[[], None]:
        deployed.restart_redis(down_seconds=2.0, persist=persist)
        return lambda: None

    return inject


def _stop_database(deployed: Deployment) -> Callable[[], None]:
    deployed.postgres.stop()
    return deployed.postgres.start


def _github_failing(status: int) -> Callable[[Deployment], Callable[[], None]]:
    def inject(deployed: Deployment) -> Callable[[], None]:
        headers = {"retry-after": "1"} if status == 429 else None
        fault: Fault = deployed.fake.faults.add(None, ".", status, times=1_000_000, headers=headers)
        return lambda: deployed.fake.faults.pending.remove(fault)

    return inject


# The volatile restart last: it loses Redis's contents (the App's token cache and check memory included).
SCENARIOS = (
    Scenario("baseline", lambda _deployed: lambda: None),
    Scenario("github_502", _github_failing(502), hold_seconds=3.0),
    Scenario("github_429", _github_failing(429), hold_seconds=3.0),
    Scenario("worker_sigkill", _kill_worker),
    Scenario("web_restart", _restart_web, hold_seconds=1.0),
    Scenario("database_down", _stop_database, hold_seconds=5.0),
    Scenario("redis_restart_aof", _restart_redis(persist=True), at=1.0),
    Scenario("redis_restart_volatile", _restart_redis(persist=False), at=1.0),
)


def run(scenario: Scenario, size: Size, deployed: Deployment, first: int) -> Outcome:
    """Deliver the burst (PRs `first`, `first` + 1, …) with the fault in its middle, settle, and count."""
    outcome = Outcome()
    fake, owner, repo = deployed.fake, deployed.installation.owner, deployed.installation.repo
    webhooks = Webhooks(deployed.installation)
    secret = deployed.installation.app.webhook_secret
    numbers = range(first, first + size.pulls)
    final: dict[int, tuple[str, bool]] = {}  # PR -> (its last head, whether that delivery was accepted)
    plan = [(n, push) for push in range(size.pushes + 1) for n in numbers]
    fault: threading.Thread | None = None
    with httpx.Client(base_url=deployed.web_url, timeout=10) as http:
        start_fault = min(len(plan) - 1, int(len(plan) * scenario.at))
        for i, (number, push) in enumerate(plan):
            if i == start_fault and scenario.at < 1:  # the fault runs beside the burst, which goes on
                fault = threading.Thread(target=_inject, args=(scenario, deployed), name=scenario.name)
                fault.start()
            files = {"src/app.py": lines(40 + 300 * push * (number - first + 1), f"p{number}v{push}")}
            if push == 0:
                head = fake.add_pull(owner, repo, number, base_files={}, head_files=files).head_sha
                hook = webhooks.pull_request("opened", number)
            else:
                head = fake.new_sha()
                fake.push(owner, repo, number, head, head_files=files)
                hook = webhooks.pull_request("synchronize", number)
            accepted = _deliver(http, hook.body(), hook.headers(secret, hook.body()))
            outcome.accepted += accepted
            outcome.refused += not accepted
            final[number] = (head, accepted)
            time.sleep(size.gap_seconds)
    if scenario.at >= 1:
        _inject(scenario, deployed)
    if fault is not None:
        fault.join()
    outcome.settle_seconds = settle(deployed, final, size.settle_seconds)
    outcome.lost = _lost(deployed, final, numbers)
    asyncio.run(_sweep(deployed))
    drain(deployed, size.settle_seconds)
    if any(run.status != "completed" for run in _runs(deployed) if run.head_sha in _heads(deployed, numbers)):
        # A run the sweep judges stuck is one in progress for longer than a job may take.
        time.sleep(size.job_timeout_seconds + STUCK_MARGIN_SECONDS + 1)
        asyncio.run(_sweep(deployed))
        drain(deployed, size.settle_seconds)
    outcome.lost_after_sweep = _lost(deployed, final, numbers)
    runs = [run for run in _runs(deployed) if run.head_sha in _heads(deployed, numbers)]
    newest = {run.head_sha: run for run in sorted(runs, key=lambda run: run.id)}
    outcome.unjudged = sum(
        1
        for head, accepted in final.values()
        if accepted and head in newest and newest[head].title == COULD_NOT_EVALUATE
    )
    outcome.stuck = sum(1 for run in runs if run.status != "completed")
    per_head: dict[str, int] = {}
    for run in runs:
        per_head[run.head_sha] = per_head.get(run.head_sha, 0) + 1
    outcome.duplicates = sum(1 for count in per_head.values() if count > 1)
    return outcome


def _lost(deployed: Deployment, final: dict[int, tuple[str, bool]], numbers: range) -> int:
    """Final heads whose delivery was accepted, yet without a completed check run."""
    runs = [run for run in _runs(deployed) if run.head_sha in _heads(deployed, numbers)]
    completed = {run.head_sha for run in runs if run.status == "completed"}
    return sum(1 for head, accepted in final.values() if accepted and head not in completed)


async def _sweep(deployed: Deployment) -> None:
    """Queue the installation's reconciliation sweep, as the periodic job does."""
    queue = await create_pool(redis_settings(deployed.redis.url))
    try:
        job = SweepInstallation(deployed.installation.installation_id)
        await enqueue(queue, job, debounce_seconds=0)
    finally:
        await queue.aclose()


def _inject(scenario: Scenario, deployed: Deployment) -> None:
    """Inject the scenario's fault, hold it, undo it."""
    undo = scenario.inject(deployed)
    time.sleep(scenario.hold_seconds)
    undo()


def _deliver(http: httpx.Client, body: bytes, headers: dict[str, str]) -> bool:
    """POST one delivery; whether it was accepted (202)."""
    try:
        return http.post("/webhooks", content=body, headers=headers).status_code == 202
    except httpx.TransportError:
        return False


def _runs(deployed: Deployment) -> list[CheckRun]:
    """Every check run the fake holds."""
    fake = deployed.fake
    with fake.lock:
        stored = fake.repo(deployed.installation.owner, deployed.installation.repo)
        return list(stored.check_runs.values()) if stored else []


def _heads(deployed: Deployment, numbers: range) -> set[str]:
    """Every head PRs `numbers` had (their commits)."""
    fake = deployed.fake
    with fake.lock:
        stored = fake.repo(deployed.installation.owner, deployed.installation.repo)
        pulls = [stored.pulls[n] for n in numbers] if stored else []
        return {commit.sha for pull in pulls for commit in pull.commits} | {pull.head_sha for pull in pulls}


def settle(deployed: Deployment, final: dict[int, tuple[str, bool]], deadline_seconds: float) -> float:
    """Seconds until every accepted final head has a completed check and no run is in progress, or the
    system is idle (no job queued or running for a second: nothing more will happen), or the deadline."""
    wanted = {head for head, accepted in final.values() if accepted}
    start = time.monotonic()
    idle_since: float | None = None
    client = redis.Redis.from_url(deployed.redis.url, socket_timeout=2)
    try:
        while time.monotonic() - start < deadline_seconds:
            runs = _runs(deployed)
            done = {run.head_sha for run in runs if run.status == "completed"}
            if wanted <= done and all(run.status == "completed" for run in runs):
                return time.monotonic() - start
            if _idle(client):
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 1.0:
                    return idle_since - start
            else:
                idle_since = None
            time.sleep(0.1)
    finally:
        client.close()
    return time.monotonic() - start


def drain(deployed: Deployment, deadline_seconds: float) -> None:
    """Wait until no job has been queued or running for a second (or the deadline): what a sweep queued,
    an unjudged head's evaluation among it, has run, although every head already had a completed check."""
    start = time.monotonic()
    idle_since: float | None = None
    client = redis.Redis.from_url(deployed.redis.url, socket_timeout=2)
    try:
        while time.monotonic() - start < deadline_seconds:
            if not _idle(client):
                idle_since = None
            elif time.monotonic() - (idle_since := idle_since or time.monotonic()) > 1.0:
                return
            time.sleep(0.1)
    finally:
        client.close()


def _idle(client: redis.Redis) -> bool:
    """Whether no job is queued (deferred included) or running; arq keeps a cron job's key a while."""
    try:
        queued = cast(int, client.zcard(default_queue_name))
        running = [key for key in client.scan_iter(f"{in_progress_key_prefix}*") if b":cron:" not in key]
    except redis.RedisError:
        return False
    return queued == 0 and not running


def worker_main(job_timeout_seconds: float) -> None:
    """The benchmark's worker process: the production supervisor with a short job timeout."""
    from workers.supervise import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(load_settings(), stop, job_timeout=job_timeout_seconds, poll_delay=0.1)

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main(argv: Sequence[str] | None = None) -> None:
    """Run every scenario and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small bursts, for CI (under a minute)")
    parser.add_argument("--worker", type=float, metavar="JOB_TIMEOUT", help=argparse.SUPPRESS)
    parser.add_argument("--only", help="run only the scenario of this name")
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return
    size = QUICK if args.quick else FULL
    started = time.monotonic()
    chosen = [scenario for scenario in SCENARIOS if not args.only or scenario.name == args.only]
    with (
        tempfile.TemporaryDirectory(prefix="scopegate-chaos-") as folder,
        deployment(Path(folder), size.job_timeout_seconds) as deployed,
    ):
        for i, scenario in enumerate(chosen):
            outcome = run(scenario, size, deployed, first=1 + i * size.pulls)
            figure(f"{scenario.name}_accepted", outcome.accepted, "deliveries")
            figure(f"{scenario.name}_refused", outcome.refused, "deliveries")
            figure(f"{scenario.name}_lost", outcome.lost, "evaluations")
            figure(f"{scenario.name}_lost_after_sweep", outcome.lost_after_sweep, "evaluations")
            figure(f"{scenario.name}_unjudged", outcome.unjudged, "final heads")
            figure(f"{scenario.name}_stuck", outcome.stuck, "check runs")
            figure(f"{scenario.name}_duplicates", outcome.duplicates, "heads")
            figure(f"{scenario.name}_settle", outcome.settle_seconds, "s")
    figure("chaos_total", time.monotonic() - started, "s")


if __name__ == "__main__":
    main()
