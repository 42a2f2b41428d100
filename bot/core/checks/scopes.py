"""Which findings count on new code ("clean as you code"): by their anchor line or their whole node."""

from __future__ import annotations

from bot.core.findings import Scope


def in_scope(scope: Scope, line: int, end_line: int, added: frozenset[int]) -> bool:
    """Whether a finding on lines `line`…`end_line` counts: `added` when its anchor line is added,
    `touched` when any of its lines is, `file` always."""
    if scope is Scope.ADDED:
        return line in added
    if scope is Scope.TOUCHED:
        return any(n in added for n in range(line, end_line + 1))
    return True
