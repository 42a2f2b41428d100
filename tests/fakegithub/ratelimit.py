"""Primary rate limits per installation and resource, and the `x-ratelimit-*` headers GitHub sends.

https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Window:
    """One hour of one resource (`core`, `graphql`) for one installation."""

    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        """Requests (or GraphQL points) left before the reset."""
        return max(self.limit - self.used, 0)

    def spend(self, cost: int = 1) -> None:
        """Count a request (or `cost` GraphQL points) against the window."""
        self.used += cost

    def headers(self, resource: str) -> dict[str, str]:
        """The `x-ratelimit-*` headers for this window."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": resource,
        }


class RateLimits:
    """Hourly windows keyed by installation id and resource."""

    def __init__(self, limit: int) -> None:
        """Each window allows `limit` (GitHub: 5,000 requests an hour per installation and up)."""
        self.limit = limit
        self._windows: dict[tuple[int, str], Window] = {}

    def window(self, key: int, resource: str) -> Window:
        """The current window, started afresh when the last one has passed its reset."""
        now = int(time.time())
        current = self._windows.get((key, resource))
        if current is None or current.reset <= now:
            current = Window(self.limit, 0, now + 3600)
            self._windows[(key, resource)] = current
        current.limit = self.limit
        return current
