"""The App rides out outages: a Redis restart under `scopegate worker`, workers' heartbeats on /readyz and
/metrics. Real redis-server processes (restarted on their port), real worker processes, the fake GitHub.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import cron
from arq.connections import ArqRedis
from arq.jobs import Job
from arq.worker import Worker
from redis.asyncio import ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.embedded import RedisProcess, start_redis, wait_for_ping
from bot.github.client import Backoff
from bot.ledger.migrate import upgrade
from tests import slow_rule
from tests.apprunner import (
    Webhook,
    Webhooks,
    app_settings,
    forward_redeliveries,
    serve_web,
    until,
    until_async,
    worker_in_loop,
    worker_process,
)
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakegithub.models import Delivery, FileChange
from tests.test_app_e2e import PROCESS_SECONDS, Stack, lines
from workers.redeliver import redeliver_failed_deliveries
from workers.settings import warn_unless_durable
from workers.sweep import sweep, sweep_installation

STARTED = "Starting worker for"
# The production policy's shape (5 retries, jittered doubling), with waits a test can afford.
FAST = Backoff(tries=5, base=0.02, cap=0.1)
TOKEN = r"/app/installations/\d+/access_tokens$"


@dataclass
class RestartableRedis:
    """A redis-server of this test's own, which the test can stop and start again on the same port."""

    server: RedisProcess

    @property
    def url(self) -> str:
        """Where it listens."""
        return self.server.url

    def stop(self) -> None:
        """SIGTERM, as a restart or a failover does."""
        self.server.stop()

    def start(self) -> None:
        """Start it again with the same arguments: same port, same files; return once it answers PING (a
        delivery sent before then is answered 503, rightly)."""
        log = self.server.folder / "redis.log"
        with log.open("ab") as out:
            process = subprocess.Popen(self.server.process.args, stdout=out, stderr=subprocess.STDOUT)
        self.server = RedisProcess(process, self.server.url, self.server.folder)
        wait_for_ping(self.server, log, timeout=10.0)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    """A persistent (append-only file) redis-server for this test alone."""
    redis = RestartableRedis(start_redis(tmp_path / "redis", persist=True))
    try:
        yield redis
    finally:
        redis.stop()


@asynccontextmanager
async def deployed(installation: FakeInstallation, redis_url: str, database_url: str) -> AsyncIterator[Stack]:
    """The web app on `redis_url` and a migrated ledger, no worker yet; at the end, every request the App
    made must have matched GitHub's OpenAPI description."""
    upgrade(database_url)
    settings = app_settings(
        installation, redis_url=redis_url, database_url=database_url, debounce_seconds=0.2
    )
    queue = ArqRedis(ConnectionPool.from_url(redis_url))
    with serve_web(settings) as web_url:
        async with httpx.AsyncClient(base_url=web_url, timeout=10) as http:
            yield Stack(installation, settings, web_url, http, queue, Webhooks(installation))
    await queue.aclose(close_connection_pool=True)
    assert not installation.fake.invalid_requests, installation.fake.invalid_requests


@pytest.fixture
async def own_stack(
    fake_installation: FakeInstallation, own_redis: RestartableRedis, sqlite_url: str
) -> AsyncIterator[Stack]:
    """The App on its own Redis."""
    async with deployed(fake_installation, own_redis.url, sqlite_url) as stack:
        yield stack


@pytest.fixture
async def stack(
    fake_installation: FakeInstallation, clean_redis_url: str, sqlite_url: str
) -> AsyncIterator[Stack]:
    """The App on the tests' Redis."""
    async with deployed(fake_installation, clean_redis_url, sqlite_url) as stack:
        yield stack


@asynccontextmanager
async def fast_worker(stack: Stack, **ctx: Any) -> AsyncIterator[Worker]:
    """A worker in this loop whose GitHub retries wait milliseconds, not seconds (`ctx` adds to its ctx)."""
    options = {"settings": stack.settings, "retry": FAST} | ctx
    async with worker_in_loop(stack.settings, ctx=options) as worker:
        yield worker


