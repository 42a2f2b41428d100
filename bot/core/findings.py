"""What a rule reports: findings with a severity, a place and a message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """`error` fails the gate; `warning` becomes an annotation; `info` goes to the summary."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found; `path`/`line` are absent for PR-wide findings."""

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None
