"""The providers through the official SDKs over real HTTP, against the fake provider (tests/fakellm.py):
usage payloads in each wire format → the exact nano-USD the call costs per bucket; what every request
carries (output cap, schema, no stream, attribution); failures as values, never retried by the SDK.

Rates are the pinned genai-prices table's, USD per million tokens: one token at $r/MTok is r x 1000
nano-USD.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.core.findings import Severity
from bot.inference.providers import (
    Answer,
    FailureKind,
    Prompt,
    ProviderFailure,
    ProviderSettings,
    Wire,
    build_provider,
)
from bot.llm.findings import ModelFinding, ParsedReview, parse_review
from bot.llm.prices import ModelRates, RateOverride, cost, model_rates
from bot.llm.usage import TokenBuckets, UnreadableUsage
from tests.fakellm import CHAT, MESSAGES, RESPONSES, FakeLLM, Reply, serve_fake_llm

AT = datetime(2026, 12, 1, tzinfo=UTC)
SCHEMA = json.loads((Path(__file__).parent.parent / "bot" / "llm" / "review_schema.json").read_text())
METADATA = {"installation": "4242", "repo": "octo-org/hello-world", "pr": "17", "stage": "review"}


def _settings(fake: FakeLLM, wire: Wire, **options: Any) -> ProviderSettings:
    base = fake.url if wire is Wire.ANTHROPIC_MESSAGES else fake.openai_url
    return ProviderSettings(wire, api_key="sk-test", base_url=base, **options)


def _prompt(max_output_tokens: int = 800) -> Prompt:
    return Prompt(
        "Review the diff.", "### a.py (modified, +1 -0)\n+1: x = 1", SCHEMA, max_output_tokens, METADATA
    )


async def _complete(
    settings: ProviderSettings, model: str, prompt: Prompt | None = None
) -> Answer | ProviderFailure:
    provider = build_provider(settings)
    try:
        return await provider.complete(model, prompt or _prompt())
    finally:
        await provider.close()


@dataclass(frozen=True)
class CostCase:
    """A usage payload of one wire format, its model's config overrides, and the buckets and nano-USD
    per bucket it must come to."""

    wire: Wire
    model: str
    usage: Mapping[str, Any]
    overrides: dict[str, RateOverride]
    buckets: TokenBuckets
    nano: TokenBuckets


COSTS: dict[str, CostCase] = {
    # gpt-5-mini $0.25 in, $0.025 cached, $2 out. 1520 in incl. 1280 cached; 610 out incl. 448 reasoning.
    # uncached 240 x 250 = 60,000; read 1280 x 25 = 32,000; output 162 x 2000 = 324,000;
    # reasoning 448 x 2000 = 896,000.
    "responses_cached_and_reasoning": CostCase(
        Wire.OPENAI_RESPONSES,
        "gpt-5-mini",
        {
            "input_tokens": 1520,
            "input_tokens_details": {"cached_tokens": 1280, "cache_write_tokens": 0},
            "output_tokens": 610,
            "output_tokens_details": {"reasoning_tokens": 448},
            "total_tokens": 2130,
        },
        {},
        TokenBuckets(uncached_input=240, cache_read=1280, output=162, reasoning=448),
        TokenBuckets(uncached_input=60_000, cache_read=32_000, output=324_000, reasoning=896_000),
    ),
    # o4-mini $1.10 in, $0.275 cached, $4.40 out; the prompt-caching guide's shape: 2006 prompt tokens
    # of which 1920 cached, 300 completion tokens of which 192 reasoning.
    # uncached 86 x 1100 = 94,600; read 1920 x 275 = 528,000; output 108 x 4400 = 475,200;
    # reasoning 192 x 4400 = 844,800.
    "chat_cached_and_reasoning": CostCase(
        Wire.OPENAI_CHAT,
        "o4-mini",
        {
            "prompt_tokens": 2006,
            "completion_tokens": 300,
            "total_tokens": 2306,
            "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 192,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        {},
        TokenBuckets(uncached_input=86, cache_read=1920, output=108, reasoning=192),
        TokenBuckets(uncached_input=94_600, cache_read=528_000, output=475_200, reasoning=844_800),
    ),
    # An OpenAI-compatible local server: details null, a model the table lacks priced by config
    # ($0.10 in, $0.30 out). uncached 812 x 100 = 81,200; output 64 x 300 = 19,200.
    "chat_compatible_server_details_null": CostCase(
        Wire.OPENAI_CHAT,
        "qwen2.5-coder-7b-instruct",
        {
            "prompt_tokens": 812,
            "completion_tokens": 64,
            "total_tokens": 876,
            "prompt_tokens_details": None,
            "completion_tokens_details": None,
        },
        {"qwen2.5-coder-7b-instruct": RateOverride(uncached_input=Decimal("0.10"), output=Decimal("0.30"))},
        TokenBuckets(uncached_input=812, output=64),
        TokenBuckets(uncached_input=81_200, output=19_200),
    ),
    # claude-sonnet-4-5 $3 in, $0.30 read, $3.75 5-minute write, $15 out; input excludes the cache fields.
    # uncached 310 x 3000 = 930,000; read 4096 x 300 = 1,228,800; write 1536 x 3750 = 5,760,000;
    # output 402 x 15,000 = 6,030,000.
    "messages_cache_read_and_write": CostCase(
        Wire.ANTHROPIC_MESSAGES,
        "claude-sonnet-4-5",
        {
            "input_tokens": 310,
            "cache_creation_input_tokens": 1536,
            "cache_read_input_tokens": 4096,
            "cache_creation": {"ephemeral_5m_input_tokens": 1536, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 402,
            "service_tier": "standard",
        },
        {},
        TokenBuckets(uncached_input=310, cache_read=4096, cache_write=1536, output=402),
        TokenBuckets(uncached_input=930_000, cache_read=1_228_800, cache_write=5_760_000, output=6_030_000),
    ),
    # claude-haiku-4-5 $1 in, $2 one-hour write, $5 out. uncached 12 x 1000 = 12,000;
    # 1-hour write 2048 x 2000 = 4,096,000; output 95 x 5000 = 475,000.
    "messages_one_hour_cache_write": CostCase(
        Wire.ANTHROPIC_MESSAGES,
        "claude-haiku-4-5",
        {
            "input_tokens": 12,
            "cache_creation_input_tokens": 2048,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 2048},
            "output_tokens": 95,
        },
        {},
        TokenBuckets(uncached_input=12, cache_write_1h=2048, output=95),
        TokenBuckets(uncached_input=12_000, cache_write_1h=4_096_000, output=475_000),
    ),
}


@pytest.mark.parametrize("case", COSTS.values(), ids=COSTS)
async def test_usage_over_http_costs_exact_nano_usd_per_bucket(fake_llm: FakeLLM, case: CostCase) -> None:
    """A usage payload in each wire format, read by the official SDK from a real HTTP answer, is split
    into buckets that never count a token twice, and each bucket costs exactly what the table says."""
    fake_llm.script(Reply(usage=case.usage))
    settings = _settings(fake_llm, case.wire, legacy_max_tokens=bool(case.overrides))
    answer = await _complete(settings, case.model)
    assert isinstance(answer, Answer), answer
    assert answer.usage == case.usage  # kept as received, for the ledger
    assert answer.tokens == case.buckets
    rates = model_rates(case.model, at=AT, overrides=case.overrides)
    assert isinstance(rates, ModelRates), rates
    priced = cost(answer.tokens, rates)
    assert priced.nano_usd == case.nano
    assert priced.total_nano_usd == sum(astuple(case.nano))


WIRES = {
    "responses": (Wire.OPENAI_RESPONSES, RESPONSES, "gpt-5-mini"),
    "chat": (Wire.OPENAI_CHAT, CHAT, "o4-mini"),
    "messages": (Wire.ANTHROPIC_MESSAGES, MESSAGES, "claude-haiku-4-5"),
}


@pytest.mark.parametrize(("wire", "path", "model"), WIRES.values(), ids=WIRES)
async def test_every_request_caps_output_asks_for_the_schema_and_does_not_stream(
    fake_llm: FakeLLM, wire: Wire, path: str, model: str
) -> None:
    """The request reaches the configured base URL with the stated output cap, the review schema, no
    streaming, and the attribution in headers a gateway can log; the answer's findings parse."""
    finding = {"path": "a.py", "line": 1, "severity": "warning", "message": "x is never read"}
    fake_llm.script(Reply(findings=(finding,)))
    answer = await _complete(_settings(fake_llm, wire), model, _prompt(max_output_tokens=321))
    assert isinstance(answer, Answer), answer
    assert answer.complete
    assert answer.model == model
    (request,) = fake_llm.requests_to(path)
    body = request.body
    assert not body.get("stream")
    cap = {RESPONSES: "max_output_tokens", CHAT: "max_completion_tokens", MESSAGES: "max_tokens"}[path]
    assert body[cap] == 321
    assert request.headers["x-scopegate-repo"] == "octo-org/hello-world"
    assert request.headers["x-scopegate-pr"] == "17"
    assert parse_review(answer.text) == ParsedReview(
        (ModelFinding("a.py", 1, Severity.WARNING, "x is never read"),)
    )


