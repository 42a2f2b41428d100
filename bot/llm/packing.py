"""The review prompt's diff, packed under a token budget (DESIGN §8).

Only the changed hunks go in, with a few lines of context from the head. Generated, vendored, lockfile,
snapshot, binary and config-excluded files (`bot.core.files.classify`), removed files and deletion-only
hunks stay out. Files of the pull request's main language come first, then those with the most
deterministic findings. When everything does not fit, whole classes of lines are stripped in order
(`STRIP_ORDER`), counted, until it does; what still does not fit is left out whole, lowest rank first,
and every file the model does not see is listed with why.

The snapshot holds line numbers, not text: the text comes from the head (`texts`, or a `ChangedFile.head`
that holds all of the file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from bot.core.files import EXCLUDED, Kind, classify
from bot.core.findings import Finding, Severity
from bot.core.snapshot import ChangedFile, FileStatus, PullRequestSnapshot
from bot.llm.roles import Role, line_roles
from bot.llm.tokens import estimate_tokens

CONTEXT_LINES = 3
# An error outranks any number of warnings short of ten, a warning any number of infos short of ten.
_WEIGHTS = {Severity.ERROR: 100, Severity.WARNING: 10, Severity.INFO: 1}
# One language per family of suffixes, to find the pull request's main one.
_LANGUAGE_OF = {
    **dict.fromkeys((".py", ".pyi", ".pyx"), "python"),
    **dict.fromkeys((".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"), "javascript"),
    **dict.fromkeys((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh"), "c"),
    **dict.fromkeys((".kt", ".kts"), "kotlin"),
    **dict.fromkeys((".sh", ".bash", ".zsh"), "shell"),
}


class Strip(StrEnum):
    """What is stripped when the budget is tight, in the order it is stripped: least use to a reviewer
    first; context before added lines, and added comments, docstrings and imports before added code."""

    REPEATED_CONTEXT = "repeated context"  # a blank context line, or one already shown
    COMMENTS = "comment-only added lines"
    DOCSTRINGS = "docstring-only added lines"
    IMPORTS = "import lines"
    CONTEXT = "context"  # all the context left


STRIP_ORDER = tuple(Strip)


@dataclass(frozen=True, slots=True)
class Unseen:
    """A changed file the model was not shown, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class PackedDiff:
    """The diff as the model sees it.

    `tokens` is the upper-bound estimate of `text` (`bot.llm.tokens`), never above the budget; `stripped`
    has one entry per strip level applied (none when everything fit), the lines it stripped from the files
    sent; `naive_tokens` estimates the whole diff as it would go without packing (every changed file with
    text, every hunk with its context; removed lines, whose text the snapshot lacks, in neither).
    """

    text: str
    tokens: int
    files: tuple[str, ...]
    unseen: tuple[Unseen, ...]
    stripped: Mapping[Strip, int]
    deletion_only_hunks: int
    naive_tokens: int


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str
    added: bool
    role: Role
    removed_before: int = 0  # lines the hunk removed just before this one


@dataclass(frozen=True, slots=True)
class _Candidate:
    file: ChangedFile
    kind: Kind
    windows: tuple[tuple[_Line, ...], ...]


def pack_diff(
    snapshot: PullRequestSnapshot,
    findings: Sequence[Finding],
    budget: int,
    texts: Mapping[str, str] | None = None,
) -> PackedDiff:
    """The changed hunks of `snapshot` that fit in `budget` tokens, ranked, stripped as little as needed."""
    texts = texts or {}
    unseen: list[Unseen] = []
    candidates: list[_Candidate] = []
    naive: list[str] = []
    deletion_only = 0
    for file, facts in zip(snapshot.files, classify(snapshot), strict=True):
        text = _head_text(file, texts)
        windows = _windows(file, text) if text is not None else None
        if windows is not None:
            naive.append(_render(file, windows, frozenset(), set(), {}))
        deletion_only += sum(1 for h in file.hunks if not h.added)
        reason = _left_out(file, facts.kind, text, windows)
        if reason:
            unseen.append(Unseen(file.path, reason))
        elif windows:
            candidates.append(_Candidate(file, facts.kind, windows))
    ranked = _ranked(candidates, findings)
    for count in range(len(STRIP_ORDER) + 1):
        levels = STRIP_ORDER[:count]
        sections, stripped, dropped = _select(ranked, frozenset(levels), budget)
        if not dropped:
            break
    text = "\n".join(section for _, section in sections)
    return PackedDiff(
        text=text,
        tokens=estimate_tokens(text),
        files=tuple(path for path, _ in sections),
        unseen=(*unseen, *dropped),
        stripped={strip: stripped.get(strip, 0) for strip in levels},
        deletion_only_hunks=deletion_only,
        naive_tokens=estimate_tokens("\n".join(naive)),
    )


def _head_text(file: ChangedFile, texts: Mapping[str, str]) -> str | None:
    if file.path in texts:
        return texts[file.path]
    if file.head is not None and len(file.head) == file.head_size:
        return file.head.decode("utf-8", "replace")
    return None


