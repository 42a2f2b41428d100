"""Inline suppression: `scopegate: ignore[rule-id] reason` on the finding's line or the line above."""

from __future__ import annotations

import re
from collections.abc import Sequence

_IGNORE = re.compile(r"scopegate:\s*ignore\[([a-z0-9_,\s-]+)\]\s*(\S.*)?")


def suppressed(lines: Sequence[str], line: int, rule: str) -> bool:
    """Whether line `line` (1-based) or the one above ignores `rule` with a reason (a bare ignore does
    not count: the reason is what a reviewer reads)."""
    for number in (line, line - 1):
        if 1 <= number <= len(lines) and "scopegate" in lines[number - 1]:
            match = _IGNORE.search(lines[number - 1])
            if match and match[2] and rule in {r.strip() for r in match[1].split(",")}:
                return True
    return False
