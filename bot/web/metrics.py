"""Prometheus metrics, one registry per app so tests and embedded servers never share counters."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.worker_metrics import WorkerMetrics

CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True, slots=True)
class Metrics:
    """The App's metrics and the registry that exposes them."""

    registry: CollectorRegistry
    deliveries: Counter
    queue_depth: Gauge
    workers: WorkerMetrics


def create_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """Metrics registered in `registry`, a fresh one by default."""
    registry = registry if registry is not None else CollectorRegistry()
    workers = WorkerMetrics()
    registry.register(workers)
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
        workers=workers,
    )


def render(metrics: Metrics) -> bytes:
    """The registry in Prometheus' text exposition format."""
    return generate_latest(metrics.registry)
