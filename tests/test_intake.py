"""The webhook intake end to end: real uvicorn on a loopback port, real HTTP, real Redis, arq's own client."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from arq.connections import ArqRedis
from arq.jobs import JobDef
from fastapi import FastAPI
from redis.asyncio import ConnectionPool

from bot.intake.signature import sign
from bot.intake.webhooks import DELIVERY_KEY, DELIVERY_TTL_SECONDS, MAX_PAYLOAD_BYTES
from bot.settings import Settings, load_settings
from bot.web.app import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "intake test secret"
PREVIOUS_SECRET = "the secret being rotated out"
DEBOUNCE_SECONDS = 2.0
OPENED = "pull_request/12-opened.json"
SYNC = "pull_request/22-synchronize.json"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
OPENED_JOB_ID = f"evaluate:Codertocat/Hello-World#2@{HEAD}"
# The opening is also an event of the PR's review history, recorded by a job of its own.
OPENED_HISTORY_ID = "review-event:Codertocat/Hello-World#2:pull_request:2:opened"


def fixture_body(name: str, head_sha: str | None = None) -> bytes:
    """A vendored payload (its PR moved to `head_sha` if given) as the bytes GitHub would send."""
    payload = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if head_sha is not None:
        payload["pull_request"]["head"]["sha"] = head_sha
    return json.dumps(payload).encode()


def headers(body: bytes, event: str, delivery: str, secret: str | None = SECRET) -> dict[str, str]:
    """GitHub's delivery headers for `body`, signed with `secret` (None: unsigned)."""
    sent = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if secret is not None:
        sent["X-Hub-Signature-256"] = sign(secret, body)
    return sent


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def settings_for(redis_url: str) -> Settings:
    """Settings as a deployment would have them, independent of the environment's `.env`."""
    return load_settings(
        _env_file=None,
        webhook_secret=SECRET,
        webhook_secret_previous=PREVIOUS_SECRET,
        redis_url=redis_url,
        debounce_seconds=DEBOUNCE_SECONDS,
        bot_login="scopegate",
    )


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn in a thread on a free loopback port; yield its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
async def queue(clean_redis_url: str) -> AsyncIterator[ArqRedis]:
    """arq's client on the test Redis, which starts empty."""
    redis = ArqRedis(ConnectionPool.from_url(clean_redis_url))
    yield redis
    await redis.aclose(close_connection_pool=True)


