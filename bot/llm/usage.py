"""A provider's usage payload → non-overlapping token buckets, each priced once (DESIGN §8).

The providers count differently, and adding their fields as they come is the classic double count:

- OpenAI Responses: `input_tokens` includes `input_tokens_details.cached_tokens`, `output_tokens` includes
  `output_tokens_details.reasoning_tokens` (https://platform.openai.com/docs/api-reference/responses/object).
- OpenAI Chat Completions: the same inclusions under `prompt_tokens`/`completion_tokens` with
  `prompt_tokens_details`/`completion_tokens_details`
  (https://platform.openai.com/docs/api-reference/chat/object). OpenAI-compatible servers often send the
  details as null or not at all: nothing cached, nothing reasoned.
- Anthropic Messages: `input_tokens` excludes `cache_read_input_tokens` and `cache_creation_input_tokens`;
  `cache_creation` splits the writes by lifetime (5 minutes, 1 hour), priced differently; thinking is
  billed inside `output_tokens` and not reported apart
  (https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenBuckets:
    """Tokens of one call, each counted in exactly one bucket.

    `cache_write` holds the writes kept 5 minutes (or of unstated lifetime), `cache_write_1h` those kept an
    hour; `output` excludes `reasoning`.
    """

    uncached_input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    output: int = 0
    reasoning: int = 0

    @property
    def input_total(self) -> int:
        """Every input token of the call, whatever the cache did (what a price tier is chosen by)."""
        return self.uncached_input + self.cache_read + self.cache_write + self.cache_write_1h

    @property
    def output_total(self) -> int:
        """Every output token, reasoning included (what `max_tokens` caps)."""
        return self.output + self.reasoning


@dataclass(frozen=True, slots=True)
class UnreadableUsage:
    """A usage payload that cannot be split into buckets; the call is charged its reservation instead."""

    reason: str


def from_openai_responses(usage: Mapping[str, object]) -> TokenBuckets | UnreadableUsage:
    """Buckets of an OpenAI Responses `usage` object."""
    return _including(
        usage,
        ("input_tokens", "input_tokens_details", "cached_tokens"),
        ("output_tokens", "output_tokens_details", "reasoning_tokens"),
    )


def from_openai_chat(usage: Mapping[str, object]) -> TokenBuckets | UnreadableUsage:
    """Buckets of an OpenAI Chat Completions `usage` object (and of OpenAI-compatible servers)."""
    return _including(
        usage,
        ("prompt_tokens", "prompt_tokens_details", "cached_tokens"),
        ("completion_tokens", "completion_tokens_details", "reasoning_tokens"),
    )


def from_anthropic_messages(usage: Mapping[str, object]) -> TokenBuckets | UnreadableUsage:
    """Buckets of an Anthropic Messages `usage` object, whose cache fields are not part of `input_tokens`."""
    try:
        uncached = _count(usage, "input_tokens", required=True)
        output = _count(usage, "output_tokens", required=True)
        read = _count(usage, "cache_read_input_tokens")
        written = _count(usage, "cache_creation_input_tokens")
        split = usage.get("cache_creation")
        hour = _count(split, "ephemeral_1h_input_tokens") if isinstance(split, Mapping) else 0
        five = _count(split, "ephemeral_5m_input_tokens") if isinstance(split, Mapping) else 0
    except _Unreadable as error:
        return UnreadableUsage(str(error))
    # The split and the total should agree; where they do not (the docs' own examples differ), each
    # bucket takes the larger reading, so the writes are never under-counted.
    return TokenBuckets(
        uncached_input=uncached,
        cache_read=read,
        cache_write=max(written - hour, five),
        cache_write_1h=hour,
        output=output,
    )


class _Unreadable(Exception):
    pass


def _including(
    usage: Mapping[str, object], input_keys: tuple[str, str, str], output_keys: tuple[str, str, str]
) -> TokenBuckets | UnreadableUsage:
    """OpenAI's shape: totals that include their details, which are subtracted, never added."""
    try:
        prompt, cached = _total_and_part(usage, *input_keys)
        completion, reasoning = _total_and_part(usage, *output_keys)
    except _Unreadable as error:
        return UnreadableUsage(str(error))
    return TokenBuckets(
        uncached_input=prompt - cached, cache_read=cached, output=completion - reasoning, reasoning=reasoning
    )


def _total_and_part(
    usage: Mapping[str, object], total_key: str, details_key: str, part_key: str
) -> tuple[int, int]:
    total = _count(usage, total_key, required=True)
    details = usage.get(details_key)
    part = _count(details, part_key) if isinstance(details, Mapping) else 0
    if part > total:
        raise _Unreadable(f"{details_key}.{part_key} ({part}) exceeds {total_key} ({total})")
    return total, part


def _count(payload: Mapping[str, object], key: str, *, required: bool = False) -> int:
    """A token count; absent or null counts 0 unless the field is one every response carries."""
    value = payload.get(key)
    if value is None and not required:
        return 0
    # bool is an int in Python; a JSON true is no token count.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Unreadable(f"{key} is {value!r}, not a token count")
    return value