def _left_out(
    file: ChangedFile, kind: Kind, text: str | None, windows: tuple[tuple[_Line, ...], ...] | None
) -> str:
    """Why the file is not offered to the model at all, or '' when it is."""
    if kind in EXCLUDED:
        return kind.value
    if file.status is FileStatus.REMOVED:
        return "removed"
    if not file.hunks:
        return "no patch (GitHub sends none for large files)" if file.changes else "no line changed"
    if not any(h.added for h in file.hunks):
        return "deletions only"
    if text is None:
        return "its text at the head was not gathered"
    if windows is None:
        return "its text at the head does not match the diff"
    return ""


def _windows(file: ChangedFile, text: str) -> tuple[tuple[_Line, ...], ...] | None:
    """The added lines of each hunk with `CONTEXT_LINES` around them, overlapping windows merged; None
    when the diff names lines the text does not have."""
    lines = text.splitlines()
    roles = line_roles(file.path, text)
    added = {n for h in file.hunks for n in h.added}
    if any(n < 1 or n > len(lines) for n in added):
        return None
    removed_at = {min(h.added): len(h.removed) for h in file.hunks if h.added and h.removed}
    spans: list[list[int]] = []
    for hunk in sorted((h for h in file.hunks if h.added), key=lambda h: min(h.added)):
        start, end = max(1, min(hunk.added) - CONTEXT_LINES), min(len(lines), max(hunk.added) + CONTEXT_LINES)
        if spans and start <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return tuple(
        tuple(
            _Line(n, lines[n - 1], n in added, roles[n - 1], removed_at.get(n, 0))
            for n in range(start, end + 1)
        )
        for start, end in spans
    )


def _ranked(candidates: list[_Candidate], findings: Sequence[Finding]) -> list[_Candidate]:
    """Main-language files first, then by the weight of their findings, source before tests and docs,
    larger changes first, then by path."""
    score: dict[str, int] = {}
    for finding in findings:
        if finding.path is not None:
            score[finding.path] = score.get(finding.path, 0) + _WEIGHTS[finding.severity]
    additions: dict[str, int] = {}
    for candidate in candidates:
        if candidate.kind in {Kind.SOURCE, Kind.TEST}:
            language = _language(candidate.file.path)
            additions[language] = additions.get(language, 0) + candidate.file.additions
    main = max(sorted(additions), key=lambda language: additions[language], default=None)
    return sorted(
        candidates,
        key=lambda c: (
            _language(c.file.path) != main,
            -score.get(c.file.path, 0),
            c.kind is not Kind.SOURCE,
            -c.file.additions,
            c.file.path,
        ),
    )


def _language(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    return _LANGUAGE_OF.get(suffix, suffix)


def _select(
    ranked: list[_Candidate], strips: frozenset[Strip], budget: int
) -> tuple[list[tuple[str, str]], dict[Strip, int], list[Unseen]]:
    """The files that fit, in rank order, each rendered with `strips`; what was stripped from them; the
    files that did not fit."""
    sections: list[tuple[str, str]] = []
    stripped: dict[Strip, int] = {}
    dropped: list[Unseen] = []
    shown: set[str] = set()
    used = 0
    for candidate in ranked:
        seen = set(shown)
        counts: dict[Strip, int] = {}
        section = _render(candidate.file, candidate.windows, strips, seen, counts)
        # Sections are joined by a newline: one token each after the first.
        cost = estimate_tokens(section) + (1 if sections else 0)
        if used + cost > budget:
            dropped.append(Unseen(candidate.file.path, f"over the token budget ({cost} tokens)"))
            continue
        sections.append((candidate.file.path, section))
        shown, used = seen, used + cost
        for strip, count in counts.items():
            stripped[strip] = stripped.get(strip, 0) + count
    return sections, stripped, dropped


def _render(
    file: ChangedFile,
    windows: tuple[tuple[_Line, ...], ...],
    strips: frozenset[Strip],
    seen: set[str],
    counts: dict[Strip, int],
) -> str:
    """One file's section: a header, then each window's lines with their head line numbers (`+` for an
    added line), less what `strips` strips (counted in `counts`; `seen` is the context already shown)."""
    out = [f"### {file.path} ({file.status.value}, +{file.additions} -{file.deletions})"]
    for window in windows:
        out.append(f"@@ line {window[0].number} @@")
        for line in window:
            if line.removed_before:
                removed = line.removed_before
                out.append(f"- ({removed} line{'s' if removed > 1 else ''} removed)")
            strip = _strip_of(line, strips, seen)
            if strip is not None:
                counts[strip] = counts.get(strip, 0) + 1
                continue
            if not line.added:
                seen.add(line.text.strip())
            out.append(f"{'+' if line.added else ' '}{line.number}: {line.text}")
    return "\n".join(out)


def _strip_of(line: _Line, strips: frozenset[Strip], seen: set[str]) -> Strip | None:
    """What strips this line, if anything does."""
    if not line.added:
        if Strip.CONTEXT in strips:
            return Strip.CONTEXT
        if Strip.REPEATED_CONTEXT in strips and (line.role is Role.BLANK or line.text.strip() in seen):
            return Strip.REPEATED_CONTEXT
    if Strip.IMPORTS in strips and line.role is Role.IMPORT:
        return Strip.IMPORTS  # context and added alike
    if line.added and Strip.COMMENTS in strips and line.role is Role.COMMENT:
        return Strip.COMMENTS
    if line.added and Strip.DOCSTRINGS in strips and line.role is Role.DOCSTRING:
        return Strip.DOCSTRINGS
    return None
