"""Metrics the workers produce (GitHub requests, rate limit left, evaluation time), kept in Redis.

Workers run in other processes, often on other machines, than the web app that serves `/metrics`; so
they add to Redis hashes, and the web app reads them when scraped. Counts are totals since the hashes
were created, as Prometheus counters expect.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from redis.asyncio import Redis

GITHUB = "scopegate:metrics:github"  # "METHOD|STATUS" -> requests
RATE_LIMIT = "scopegate:metrics:ratelimit"  # "INSTALLATION|RESOURCE" -> remaining
EVALUATION = "scopegate:metrics:evaluation"  # bucket bound, "+Inf", "sum" -> cumulative values
WORKERS = "scopegate:workers"  # a sorted set: worker id -> time of its last heartbeat (s since the epoch)
HEARTBEAT_SECONDS = 5.0
# A worker whose last heartbeat is older than this is taken for gone (three beats missed).
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS
# An evaluation gathers from GitHub and runs every rule: a fraction of a second to a couple of minutes.
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


async def record_response(redis: Redis, installation_id: int, response: httpx.Response) -> None:
    """Count one GitHub response and keep the rate limit it reports."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hincrby(GITHUB, f"{response.request.method}|{response.status_code}", 1)
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdecimal():
            resource = response.headers.get("x-ratelimit-resource", "core")
            pipe.hset(RATE_LIMIT, f"{installation_id}|{resource}", remaining)
        await pipe.execute()


async def record_heartbeat(redis: Redis, worker_id: str) -> None:
    """Say that `worker_id` is alive now; forget workers silent for a long time."""
    now = time.time()
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(WORKERS, {worker_id: now})
        pipe.zremrangebyscore(WORKERS, "-inf", now - 60 * HEARTBEAT_STALE_SECONDS)
        await pipe.execute()


async def forget_worker(redis: Redis, worker_id: str) -> None:
    """A worker that stops says so, rather than being taken for alive until its heartbeat is stale."""
    await redis.zrem(WORKERS, worker_id)


async def live_workers(redis: Redis) -> int:
    """How many workers sent a heartbeat within `HEARTBEAT_STALE_SECONDS`."""
    count: int = await redis.zcount(WORKERS, time.time() - HEARTBEAT_STALE_SECONDS, "+inf")
    return count


async def record_duration(redis: Redis, seconds: float) -> None:
    """Add one evaluation's duration to the histogram."""
    async with redis.pipeline(transaction=False) as pipe:
        for bound in (*(str(b) for b in BUCKETS if seconds <= b), "+Inf"):
            pipe.hincrby(EVALUATION, bound, 1)
        pipe.hincrbyfloat(EVALUATION, "sum", seconds)
        await pipe.execute()


@dataclass(eq=False)  # registries keep collectors in sets: identity, not value, makes one
class WorkerMetrics(Collector):
    """A collector exposing the workers' metrics as last read from Redis (`refresh` before a scrape)."""

    github: dict[str, int] = field(default_factory=dict)
    rate_limit: dict[str, int] = field(default_factory=dict)
    evaluation: dict[str, float] = field(default_factory=dict)
    workers: int = 0

    async def refresh(self, redis: Redis) -> None:
        """Read the workers' hashes."""
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(GITHUB)
            pipe.hgetall(RATE_LIMIT)
            pipe.hgetall(EVALUATION)
            pipe.zcount(WORKERS, time.time() - HEARTBEAT_STALE_SECONDS, "+inf")
            github, rate_limit, evaluation, self.workers = await pipe.execute()
        self.github = {_text(k): int(v) for k, v in github.items()}
        self.rate_limit = {_text(k): int(v) for k, v in rate_limit.items()}
        self.evaluation = {_text(k): float(v) for k, v in evaluation.items()}

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        """The families Prometheus reads."""
        yield GaugeMetricFamily(
            "scopegate_workers_alive",
            f"Workers whose heartbeat reached Redis in the last {HEARTBEAT_STALE_SECONDS:.0f} s.",
            value=self.workers,
        )
        requests = CounterMetricFamily(
            "scopegate_github_requests",
            "Requests made to the GitHub API, by method and status.",
            labels=("method", "status"),
        )
        for key, count in sorted(self.github.items()):
            requests.add_metric(key.split("|", 1), count)
        yield requests
        remaining = GaugeMetricFamily(
            "scopegate_github_rate_limit_remaining",
            "The last `x-ratelimit-remaining` GitHub reported, by installation and resource.",
            labels=("installation", "resource"),
        )
        for key, value in sorted(self.rate_limit.items()):
            remaining.add_metric(key.split("|", 1), value)
        yield remaining
        buckets = [(str(b), self.evaluation.get(str(b), 0.0)) for b in BUCKETS]
        buckets.append(("+Inf", self.evaluation.get("+Inf", 0.0)))
        yield HistogramMetricFamily(
            "scopegate_evaluation_seconds",
            "Time to evaluate a pull request, gathering and publishing included.",
            buckets=buckets,
            sum_value=self.evaluation.get("sum", 0.0),
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
