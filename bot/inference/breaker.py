"""A circuit breaker per provider endpoint, its state in Redis so every worker sees it (issue 13).

Closed, calls go through. `failures` failures (timeouts, lost connections, error statuses) within
`window_s` open it: for `cooldown_s` no call is made and the deterministic verdict stands alone, so a
throttled or failing endpoint is not hammered by every worker's retries. After the cool-down it is
half-open: one call at a time is let through as a probe; a success closes it, a failure opens it for
another cool-down. Times are passed in (milliseconds since the epoch), so every decision is testable
without waiting; each change is one Lua script, atomic across workers.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

KEY_PREFIX = "scopegate:llm:breaker"
# The open state is kept this long past its cool-down: long enough that a half-open breaker is still
# half-open when the next review comes.
_OPEN_KEPT_MS = 24 * 3600 * 1000

# KEYS[1] open-until, KEYS[2] the probe; ARGV[1] now (ms), ARGV[2] how long a probe may take (ms).
_ALLOW = """
local opened = redis.call('GET', KEYS[1])
if not opened then return {'closed'} end
if tonumber(ARGV[1]) < tonumber(opened) then return {'open', opened} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'probe'} end
return {'open', opened}
"""

# KEYS[1] failures (a sorted set of times), KEYS[2] open-until, KEYS[3] the probe; ARGV[1] now (ms),
# ARGV[2] window (ms), ARGV[3] failures that open it, ARGV[4] cool-down (ms), ARGV[5] a unique member,
# ARGV[6] how long the open state is kept past its cool-down (ms).
_FAILURE = """
local now = tonumber(ARGV[1])
local reopen = redis.call('EXISTS', KEYS[2]) == 1
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if reopen or redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local opened = now + tonumber(ARGV[4])
  redis.call('SET', KEYS[2], opened, 'PX', tonumber(ARGV[4]) + tonumber(ARGV[6]))
  redis.call('DEL', KEYS[1], KEYS[3])
  return {'open', tostring(opened)}
end
return {'closed'}
"""


class BreakerState(StrEnum):
    """Whether a call may go: `closed` and `probe` let it, `open` does not, `unavailable` (Redis down)
    neither."""

    CLOSED = "closed"
    PROBE = "probe"
    OPEN = "open"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """When the breaker opens and for how long."""

    failures: int = 3
    window_s: float = 60.0
    cooldown_s: float = 300.0
    probe_s: float = 120.0  # a probe that takes longer than this lets another through


@dataclass(frozen=True, slots=True)
class Gate:
    """The breaker's answer for one call: its state, and until when it is open."""

    state: BreakerState
    open_until_ms: int | None = None

    @property
    def allows(self) -> bool:
        """Whether the call may be made."""
        return self.state in {BreakerState.CLOSED, BreakerState.PROBE}

    @property
    def reason(self) -> str:
        """Why no call, for the review check (empty when one is allowed)."""
        if self.state is BreakerState.UNAVAILABLE:
            return "the circuit breaker cannot be read (Redis is unreachable)"
        if self.state is BreakerState.OPEN and self.open_until_ms is not None:
            until = datetime.fromtimestamp(self.open_until_ms / 1000, UTC)
            return f"the provider failed repeatedly; calls resume after {until:%Y-%m-%d %H:%M:%S} UTC"
        return ""


class CircuitBreaker:
    """The breaker of each provider endpoint, in one Redis."""

    def __init__(self, redis: Redis, policy: BreakerPolicy | None = None) -> None:
        self.redis = redis
        self.policy = policy or BreakerPolicy()
        self._allow = redis.register_script(_ALLOW)
        self._failure = redis.register_script(_FAILURE)

    async def gate(self, endpoint: str, now_ms: int) -> Gate:
        """Whether a call to `endpoint` may be made at `now_ms`."""
        try:
            answer = await self._allow(
                keys=[self._key(endpoint, "open"), self._key(endpoint, "probe")],
                args=[now_ms, int(self.policy.probe_s * 1000)],
            )
        except RedisError:
            return Gate(BreakerState.UNAVAILABLE)
        state = BreakerState(_text(answer[0]))
        return Gate(state, int(_text(answer[1])) if state is BreakerState.OPEN else None)

    async def failed(self, endpoint: str, now_ms: int) -> Gate:
        """Record a failed call to `endpoint`; the breaker's state after it."""
        policy = self.policy
        keys = [self._key(endpoint, name) for name in ("failures", "open", "probe")]
        args: list[int | str] = [
            now_ms,
            int(policy.window_s * 1000),
            policy.failures,
            int(policy.cooldown_s * 1000),
            f"{now_ms}:{uuid.uuid4().hex}",
            _OPEN_KEPT_MS,
        ]
        try:
            answer = await self._failure(keys=keys, args=args)
        except RedisError:
            return Gate(BreakerState.UNAVAILABLE)
        state = BreakerState(_text(answer[0]))
        return Gate(state, int(_text(answer[1])) if state is BreakerState.OPEN else None)

    async def succeeded(self, endpoint: str) -> None:
        """Record an answered call: the breaker closes and its failures are forgotten."""
        # Redis down: the breaker stays as it was; the next failure or success corrects it.
        with suppress(RedisError):
            await self.redis.delete(*(self._key(endpoint, n) for n in ("failures", "open", "probe")))

    @staticmethod
    def _key(endpoint: str, part: str) -> str:
        return f"{KEY_PREFIX}:{part}:{endpoint}"


def _text(part: bytes | str | int) -> str:
    return part.decode() if isinstance(part, bytes) else str(part)