async def test_scopegate_worker_survives_a_redis_restart(
    own_stack: Stack, own_redis: RestartableRedis, tmp_path: Path
) -> None:
    """Redis stopped for three seconds under a running `scopegate worker`: the worker stays up, reconnects,
    and evaluates the next pull request."""
    with worker_process(own_stack.settings, tmp_path / "worker.log", ["-m", "bot", "worker"]) as worker:
        await until(lambda: STARTED in worker.output(), what="the worker to start", timeout=PROCESS_SECONDS)
        own_redis.stop()
        await asyncio.sleep(3.0)
        own_redis.start()
        head = await own_stack.open_and_deliver(1, {"src/app.py": lines(1200)})
        run = await own_stack.settled(head, timeout=PROCESS_SECONDS)
        alive = worker.process.poll() is None
        log = worker.output()

    assert alive, log
    assert run.conclusion == "failure"
    assert len(own_stack.runs(head)) == 1


async def test_workers_heartbeat_shows_on_readyz_and_metrics(stack: Stack) -> None:
    """While a worker runs, /readyz names it alive and /metrics counts it; once it stops, /readyz says no
    worker is there (still ready: deliveries wait queued)."""
    async with fast_worker(stack):
        await until_async(_worker_state(stack, "ok (1 alive)"), what="the worker's heartbeat")
        metrics = (await stack.http.get("/metrics")).text.splitlines()
    stopped = await (await stack.http.get("/readyz")).aread()

    assert "scopegate_workers_alive 1.0" in metrics
    assert b'"worker":"error: no worker heartbeat in the last 15 s"' in stopped
    assert (await stack.http.get("/readyz")).status_code == 200


def _worker_state(stack: Stack, state: str) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        """Whether /readyz shows `state` for the workers."""
        answer = (await stack.http.get("/readyz")).json()
        return bool(answer.get("worker") == state)

    return probe


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", TOKEN, id="token-exchange"),
        pytest.param("POST", r"/graphql$", id="first-graphql-query"),
        pytest.param("GET", r"/pulls/1/files$", id="rest-listing"),
    ],
)
async def test_a_burst_of_502_at_any_request_is_ridden_out(stack: Stack, method: str, path: str) -> None:
    """Four 502s in a row (more than githubkit's own three retries) at the token exchange, the first
    GraphQL query or a listing: retried where they happen, and the PR gets its one completed check."""
    head = stack.open_pull(1, {"src/app.py": lines(1200)})
    stack.fake.fail_next(method, path, 502, times=4)

    async with fast_worker(stack):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        run = await stack.settled(head)

    assert stack.fake.count(status=502) == 4
    assert run.conclusion == "failure"
    assert (run.title or "").startswith("1,200 effective lines (size/XXL)")
    assert len(stack.runs(head)) == 1


async def test_github_down_from_the_first_request_ends_in_a_check_then_a_later_delivery_runs(
    stack: Stack,
) -> None:
    """GitHub's GraphQL API failing on every try: the job gives up after its bounded retries with a
    completed check naming what failed and that a re-run is possible; the failed job does not hold the
    head back, so the next delivery for the same head evaluates it, in the same check run."""
    head = stack.open_pull(1, {"src/app.py": lines(1200)})
    outage = stack.fake.fail_next("POST", r"/graphql$", 502, times=10_000)

    async with fast_worker(stack):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        first = await stack.settled(head)
        failed = (first.conclusion, first.title, first.summary or "")
        stack.fake.faults.pending.remove(outage)
        again = await stack.deliver(stack.webhooks.pull_request("opened", 1))  # a new GUID, the same head
        await until(
            lambda: stack.runs(head)[0].conclusion != "neutral" and _evaluated(stack, head), what="the re-run"
        )
        await stack.drained()

    assert failed[:2] == ("failure", "scopegate could not evaluate this pull request")
    assert "GitHub answered 502 to POST /graphql (after 5 tries)" in failed[2]
    assert "re-run to retry now." in failed[2]
    # the evaluation is queued again; only the opening's record in the review history is held (done)
    held = again.json()["already_queued"]
    assert (again.status_code, [job for job in held if job.startswith("evaluate:")]) == (202, [])
    [run] = stack.runs(head)
    assert (run.title or "").startswith("1,200 effective lines (size/XXL)")


