"""AI attribution: commit signals → commit classes → per-line buckets of the final diff (DESIGN §4).

Signals are exact identities (an address, a vendor domain, a GitHub App's `[bot]` login or numeric account
id), trailer keys and footer lines — never a bare name: Claude, Devin and Jules are also people's names.
A line without a marker is `unknown`, never "human".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.snapshot import BlameRange, ChangedFile, Commit, FileStatus, Hunk, Rewrite


class SignalKind(StrEnum):
    """Where a signal looks, and how it matches (all case-insensitive)."""

    EMAIL = "email"  # an address, exactly: the author's or a Co-authored-by trailer's
    DOMAIN = "domain"  # any address at this vendor domain (or its subdomains)
    BOT = "bot"  # a GitHub App's login `name[bot]` in its noreply address, any account id
    BOT_ID = "bot id"  # the numeric account id of `<id>+<login>@users.noreply.github.com`
    TRAILER = "trailer"  # a trailer key (`Claude-Session`), or `Key: value` for an exact value
    FOOTER = "footer"  # text a line of the message contains (`Generated with [Claude Code]`)
    AUTHOR_SUFFIX = "author suffix"  # the end of the author's name (` (aider)`); never the committer's


class CommitClass(StrEnum):
    """What a commit's signals say about who wrote it."""

    AGENT_AUTHORED = "agent-authored"
    AGENT_CO_AUTHORED = "agent-co-authored"
    DECLARED_ASSIST = "declared-assist"
    NONE = "none"


class Bucket(StrEnum):
    """A line's attribution. There is no "human": a missing marker proves nothing."""

    AI = "ai"
    MIXED = "mixed"  # an AI line a commit without a marker later rewrote
    ASSIST = "assist"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Signal:
    """One row of the signal table: `pattern` of `kind` means `agent`, with `confidence` (0 to 1)."""

    agent: str
    kind: SignalKind
    pattern: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Classified:
    """A commit's class, the agent, the evidence line that decided it and its confidence."""

    sha: str
    kind: CommitClass
    agent: str | None = None
    evidence: str = ""
    confidence: float = 0.0
    squash: bool = False


# The keys git and GitHub read a co-author from; assistance declared by key (Linux kernel, Fedora, LLVM
# policies use `Assisted-by:`; some tools write `Generated-by:`).
CO_AUTHOR_KEYS = frozenset({"co-authored-by"})
ASSIST_KEYS = frozenset({"assisted-by", "generated-by"})
_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)\s*$")
_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_NOREPLY = re.compile(r"^(?:(\d+)\+)?([^@+]+)@users\.noreply\.github\.com$")
# GitHub's squash merge lists the squashed commits as `* subject` lines: commit-level evidence that stands
# for several commits, so its confidence is halved.
_SQUASHED = re.compile(r"^\* \S", re.MULTILINE)
SQUASH_FACTOR = 0.5