async def test_responses_sends_attribution_as_metadata_and_stores_nothing(fake_llm: FakeLLM) -> None:
    """The Responses API gets the attribution as its metadata, and `store` off: no prompt kept there."""
    await _complete(_settings(fake_llm, Wire.OPENAI_RESPONSES), "gpt-5-mini")
    (request,) = fake_llm.requests_to(RESPONSES)
    assert request.body["metadata"] == METADATA
    assert request.body["store"] is False
    assert request.body["text"]["format"]["strict"] is True


async def test_compatible_server_gets_the_legacy_cap_when_configured(fake_llm: FakeLLM) -> None:
    """`legacy_max_tokens` sends Chat's cap as `max_tokens`, for servers that know no other."""
    settings = _settings(fake_llm, Wire.OPENAI_CHAT, legacy_max_tokens=True)
    await _complete(settings, "qwen2.5-coder-7b-instruct", _prompt(max_output_tokens=99))
    (request,) = fake_llm.requests_to(CHAT)
    assert request.body["max_tokens"] == 99
    assert "max_completion_tokens" not in request.body


@pytest.mark.parametrize(("wire", "path", "model"), WIRES.values(), ids=WIRES)
async def test_an_answer_cut_by_the_output_cap_is_incomplete(
    fake_llm: FakeLLM, wire: Wire, path: str, model: str
) -> None:
    """An answer that stopped at the output cap says so (its text is no whole review), usage still read."""
    fake_llm.script(Reply(text='{"findings": [{"path": "a.py", "li', cut=True))
    answer = await _complete(_settings(fake_llm, wire), model)
    assert isinstance(answer, Answer), answer
    assert not answer.complete
    assert isinstance(answer.tokens, TokenBuckets)


