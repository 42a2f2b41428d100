"""A stand-in LLM provider on a loopback port, speaking the three wire formats the review uses: OpenAI
Responses (`POST /v1/responses`), OpenAI Chat Completions (`POST /v1/chat/completions`) and Anthropic
Messages (`POST /v1/messages`). The official SDKs reach it through `base_url`.

Answers have the shapes the providers' API references give (ids, output items, stop reasons, usage with
its cached and reasoning details); the values are made up per test. It refuses, as a 400 in the
provider's error shape, what the review must never send: a streamed request, one without an output cap or
without the review's JSON schema. Tests script replies (usage, findings, an error status, a stall past
the client's timeout) and read back every request it received.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RESPONSES, CHAT, MESSAGES = "/v1/responses", "/v1/chat/completions", "/v1/messages"
CREATED = 1_764_547_200  # 2025-12-01T00:00:00Z

# Usage as each API reference shows it, with caching and reasoning at work.
RESPONSES_USAGE: dict[str, Any] = {
    "input_tokens": 1520,
    "input_tokens_details": {"cached_tokens": 1280, "cache_write_tokens": 0},
    "output_tokens": 610,
    "output_tokens_details": {"reasoning_tokens": 448},
    "total_tokens": 2130,
}
CHAT_USAGE: dict[str, Any] = {
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
}
MESSAGES_USAGE: dict[str, Any] = {
    "input_tokens": 310,
    "cache_creation_input_tokens": 1536,
    "cache_read_input_tokens": 4096,
    "cache_creation": {"ephemeral_5m_input_tokens": 1536, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 402,
    "service_tier": "standard",
}
_DEFAULT_USAGE = {RESPONSES: RESPONSES_USAGE, CHAT: CHAT_USAGE, MESSAGES: MESSAGES_USAGE}


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `text` replaces the JSON of `findings`; `status` other than 200 answers an
    error in the provider's shape; `stall_s` waits before answering (past the client's timeout, the
    request has left and no answer comes); `cut` answers as if the output cap was reached."""

    findings: tuple[Mapping[str, Any], ...] = ()
    usage: Mapping[str, Any] | None = None
    text: str | None = None
    status: int = 200
    stall_s: float = 0.0
    cut: bool = False


@dataclass(frozen=True)
class Received:
    """A request as the fake received it."""

    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]


@dataclass
class FakeLLM:
    """The running fake: its base URL, the replies still scripted, and what it received."""

    url: str = ""
    replies: deque[Reply] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    # Cleared, it holds every answer until set again (concurrency tests line requests up with it).
    release: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def openai_url(self) -> str:
        """The `base_url` of an OpenAI client (its paths start below /v1)."""
        return f"{self.url}/v1"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in order; after them, a default reply."""
        self.replies.extend(replies)

    def requests_to(self, path: str) -> list[Received]:
        """The requests received on `path`."""
        return [r for r in self.received if r.path == path]

    def next_reply(self, request: Received) -> Reply:
        with self.lock:
            self.received.append(request)
            return self.replies.popleft() if self.replies else Reply()


@contextmanager
def serve_fake_llm() -> Iterator[FakeLLM]:
    """Run a fake provider on 127.0.0.1 (a free port) in a thread for the block."""
    fake = FakeLLM()
    fake.release.set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet: pytest shows failures, not traffic
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            refusal = _refusal(request)
            reply = fake.next_reply(request)
            fake.release.wait(30)
            if reply.stall_s and fake.stopping.wait(reply.stall_s):
                return
            if refusal:
                self._send(400, _error(self.path, 400, refusal))
            elif reply.status != 200:
                self._send(reply.status, _error(self.path, reply.status, "scripted failure"))
            else:
                self._send(200, _answer(request, reply, len(fake.received)))

        def _send(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): the request was still received

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-llm", daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        fake.stopping.set()
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _refusal(request: Received) -> str:
    """Why the request breaks what the review promises to send, or ''."""
    body = request.body
    if body.get("stream"):
        return "stream: the review never streams"
    if not ({"authorization", "x-api-key"} & set(request.headers)):
        return "no credentials"
    if request.path == RESPONSES:
        cap, schema = body.get("max_output_tokens"), body.get("text", {}).get("format", {}).get("schema")
    elif request.path == CHAT:
        cap = body.get("max_completion_tokens", body.get("max_tokens"))
        schema = body.get("response_format", {}).get("json_schema", {}).get("schema")
    elif request.path == MESSAGES:
        cap, schema = body.get("max_tokens"), body.get("output_config", {}).get("format", {}).get("schema")
    else:
        return f"no such endpoint {request.path}"
    if not isinstance(cap, int) or cap < 1:
        return "no output cap"
    if not isinstance(schema, dict) or "findings" not in schema.get("properties", {}):
        return "no review schema"
    return ""


def _answer(request: Received, reply: Reply, number: int) -> dict[str, Any]:
    """A 200 answer in the request's wire format."""
    text = reply.text if reply.text is not None else json.dumps({"findings": list(reply.findings)})
    usage = dict(reply.usage if reply.usage is not None else _DEFAULT_USAGE[request.path])
    model = request.body["model"]
    if request.path == RESPONSES:
        return {
            "id": f"resp_{number:032x}",
            "object": "response",
            "created_at": CREATED,
            "status": "incomplete" if reply.cut else "completed",
            "incomplete_details": {"reason": "max_output_tokens"} if reply.cut else None,
            "error": None,
            "model": model,
            "output": [
                {"id": f"rs_{number:032x}", "type": "reasoning", "summary": []},
                {
                    "id": f"msg_{number:032x}",
                    "type": "message",
                    "status": "incomplete" if reply.cut else "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                },
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "store": request.body.get("store", True),
            "metadata": request.body.get("metadata", {}),
            "usage": usage,
        }
    if request.path == CHAT:
        return {
            "id": f"chatcmpl-{number:029x}",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                    "logprobs": None,
                    "finish_reason": "length" if reply.cut else "stop",
                }
            ],
            "usage": usage or None,  # compatible servers may send none
            "service_tier": "default",
            "system_fingerprint": "fp_5e1c1f2c3d",
        }
    return {
        "id": f"msg_01{number:022x}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "max_tokens" if reply.cut else "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def _error(path: str, status: int, message: str) -> dict[str, Any]:
    """An error body as each provider documents it."""
    kind = {400: "invalid_request_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(
        status, "api_error"
    )
    if path == MESSAGES:
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
