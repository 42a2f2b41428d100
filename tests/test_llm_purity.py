"""The LLM review's pure parts do no I/O: they import no I/O library and pricing, estimating and packing
open no file, process or socket (DESIGN §1; `tests/test_core_purity.py` covers bot/core and rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.diff import parse_diff
from bot.core.snapshot import ChangedFile, FileStatus, Hunk, PullRequestInfo, PullRequestSnapshot
from bot.llm.packing import pack_diff
from bot.llm.prices import ModelRates, cost, model_rates
from bot.llm.tokens import estimate_tokens
from bot.llm.unchanged import sameness
from bot.llm.usage import TokenBuckets, from_openai_chat
from tests.test_core_purity import _imported, _no_io

ROOT = Path(__file__).parent.parent
PURE = sorted((ROOT / "bot" / "llm").rglob("*.py"))
IO_PACKAGES = frozenset(
    {"fastapi", "starlette", "uvicorn", "arq", "redis", "githubkit", "httpx", "httpx2", "sqlalchemy"}
    | {"subprocess", "socket", "asyncio", "http", "requests", "psycopg", "sqlite3", "os", "shutil"}
    | {"openai", "anthropic", "urllib.request"}
)


@pytest.mark.parametrize("path", PURE, ids=[str(p.relative_to(ROOT)) for p in PURE])
def test_llm_modules_import_no_io_library(path: Path) -> None:
    """No module of bot/llm imports an I/O library or a provider SDK, nor any part of the App but the
    pure core; `genai_prices.update_prices` (the fetcher of newer tables) is never imported."""
    imported = _imported(path)
    assert not imported & IO_PACKAGES
    assert "genai_prices.update_prices" not in imported
    bot_parts = {name for name in imported if name.startswith("bot.")}
    assert all(part.startswith(("bot.core", "bot.llm")) for part in bot_parts), bot_parts


HUNK = (Hunk(1, 1, 1, 1, range(1, 2), range(1, 2)),)
DIFF = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,0 +2,2 @@\n+import os\n+x = 1\n"


def _unchanged() -> int:
    """Whether a Python, a Go and a manifest change leave code the same, each parsed at both ends."""
    changes = {
        "a.py": (b"# a\nx = 1\n", b"# b\nx = 1\n"),
        "a.go": (b"// a\npackage a\n", b"// b\npackage a\n"),
        "go.mod": (b"require x v1.1.0\n", b"require x v1.2.0\n"),
    }
    files = [
        ChangedFile(path, FileStatus.MODIFIED, 1, 1, hunks=HUNK, head=head, head_size=len(head), base=base)
        for path, (base, head) in changes.items()
    ]
    return sum(sameness(f) is not None for f in files)


def _work() -> int:
    rates = model_rates("gpt-4o-mini", at=datetime(2026, 12, 1, tzinfo=UTC))
    assert isinstance(rates, ModelRates)
    tokens = from_openai_chat({"prompt_tokens": 10, "completion_tokens": 2})
    assert isinstance(tokens, TokenBuckets)
    snapshot = PullRequestSnapshot(PullRequestInfo("main", "t", "a" * 40, "b" * 40), parse_diff(DIFF))
    packed = pack_diff(snapshot, [], 1000, texts={"a.py": "'''doc'''\nimport os\nx = 1\n"})
    assert _unchanged() == 3
    return cost(tokens, rates).total_nano_usd + estimate_tokens(packed.text)


def test_pricing_and_packing_do_no_io() -> None:
    """Once warm (libraries load some modules on first use, which reads .pyc files), pricing a call,
    packing a diff and parsing changed files for what they leave the same open nothing: the price table
    is the one in the package, never fetched."""
    _work()
    with _no_io() as events:
        _work()
    assert events == []
