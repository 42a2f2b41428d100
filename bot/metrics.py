"""Prometheus metrics, one registry per app so tests and embedded servers never share counters."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

CONTENT_TYPE = CONTENT_TYPE_LATEST

# An evaluation gathers from GitHub and runs every rule: seconds to a couple of minutes.
_EVALUATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass(frozen=True, slots=True)
class Metrics:
    """The App's metrics and the registry that exposes them."""

    registry: CollectorRegistry
    deliveries: Counter
    queue_depth: Gauge
    evaluation_seconds: Histogram
    github_requests: Counter
    github_rate_limit_remaining: Gauge


def create_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """Metrics registered in `registry`, a fresh one by default."""
    registry = registry if registry is not None else CollectorRegistry()
    return Metrics(
        registry=registry,
        deliveries=Counter(
            "scopegate_webhook_deliveries",
            "Webhook deliveries received, by event and outcome.",
            ("event", "outcome"),
            registry=registry,
        ),
        queue_depth=Gauge(
            "scopegate_queue_depth", "Jobs in the arq queue, deferred ones included.", registry=registry
        ),
        evaluation_seconds=Histogram(
            "scopegate_evaluation_seconds",
            "Time to evaluate a pull request, gathering included.",
            buckets=_EVALUATION_BUCKETS,
            registry=registry,
        ),
        github_requests=Counter(
            "scopegate_github_requests",
            "Requests made to the GitHub API, by method and status code.",
            ("method", "status"),
            registry=registry,
        ),
        github_rate_limit_remaining=Gauge(
            "scopegate_github_rate_limit_remaining",
            "The last `x-ratelimit-remaining` GitHub reported, by installation and resource.",
            ("installation", "resource"),
            registry=registry,
        ),
    )


def render(metrics: Metrics) -> bytes:
    """The registry in Prometheus' text exposition format."""
    return generate_latest(metrics.registry)