@pytest.fixture
async def client(clean_redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app served by uvicorn with settings pointing at the test Redis."""
    with serve(create_app(settings_for(clean_redis_url))) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            yield http


async def deliver(http: httpx.AsyncClient, body: bytes, sent: dict[str, str]) -> httpx.Response:
    """POST one delivery to /webhooks."""
    return await http.post("/webhooks", content=body, headers=sent)


async def evaluations(queue: ArqRedis) -> list[JobDef]:
    """The queued evaluation jobs (not the review history's)."""
    return [job for job in await queue.queued_jobs() if job.function == "evaluate_pull_request"]


def deferral_ms(job: JobDef) -> float:
    """How long after its enqueueing arq will run `job`."""
    assert job.score is not None
    return job.score - job.enqueue_time.timestamp() * 1000


async def test_signed_pull_request_opened_queues_one_evaluation(
    client: httpx.AsyncClient, queue: ArqRedis
) -> None:
    """A signed `pull_request.opened` is answered 202 and queues one debounced evaluation of the PR's head
    (and, undeferred, the opening's record in the review history)."""
    body = fixture_body(OPENED)
    response = await deliver(client, body, headers(body, "pull_request", "delivery-1"))
    assert response.status_code == 202
    assert response.json()["queued"] == [OPENED_JOB_ID, OPENED_HISTORY_ID]
    (job,) = await evaluations(queue)
    assert job.job_id == OPENED_JOB_ID
    assert job.function == "evaluate_pull_request"
    assert job.args == ()
    assert job.kwargs == {
        "installation_id": 1,
        "owner": "Codertocat",
        "repo": "Hello-World",
        "number": 2,
        "head_sha": HEAD,
        "delivery_id": "delivery-1",
    }
    assert deferral_ms(job) == pytest.approx(DEBOUNCE_SECONDS * 1000, abs=50)


async def test_same_delivery_three_times_queues_once(client: httpx.AsyncClient, queue: ArqRedis) -> None:
    """A redelivery of a queued delivery is answered 200 and queues nothing; the mark lasts 3 days."""
    body = fixture_body(OPENED)
    sent = headers(body, "pull_request", "delivery-again")
    statuses = [(await deliver(client, body, sent)).status_code for _ in range(3)]
    assert statuses == [202, 200, 200]
    last = await deliver(client, body, sent)
    assert last.json() == {
        "queued": [],
        "reason": "delivery already queued",
        "already_queued": [OPENED_JOB_ID, OPENED_HISTORY_ID],
    }
    assert sorted(job.job_id or "" for job in await queue.queued_jobs()) == [OPENED_JOB_ID, OPENED_HISTORY_ID]
    ttl = await queue.ttl(DELIVERY_KEY.format("delivery-again"))
    assert DELIVERY_TTL_SECONDS - 60 < ttl <= DELIVERY_TTL_SECONDS


async def test_new_delivery_of_a_queued_head_is_refused_by_arq(
    client: httpx.AsyncClient, queue: ArqRedis
) -> None:
    """Two deliveries naming the same head give the same job id, which arq holds once."""
    body = fixture_body(OPENED)
    await deliver(client, body, headers(body, "pull_request", "first"))
    second = await deliver(client, body, headers(body, "pull_request", "second"))
    assert second.status_code == 202
    assert second.json()["queued"] == []
    assert second.json()["already_queued"] == [OPENED_JOB_ID, OPENED_HISTORY_ID]
    assert len(await queue.queued_jobs()) == 2


async def test_burst_of_pushes_queues_every_head_deferred(client: httpx.AsyncClient, queue: ArqRedis) -> None:
    """Five `synchronize` deliveries in a burst queue one deferred job per head.

    The debounce gives later pushes time to land: the worker re-fetches the PR and drops every job whose
    head is no longer the PR's, so only the last head is evaluated.
    """
    heads = [f"{n:040x}" for n in range(1, 6)]
    for n, head in enumerate(heads):
        body = fixture_body(SYNC, head_sha=head)
        response = await deliver(client, body, headers(body, "pull_request", f"burst-{n}"))
        assert response.status_code == 202
    jobs = await evaluations(queue)
    assert sorted(job.kwargs["head_sha"] for job in jobs) == heads
    assert sorted(job.job_id or "" for job in jobs) == [
        f"evaluate:Codertocat/Hello-World#2@{h}" for h in heads
    ]
    assert all(deferral_ms(job) == pytest.approx(DEBOUNCE_SECONDS * 1000, abs=50) for job in jobs)


async def test_previous_secret_is_accepted_during_rotation(
    client: httpx.AsyncClient, queue: ArqRedis
) -> None:
    """A delivery signed with the secret being rotated out still queues."""
    body = fixture_body(OPENED)
    response = await deliver(client, body, headers(body, "pull_request", "rotated", secret=PREVIOUS_SECRET))
    assert response.status_code == 202
    assert len(await evaluations(queue)) == 1


def unsigned(body: bytes) -> dict[str, str]:
    """Headers without a signature."""
    return headers(body, "pull_request", "forged", secret=None)


def wrongly_signed(body: bytes) -> dict[str, str]:
    """Headers signed with a secret the app does not know."""
    return headers(body, "pull_request", "forged", secret="guessed")


def signed_for_another_body(body: bytes) -> dict[str, str]:
    """Headers whose signature is for a different body (the body was altered on the way)."""
    return headers(body.replace(b"Codertocat", b"Mallory"), "pull_request", "forged")


@pytest.mark.parametrize("forge", [unsigned, wrongly_signed, signed_for_another_body])
async def test_unverified_delivery_is_refused(
    client: httpx.AsyncClient, queue: ArqRedis, forge: Callable[[bytes], dict[str, str]]
) -> None:
    """A missing, wrong or stale signature is answered 401 and nothing is queued or marked."""
    body = fixture_body(OPENED)
    response = await deliver(client, body, forge(body))
    assert response.status_code == 401
    assert await queue.queued_jobs() == []
    assert await queue.exists(DELIVERY_KEY.format("forged")) == 0


@pytest.mark.parametrize(
    ("body", "event", "delivery"),
    [
        pytest.param(b"{not json", "pull_request", "d", id="not-json"),
        pytest.param(b"[1, 2]", "pull_request", "d", id="json-array"),
        pytest.param(b"\xff\xfe", "pull_request", "d", id="not-utf8"),
        pytest.param(fixture_body(OPENED), "", "d", id="no-event"),
        pytest.param(fixture_body(OPENED), "pull_request", "", id="no-delivery"),
    ],
)
async def test_malformed_delivery_is_a_bad_request(
    client: httpx.AsyncClient, queue: ArqRedis, body: bytes, event: str, delivery: str
) -> None:
    """A signed body that is not a JSON object, or a delivery without its GitHub headers, is answered 400."""
    response = await deliver(client, body, headers(body, event, delivery))
    assert response.status_code == 400
    assert await queue.queued_jobs() == []


async def test_oversized_body_is_refused(client: httpx.AsyncClient, queue: ArqRedis) -> None:
    """A body past GitHub's 25 MB cap is refused with 413 before anything else is done with it."""
    body = b" " * (MAX_PAYLOAD_BYTES + 1)
    response = await deliver(client, body, headers(body, "pull_request", "huge"))
    assert response.status_code == 413
    assert await queue.queued_jobs() == []


@pytest.mark.parametrize(
    ("name", "event", "reason"),
    [
        pytest.param("ping/00.json", "ping", "ping", id="ping"),
        pytest.param("pull_request/10-locked.json", "pull_request", "does not change", id="locked"),
        pytest.param("pull_request/00-opened.json", "pull_request", "installation.id", id="no-installation"),
        pytest.param(
            "pull_request_review/00-submitted.json", "pull_request_review", "installation.id", id="review"
        ),
    ],
)
async def test_delivery_without_jobs_is_answered_with_the_reason(
    client: httpx.AsyncClient, queue: ArqRedis, name: str, event: str, reason: str
) -> None:
    """When nothing applies the answer is 200, no job is queued, and the body says why."""
    body = fixture_body(name)
    response = await deliver(client, body, headers(body, event, f"nothing-{event}"))
    assert response.status_code == 200
    assert response.json()["queued"] == []
    assert reason in response.json()["reason"]
    assert await queue.queued_jobs() == []


async def test_redis_down_is_503_then_the_redelivery_queues(clean_redis_url: str, queue: ArqRedis) -> None:
    """With Redis unreachable the delivery fails with 503; redelivered once Redis is back, it is queued."""
    body = fixture_body(OPENED)
    sent = headers(body, "pull_request", "while-down")
    with serve(create_app(settings_for(f"redis://127.0.0.1:{closed_port()}/0"))) as down:
        async with httpx.AsyncClient(base_url=down, timeout=10) as http:
            assert (await deliver(http, body, sent)).status_code == 503
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["redis"].startswith("error")
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/metrics")).status_code == 200
    with serve(create_app(settings_for(clean_redis_url))) as up:
        async with httpx.AsyncClient(base_url=up, timeout=10) as http:
            assert (await deliver(http, body, sent)).status_code == 202
    assert [job.job_id for job in await evaluations(queue)] == [OPENED_JOB_ID]


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    """/healthz answers 200 without looking at Redis or the database."""
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def answers_yes() -> bool:
    """A database that answers."""
    return True


async def answers_no() -> bool:
    """A database that says it is not ready."""
    return False


async def fails() -> bool:
    """A database that cannot be reached."""
    raise ConnectionRefusedError("database unreachable")


@pytest.mark.parametrize(
    ("database_ping", "status", "database"),
    [
        pytest.param(None, 200, "not configured", id="no-database"),
        pytest.param(answers_yes, 200, "ok", id="database-up"),
        pytest.param(answers_no, 503, "error: no answer", id="database-not-ready"),
        pytest.param(fails, 503, "error: ConnectionRefusedError", id="database-down"),
    ],
)
async def test_readyz_checks_redis_and_the_database(
    clean_redis_url: str, database_ping: Callable[[], Awaitable[bool]] | None, status: int, database: str
) -> None:
    """/readyz is 200 only when Redis answers PING and the injected database check passes; it shows the
    workers' heartbeat without requiring one (deliveries wait queued)."""
    app = create_app(settings_for(clean_redis_url), database_ping=database_ping)
    with serve(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            response = await http.get("/readyz")
    assert response.status_code == status
    no_worker = "error: no worker heartbeat in the last 15 s"  # the truth: no worker runs here
    assert response.json() == {
        "ready": status == 200,
        "redis": "ok",
        "database": database,
        "worker": no_worker,
    }


async def test_metrics_count_deliveries_and_read_the_queue_depth(client: httpx.AsyncClient) -> None:
    """/metrics exposes deliveries by event and outcome, the queue depth, and the workers' metrics."""
    body = fixture_body(OPENED)
    await deliver(client, body, headers(body, "pull_request", "counted"))
    await deliver(client, body, headers(body, "pull_request", "counted"))
    await deliver(client, body, unsigned(body))
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert 'scopegate_webhook_deliveries_total{event="pull_request",outcome="queued"} 1.0' in lines
    assert 'scopegate_webhook_deliveries_total{event="pull_request",outcome="duplicate"} 1.0' in lines
    assert 'scopegate_webhook_deliveries_total{event="unverified",outcome="unauthorized"} 1.0' in lines
    assert "scopegate_queue_depth 2.0" in lines  # the evaluation and the opening's history record
    for family in (
        "scopegate_evaluation_seconds",
        "scopegate_github_requests",
        "scopegate_github_rate_limit_remaining",
    ):
        assert f"# TYPE {family}" in response.text
