"""The providers, through their official SDKs, each behind one narrow call: a prompt in, the structured
answer and its usage out (DESIGN §8, issue 13).

Every client is built with `max_retries=0`: a retry the SDK makes on its own is a second bill the budget
never reserved, and a throttled endpoint is the circuit breaker's to back off from. Every request states its
output cap and asks for JSON in the review schema, without streaming (the usage comes whole with the
answer). `base_url` points a client at any server speaking the wire format: the OpenAI-compatible servers
(vLLM, llama.cpp, Ollama, LiteLLM) answer Chat Completions.

Failures are values: a timeout or a lost connection means the request may have been billed (the budget
keeps it charged); an error status means it was not.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import anthropic
import openai

from bot.llm.usage import (
    TokenBuckets,
    UnreadableUsage,
    from_anthropic_messages,
    from_openai_chat,
    from_openai_responses,
)

_Client = TypeVar("_Client", openai.AsyncOpenAI, anthropic.AsyncAnthropic)
SCHEMA_NAME = "review"
# The Responses API takes at most 16 metadata pairs, keys of 64 and values of 512 characters
# (https://platform.openai.com/docs/api-reference/responses/create#responses-create-metadata).
_METADATA_PAIRS, _METADATA_KEY, _METADATA_VALUE = 16, 64, 512


class Wire(StrEnum):
    """The wire format a provider speaks."""

    OPENAI_RESPONSES = "openai-responses"
    OPENAI_CHAT = "openai-chat"
    ANTHROPIC_MESSAGES = "anthropic-messages"


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """How to reach one provider. `legacy_max_tokens` sends Chat's cap as `max_tokens`, for
    OpenAI-compatible servers that do not know `max_completion_tokens`."""

    wire: Wire
    api_key: str
    base_url: str | None = None
    timeout_s: float = 60.0
    legacy_max_tokens: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """One review request: instructions, the packed diff, the answer's JSON schema, the output cap, and
    attribution sent along as metadata (repo, PR, stage, team)."""

    system: str
    user: str
    schema: Mapping[str, object]
    max_output_tokens: int
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answer:
    """A provider's answer. `complete` is false when the output cap (or anything but a natural stop) cut
    it; `usage` is the payload as received, `tokens` its buckets."""

    response_id: str
    model: str
    text: str
    complete: bool
    usage: Mapping[str, object]
    tokens: TokenBuckets | UnreadableUsage
    latency_s: float


class FailureKind(StrEnum):
    """Why no answer came: after a timeout or a lost connection the provider may have billed the call."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    STATUS = "error status"

    @property
    def maybe_billed(self) -> bool:
        """Whether the request may have been billed: it left and no error answer came back."""
        return self is not FailureKind.STATUS


@dataclass(frozen=True, slots=True)
class ProviderFailure:
    """A call that brought no answer."""

    kind: FailureKind
    message: str
    latency_s: float
    status: int | None = None


class Provider(Protocol):
    """What the review needs of a provider."""

    @property
    def wire(self) -> Wire:
        """The wire format it speaks."""
        ...

    @property
    def endpoint(self) -> str:
        """Where it sends requests, as the circuit breaker names it: wire format and base URL."""
        ...

    async def complete(self, model: str, prompt: Prompt) -> Answer | ProviderFailure:
        """Ask `model` for the review `prompt` describes."""
        ...

    async def close(self) -> None:
        """Close its connections."""
        ...


def build_provider(settings: ProviderSettings) -> Provider:
    """A provider client for `settings` (built once, in the worker's start-up)."""
    if settings.wire is Wire.ANTHROPIC_MESSAGES:
        return AnthropicMessages(settings)
    if settings.wire is Wire.OPENAI_CHAT:
        return OpenAIChat(settings)
    return OpenAIResponses(settings)


class _SdkProvider(Generic[_Client]):
    """What every provider shares: its settings, its SDK client, and closing it."""

    def __init__(self, settings: ProviderSettings, client: _Client) -> None:
        self.settings = settings
        self.client: _Client = client

    @property
    def wire(self) -> Wire:
        return self.settings.wire

    @property
    def endpoint(self) -> str:
        return _endpoint(self.settings)

    async def close(self) -> None:
        await self.client.close()


class _OpenAIProvider(_SdkProvider[openai.AsyncOpenAI]):
    def __init__(self, settings: ProviderSettings) -> None:
        client = openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            max_retries=0,
            timeout=settings.timeout_s,
        )
        super().__init__(settings, client)


class OpenAIResponses(_OpenAIProvider):
    """OpenAI's Responses API (`POST /responses`), structured output through `text.format`."""

    async def complete(self, model: str, prompt: Prompt) -> Answer | ProviderFailure:
        started = time.monotonic()
        try:
            response = await self.client.responses.create(
                model=model,
                instructions=prompt.system,
                input=prompt.user,
                max_output_tokens=prompt.max_output_tokens,
                text={
                    "format": {
                        "type": "json_schema",
                        "name": SCHEMA_NAME,
                        "schema": dict(prompt.schema),
                        "strict": True,
                    }
                },
                store=False,  # no prompt text is kept, here or there (DESIGN §8)
                metadata=_metadata(prompt.metadata),
                extra_headers=_headers(prompt.metadata),
            )
        except openai.APIError as error:
            return _openai_failure(error, time.monotonic() - started)
        usage = response.usage.to_dict() if response.usage is not None else {}
        return Answer(
            response_id=response.id,
            model=response.model,
            text=response.output_text,
            complete=response.status == "completed",
            usage=usage,
            tokens=from_openai_responses(usage) if usage else UnreadableUsage("the answer has no usage"),
            latency_s=time.monotonic() - started,
        )