def _evaluated(stack: Stack, head: str) -> bool:
    """Whether the head's check carries a verdict (not the could-not-evaluate failure)."""
    return any("effective lines" in (run.title or "") for run in stack.runs(head))


async def test_a_force_push_back_to_an_earlier_head_is_evaluated_again(stack: Stack) -> None:
    """Head A (1,200 lines), then B (10 lines), then a force-push back to A within the hour: A is
    evaluated again, so the comment and the size label describe A once more."""
    head_a = stack.open_pull(1, {"src/app.py": lines(1200)})
    async with fast_worker(stack):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await stack.settled(head_a)
        stack.fake.push(stack.owner, stack.repo, 1, "b" * 40, head_files={"src/app.py": lines(10)})
        assert (await stack.deliver(stack.webhooks.pull_request("synchronize", 1))).status_code == 202
        await stack.settled("b" * 40)
        stack.fake.push(stack.owner, stack.repo, 1, head_a, head_files={"src/app.py": lines(1200)})
        back = await stack.deliver(stack.webhooks.pull_request("synchronize", 1))
        await until(lambda: stack.labels(1) == ["size/XXL"], what="the earlier head's label again")
        await stack.drained()

    assert back.json()["already_queued"] == []
    [comment] = stack.comments(1)
    assert "1,200 effective lines" in comment.body
    assert [run.conclusion for run in stack.runs(head_a)] == ["failure"]


async def test_a_job_stopped_while_publishing_leaves_no_check_in_progress(stack: Stack) -> None:
    """A job stopped (a worker stopping) while GitHub is creating its check run, the PR pushed meanwhile:
    the run is created already completed with the verdict, never in progress; when the job runs again, its
    head is stale and it publishes nothing more; the new head gets its own check."""
    head = stack.open_pull(1, {"src/app.py": lines(1200)})
    creating = stack.fake.delay_next("POST", r"/check-runs$", 1.0)
    async with fast_worker(stack):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await until(creating.arrived.is_set, what="the check run's creation")
    await asyncio.sleep(1.5)  # the delayed request takes effect, as on GitHub once it has arrived
    [run] = stack.runs(head)
    created = (run.status, run.conclusion, run.title or "")
    stack.fake.push(stack.owner, stack.repo, 1, "c" * 40, head_files={"src/app.py": lines(10)})

    async with fast_worker(stack):
        again = await Job(f"evaluate:{stack.owner}/{stack.repo}#1@{head}", stack.queue).result(
            timeout=20, poll_delay=0.05
        )
        assert (await stack.deliver(stack.webhooks.pull_request("synchronize", 1))).status_code == 202
        await stack.settled("c" * 40)

    assert created[:2] == ("completed", "failure")
    assert created[2].startswith("1,200 effective lines")
    assert again == "stale: the head moved on"
    assert [(r.id, r.status, r.conclusion) for r in stack.runs(head)] == [(run.id, "completed", "failure")]
    assert [r.conclusion for r in stack.runs("c" * 40)] == ["success"]


