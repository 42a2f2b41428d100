"""Usage payloads as the providers document them → non-overlapping buckets → exact nano-USD per bucket.

Payloads are written as the providers' API references and guides show them; rates are those of the pinned
`genai-prices` table (USD per million tokens, so one token at $r/MTok costs r x 1000 nano-USD).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import astuple
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.llm.prices import (
    ModelRates,
    NoPrice,
    RateOverride,
    cost,
    model_rates,
    price_table_hash,
    worst_case_nano_usd,
)
from bot.llm.usage import (
    TokenBuckets,
    UnreadableUsage,
    from_anthropic_messages,
    from_openai_chat,
    from_openai_responses,
)

AT = datetime(2026, 12, 1, tzinfo=UTC)
Reader = Callable[[Mapping[str, object]], TokenBuckets | UnreadableUsage]

# (reader, model, usage payload, expected buckets, expected nano-USD per bucket)
CASES: dict[str, tuple[Reader, str, dict[str, object], TokenBuckets, TokenBuckets]] = {
    # OpenAI Responses API reference, the response object's `usage`; gpt-4o at $2.50 in / $10 out.
    # uncached 328 x 2500 = 820,000; output 52 x 10,000 = 520,000.
    "openai_responses_plain": (
        from_openai_responses,
        "gpt-4o",
        {
            "input_tokens": 328,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 52,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 380,
        },
        TokenBuckets(uncached_input=328, output=52),
        TokenBuckets(uncached_input=820_000, output=520_000),
    ),
    # OpenAI reasoning guide: `output_tokens` 1186 include 1024 reasoning tokens; o3-mini $1.10 / $4.40.
    # uncached 75 x 1100 = 82,500; output (1186 - 1024 = 162) x 4400 = 712,800; reasoning 1024 x 4400 =
    # 4,505,600; total 5,300,900 (= 82,500 + 1186 x 4400: reasoning counted once).
    "openai_responses_reasoning": (
        from_openai_responses,
        "o3-mini",
        {
            "input_tokens": 75,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 1186,
            "output_tokens_details": {"reasoning_tokens": 1024},
            "total_tokens": 1261,
        },
        TokenBuckets(uncached_input=75, output=162, reasoning=1024),
        TokenBuckets(uncached_input=82_500, output=712_800, reasoning=4_505_600),
    ),
    # OpenAI Chat Completions API reference, the chat completion object; gpt-4o-mini $0.15 / $0.60.
    # uncached 19 x 150 = 2,850; output 10 x 600 = 6,000.
    "openai_chat_plain": (
        from_openai_chat,
        "gpt-4o-mini",
        {
            "prompt_tokens": 19,
            "completion_tokens": 10,
            "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        TokenBuckets(uncached_input=19, output=10),
        TokenBuckets(uncached_input=2_850, output=6_000),
    ),
    # OpenAI prompt-caching guide: 1920 of 2006 prompt tokens cached; gpt-4o $2.50, cached $1.25, $10 out.
    # uncached (2006 - 1920 = 86) x 2500 = 215,000; cache read 1920 x 1250 = 2,400,000; output 300 x
    # 10,000 = 3,000,000.
    "openai_chat_cached": (
        from_openai_chat,
        "gpt-4o",
        {
            "prompt_tokens": 2006,
            "completion_tokens": 300,
            "total_tokens": 2306,
            "prompt_tokens_details": {"cached_tokens": 1920},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        TokenBuckets(uncached_input=86, cache_read=1920, output=300),
        TokenBuckets(uncached_input=215_000, cache_read=2_400_000, output=3_000_000),
    ),
    # An OpenAI-compatible local server that sends no details: nothing cached, nothing reasoned.
    # uncached 1200 x 150 = 180,000; output 80 x 600 = 48,000.
    "openai_chat_compatible_no_details": (
        from_openai_chat,
        "gpt-4o-mini",
        {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280, "prompt_tokens_details": None},
        TokenBuckets(uncached_input=1200, output=80),
        TokenBuckets(uncached_input=180_000, output=48_000),
    ),
    # Anthropic Messages API reference, the message's `usage`; claude-sonnet-4-5 $3 in, $0.30 cache read,
    # $3.75 cache write, $15 out. `input_tokens` excludes both cache fields, so nothing is subtracted:
    # uncached 2095 x 3000 = 6,285,000; read 2051 x 300 = 615,300; write 2051 x 3750 = 7,691,250;
    # output 503 x 15,000 = 7,545,000. All input 6197 < 200,000: the base tier.
    "anthropic_messages": (
        from_anthropic_messages,
        "claude-sonnet-4-5",
        {
            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            "cache_creation_input_tokens": 2051,
            "cache_read_input_tokens": 2051,
            "input_tokens": 2095,
            "output_tokens": 503,
            "server_tool_use": {"web_search_requests": 0},
            "service_tier": "standard",
        },
        TokenBuckets(uncached_input=2095, cache_read=2051, cache_write=2051, output=503),
        TokenBuckets(uncached_input=6_285_000, cache_read=615_300, cache_write=7_691_250, output=7_545_000),
    ),
    # Anthropic prompt-caching guide, mixed 5-minute and 1-hour writes; claude-3-5-haiku $0.80 in, $0.08
    # read, $1 5-minute write, $1.60 1-hour write, $4 out. The guide's split (456 + 100) exceeds its total
    # (248): 1-hour 100, 5-minute max(248 - 100, 456) = 456, never fewer than either says.
    # uncached 2048 x 800 = 1,638,400; read 1800 x 80 = 144,000; write 456 x 1000 = 456,000;
    # write 1h 100 x 1600 = 160,000; output 503 x 4000 = 2,012,000.
    "anthropic_cache_ttl_mix": (
        from_anthropic_messages,
        "claude-3-5-haiku-latest",
        {
            "input_tokens": 2048,
            "cache_read_input_tokens": 1800,
            "cache_creation_input_tokens": 248,
            "output_tokens": 503,
            "cache_creation": {"ephemeral_5m_input_tokens": 456, "ephemeral_1h_input_tokens": 100},
        },
        TokenBuckets(uncached_input=2048, cache_read=1800, cache_write=456, cache_write_1h=100, output=503),
        TokenBuckets(
            uncached_input=1_638_400,
            cache_read=144_000,
            cache_write=456_000,
            cache_write_1h=160_000,
            output=2_012_000,
        ),
    ),
    # Over 200,000 input tokens (cache reads included) every token of claude-sonnet-4-5 is priced at the
    # long-context tier: $6 in, $0.60 read, $22.50 out. uncached 150,000 x 6000 = 900,000,000; read
    # 60,000 x 600 = 36,000,000; output 1000 x 22,500 = 22,500,000.
    "anthropic_long_context_tier": (
        from_anthropic_messages,
        "claude-sonnet-4-5",
        {"input_tokens": 150_000, "cache_read_input_tokens": 60_000, "output_tokens": 1000},
        TokenBuckets(uncached_input=150_000, cache_read=60_000, output=1000),
        TokenBuckets(uncached_input=900_000_000, cache_read=36_000_000, output=22_500_000),
    ),
}


@pytest.mark.parametrize(
    ("reader", "model", "payload", "buckets", "nano"), list(CASES.values()), ids=list(CASES)
)
def test_documented_usage_is_priced_per_bucket(
    reader: Reader, model: str, payload: dict[str, object], buckets: TokenBuckets, nano: TokenBuckets
) -> None:
    """Each documented payload splits into buckets that never overlap, priced exactly in nano-USD."""
    tokens = reader(payload)
    assert tokens == buckets
    rates = model_rates(model, at=AT)
    assert isinstance(rates, ModelRates)
    priced = cost(buckets, rates)
    assert priced.nano_usd == nano
    assert priced.total_nano_usd == sum(astuple(nano))
    assert priced.rates_hash == rates.rates_hash


def test_reasoning_and_cache_are_counted_once() -> None:
    """OpenAI's totals already hold cached and reasoning tokens: the buckets add up to the totals."""
    tokens = from_openai_responses(
        {
            "input_tokens": 5000,
            "input_tokens_details": {"cached_tokens": 4096},
            "output_tokens": 900,
            "output_tokens_details": {"reasoning_tokens": 640},
        }
    )
    assert isinstance(tokens, TokenBuckets)
    assert (tokens.input_total, tokens.output_total) == (5000, 900)


