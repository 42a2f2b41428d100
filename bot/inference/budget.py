"""The budget counters in Redis, changed only by two Lua scripts, so a reservation is checked and taken
across every scope at once (DESIGN §8, issue 13).

`reserve` adds a call's worst case to every scope's counter, or to none when any would pass its limit;
`settle` moves the counters to the call's actual cost. A counter holds spent plus reserved, so a
reservation never settled (a worker that died mid-call, a timeout) simply stays counted: an expired
reservation counts as spent. A reservation is settled once: settling it again, or reserving its id
again (a redelivered job), changes nothing. A counter that is missing (a new period, a Redis that lost its
data) is seeded from the ledger through `seed`, never read as 0; Redis unreachable means no call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.llm.budgets import BudgetExhausted, BudgetScope

RESERVATION_PREFIX = "scopegate:llm:reservation"
# Longer than any call's timeout: a reservation that outlives it was never settled.
DEFAULT_RESERVATION_TTL_MS = 15 * 60 * 1000
# A settled reservation is remembered this long, so a redelivered job neither calls nor charges again.
SETTLED_TTL_MS = 7 * 24 * 3600 * 1000
_SEED_ROUNDS = 3

# KEYS[1] the reservation, KEYS[2..] the counters; ARGV[1] the amount, ARGV[2] the reservation's TTL (ms),
# ARGV[3..] each counter's limit.
_RESERVE = """
local held = redis.call('HGET', KEYS[1], 'state')
if held then return {'held', held} end
local missing = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then missing[#missing + 1] = tostring(i - 1) end
end
if #missing > 0 then return {'missing', unpack(missing)} end
local amount = tonumber(ARGV[1])
for i = 2, #KEYS do
  local spent = tonumber(redis.call('GET', KEYS[i]))
  if spent + amount > tonumber(ARGV[i + 1]) then return {'exhausted', tostring(i - 1), tostring(spent)} end
end
for i = 2, #KEYS do redis.call('INCRBY', KEYS[i], amount) end
redis.call('HSET', KEYS[1], 'state', 'reserved', 'amount', amount)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'reserved'}
"""

# KEYS as for _RESERVE; ARGV[1] the actual cost, ARGV[2] how long the settled reservation is remembered.
_SETTLE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'expired'} end
if state == 'settled' then return {'already', redis.call('HGET', KEYS[1], 'actual')} end
local delta = tonumber(ARGV[1]) - tonumber(redis.call('HGET', KEYS[1], 'amount'))
for i = 2, #KEYS do
  if delta ~= 0 and redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], delta) end
end
redis.call('HSET', KEYS[1], 'state', 'settled', 'actual', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'settled'}
"""

# KEYS the counters; ARGV[1] the amount. A counter that does not exist is left to be seeded from the
# ledger, which already holds the call.
_CHARGE = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
"""

Seed = Callable[[BudgetScope], Awaitable[int]]
"""nano-USD the ledger has charged to a scope in its period (for a pull request, ever)."""


@dataclass(frozen=True, slots=True)
class Reserved:
    """The worst case is held on every scope."""

    reservation_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class AlreadyHeld:
    """This reservation id was taken before (`state`: reserved or settled): a repeat, not a new call."""

    reservation_id: str
    state: str


@dataclass(frozen=True, slots=True)
class BudgetUnavailable:
    """Redis could not be asked: no call is made."""

    reason: str


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a settle went: `settled` (counters now hold the actual cost), `already` (settled before, nothing
    changed), `expired` (the worst case stays counted) or `unavailable` (Redis down: it will expire)."""

    state: str


Reservation = Reserved | AlreadyHeld | BudgetExhausted | BudgetUnavailable


class BudgetStore:
    """Reservations and settlements against one Redis."""

    def __init__(
        self, redis: Redis, seed: Seed, *, reservation_ttl_ms: int = DEFAULT_RESERVATION_TTL_MS
    ) -> None:
        self.redis = redis
        self.seed = seed
        self.reservation_ttl_ms = reservation_ttl_ms
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)

    async def reserve(
        self, reservation_id: str, scopes: Sequence[BudgetScope], amount: int, now: datetime
    ) -> Reservation:
        """Hold `amount` nano-USD on every scope for the call `reservation_id`, or refuse."""
        keys = [_reservation_key(reservation_id), *(s.key for s in scopes)]
        args = [amount, self.reservation_ttl_ms, *(s.limit for s in scopes)]
        try:
            for _ in range(_SEED_ROUNDS):
                answer = [_text(part) for part in await self._reserve(keys=keys, args=args)]
                if answer[0] != "missing":
                    break
                for index in answer[1:]:
                    scope = scopes[int(index) - 1]
                    spent = await self.seed(scope)
                    # NX: a counter another worker seeded meanwhile is theirs, already charged on.
                    await self.redis.set(scope.key, spent, ex=scope.ttl_s(now), nx=True)
            else:
                return BudgetUnavailable("budget counters kept disappearing while being seeded")
        except RedisError as error:
            return BudgetUnavailable(f"Redis: {error}")
        if answer[0] == "reserved":
            return Reserved(reservation_id, amount)
        if answer[0] == "held":
            return AlreadyHeld(reservation_id, answer[1])
        return BudgetExhausted(scopes[int(answer[1]) - 1], int(answer[2]), amount)

    async def settle(self, reservation_id: str, scopes: Sequence[BudgetScope], actual: int) -> Settlement:
        """Charge the call `reservation_id` its `actual` cost in place of the worst case, once."""
        keys = [_reservation_key(reservation_id), *(s.key for s in scopes)]
        try:
            answer = await self._settle(keys=keys, args=[actual, SETTLED_TTL_MS])
        except RedisError:
            return Settlement("unavailable")
        return Settlement(_text(answer[0]))

    async def spent(self, scope: BudgetScope) -> int | None:
        """What a counter holds (spent plus reserved), or None when it does not exist."""
        value = await self.redis.get(scope.key)
        return None if value is None else int(value)


async def charge_counters(redis: Redis, scopes: Sequence[BudgetScope], amount: int) -> bool:
    """Add a call already made and recorded in the ledger (outside the App) to the counters that exist, in
    one script; False when Redis could not be asked (the counters then lag until seeded again)."""
    try:
        await redis.register_script(_CHARGE)(keys=[s.key for s in scopes], args=[amount])
    except RedisError:
        return False
    return True


def _reservation_key(reservation_id: str) -> str:
    return f"{RESERVATION_PREFIX}:{reservation_id}"


def _text(part: bytes | str | int) -> str:
    return part.decode() if isinstance(part, bytes) else str(part)
