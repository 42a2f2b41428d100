"""Failures a test asks for: the next matching requests get a 5xx, a 403/429 rate limit, any status, or a
pause before their answer (a slow GitHub, so a test can act while a request is in flight)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

# The body GitHub sends with a secondary rate limit (403 or 429, with `retry-after`).
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:FAKE:0000."
)
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)


@dataclass
class Matcher:
    """Which requests a fault or delay applies to: a method (None: any) and a path regex (searched)."""

    method: str | None
    pattern: re.Pattern[str]

    def matches(self, method: str, path: str) -> bool:
        """Whether this applies to the request."""
        return (self.method is None or self.method == method) and self.pattern.search(path) is not None


@dataclass
class Fault(Matcher):
    """A failure waiting for `times` more requests whose method and path match."""

    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Delay(Matcher):
    """A pause of `seconds` before answering `times` more matching requests; `arrived` is set as the first
    of them comes in, so a test can act while it is in flight."""

    seconds: float
    times: int
    arrived: threading.Event = field(default_factory=threading.Event)


def default_body(status: int) -> dict[str, Any]:
    """What GitHub answers with `status` when a test gives no body."""
    if status in {403, 429}:
        return {"message": SECONDARY_RATE_LIMIT, "documentation_url": SECONDARY_DOCS, "status": str(status)}
    return {"message": HTTPStatus(status).phrase, "status": str(status)}


class Faults:
    """The pending faults and delays, first added first used."""

    def __init__(self) -> None:
        """None pending."""
        self._lock = threading.Lock()
        self.pending: list[Fault] = []
        self.delays: list[Delay] = []

    def add(
        self,
        method: str | None,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> Fault:
        """Fail the next `times` requests matching `method` (None: any) and `path_regex` (searched)."""
        fault = Fault(
            method.upper() if method else None,
            re.compile(path_regex),
            status,
            times,
            dict(headers or {}),
            default_body(status) if body is None else body,
        )
        with self._lock:
            self.pending.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any, counting it as used."""
        with self._lock:
            for fault in self.pending:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.pending.remove(fault)
                    return fault
        return None

    def add_delay(self, method: str | None, path_regex: str, seconds: float, *, times: int = 1) -> Delay:
        """Pause `seconds` before answering the next `times` requests matching `method` and `path_regex`."""
        delay = Delay(method.upper() if method else None, re.compile(path_regex), seconds, times)
        with self._lock:
            self.delays.append(delay)
        return delay

    def take_delay(self, method: str, path: str) -> Delay | None:
        """The delay for this request, if any, counting it as used and marking it arrived."""
        with self._lock:
            for delay in self.delays:
                if delay.matches(method, path):
                    delay.times -= 1
                    if delay.times <= 0:
                        self.delays.remove(delay)
                    delay.arrived.set()
                    return delay
        return None
