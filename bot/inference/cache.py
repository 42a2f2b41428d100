"""Reviews already made, by the hash of what the model was shown (DESIGN §8, issue 13): the same diff
content (a rebase, a re-run, a re-opened pull request) reuses the earlier answer instead of paying again.

The answer's text is kept, not its findings: it is parsed and checked against the diff again, so it is
held to the same rules as a fresh one. Entries belong to one repository and one model. A Redis that does
not answer is a miss, never an error: the review then calls (within its budgets) as if nothing was kept.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

KEY_PREFIX = "scopegate:llm:review"
TTL_S = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """An earlier answer: its text and the model that gave it, as the provider named it."""

    text: str
    model: str


class ReviewCache:
    """Earlier answers in one Redis."""

    def __init__(self, redis: Redis, ttl_s: int = TTL_S) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def get(self, repo: str, model: str, diff_hash: str) -> CachedAnswer | None:
        """The answer kept for this diff, or None."""
        try:
            kept = await self.redis.get(_key(repo, model, diff_hash))
        except RedisError:
            return None
        if kept is None:
            return None
        entry = json.loads(kept)
        return CachedAnswer(entry["text"], entry["model"])

    async def put(self, repo: str, model: str, diff_hash: str, answer: CachedAnswer) -> None:
        """Keep a used answer for this diff."""
        entry = json.dumps({"text": answer.text, "model": answer.model})
        with suppress(RedisError):  # a review not kept is only a review paid for again
            await self.redis.set(_key(repo, model, diff_hash), entry, ex=self.ttl_s)


def _key(repo: str, model: str, diff_hash: str) -> str:
    return f"{KEY_PREFIX}:{diff_hash}:{model}:{repo}"
