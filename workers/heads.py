"""Which open PR has which head, and each one's verdict on it, in Redis: a commit that is the head of several
open PRs has one check run (branch protection asks for it by name on the commit), carrying the strictest of
their verdicts."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, cast

from bot.github.publish import HeadVerdict
from bot.intake.jobs import EvaluatePullRequest

# As long as a check run is remembered (workers.evaluate): a month.
MEMORY_SECONDS = 30 * 24 * 3600


def _head_key(owner: str, repo: str, number: int) -> str:
    return f"scopegate:head:{owner}/{repo}#{number}"


def _verdicts_key(owner: str, repo: str, head_sha: str) -> str:
    return f"scopegate:verdicts:{owner}/{repo}@{head_sha}"


async def note_pull_head(redis: Any, job: EvaluatePullRequest) -> None:
    """Remember that PR `job.number` is open at `job.head_sha`; its verdict on its previous head, if any,
    no longer counts there."""
    key = _head_key(job.owner, job.repo, job.number)
    previous = await cast(Awaitable[bytes | None], redis.set(key, job.head_sha, ex=MEMORY_SECONDS, get=True))
    if previous is not None and previous.decode() != job.head_sha:
        await redis.hdel(_verdicts_key(job.owner, job.repo, previous.decode()), str(job.number))


async def forget_pull_head(redis: Any, owner: str, repo: str, number: int) -> None:
    """PR `number` is closed: its verdict no longer counts on its head."""
    previous = await cast(Awaitable[bytes | None], redis.getdel(_head_key(owner, repo, number)))
    if previous is not None:
        await redis.hdel(_verdicts_key(owner, repo, previous.decode()), str(number))


async def share_verdict(redis: Any, job: EvaluatePullRequest, own: HeadVerdict) -> list[HeadVerdict]:
    """Record PR `job.number`'s verdict on its head; return the verdicts of the other PRs open at that head
    (a PR that moved on or was closed since is dropped)."""
    key = _verdicts_key(job.owner, job.repo, job.head_sha)
    record = {"conclusion": own.conclusion, "title": own.title, "summary": own.summary}
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hset(key, str(job.number), json.dumps(record))
        pipe.expire(key, MEMORY_SECONDS)
        pipe.hgetall(key)
        *_, stored = await pipe.execute()
    others = {int(n): json.loads(v) for n, v in stored.items() if int(n) != job.number}
    if not others:
        return []
    heads = await redis.mget([_head_key(job.owner, job.repo, n) for n in others])
    current = {n for n, head in zip(others, heads, strict=True) if head and head.decode() == job.head_sha}
    gone = [str(n) for n in others if n not in current]
    if gone:
        await redis.hdel(key, *gone)
    return [
        HeadVerdict(n, v["conclusion"], v["title"], v["summary"])
        for n, v in sorted(others.items())
        if n in current
    ]
