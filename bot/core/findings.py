"""What a rule reports: findings with a severity, a place, a scope and a fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """`error` fails the gate; `warning` becomes an annotation; `info` goes to the summary."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Scope(StrEnum):
    """What a finding is about: the whole pull request, a file, or new code ("clean as you code").

    `added`: its anchor line is added; `touched`: its node overlaps an added line.
    """

    PULL_REQUEST = "pull request"
    FILE = "file"
    TOUCHED = "touched"
    ADDED = "added"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found; `path`/`line` are absent for pull-request-wide findings.

    `key` is what makes the finding the same one across pushes (a limit's name, a node's normalised text);
    the fingerprint hashes it with the rule and path, so a re-run updates a finding instead of adding one.
    `occurrence` tells apart identical findings in one verdict (the same statement twice in a file).
    """

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None
    scope: Scope = Scope.PULL_REQUEST
    key: str = ""
    occurrence: int = 0

    @property
    def fingerprint(self) -> str:
        """A stable id: rule, path, key (the message when there is no key) and occurrence.

        A path git could not decode (its bytes held as lone surrogates) has one too.
        """
        identity = "\0".join((self.rule, self.path or "", self.key or self.message, str(self.occurrence)))
        return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:20]
