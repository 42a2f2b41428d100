"""`FakeGitHub`: the state plus its request log and fault plan, served over HTTP on a loopback port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .faults import Delay, Fault, Faults
from .gate import Incoming, answer
from .openapi import default_validator
from .recording import InvalidRequest, RequestLog, RequestRecord
from .seeding import PullRequestSeeding

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
START_TIMEOUT_S = 10.0


class FakeGitHub(PullRequestSeeding):
    """A stateful fake of GitHub's REST and GraphQL APIs for one process's tests and benchmarks.

    Seed it (`add_app`, `add_installation`, `add_pull`, `push`, ...), run it with `FakeGitHub.serve()`,
    point githubkit at `fake.url`, then read `requests`, `count()`, `invalid_requests` and the stored objects.
    """

    def __init__(
        self,
        *,
        token_ttl: timedelta = timedelta(hours=1),
        rate_limit: int = 5000,
        check_responses: bool = True,
    ) -> None:
        """An empty fake; `check_responses` also validates its own answers (costs ~15 ms a request)."""
        super().__init__(token_ttl=token_ttl, rate_limit=rate_limit)
        self.log = RequestLog()
        self.faults = Faults()
        self.validator = default_validator()
        self.check_responses = check_responses
        self.url = ""

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered since the last `reset_counts()`, in order."""
        return self.log.requests

    @property
    def invalid_requests(self) -> list[InvalidRequest]:
        """Requests GitHub's OpenAPI description (or the GraphQL schema) rejects."""
        return self.log.invalid_requests

    @property
    def invalid_responses(self) -> list[InvalidRequest]:
        """Answers of the fake that the description rejects: bugs in the fake, to be fixed there."""
        return self.log.invalid_responses

    def count(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """How many requests match (all, when no filter is given)."""
        return self.log.count(method, path_prefix, status)

    def reset_counts(self) -> None:
        """Start counting afresh."""
        self.log.reset_counts()

    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` (GitHub's body for it unless given)."""
        return self.faults.add(method, path_regex, status, times=times, headers=headers, body=body)

    def rate_limit_next(
        self, method: str | None, path_regex: str, *, status: int = 403, retry_after: int = 1, times: int = 1
    ) -> Fault:
        """A secondary rate limit, as GitHub sends it: 403 (or 429), `retry-after`, its message."""
        headers = {"retry-after": str(retry_after)}
        return self.faults.add(method, path_regex, status, times=times, headers=headers)

    def delay_next(self, method: str | None, path_regex: str, seconds: float, *, times: int = 1) -> Delay:
        """Answer the next `times` matching requests only after `seconds` (other requests are not held up);
        wait on the returned delay's `arrived` to act while such a request is in flight."""
        return self.faults.add_delay(method, path_regex, seconds, times=times)

    def asgi(self) -> Starlette:
        """The ASGI app answering for this fake."""

        async def endpoint(request: Request) -> Response:
            incoming = Incoming(
                request.method,
                request.scope["raw_path"].decode(),
                list(request.query_params.multi_items()),
                {key.lower(): value for key, value in request.headers.items()},
                await request.body(),
                str(request.base_url).rstrip("/"),
            )
            delay = self.faults.take_delay(incoming.method, incoming.raw_path)
            if delay is not None:
                # Received, then held before it is handled: a client that dies meanwhile has still reached
                # GitHub, and its request takes effect.
                await asyncio.sleep(delay.seconds)
            out = answer(self, incoming)
            task = BackgroundTask(out.background) if out.background else None
            return Response(out.content, out.status, out.headers, out.media_type, background=task)

        return Starlette(routes=[Route("/{rest:path}", endpoint, methods=METHODS)])

    @classmethod
    @contextmanager
    def serve(cls, **options: Any) -> Iterator[FakeGitHub]:
        """Run a new fake under uvicorn on 127.0.0.1 (a free port) in a thread; stop it on exit."""
        fake = cls(**options)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(fake.asgi(), lifespan="off", log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-github", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake GitHub server did not start")
            time.sleep(0.01)
        fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        try:
            yield fake
        finally:
            server.should_exit = True
            thread.join(START_TIMEOUT_S)
            sock.close()