def trailers(message: str) -> list[tuple[str, str]]:
    """`(key, value)` of the trailer lines of the message's last paragraph (as `git interpret-trailers`
    finds them, without continuation lines), keys lower-cased."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    found = []
    for line in paragraphs[-1].splitlines():
        if match := _TRAILER.match(line):
            found.append((match[1].lower(), match[2]))
    return found


def address(text: str) -> str | None:
    """The email address in `Name <address>`, lower-cased."""
    match = _ADDRESS.search(text)
    return match[1].lower() if match else None


def identity_signal(email: str, signals: Sequence[Signal]) -> Signal | None:
    """The strongest identity signal an address matches, exactly."""
    email = email.strip().lower()
    noreply = _NOREPLY.match(email)
    hits = []
    for signal in signals:
        pattern = signal.pattern.lower()
        if signal.kind is SignalKind.EMAIL:
            hit = email == pattern
        elif signal.kind is SignalKind.DOMAIN:
            domain = email.rpartition("@")[2]
            hit = domain == pattern or domain.endswith(f".{pattern}")
        elif signal.kind is SignalKind.BOT:
            hit = noreply is not None and noreply[2] == pattern
        elif signal.kind is SignalKind.BOT_ID:
            hit = noreply is not None and noreply[1] == pattern
        else:
            continue
        if hit:
            hits.append(signal)
    return max(hits, key=lambda s: s.confidence, default=None)


def classify_commit(commit: Commit, signals: Sequence[Signal]) -> Classified:
    """The commit's class from its author, trailers and message lines; the strongest evidence decides
    within the first class that has any (authored, then co-authored, then declared assistance)."""
    found = trailers(commit.message)
    candidates = _candidates(commit, found, signals)
    squash = len(_SQUASHED.findall(commit.message)) >= 2
    factor = SQUASH_FACTOR if squash else 1.0
    for kind in (CommitClass.AGENT_AUTHORED, CommitClass.AGENT_CO_AUTHORED):
        mine = [(s, e) for k, s, e in candidates if k is kind]
        if mine:
            signal, evidence = max(mine, key=lambda c: c[0].confidence)
            return Classified(commit.sha, kind, signal.agent, evidence, signal.confidence * factor, squash)
    for key, value in found:
        if key in ASSIST_KEYS and value:
            hit = identity_signal(address(value) or "", signals)
            agent = hit.agent if hit else value
            evidence = f"{key}: {value}"
            return Classified(commit.sha, CommitClass.DECLARED_ASSIST, agent, evidence, factor, squash)
    return Classified(commit.sha, CommitClass.NONE, squash=squash)


def _candidates(
    commit: Commit, found: Sequence[tuple[str, str]], signals: Sequence[Signal]
) -> list[tuple[CommitClass, Signal, str]]:
    """Every signal the commit matches, with the class it stands for and the evidence line."""
    candidates: list[tuple[CommitClass, Signal, str]] = []
    author = commit.author
    who = f"author {author.name} <{author.email}>"
    if hit := identity_signal(author.email, signals):
        candidates.append((CommitClass.AGENT_AUTHORED, hit, who))
    for key, value in found:
        email = address(value)
        if key in CO_AUTHOR_KEYS and email and (hit := identity_signal(email, signals)):
            candidates.append((CommitClass.AGENT_CO_AUTHORED, hit, f"{key}: {value}"))
    lines = commit.message.splitlines()
    for signal in signals:
        if signal.kind is SignalKind.AUTHOR_SUFFIX and author.name.lower().endswith(signal.pattern.lower()):
            candidates.append((CommitClass.AGENT_AUTHORED, signal, who))
        elif signal.kind is SignalKind.TRAILER:
            hits = (f"{k}: {v}" for k, v in found if _trailer_matches(signal.pattern, k, v))
            if line := next(hits, None):
                candidates.append((CommitClass.AGENT_CO_AUTHORED, signal, line))
        elif signal.kind is SignalKind.FOOTER:
            text = next((x.strip() for x in lines if signal.pattern.lower() in x.lower()), None)
            if text is not None:
                candidates.append((CommitClass.AGENT_CO_AUTHORED, signal, text))
    return candidates


def _trailer_matches(pattern: str, key: str, value: str) -> bool:
    want_key, colon, want_value = pattern.partition(":")
    if want_key.strip().lower() != key:
        return False
    return not colon or want_value.strip().lower() == value.strip().lower()


def is_look_alike(commit: Commit) -> tuple[str, str, str] | None:
    """What in an unflagged commit names an agent by a word only (the author's or committer's name, a
    co-author's), for reports of what the rules refused: `(role, word, name)`; None when nothing does."""
    names = [("author", commit.author.name), ("committer", commit.committer.name)]
    names += [("co-author", v) for k, v in trailers(commit.message) if k in CO_AUTHOR_KEYS]
    for role, name in names:
        if match := _AGENT_WORDS.search(name):
            return role, match[1].lower(), name
    return None


_AGENT_WORDS = re.compile(r"\b(claude|copilot|cursor|codex|devin|aider|jules|amp|openhands|sweep)\b", re.I)


@dataclass(frozen=True, slots=True)
class LineAttribution:
    """The buckets of a pull request's added lines, by agent and by commit."""

    added: int
    buckets: Mapping[Bucket, int]
    by_agent: Mapping[str, int]
    by_commit: Mapping[str, Mapping[Bucket, int]]
    outside: int = 0  # added lines blame gives to a commit outside the pull request (a merged base)
    partial: tuple[str, ...] = ()

    def share(self, *buckets: Bucket) -> float:
        """The share of attributed added lines in `buckets`; 0 when nothing was attributed."""
        total = sum(self.buckets.values())
        return sum(self.buckets.get(b, 0) for b in buckets) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class _Tally:
    buckets: Counter[Bucket] = field(default_factory=Counter)
    agents: Counter[str] = field(default_factory=Counter)
    commits: dict[str, Counter[Bucket]] = field(default_factory=dict)


def attribute_lines(
    blame: Iterable[BlameRange],
    rewrites: Iterable[Rewrite],
    classes: Mapping[str, Classified],
    *,
    added: int,
    notes: Mapping[str, NoteLines] | None = None,
    partial: Sequence[str] = (),
) -> LineAttribution:
    """Bucket the added lines blame gives to the pull request's commits (`classes` holds exactly those).

    A line a commit's git-ai note covers is `ai` (an agent's key) or `unknown` (a known human's): line-level
    evidence wins. Otherwise a line of an AI commit is `ai`; of a declared-assist commit `assist`; of a
    commit without a marker `mixed` when that commit rewrote lines an AI commit had written (a replacing
    hunk of `rewrites`), else `unknown`. Lines blamed outside the pull request (the base, a merged-in base
    branch) are not its own.
    """
    notes = notes or {}
    replaced: dict[tuple[str, str], list[Rewrite]] = {}
    for rewrite in rewrites:
        replaced.setdefault((rewrite.sha, rewrite.path), []).append(rewrite)
    tally = _Tally()
    outside = 0
    for blamed in blame:
        cls = classes.get(blamed.sha)
        if cls is None:
            outside += blamed.length
            continue
        per_commit = tally.commits.setdefault(blamed.sha, Counter())
        note = notes.get(blamed.sha)
        if note is None and cls.kind in (CommitClass.AGENT_AUTHORED, CommitClass.AGENT_CO_AUTHORED):
            _count(tally, per_commit, Bucket.AI, blamed.length, cls.agent)
            continue
        if note is None and cls.kind is CommitClass.DECLARED_ASSIST:
            _count(tally, per_commit, Bucket.ASSIST, blamed.length, cls.agent)
            continue
        mine = replaced.get((blamed.sha, blamed.original_path), ())
        for line in range(blamed.original_start, blamed.original_start + blamed.length):
            bucket, agent = _line_bucket(
                cls, note, blamed.original_path, line, rewrites=mine, classes=classes
            )
            _count(tally, per_commit, bucket, 1, agent)
    return LineAttribution(
        added=added,
        buckets=dict(tally.buckets),
        by_agent=dict(tally.agents),
        by_commit={sha: dict(c) for sha, c in tally.commits.items()},
        outside=outside,
        partial=tuple(partial),
    )


def _line_bucket(
    cls: Classified,
    note: NoteLines | None,
    path: str,
    line: int,
    *,
    rewrites: Iterable[Rewrite],
    classes: Mapping[str, Classified],
) -> tuple[Bucket, str | None]:
    """One line's bucket and agent: the note's word where it covers the line, else the commit's class."""
    if note is not None:
        covered, agent = note.agent_at(path, line)
        if covered:
            return (Bucket.AI, agent) if agent else (Bucket.UNKNOWN, None)
    if cls.kind in (CommitClass.AGENT_AUTHORED, CommitClass.AGENT_CO_AUTHORED):
        return Bucket.AI, cls.agent
    if cls.kind is CommitClass.DECLARED_ASSIST:
        return Bucket.ASSIST, cls.agent
    agent = _rewritten_agent(rewrites, line, classes)
    return (Bucket.UNKNOWN, None) if agent is None else (Bucket.MIXED, agent)


def _count(tally: _Tally, per_commit: Counter[Bucket], bucket: Bucket, lines: int, agent: str | None) -> None:
    tally.buckets[bucket] += lines
    per_commit[bucket] += lines
    if agent is not None and bucket is not Bucket.UNKNOWN:
        tally.agents[agent] += lines


def _rewritten_agent(rewrites: Iterable[Rewrite], line: int, classes: Mapping[str, Classified]) -> str | None:
    """The agent whose lines the commit replaced to write `line` (its number in that commit), if any."""
    for rewrite in rewrites:
        if rewrite.start <= line < rewrite.start + rewrite.length:
            for sha in rewrite.replaced:
                cls = classes.get(sha)
                if cls and cls.kind in (CommitClass.AGENT_AUTHORED, CommitClass.AGENT_CO_AUTHORED):
                    return cls.agent
    return None


# git-ai's Authorship Log (specs/git_ai_standard_v3.0.0.md in git-ai-project/git-ai): an attestation
# section (`path` lines, then `  <key> <ranges>` lines; line numbers of the file in that commit), a `---`
# line, and JSON metadata with `schema_version` "authorship/3.0.0". Keys `s_…::t_…` resolve in
# `sessions`, bare hex keys in `prompts` (both AI, with `agent_id.tool`); `h_…` keys are known humans.
NOTE_SCHEMA = "authorship/3."
NOTE_TOOLS = {
    "claude": "Claude Code",
    "cursor": "Cursor",
    "copilot": "GitHub Copilot",
    "codex": "OpenAI Codex",
    "amp": "Amp",
    "gemini": "Gemini",
    "windsurf": "Windsurf",
}


@dataclass(frozen=True, slots=True)
class NoteLines:
    """A commit's git-ai note: per path, `(first, last, agent)` ranges; agent None for a known human."""

    ranges: Mapping[str, tuple[tuple[int, int, str | None], ...]]

    def agent_at(self, path: str, line: int) -> tuple[bool, str | None]:
        """Whether the note covers the line, and its agent (None: a known human)."""
        for first, last, agent in self.ranges.get(path, ()):
            if first <= line <= last:
                return True, agent
        return False, None


def parse_note(text: str) -> NoteLines | str:
    """A git-ai authorship note, or why it cannot be read (another schema, broken JSON)."""
    attestation, divider, metadata_text = text.partition("\n---\n")
    if not divider:
        return "no `---` divider"
    try:
        metadata = json.loads(metadata_text)
    except ValueError:
        return "metadata is not JSON"
    schema = metadata.get("schema_version") if isinstance(metadata, dict) else None
    if not isinstance(schema, str) or not schema.startswith(NOTE_SCHEMA):
        return f"schema {schema!r}, not authorship/3"
    tools = {
        key: _tool(record)
        for table in ("sessions", "prompts")
        for key, record in (metadata.get(table) or {}).items()
    }
    ranges: dict[str, list[tuple[int, int, str | None]]] = {}
    path = ""
    for line in attestation.splitlines():
        if not line.strip():
            continue
        if not line.startswith("  "):
            path = line[1:-1] if len(line) > 1 and line[0] == line[-1] == '"' else line
            continue
        key, _, spans = line.strip().partition(" ")
        agent = None if key.startswith("h_") else tools.get(key.split("::")[0], "git-ai")
        for span in spans.split(","):
            first, _, last = span.partition("-")
            if first.isdigit() and (not last or last.isdigit()):
                ranges.setdefault(path, []).append((int(first), int(last or first), agent))
    return NoteLines({p: tuple(r) for p, r in ranges.items()})


def _tool(record: object) -> str:
    agent = record.get("agent_id") if isinstance(record, dict) else None
    tool = agent.get("tool") if isinstance(agent, dict) else None
    return NOTE_TOOLS.get(str(tool).lower(), str(tool)) if tool else "git-ai"


def added_spans(hunks: Iterable[Hunk]) -> list[tuple[int, int]]:
    """The added lines of `hunks` as `(first, last)` runs: a patch with context lines (GitHub's) has
    hunks wider than what they add."""
    spans: list[tuple[int, int]] = []
    for hunk in hunks:
        added = hunk.added
        if isinstance(added, range) and added.step == 1:
            runs = [(added.start, added.stop - 1)] if len(added) else []
        else:
            runs = []
            for line in added:
                if runs and runs[-1][1] == line - 1:
                    runs[-1] = (runs[-1][0], line)
                else:
                    runs.append((line, line))
        spans.extend(runs)
    return spans


def blamed_ranges(files: Sequence[ChangedFile]) -> dict[str, list[tuple[int, int]]]:
    """`{path: [(first, last)]}` of the added lines at the head of the text files that add any: what is
    blamed."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for file in files:
        if file.binary or file.status is FileStatus.REMOVED:
            continue
        spans = added_spans(file.hunks)
        if spans:
            ranges[file.path] = spans
    return ranges
