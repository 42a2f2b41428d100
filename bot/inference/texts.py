"""The review's instructions and answer schema, read from the files beside `bot.llm` that a maintainer
reads and edits (`prompt.md`, `review_schema.json`), once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def system_prompt() -> str:
    """The instructions sent with every review (`bot/llm/prompt.md`)."""
    return resources.files("bot.llm").joinpath("prompt.md").read_text(encoding="utf-8")


@cache
def review_schema() -> dict[str, Any]:
    """The JSON schema of the model's answer (`bot/llm/review_schema.json`)."""
    text = resources.files("bot.llm").joinpath("review_schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