async def test_a_job_stopped_before_its_verdict_says_so_on_the_check(stack: Stack) -> None:
    """A job stopped while it measures the PR (its time limit, or a worker stopping): the head's check is
    created completed, saying the evaluation was stopped, rather than left without a check or in progress;
    the job's next try updates that same run with the verdict."""
    head = stack.open_pull(1, {"slow/app.py": lines(20)})
    async with fast_worker(stack, rules=slow_rule.CATALOGUE):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        files = f"/repos/{stack.owner}/{stack.repo}/pulls/1/files"
        await until(lambda: stack.fake.count("GET", files), what="the gathering")
    [stopped] = stack.runs(head)
    shown = (stopped.status, stopped.conclusion, stopped.summary or "")

    async with fast_worker(stack):
        run = await stack.settled(head)
        await stack.drained()

    assert shown[:2] == ("completed", "failure")
    assert "the evaluation was stopped (time limit)" in shown[2]
    assert [(r.id, r.conclusion) for r in stack.runs(head)] == [(stopped.id, "success")]
    assert (run.title or "").startswith("20 effective lines")


async def test_a_long_evaluation_keeps_the_pull_requests_lock(stack: Stack) -> None:
    """An evaluation that computes for three times the lock's lifetime runs off the event loop: the lock is
    renewed throughout, and the job ends with its verdict rather than losing the lock."""
    head = stack.open_pull(1, {"slow/app.py": lines(20)})
    lock_key = f"scopegate:lock:{stack.owner}/{stack.repo}#1"
    held: list[bool] = []

    async with fast_worker(stack, rules=slow_rule.CATALOGUE, lock_seconds=0.5):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await until_async(lambda: stack.queue.exists(lock_key), what="the lock")
        while not any(run.status == "completed" for run in stack.runs(head)):
            held.append(bool(await stack.queue.exists(lock_key)))
            await asyncio.sleep(0.05)
        result = await Job(f"evaluate:{stack.owner}/{stack.repo}#1@{head}", stack.queue).result(
            timeout=20, poll_delay=0.05
        )

    assert result == "success"
    assert len(held) > 10
    assert all(held), held


async def test_a_failed_delivery_is_asked_for_again_until_an_attempt_succeeds(stack: Stack) -> None:
    """A delivery that failed while the intake was down: the first ask itself fails (GitHub 502, beyond
    the retries), so nothing is marked; the next ask is accepted but GitHub's attempt fails too; the one
    after that reaches the web app and the PR is evaluated; then nothing is left to ask for."""
    head = stack.open_pull(1, {"src/app.py": lines(1200)})
    missed = stack.webhooks.pull_request("opened", 1)
    stack.fake.add_delivery("pull_request", missed.payload, guid=missed.guid, status_code=502)
    forward = forward_redeliveries(stack.web_url, stack.installation.app.webhook_secret)
    attempts: list[int] = []

    def intake_down_once(delivery: Delivery) -> int:
        """GitHub's first redelivery finds the intake still down; later ones reach it."""
        attempts.append(502 if not attempts else forward(delivery))
        return attempts[-1]

    stack.fake.on_redeliver = intake_down_once
    refused = stack.fake.fail_next("POST", r"/app/hook/deliveries/\d+/attempts$", 502, times=1 + FAST.tries)

    # The periodic job runs as the worker starts (its ask is the one refused), then not again during the
    # test: at its every-five-minutes schedule it would ask once more beside the test's own calls.
    later = (datetime.now(UTC).minute + 30) % 60
    startup_only = [cron(redeliver_failed_deliveries, minute=later, run_at_startup=True)]
    options = {"settings": stack.settings, "retry": FAST, "redeliver_wait_seconds": 0}
    async with worker_in_loop(stack.settings, ctx=options, cron_jobs=startup_only) as worker:
        await until(lambda: refused not in stack.fake.faults.pending, what="the refused ask")
        await stack.drained()
        asked = [await redeliver_failed_deliveries(worker.ctx)]
        await until(lambda: len(attempts) == 1, what="GitHub's first redelivery")
        asked.append(await redeliver_failed_deliveries(worker.ctx))
        run = await stack.settled(head)
        asked.append(await redeliver_failed_deliveries(worker.ctx))

    assert asked == [1, 1, 0]
    assert attempts == [502, 202]
    assert [(d.guid, d.status_code) for d in stack.fake.deliveries] == [(missed.guid, 502)] * 2 + [
        (missed.guid, 202)
    ]
    assert run.conclusion == "failure"
    assert len(stack.runs()) == 1