@pytest.mark.parametrize("status", [429, 500, 529])
@pytest.mark.parametrize(("wire", "path", "model"), WIRES.values(), ids=WIRES)
async def test_an_error_status_is_a_failure_sent_once(
    fake_llm: FakeLLM, wire: Wire, path: str, model: str, status: int
) -> None:
    """A throttled or failing provider is answered once, never retried by the SDK (its retries are off):
    a failure value with the status, that was not billed."""
    fake_llm.script(Reply(status=status))
    failure = await _complete(_settings(fake_llm, wire), model)
    assert isinstance(failure, ProviderFailure), failure
    assert (failure.kind, failure.status) == (FailureKind.STATUS, status)
    assert not failure.kind.maybe_billed
    assert len(fake_llm.requests_to(path)) == 1


@pytest.mark.parametrize(("wire", "path", "model"), WIRES.values(), ids=WIRES)
async def test_a_timeout_after_the_request_left_is_a_failure_that_may_be_billed(
    fake_llm: FakeLLM, wire: Wire, path: str, model: str
) -> None:
    """A provider that received the request but answers after the client's timeout: one request, a
    timeout failure, counted as possibly billed."""
    fake_llm.script(Reply(stall_s=5))
    failure = await _complete(_settings(fake_llm, wire, timeout_s=0.3), model)
    assert isinstance(failure, ProviderFailure), failure
    assert failure.kind is FailureKind.TIMEOUT
    assert failure.kind.maybe_billed
    assert len(fake_llm.requests_to(path)) == 1


async def test_an_unreachable_provider_is_a_connection_failure() -> None:
    """Nothing listening at the base URL: a connection failure, not an exception."""
    with serve_fake_llm() as fake:
        url = fake.openai_url
    failure = await _complete(ProviderSettings(Wire.OPENAI_CHAT, "sk-test", url, timeout_s=2), "o4-mini")
    assert isinstance(failure, ProviderFailure)
    assert failure.kind is FailureKind.CONNECTION


async def test_a_chat_answer_without_usage_is_unreadable(fake_llm: FakeLLM) -> None:
    """A compatible server that sends no usage: the tokens are unreadable (the call is then charged its
    reservation), never zero."""
    fake_llm.script(Reply(usage={}))
    answer = await _complete(_settings(fake_llm, Wire.OPENAI_CHAT), "o4-mini")
    assert isinstance(answer, Answer)
    assert isinstance(answer.tokens, UnreadableUsage)