UNREADABLE = {
    "no_input_count": (from_openai_responses, {"output_tokens": 3}, "input_tokens is None"),
    "cached_above_prompt": (
        from_openai_chat,
        {"prompt_tokens": 10, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 11}},
        "prompt_tokens_details.cached_tokens (11) exceeds prompt_tokens (10)",
    ),
    "reasoning_above_output": (
        from_openai_responses,
        {"input_tokens": 1, "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 6}},
        "output_tokens_details.reasoning_tokens (6) exceeds output_tokens (5)",
    ),
    "negative": (from_anthropic_messages, {"input_tokens": -1, "output_tokens": 2}, "input_tokens is -1"),
    "boolean": (from_anthropic_messages, {"input_tokens": True, "output_tokens": 2}, "input_tokens is True"),
}


@pytest.mark.parametrize(("reader", "payload", "reason"), list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_unreadable_usage_says_why(reader: Reader, payload: dict[str, object], reason: str) -> None:
    """A payload that cannot be split is a value with the reason, never a guessed count."""
    found = reader(payload)
    assert isinstance(found, UnreadableUsage)
    assert found.reason.startswith(reason)


REFUSED = {
    "unknown_model": ("no-such-model-7b", None, {}, "not in the price table"),
    "no_output_rate": ("text-embedding-3-small", "openai", {}, "the price table has no input or output rate"),
    "zero_override": ("gpt-4o", "openai", {"gpt-4o": RateOverride(output=Decimal(0))}, "a rate of zero"),
    "incomplete_override_of_unknown": (
        "local-llama",
        None,
        {"local-llama": RateOverride(uncached_input=Decimal("0.1"))},
        "not in the price table",
    ),
}


@pytest.mark.parametrize(
    ("model", "provider", "overrides", "reason"), list(REFUSED.values()), ids=list(REFUSED)
)
def test_unpriced_models_are_refused(
    model: str, provider: str | None, overrides: dict[str, RateOverride], reason: str
) -> None:
    """An unknown model or a zero rate means no call, with a reason, never a call counted at $0."""
    found = model_rates(model, at=AT, provider=provider, overrides=overrides)
    assert isinstance(found, NoPrice)
    assert reason in found.reason


def test_override_prices_an_unknown_model_and_rounds_up() -> None:
    """Config can price a model the table lacks (a local server); unset cache rates are the input rate;
    fractions of a nano-USD are rounded up per bucket."""
    override = RateOverride(uncached_input=Decimal("0.0001"), output=Decimal("0.0004"))
    rates = model_rates("local-llama", at=AT, overrides={"local-llama": override})
    assert isinstance(rates, ModelRates)
    assert rates.source == "config"
    # 3 tokens x 0.1 nano = 0.3 -> 1; cache read at the input rate: 10 x 0.1 = 1; output 7 x 0.4 = 2.8 -> 3.
    priced = cost(TokenBuckets(uncached_input=3, cache_read=10, output=7), rates)
    assert priced.nano_usd == TokenBuckets(uncached_input=1, cache_read=1, output=3)


def test_override_replaces_only_the_rates_it_sets() -> None:
    """An override of one rate keeps the table's others and changes the rates' hash."""
    table = model_rates("gpt-4o", at=AT)
    changed = model_rates("gpt-4o", at=AT, overrides={"gpt-4o": RateOverride(output=Decimal(12))})
    assert isinstance(table, ModelRates)
    assert isinstance(changed, ModelRates)
    assert changed.at(0).output == Decimal(12)
    assert changed.at(0).uncached_input == table.at(0).uncached_input == Decimal("2.5")
    assert changed.source.startswith("config over genai-prices")
    assert changed.rates_hash != table.rates_hash


def test_hashes_are_stable() -> None:
    """The same rates hash the same every time (stored with every ledger row); the table's hash is part of
    the table rates' source; different models hash differently."""
    first, again = model_rates("gpt-4o", at=AT), model_rates("gpt-4o", at=AT)
    other = model_rates("gpt-4o-mini", at=AT)
    assert isinstance(first, ModelRates)
    assert isinstance(again, ModelRates)
    assert isinstance(other, ModelRates)
    assert first.rates_hash == again.rates_hash != other.rates_hash
    assert len(first.rates_hash) == 32
    assert price_table_hash() in first.source


def test_worst_case_covers_the_dearest_tier() -> None:
    """A reservation prices all input at the dearest input-side rate and all output at the dearest tier:
    claude-sonnet-4-5's 1-hour write at the long-context tier is $12, output $22.50; 1000 x 12,000 +
    100 x 22,500 = 14,250,000."""
    rates = model_rates("claude-sonnet-4-5", at=AT)
    assert isinstance(rates, ModelRates)
    assert worst_case_nano_usd(1000, 100, rates) == 14_250_000
    actual = cost(TokenBuckets(uncached_input=400, cache_read=300, cache_write_1h=300, output=100), rates)
    assert actual.total_nano_usd <= worst_case_nano_usd(1000, 100, rates)
