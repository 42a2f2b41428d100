"""The door: bodies refused before they fill memory, hostile but signed payloads answered 4xx or ignored,
never 500, no job with a malformed name, only the override label re-evaluating, and no ledger on the path
when the environment holds the App. Real uvicorn, real HTTP and sockets, real Redis, real SQL."""

# The intake's fixtures are imported by name, which pytest then injects as the tests' arguments.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from fastapi import FastAPI
from redis.asyncio import ConnectionPool
from sqlalchemy import select

from bot.identity import IdentitySource
from bot.intake.events import merge_group_pull_request, override_label_key_for, plan
from bot.intake.webhooks import MAX_PAYLOAD_BYTES, BodyBudget, WebhookDoor
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.installations import record_installation
from bot.ledger.migrate import upgrade
from bot.ledger.models import Installation, InstallationRepository
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.metrics import create_metrics
from tests.manifest_server import PEM
from tests.test_intake import (
    SECRET,
    closed_port,
    deliver,
    fixture_body,
    headers,
    queue,  # noqa: F401
    serve,
    settings_for,
)

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
LABELED = "pull_request/08-labeled.json"


@pytest.fixture
async def door(clean_redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app on uvicorn, with the test Redis."""
    with serve(create_app(settings_for(clean_redis_url))) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            yield http


def signed(payload: dict[str, Any] | bytes, event: str, delivery: str) -> tuple[bytes, dict[str, str]]:
    """`payload` as GitHub sends it, signed."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return body, headers(body, event, delivery)


def load(name: str) -> dict[str, Any]:
    """A vendored payload."""
    payload: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return payload


def nested(payload: dict[str, Any], depth: int) -> bytes:
    """`payload` with an extra key nested `depth` objects deep (written by hand: json.dumps recurses)."""
    body = json.dumps(payload).encode()
    deep = b'{"a":' * depth + b"1" + b"}" * depth
    return body[:-1] + b', "extra": ' + deep + b"}"


def raw_request(port: int, head: bytes, body: bytes = b"") -> socket.socket:
    """A connection that sent `head` (request line and headers) and the start of a body, left open."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(head + body)
    return connection


def status_of(connection: socket.socket) -> int:
    """The status code of the response on `connection`."""
    answer = connection.recv(4096)
    return int(answer.split(b" ", 2)[1])


def post_head(length: int | None, extra: str = "") -> bytes:
    """A `POST /webhooks` request head declaring `length` bytes (None: chunked)."""
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (
        "POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: d\r\n"
        f"Content-Type: application/json\r\n{size}{extra}\r\n"
    ).encode()


async def test_a_declared_length_over_the_cap_is_refused_before_any_byte_is_read(
    clean_redis_url: str,
) -> None:
    """A request declaring more than GitHub's 25 MB is answered 413 at once, though it sends no body."""
    with serve(create_app(settings_for(clean_redis_url))) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        connection = raw_request(port, post_head(MAX_PAYLOAD_BYTES + 1))
        started = time.monotonic()
        try:
            status = await asyncio.to_thread(status_of, connection)
        finally:
            connection.close()
    assert status == 413
    assert time.monotonic() - started < 2


@contextmanager
def budgeted(redis_url: str, limit: int) -> Iterator[int]:
    """The webhook route alone with a bodies' budget of `limit` bytes, on uvicorn; yields its port."""
    settings = settings_for(redis_url)
    redis = ArqRedis(ConnectionPool.from_url(redis_url))
    app = WebhookDoor(
        FastAPI(), settings, IdentitySource(settings, None), redis, create_metrics(), BodyBudget(limit)
    )
    with serve(app) as base_url:
        yield int(base_url.rsplit(":", 1)[1])


async def test_concurrent_bodies_are_held_within_the_budget(clean_redis_url: str) -> None:
    """While one delivery's declared 600 kB are held, a second one that would pass a 1 MB budget is refused
    with 503 (declared or chunked), unread; once the first is done, the budget is free again."""
    with budgeted(clean_redis_url, 1_000_000) as port:
        holding = raw_request(port, post_head(600_000), b" " * 1000)
        await asyncio.sleep(0.2)  # the first request is being read
        declared = raw_request(port, post_head(600_000))
        chunk = b" " * 500_000
        chunked = raw_request(port, post_head(None), b"%x\r\n%s\r\n" % (len(chunk), chunk) * 2)
        try:
            refused = [await asyncio.to_thread(status_of, c) for c in (declared, chunked)]
            holding.sendall(b" " * (600_000 - 1000))
            first = await asyncio.to_thread(status_of, holding)
            again = raw_request(port, post_head(600_000), b" " * 600_000)
            after = await asyncio.to_thread(status_of, again)
            again.close()
        finally:
            for connection in (holding, declared, chunked):
                connection.close()
    assert refused == [503, 503]
    assert (first, after) == (401, 401)  # read whole, then refused for its (missing) signature


async def test_a_client_that_goes_away_mid_body_gives_its_budget_back(clean_redis_url: str) -> None:
    """A request that declares 600 kB of a 1 MB budget and hangs up halfway holds nothing afterwards: the
    next 600 kB delivery is read (401: unsigned), not refused as busy."""
    with budgeted(clean_redis_url, 1_000_000) as port:
        for _ in range(3):
            raw_request(port, post_head(600_000), b" " * 1000).close()
        await asyncio.sleep(0.3)
        after = raw_request(port, post_head(600_000), b" " * 600_000)
        try:
            status = await asyncio.to_thread(status_of, after)
        finally:
            after.close()
    assert status == 401


def _with(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `payload` with the value at dotted `path` replaced."""
    copy = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    node = copy
    for key in parents:
        node = node[key]
    node[last] = value
    return copy


RERUN = load("check_run/07-rerequested.json")
SUITE_RERUN = load("check_suite/07-rerequested.json")
OPENED = load("pull_request/12-opened.json")
INSTALLED = load("installation/01-created.json")
PULLS, SUITE_PULLS = "check_run.pull_requests", "check_suite.pull_requests"


@pytest.mark.parametrize(
    ("event", "body", "statuses"),
    [
        pytest.param("installation", nested(INSTALLED, 1000), {202}, id="installation-1000-deep"),
        pytest.param("pull_request", nested(OPENED, 1000), {202}, id="pull-request-1000-deep"),
        pytest.param("pull_request", nested(OPENED, 5000), {400}, id="pull-request-5000-deep"),
        pytest.param("check_run", _with(RERUN, "check_run.pull_requests", 7), {200}, id="pull-requests-int"),
        pytest.param(
            "check_run", _with(RERUN, "check_run.pull_requests", True), {200}, id="pull-requests-bool"
        ),
        pytest.param(
            "check_run",
            _with(RERUN, "check_run.pull_requests", {"number": 1}),
            {200},
            id="pull-requests-dict",
        ),
        pytest.param(
            "check_suite",
            _with(SUITE_RERUN, "check_suite.pull_requests", 3),
            {200},
            id="suite-pull-requests-int",
        ),
    ],
)
async def test_hostile_signed_payloads_are_answered_never_with_500(
    door: httpx.AsyncClient, event: str, body: dict[str, Any] | bytes, statuses: set[int]
) -> None:
    """Signed payloads nested a thousand deep, or whose `pull_requests` is not a list, are refused (400),
    ignored (200) or queued (202) — never a server error."""
    sent_body, sent = signed(body, event, f"hostile-{event}")
    response = await deliver(door, sent_body, sent)
    assert response.status_code in statuses, response.text


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("repository.owner.login", "../../orgs/x", id="owner-path"),
        pytest.param("repository.owner.login", "", id="owner-empty"),
        pytest.param("repository.name", "a/b", id="repo-slash"),
        pytest.param("repository.name", "..", id="repo-dots"),
        pytest.param("repository.name", "x" * 101, id="repo-too-long"),
        pytest.param("pull_request.head.sha", "HEAD", id="sha-ref"),
        pytest.param("pull_request.head.sha", HEAD.upper(), id="sha-upper"),
        pytest.param("pull_request.head.sha", HEAD[:39], id="sha-short"),
        pytest.param("pull_request.head.sha", HEAD + "\n", id="sha-newline"),
    ],
)
async def test_no_job_is_queued_with_a_malformed_name_or_sha(
    door: httpx.AsyncClient,
    queue: ArqRedis,
    path: str,
    value: str,
) -> None:
    """A signed payload whose owner, repository or head SHA could not be GitHub's is ignored with the
    field named, and queues nothing."""
    body, sent = signed(_with(OPENED, path, value), "pull_request", f"malformed-{path}")
    response = await deliver(door, body, sent)
    assert response.status_code == 200
    assert path in response.json()["reason"]
    assert await queue.queued_jobs() == []


@pytest.mark.parametrize(
    ("known", "label", "queued"),
    [
        pytest.param("ship-it", "bug", False, id="another-label"),
        pytest.param("ship-it", "ship-it", True, id="the-repository-override-label"),
        pytest.param("ship-it", "scopegate/override", True, id="the-default-override-label"),
        pytest.param(None, "bug", True, id="override-label-not-known-yet"),
        pytest.param(None, "size/XL", False, id="our-size-label"),
    ],
)
async def test_only_the_override_label_re_evaluates(
    door: httpx.AsyncClient,
    queue: ArqRedis,
    known: str | None,
    label: str,
    queued: bool,
) -> None:
    """Once the workers told the intake the repository's override label, other labels (other bots',
    people's) change nothing; before that, any label but our own may be it."""
    payload = _with(load(LABELED), "label.name", label)
    if known is not None:
        owner, repo = payload["repository"]["owner"]["login"], payload["repository"]["name"]
        await queue.set(override_label_key_for(owner, repo), known)
    body, sent = signed(payload, "pull_request", f"label-{label}")
    response = await deliver(door, body, sent)
    assert response.status_code == (202 if queued else 200), response.text
    assert bool(await queue.queued_jobs()) is queued


async def test_a_database_outage_does_not_refuse_deliveries_when_the_environment_holds_the_app(
    clean_redis_url: str,
    queue: ArqRedis,
) -> None:
    """With the App's id, key and secret in the environment, the ledger is not asked: a delivery is queued
    (202) while the database is down."""
    settings = load_settings(
        _env_file=None, webhook_secret=SECRET, redis_url=clean_redis_url, app_id=42, private_key=PEM
    )
    down = create_engine_for(f"postgresql+psycopg://scopegate@127.0.0.1:{closed_port()}/none")
    identity = IdentitySource(settings, session_factory(down))
    try:
        with serve(create_app(settings, identity=identity)) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                body = fixture_body("pull_request/12-opened.json")
                response = await deliver(http, body, headers(body, "pull_request", "db-down"))
    finally:
        down.dispose()
    assert response.status_code == 202, response.text
    queued = {job.function for job in await queue.queued_jobs()}
    assert queued == {"evaluate_pull_request", "record_review_event"}


@pytest.mark.parametrize(
    "name",
    sorted(
        str(p.relative_to(FIXTURES))
        for folder in ("installation", "installation_repositories")
        for p in (FIXTURES / folder).glob("*.json")
    ),
)
def test_the_queued_installation_record_is_what_the_whole_payload_records(name: str, sqlite_url: str) -> None:
    """The trimmed payload an installation job carries records the same rows as the payload as delivered."""
    payload = load(name)
    event = name.partition("/")[0]
    jobs = plan(event, payload, delivery_id="d", app_id=None, bot_login=None).jobs
    assert len(jobs) == 1
    recorded = [_record(sqlite_url, whole) for whole in (payload, jobs[0].kwargs()["payload"])]
    assert recorded[0] == recorded[1]


def _record(url: str, payload: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The installation rows `payload` leaves in an empty ledger."""
    engine = create_engine_for(url)
    try:
        upgrade(url)
        with session_factory(engine).begin() as session:
            session.query(InstallationRepository).delete()
            session.query(Installation).delete()
            record_installation(session, payload, delivery_id="d", at=AT)
        with session_factory(engine)() as session:
            installations = [
                (
                    i.id,
                    i.account_id,
                    i.account_login,
                    i.account_type,
                    i.created_at,
                    i.suspended_at,
                    i.deleted_at,
                )
                for i in session.scalars(select(Installation))
            ]
            repositories = [
                (r.installation_id, r.repo_id, r.repo_full_name, r.removed_at)
                for r in session.scalars(select(InstallationRepository))
            ]
        return installations, repositories
    finally:
        engine.dispose()


AT = datetime(2024, 5, 1, tzinfo=UTC)


def merge_group(action: str, head_ref: str) -> dict[str, Any]:
    """A `merge_group` delivery with the fields GitHub documents (webhook-events-and-payloads#merge_group)."""
    opened = load("pull_request/12-opened.json")
    return {
        "action": action,
        "merge_group": {
            "head_sha": "b" * 40,
            "head_ref": head_ref,
            "base_sha": "a" * 40,
            "base_ref": "refs/heads/main",
            "head_commit": {"id": "b" * 40, "message": "Merge pull request #7"},
        },
        "repository": opened["repository"],
        "installation": opened["installation"],
        "sender": opened["sender"],
    }


QUEUE_REF = f"refs/heads/gh-readonly-queue/main/pr-7-{'a' * 40}"


async def test_a_merge_group_asking_for_checks_queues_its_report(
    door: httpx.AsyncClient, queue: ArqRedis
) -> None:
    """`checks_requested` on a queue branch queues one job: the check on the group's commit, from its
    newest pull request (named in the branch)."""
    body, sent = signed(merge_group("checks_requested", QUEUE_REF), "merge_group", "group-requested")
    response = await deliver(door, body, sent)
    assert response.status_code == 202, response.text
    [job] = await queue.queued_jobs()
    assert (job.function, job.kwargs["head_sha"], job.kwargs["number"]) == ("report_merge_group", "b" * 40, 7)


@pytest.mark.parametrize(
    ("action", "head_ref", "reason"),
    [
        pytest.param(
            "checks_requested", "refs/heads/odd", "no pull request in its branch name", id="odd-ref"
        ),
        pytest.param("destroyed", QUEUE_REF, "merge_group.destroyed: nothing to do", id="destroyed"),
    ],
)
async def test_other_merge_group_deliveries_are_answered_without_a_job(
    door: httpx.AsyncClient, queue: ArqRedis, action: str, head_ref: str, reason: str
) -> None:
    """A group that is gone, or whose branch names no pull request, is answered with why nothing is done."""
    body, sent = signed(merge_group(action, head_ref), "merge_group", f"group-{action}-{head_ref}")
    response = await deliver(door, body, sent)
    assert response.status_code == 200
    assert reason in response.json()["reason"]
    assert await queue.queued_jobs() == []


@pytest.mark.parametrize(
    ("head_ref", "number"),
    [
        pytest.param(QUEUE_REF, 7, id="queue-branch"),
        pytest.param(f"refs/heads/gh-readonly-queue/release/1.x/pr-12-{'c' * 64}", 12, id="slashed-base"),
        pytest.param("refs/heads/gh-readonly-queue/main/pr-x-abc", None, id="not-a-number"),
        pytest.param("refs/heads/main", None, id="not-a-queue-branch"),
    ],
)
def test_merge_group_branch_names_its_newest_pull_request(head_ref: str, number: int | None) -> None:
    """The newest pull request of a group is read from the queue branch's name, and only from that form."""
    assert merge_group_pull_request(head_ref) == number


async def test_the_door_answers_webhooks_itself_and_leaves_every_other_path_to_the_app(
    door: httpx.AsyncClient,
) -> None:
    """`/webhooks` takes POST only (405 naming it otherwise), a signed delivery is answered by the door in
    front of the app, and the app behind it still serves its own routes."""
    refused = await door.get("/webhooks")
    body = fixture_body("pull_request/22-synchronize.json")
    accepted = await door.post("/webhooks", content=body, headers=headers(body, "pull_request", "d-405"))
    health = await door.get("/healthz")
    missing = await door.get("/webhooks/extra")
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST")
    assert accepted.status_code == 202
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert missing.status_code == 404
