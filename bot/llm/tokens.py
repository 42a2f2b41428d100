"""How many tokens a text takes at most, without any model's vocabulary (none is downloaded at run time).

Modern tokenizers are byte-level BPE (OpenAI's cl100k and o200k, Llama 3, Anthropic's): a text is first
split into pre-tokens at changes of character class (letters, digits, punctuation, whitespace), tokens
never cross those boundaries, and every token is at least one byte. So a byte count is a hard bound, and
a count by character class is a tight one where tokens are known to be long. The estimate charges:

- a run of ASCII letters, split at each case change (`parseHTTPResponse` → parse, HTTP, Response), one
  token per 4 letters or part of that (English and code words average more than 4 letters a token);
- a digit, an ASCII punctuation or control character, a newline: one token each (some tokenizers split
  digits one by one);
- a run of spaces and tabs: one token per 4 of them or part of that, even the single space that BPE
  folds into the next word for free;
- every byte of a non-ASCII character: one token (the hard bound, where a vocabulary may have nothing).

It over-counts prose and code by design (about 1.5-2.5 times what the providers count), so a prompt packed
under a budget by this estimate fits that budget with any of those tokenizers.
"""

from __future__ import annotations

import re

# Letters split at case changes (an acronym keeps its capitals: `HTTPResponse` → HTTP, Response), a run
# of spaces/tabs, or any other single character.
_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[ \t]+|.", re.DOTALL)
_LETTERS_PER_TOKEN = 4
_BLANKS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """An upper bound of the tokens `text` takes with a byte-level BPE tokenizer."""
    total = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        first = piece[0]
        if first.isascii() and first.isalpha():
            total += -(-len(piece) // _LETTERS_PER_TOKEN)
        elif first in " \t":
            total += -(-len(piece) // _BLANKS_PER_TOKEN)
        else:
            total += len(piece.encode("utf-8", "surrogatepass"))
    return total


def estimate_message_tokens(*parts: str) -> int:
    """An upper bound for a chat message made of `parts`, with the few tokens of framing each provider
    adds per message (role markers, separators)."""
    return _MESSAGE_FRAMING + sum(estimate_tokens(part) for part in parts)


# OpenAI documents 3 tokens of framing per message and 3 to prime the reply; twice that is room to spare.
_MESSAGE_FRAMING = 12