class OpenAIChat(_OpenAIProvider):
    """OpenAI's Chat Completions (`POST /chat/completions`), as OpenAI-compatible servers speak it too.

    No body metadata: OpenAI accepts it only for stored completions, and nothing is stored.
    """

    async def complete(self, model: str, prompt: Prompt) -> Answer | ProviderFailure:
        started = time.monotonic()
        cap = "max_tokens" if self.settings.legacy_max_tokens else "max_completion_tokens"
        try:
            completion = await self.client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": SCHEMA_NAME, "schema": dict(prompt.schema), "strict": True},
                },
                store=False,
                extra_headers=_headers(prompt.metadata),
                extra_body={cap: prompt.max_output_tokens},
            )
        except openai.APIError as error:
            return _openai_failure(error, time.monotonic() - started)
        choice = completion.choices[0] if completion.choices else None
        usage = completion.usage.to_dict() if completion.usage is not None else {}
        return Answer(
            response_id=completion.id,
            model=completion.model,
            text=(choice.message.content or "") if choice is not None else "",
            complete=choice is not None and choice.finish_reason == "stop",
            usage=usage,
            tokens=from_openai_chat(usage) if usage else UnreadableUsage("the answer has no usage"),
            latency_s=time.monotonic() - started,
        )


class AnthropicMessages(_SdkProvider[anthropic.AsyncAnthropic]):
    """Anthropic's Messages API (`POST /v1/messages`), structured output through `output_config.format`.

    Its metadata takes only an opaque `user_id`: a hash of the installation and repository, so the
    provider can tell tenants apart without learning their names.
    """

    def __init__(self, settings: ProviderSettings) -> None:
        client = anthropic.AsyncAnthropic(
            api_key=settings.api_key,
            base_url=settings.base_url,
            max_retries=0,
            # Explicit, which also stops the SDK refusing a large `max_tokens` without streaming.
            timeout=settings.timeout_s,
        )
        super().__init__(settings, client)

    async def complete(self, model: str, prompt: Prompt) -> Answer | ProviderFailure:
        started = time.monotonic()
        tenant = f"{prompt.metadata.get('installation', '')}/{prompt.metadata.get('repo', '')}"
        try:
            message = await self.client.messages.create(
                model=model,
                max_tokens=prompt.max_output_tokens,
                system=prompt.system,
                messages=[{"role": "user", "content": prompt.user}],
                output_config={"format": {"type": "json_schema", "schema": dict(prompt.schema)}},
                metadata={"user_id": hashlib.sha256(tenant.encode()).hexdigest()[:32]},
                extra_headers=_headers(prompt.metadata),
            )
        except anthropic.APIError as error:
            return _anthropic_failure(error, time.monotonic() - started)
        usage = message.usage.to_dict()
        return Answer(
            response_id=message.id,
            model=message.model,
            text="".join(block.text for block in message.content if block.type == "text"),
            complete=message.stop_reason == "end_turn",
            usage=usage,
            tokens=from_anthropic_messages(usage),
            latency_s=time.monotonic() - started,
        )


def _endpoint(settings: ProviderSettings) -> str:
    return f"{settings.wire.value}@{settings.base_url or 'default'}"


def _openai_failure(error: openai.APIError, latency: float) -> ProviderFailure:
    # APITimeoutError is an APIConnectionError: test it first.
    if isinstance(error, openai.APITimeoutError):
        return ProviderFailure(FailureKind.TIMEOUT, str(error), latency)
    if isinstance(error, openai.APIStatusError):
        return ProviderFailure(FailureKind.STATUS, error.message, latency, error.status_code)
    return ProviderFailure(FailureKind.CONNECTION, str(error), latency)


def _anthropic_failure(error: anthropic.APIError, latency: float) -> ProviderFailure:
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderFailure(FailureKind.TIMEOUT, str(error), latency)
    if isinstance(error, anthropic.APIStatusError):
        return ProviderFailure(FailureKind.STATUS, error.message, latency, error.status_code)
    return ProviderFailure(FailureKind.CONNECTION, str(error), latency)


def _metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Attribution within the Responses API's metadata limits."""
    pairs = list(metadata.items())[:_METADATA_PAIRS]
    return {key[:_METADATA_KEY]: value[:_METADATA_VALUE] for key, value in pairs}


def _headers(metadata: Mapping[str, str]) -> dict[str, Any]:
    """Attribution as `X-Scopegate-<key>` headers, which gateways in front of any provider can log; values
    percent-encoded, since a header is ASCII."""
    return {f"X-Scopegate-{key.title()}": quote(value, safe="/#:@") for key, value in metadata.items()}
