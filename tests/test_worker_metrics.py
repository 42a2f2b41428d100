"""Workers' metrics travel through Redis to the web app's /metrics, whatever process recorded them."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from redis.asyncio import Redis

from bot.worker_metrics import WorkerMetrics, record_duration, record_response


def _response(status: int, remaining: str, resource: str) -> httpx.Response:
    request = httpx.Request("GET", "https://api.github.com/repos/o/r/pulls/1")
    headers = {"x-ratelimit-remaining": remaining, "x-ratelimit-resource": resource}
    return httpx.Response(status, headers=headers, request=request)


async def test_requests_rate_limit_and_durations_reach_the_scrape(clean_redis_url: str) -> None:
    """Two workers' records add up; the scrape shows counts by method/status, the latest rate limit per
    installation and resource, and a histogram of evaluation durations."""
    redis = Redis.from_url(clean_redis_url)
    try:
        await record_response(redis, 7, _response(200, "4999", "core"))
        await record_response(redis, 7, _response(200, "4998", "core"))
        await record_response(redis, 8, _response(502, "4000", "graphql"))
        await record_duration(redis, 0.3)
        await record_duration(redis, 12.0)
        collector, registry = WorkerMetrics(), CollectorRegistry()
        registry.register(collector)
        await collector.refresh(redis)
    finally:
        await redis.aclose()
    lines = generate_latest(registry).decode().splitlines()
    assert 'scopegate_github_requests_total{method="GET",status="200"} 2.0' in lines
    assert 'scopegate_github_requests_total{method="GET",status="502"} 1.0' in lines
    assert 'scopegate_github_rate_limit_remaining{installation="7",resource="core"} 4998.0' in lines
    assert 'scopegate_github_rate_limit_remaining{installation="8",resource="graphql"} 4000.0' in lines
    assert 'scopegate_evaluation_seconds_bucket{le="0.25"} 0.0' in lines
    assert 'scopegate_evaluation_seconds_bucket{le="0.5"} 1.0' in lines
    assert 'scopegate_evaluation_seconds_bucket{le="+Inf"} 2.0' in lines
    assert "scopegate_evaluation_seconds_count 2.0" in lines
    assert "scopegate_evaluation_seconds_sum 12.3" in lines
