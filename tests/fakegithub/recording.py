"""The log of every request the fake answered, and of the requests GitHub would have refused."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRecord:
    """One answered request."""

    method: str
    path: str
    query: str
    status: int


@dataclass(frozen=True)
class InvalidRequest:
    """A request that broke GitHub's OpenAPI description (or the GraphQL schema), with why."""

    method: str
    path: str
    query: str
    body: str
    errors: tuple[str, ...]


class RequestLog:
    """Requests in arrival order, with counts for benchmarks (API calls per evaluation)."""

    def __init__(self) -> None:
        """An empty log."""
        self._lock = threading.Lock()
        self.requests: list[RequestRecord] = []
        self.invalid_requests: list[InvalidRequest] = []
        self.invalid_responses: list[InvalidRequest] = []

    def record(self, entry: RequestRecord) -> None:
        """Append one answered request."""
        with self._lock:
            self.requests.append(entry)

    def count(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """How many requests match the method, path prefix and status given (all when none is)."""
        with self._lock:
            return sum(
                1
                for entry in self.requests
                if (method is None or entry.method == method.upper())
                and (path_prefix is None or entry.path.startswith(path_prefix))
                and (status is None or entry.status == status)
            )

    def reset_counts(self) -> None:
        """Forget the requests logged so far (invalid requests stay, so tests can still assert on them)."""
        with self._lock:
            self.requests.clear()