def _share_head(stack: Stack, number: int, head_sha: str, base_ref: str, added: int) -> None:
    """Open PR `number` from the same commit as another PR, into `base_ref`, adding `added` lines."""
    stack.fake.add_pull(
        stack.owner,
        stack.repo,
        number,
        base_ref=base_ref,
        base_files={},
        head_sha=head_sha,
        files=[FileChange("src/app.py", "added", additions=added)],
    )


async def test_pull_requests_sharing_a_head_share_one_check_with_the_strictest_verdict(stack: Stack) -> None:
    """The oversized PR evaluated, then a 10-line PR from the same commit into another base: the commit's
    one `scopegate` check stays a failure, naming both PRs; a push that moves the big PR off the commit
    leaves the small PR's verdict to decide."""
    head = stack.open_pull(1, {"src/app.py": lines(2010)})
    _share_head(stack, 2, head, "release", 10)

    async with fast_worker(stack):
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await stack.settled(head)
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 2))).status_code == 202
        await until(
            lambda: any("#2" in (r.summary or "") for r in stack.runs(head)), what="the shared verdict"
        )
        await stack.drained()
        [shared] = stack.runs(head)
        shared_view = (shared.conclusion, shared.title, shared.summary or "")
        stack.fake.push(stack.owner, stack.repo, 1, "d" * 40, head_files={"src/app.py": lines(5)})
        assert (await stack.deliver(stack.webhooks.pull_request("synchronize", 1))).status_code == 202
        await stack.settled("d" * 40)
        assert (await stack.deliver(stack.webhooks.pull_request("synchronize", 2))).status_code == 202
        await until(lambda: stack.runs(head)[0].conclusion == "success", what="the small PR's own verdict")
        await stack.drained()

    conclusion, title, summary = shared_view
    assert conclusion == "failure"
    assert (title or "").startswith("#1: 2,010 effective lines (size/XXL)")
    assert "| #1 | failure | 2,010 effective lines (size/XXL)" in summary
    assert "| #2 | success | 10 effective lines (size/S)" in summary
    [alone] = stack.runs(head)
    assert (alone.title or "").startswith("10 effective lines (size/S)")


async def test_pull_requests_sharing_a_head_evaluated_at_once_get_one_check_run(stack: Stack) -> None:
    """Two PRs on one commit delivered together: one check run on that commit, the strictest verdict."""
    head = stack.open_pull(1, {"src/app.py": lines(2010)})
    _share_head(stack, 2, head, "release", 10)

    async with fast_worker(stack):
        for number in (1, 2):
            assert (await stack.deliver(stack.webhooks.pull_request("opened", number))).status_code == 202
        await until(lambda: any("#2" in (r.summary or "") for r in stack.runs(head)), what="both verdicts")
        await stack.drained()

    [run] = stack.runs(head)
    assert run.conclusion == "failure"
    assert stack.fake.count("POST", f"/repos/{stack.owner}/{stack.repo}/check-runs") == 1


async def test_a_database_outage_during_a_job_is_waited_out(
    fake_installation: FakeInstallation, clean_redis_url: str, postgres_url: str
) -> None:
    """The ledger's PostgreSQL refusing connections while a PR is evaluated: the job tries again later
    (not a failed check), and once the database is back the verdict is published and recorded."""
    async with deployed(fake_installation, clean_redis_url, postgres_url) as stack:
        head = stack.open_pull(1, {"src/app.py": lines(1200)})
        async with fast_worker(stack, retry=Backoff(tries=5, base=0.5, cap=2.0)) as worker:
            await until(lambda: "scopegate" in worker.ctx, what="the worker's start-up")
            with database_refused(postgres_url):
                assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
                # The job gathers, then reads the ledger (and finds it refusing) before it publishes.
                files = f"/repos/{stack.owner}/{stack.repo}/pulls/1/files"
                await until(lambda: stack.fake.count("GET", files), what="the job's gathering")
                await asyncio.sleep(1.5)
                published = stack.runs(head)
            run = await stack.settled(head)
        evaluations, _ = stack.ledger(1)

    assert published == []
    assert (run.title or "").startswith("1,200 effective lines (size/XXL)")
    assert [e.head_sha for e in evaluations] == [head]


