"""Queue a delivery's jobs in one Redis round trip: de-duplicate the delivery, add the jobs, mark it.

`ArqRedis.enqueue_job` costs a WATCH/EXISTS/MULTI/EXEC exchange per job, and the intake also reads and
writes the delivery's mark: five round trips that made Redis I/O a third of a delivery's cost. This Lua
script does the same in one, atomically, writing exactly what `enqueue_job` writes (arq's key prefixes,
queue and `serialize_job` encoding), so arq's worker runs these jobs unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from arq.connections import ArqRedis
from arq.constants import default_queue_name, expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job

from bot.intake.jobs import Job

# KEYS: the delivery's mark, the queue, then each job's key and result key.
# ARGV: the mark's TTL (s), the mark, then each job's id, score (ms), job-key TTL (ms), data and whether a
# kept result holds it back ("1") or not ("0", a rerunnable job: only its job key, queued or running, does).
_SCRIPT = """
local earlier = redis.call('GET', KEYS[1])
if earlier then return {1, earlier} end
local added = {0}
for i = 0, (#KEYS - 2) / 2 - 1 do
  local job_key, result_key = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  local held = redis.call('EXISTS', job_key)
  if ARGV[7 + 5 * i] == '1' then held = held + redis.call('EXISTS', result_key) end
  if held == 0 then
    local id = ARGV[3 + 5 * i]
    redis.call('PSETEX', job_key, ARGV[5 + 5 * i], ARGV[6 + 5 * i])
    redis.call('ZADD', KEYS[2], ARGV[4 + 5 * i], id)
    table.insert(added, id)
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
return added
"""


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What happened to a delivery: queued job ids and those arq already held, or an earlier mark."""

    queued: tuple[str, ...]
    held: tuple[str, ...]
    earlier: tuple[str, ...] | None = None


async def enqueue_delivery(
    redis: ArqRedis, mark_key: str, jobs: Sequence[Job], *, debounce_seconds: float, mark_ttl: int
) -> Enqueued:
    """Queue `jobs` unless `mark_key` says the delivery was queued before; then mark it."""
    now = int(time.time() * 1000)
    keys = [mark_key, default_queue_name]
    args: list[str | int | bytes] = [mark_ttl, orjson.dumps([job.job_id for job in jobs])]
    for job in jobs:
        score = now + (int(debounce_seconds * 1000) if job.debounced else 0)
        keys += [job_key_prefix + job.job_id, result_key_prefix + job.job_id]
        data = serialize_job(job.function, (), job.kwargs(), None, now, serializer=redis.job_serializer)
        args += [job.job_id, score, score - now + expires_extra_ms, data, "0" if job.rerunnable else "1"]
    reply = await redis.register_script(_SCRIPT)(keys=keys, args=args)
    if reply[0] == 1:
        return Enqueued((), (), tuple(orjson.loads(reply[1])))
    queued = tuple(item.decode() if isinstance(item, bytes) else str(item) for item in reply[1:])
    return Enqueued(queued, tuple(job.job_id for job in jobs if job.job_id not in queued))
