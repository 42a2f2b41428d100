"""The vocabulary-free token estimate never under-counts a conservative reference on real text.

The reference (`_reference`) is built from what byte-level BPE tokenizers share, not from any vocabulary:
the text is split with GPT-4's pre-tokenizer pattern (cl100k_base; o200k and Llama 3 split alike at
letter/digit/punctuation/whitespace changes), whose pre-tokens no token ever crosses; each ASCII
pre-token of n bytes is charged ceil(n / 4) tokens, at least one, and each byte of a non-ASCII character
one token. That is at least the true count where it matters: a pre-token is never fewer than one token
(the floor is exact), OpenAI's own figure for English is ~4 characters a token and code is denser in
pre-tokens than prose, so ceil(n / 4) per pre-token lies above the average; a non-ASCII byte per token is
the hard bound. The reference comes to ~2.8 bytes a token on this repository, below the ~3.5-4 the
providers' tokenizers reach on code, so it is conservative; the estimate must stay at or above it, and at
or below the byte count (the bound any estimate has to beat to be of use).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.llm.tokens import estimate_message_tokens, estimate_tokens

ROOT = Path(__file__).parent.parent
# GPT-4's pattern with Python's classes: \p{L} as [^\W\d_], \p{N} as \d; underscores kept as their own run.
_LETTER = r"[^\W\d_]"
_PRE_TOKEN = re.compile(
    rf"'(?i:[sdmt]|ll|ve|re)|[^\r\n\w]?{_LETTER}+|\d{{1,3}}| ?[^\s\w]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+|_+"
)
SOURCES = [
    *sorted(
        path
        for folder in ("bot", "rules", "workers", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".scm", ".yml", ".md", ".mako", ".ini"} and path.is_file()
    ),
    ROOT / "README.md",
]


def _reference(text: str) -> int:
    count = 0
    for match in _PRE_TOKEN.finditer(text):
        piece = match.group()
        ascii_bytes = sum(1 for c in piece if c.isascii())
        other_bytes = len(piece.encode("utf-8", "surrogatepass")) - ascii_bytes
        count += max(1, -(-ascii_bytes // 4) + other_bytes)
    return count


CASES = {
    # parse(5) -> 2, HTTP(4) -> 1, Response(8) -> 2
    "camel_case": ("parseHTTPResponse", 5),
    # 8 spaces -> 2, return(6) -> 2, 1 space -> 1, None(4) -> 1, newline -> 1
    "indented_line": ("        return None\n", 7),
    # 23 digits one each, 17 letters each alone between digits: one each (as many as bytes)
    "commit_sha": ("d0a8a08e4f1c2b3a4d5e6f708192a3b4c5d6e7f8", 40),
    # three CJK characters of 3 bytes each, an emoji of 4: every byte
    "cjk_and_emoji": ("日本語🙂", 13),
    "empty": ("", 0),
}


@pytest.mark.parametrize(("text", "tokens"), list(CASES.values()), ids=list(CASES))
def test_estimate_of_named_texts(text: str, tokens: int) -> None:
    """Hand-counted estimates of texts of each character class; never above the byte count."""
    assert estimate_tokens(text) == tokens
    assert _reference(text) <= tokens <= len(text.encode())


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_estimate_never_under_counts_real_text(path: Path) -> None:
    """On every source file of this repository and its README the estimate is at or above the
    conservative reference and at or below the byte count."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    estimate = estimate_tokens(text)
    assert _reference(text) <= estimate <= len(text.encode("utf-8", "surrogateescape"))


def test_whole_repository_ratio() -> None:
    """Over all of it the estimate is well under the byte count (it is useful) and above the reference."""
    texts = [p.read_text(encoding="utf-8", errors="surrogateescape") for p in SOURCES]
    estimate = sum(estimate_tokens(t) for t in texts)
    reference = sum(_reference(t) for t in texts)
    size = sum(len(t.encode("utf-8", "surrogateescape")) for t in texts)
    assert reference <= estimate < size * 0.6


def test_message_framing_is_added_once_per_message() -> None:
    """A message costs its parts plus a fixed framing allowance."""
    assert estimate_message_tokens("ab", "cd") == estimate_tokens("ab") + estimate_tokens("cd") + 12