@contextmanager
def database_refused(url: str) -> Iterator[None]:
    """PostgreSQL refuses new connections to `url`'s database, and its open ones are cut, for the block."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


async def test_the_sweep_evaluates_an_open_pull_request_no_delivery_announced(stack: Stack) -> None:
    """A PR whose delivery was lost for good (never in GitHub's log either) gets its check from the periodic
    sweep; a PR whose head already has a completed check is left alone."""
    checked = stack.open_pull(1, {"src/app.py": lines(10)})
    missed = stack.open_pull(2, {"src/app.py": lines(1200)})
    async with fast_worker(stack) as worker:
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await stack.settled(checked)
        assert await sweep(worker.ctx) == 1
        run = await stack.settled(missed)
        installation_id = stack.installation.installation_id
        again = await sweep_installation(worker.ctx, installation_id=installation_id)

    assert (run.conclusion, stack.labels(2)) == ("failure", ["size/XXL"])
    assert [r.conclusion for r in stack.runs(checked)] == ["success"]
    assert again == "2 heads, 0 queued, 0 timed out, 0 could not be evaluated"


async def test_the_sweep_fails_a_run_left_in_progress_and_evaluates_its_head_again(stack: Stack) -> None:
    """A worker died mid-evaluation and arq gave up on the job: its run would stay in progress, blocking a
    required check for good. The sweep completes it as failed, saying why, and the head is evaluated again."""
    head = stack.open_pull(1, {"src/app.py": lines(10)})
    async with fast_worker(stack) as worker:
        assert (await stack.deliver(stack.webhooks.pull_request("opened", 1))).status_code == 202
        await stack.settled(head)
        [orphan] = stack.runs(head)
        with stack.fake.lock:
            orphan.status, orphan.conclusion = "in_progress", None
            orphan.started_at -= timedelta(hours=1)
        stack.fake.delay_next("POST", "/graphql$", 2.0)  # the new evaluation waits: see the sweep's verdict
        swept = await sweep_installation(worker.ctx, installation_id=stack.installation.installation_id)
        with stack.fake.lock:
            timed_out = (orphan.status, orphan.conclusion, orphan.summary or "")
        await stack.drained()

    assert swept == "1 heads, 1 queued, 1 timed out, 0 could not be evaluated"
    assert timed_out[:2] == ("completed", "failure")
    assert "did not finish within 6 minutes; it is running again" in timed_out[2]
    assert [(r.status, r.conclusion) for r in stack.runs(head)] == [("completed", "success")]


async def test_the_sweep_evaluates_again_a_head_that_could_not_be_evaluated(stack: Stack) -> None:
    """GitHub failing through every try of the job leaves a check saying it could not evaluate; once GitHub
    answers again, the next sweep evaluates the head and the check carries the verdict. A head that keeps
    failing is tried by three sweeps, not by every sweep for good."""
    judged = stack.open_pull(1, {"src/app.py": lines(1200)})
    failing = stack.open_pull(2, {"src/other.py": lines(10)})
    installation_id = stack.installation.installation_id
    outage = stack.fake.fail_next("POST", r"/graphql$", 502, times=10_000)
    async with fast_worker(stack) as worker:
        for number in (1, 2):
            await stack.deliver(stack.webhooks.pull_request("opened", number))
        unjudged = [(await stack.settled(head)).title for head in (judged, failing)]
        stack.fake.faults.pending.remove(outage)
        stack.fake.fail_next(None, r"/issues/2/labels", 502, times=10_000)  # one PR's labels stay refused
        swept = []
        for _ in range(4):  # sweeps ten minutes apart: each finds the previous one's evaluation done
            swept.append(await sweep_installation(worker.ctx, installation_id=installation_id))
            await stack.drained()

    assert unjudged == ["scopegate could not evaluate this pull request"] * 2
    assert [(run.conclusion, (run.title or "")[:32]) for run in stack.runs(judged)] == [
        ("failure", "1,200 effective lines (size/XXL)")
    ]
    assert [run.title for run in stack.runs(failing)] == ["scopegate could not evaluate this pull request"]
    assert swept == [
        "2 heads, 2 queued, 0 timed out, 2 could not be evaluated",
        "2 heads, 1 queued, 0 timed out, 1 could not be evaluated",
        "2 heads, 1 queued, 0 timed out, 1 could not be evaluated",
        "2 heads, 0 queued, 0 timed out, 0 could not be evaluated",
    ]


async def test_the_sweep_stops_at_the_rate_limits_reserve(stack: Stack) -> None:
    """The sweep spends only what the installation can spare: with a tenth of the hour's requests left, it
    queues what that pays for and leaves the other heads to the next sweep."""
    heads = [stack.open_pull(number, {f"src/m{number}.py": lines(10)}) for number in (1, 2, 3)]
    stack.fake.rate.limit = 100
    installation_id = stack.installation.installation_id
    stack.fake.rate.window(installation_id, "core").used = 75
    async with fast_worker(stack) as worker:
        await until(lambda: "scopegate" in worker.ctx, what="the worker's start-up")
        swept = await sweep_installation(worker.ctx, installation_id=installation_id)
        stack.fake.rate.limit = 5000  # the hour has passed: the queued evaluation can finish
        await stack.drained()

    assert swept == (
        "2 heads, 1 queued, 0 timed out, 0 could not be evaluated, stopped at the rate limit's reserve"
    )
    assert sorted(len(stack.runs(head)) for head in heads) == [0, 0, 1]


async def test_a_merge_queue_gets_the_verdict_of_the_pull_request_its_group_holds(stack: Stack) -> None:
    """`merge_group.checks_requested` for a group up to #7: #7's head, never delivered, is evaluated first,
    and the group's commit gets a check of the same name carrying #7's verdict, so a queue requiring the
    check does not wait for one that never comes."""
    head = stack.open_pull(7, {"src/app.py": lines(1200)})
    base = stack.fake.repo(stack.owner, stack.repo).branches["main"]  # type: ignore[union-attr]
    group = stack.fake.push_branch(stack.owner, stack.repo, "main", {"src/app.py": lines(1200)})
    opened = stack.webhooks.pull_request("opened", 7).payload
    payload = {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": group,
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-7-{base}",
            "base_sha": base,
            "base_ref": "refs/heads/main",
            "head_commit": {"id": group, "message": "Merge pull request #7"},
        },
        **{key: opened[key] for key in ("repository", "installation", "sender")},
    }
    async with fast_worker(stack, merge_group_wait_seconds=0.2):
        assert (await stack.deliver(Webhook("merge_group", payload))).status_code == 202
        run = await stack.settled(group)

    assert (run.name, run.conclusion) == ("scopegate", "failure")
    assert (run.title or "").startswith("#7: 1,200 effective lines (size/XXL)")
    assert [r.conclusion for r in stack.runs(head)] == ["failure"]


@pytest.mark.parametrize("persist", [True, False], ids=["append-only", "volatile"])
async def test_a_worker_warns_at_start_up_when_redis_does_not_persist(
    tmp_path: Path, persist: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A 202 is durable only on a Redis with its append-only file: without one, the worker says so."""
    server = start_redis(tmp_path / "redis", persist=persist)
    queue = ArqRedis(ConnectionPool.from_url(server.url))
    try:
        assert await warn_unless_durable(queue) is persist
    finally:
        await queue.aclose(close_connection_pool=True)
        server.stop()
    assert ("Redis persistence is off" in caplog.text) is not persist
