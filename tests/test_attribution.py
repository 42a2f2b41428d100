"""Commit classification by exact signals: each agent's real trailer or author form, and the look-alikes
that must not match (DESIGN §4)."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.core.attribution import (
    CommitClass,
    SignalKind,
    classify_commit,
    trailers,
)
from bot.core.line_replay import FilePatch, PatchHunk, replay, replay_rewrites
from bot.core.snapshot import Commit, Person
from rules.attribution import Config, SignalEntry, signal_table
from rules.attribution.signals import SIGNALS

HUMAN = Person("Ada Author", "ada@example.com")
A, CO, ASSIST, NONE = (
    CommitClass.AGENT_AUTHORED,
    CommitClass.AGENT_CO_AUTHORED,
    CommitClass.DECLARED_ASSIST,
    CommitClass.NONE,
)

# (id, author, committer, message, class, agent)
CASES = [
    # Real forms read in Aider-AI/aider's history.
    (
        "aider co-author",
        HUMAN,
        HUMAN,
        "fix: x\n\nCo-authored-by: aider (gemini/gemini-3-pro-preview) <aider@aider.chat>",
        CO,
        "Aider",
    ),
    (
        "aider co-author aider.dev",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.dev>",
        CO,
        "Aider",
    ),
    ("aider author suffix", Person("Paul Gauthier (aider)", "paul@aider.chat"), HUMAN, "feat: y", A, "Aider"),
    (
        "aider committer only",
        HUMAN,
        Person("Paul Gauthier (aider)", "paul@aider.chat"),
        "feat: y",
        NONE,
        None,
    ),
    (
        "claude code footer and trailer",
        HUMAN,
        HUMAN,
        "Add z\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>",
        CO,
        "Claude Code",
    ),
    (
        "claude code footer only",
        HUMAN,
        HUMAN,
        "Add z\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        CO,
        "Claude Code",
    ),
    ("claude session trailer", HUMAN, HUMAN, "Add z\n\nClaude-Session: 0b1c", CO, "Claude Code"),
    (
        "claude bot author",
        Person("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"),
        HUMAN,
        "x",
        A,
        "Claude Code",
    ),
    (
        "copilot agent author",
        Person("Copilot", "198982749+Copilot@users.noreply.github.com"),
        HUMAN,
        "Initial plan",
        A,
        "GitHub Copilot",
    ),
    (
        "copilot co-author",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
        CO,
        "GitHub Copilot",
    ),
    (
        "copilot agent logs",
        HUMAN,
        HUMAN,
        "x\n\nAgent-Logs-Url: https://github.com/o/r/sessions/1",
        CO,
        "GitHub Copilot",
    ),
    (
        "cursor co-author",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
        CO,
        "Cursor",
    ),
    (
        "cursor agent noreply co-author",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: Cursor Agent <199161495+cursoragent@users.noreply.github.com>",
        CO,
        "Cursor",
    ),
    ("cursor ai co-author", HUMAN, HUMAN, "x\n\nCo-authored-by: Cursor AI <ai@cursor.sh>", CO, "Cursor"),
    (
        "copilot newer co-author id",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",
        CO,
        "GitHub Copilot",
    ),
    ("cursor made-with", HUMAN, HUMAN, "x\n\nMade-with: Cursor", CO, "Cursor"),
    ("codex co-author", HUMAN, HUMAN, "x\n\nCo-authored-by: Codex <noreply@openai.com>", CO, "OpenAI Codex"),
    (
        "codex connector",
        Person(
            "chatgpt-codex-connector[bot]", "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com"
        ),
        HUMAN,
        "x",
        A,
        "OpenAI Codex",
    ),
    (
        "devin bot",
        Person("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com"),
        HUMAN,
        "x",
        A,
        "Devin",
    ),
    (
        "jules bot",
        Person("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com"),
        HUMAN,
        "x",
        A,
        "Jules",
    ),
    (
        "amp thread",
        HUMAN,
        HUMAN,
        "x\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1\nCo-authored-by: Amp <amp@ampcode.com>",
        CO,
        "Amp",
    ),
    ("openhands", HUMAN, HUMAN, "x\n\nCo-authored-by: openhands <openhands@all-hands.dev>", CO, "OpenHands"),
    (
        "sweep",
        Person("sweep-ai[bot]", "128439645+sweep-ai[bot]@users.noreply.github.com"),
        HUMAN,
        "x",
        A,
        "Sweep",
    ),
    ("assisted-by", HUMAN, HUMAN, "x\n\nAssisted-by: Claude:claude-3-opus", ASSIST, "Claude:claude-3-opus"),
    ("generated-by", HUMAN, HUMAN, "x\n\nGenerated-by: GitHub Copilot", ASSIST, "GitHub Copilot"),
    # Look-alikes: bare names, words, and trailers in the body rather than the footer.
    ("human named Claude", Person("Claude Monet", "claude@example.fr"), HUMAN, "x", NONE, None),
    ("human named Devin", Person("Devin Smith", "devin@example.com"), HUMAN, "x", NONE, None),
    ("human named Jules", Person("Jules Verne", "jules@example.com"), HUMAN, "x", NONE, None),
    (
        "co-author named Claude",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: Claude Shannon <claude@bell-labs.com>",
        NONE,
        None,
    ),
    (
        "the word cursor",
        HUMAN,
        HUMAN,
        "Fix the cursor position\n\ntext_before_cursor was off by one",
        NONE,
        None,
    ),
    (
        "name with model in parens",
        Person("Ali Ayas (claude-sonnet-4-20250514)", "mali@example.com"),
        HUMAN,
        "x",
        NONE,
        None,
    ),
    (
        "claude in the name only",
        Person("Greg OmniMind (claude)", "gw+claude@example.pl"),
        HUMAN,
        "x",
        NONE,
        None,
    ),
    ("not a bot login", Person("claude", "12345+claude@users.noreply.github.com"), HUMAN, "x", NONE, None),
    ("aider mid-name", Person("(aider) fan", "fan@example.com"), HUMAN, "x", NONE, None),
    (
        "anthropic lookalike domain",
        HUMAN,
        HUMAN,
        "x\n\nCo-authored-by: X <noreply@anthropic.com.evil.io>",
        NONE,
        None,
    ),
    (
        "dependabot",
        Person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        HUMAN,
        "x",
        NONE,
        None,
    ),
]


@pytest.mark.parametrize(
    ("author", "committer", "message", "kind", "agent"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_classification(
    author: Person, committer: Person, message: str, kind: CommitClass, agent: str | None
) -> None:
    """Each real form is classified with its agent; no look-alike is."""
    found = classify_commit(Commit("a" * 40, author, committer, message), SIGNALS)
    assert (found.kind, found.agent) == (kind, agent)
    assert bool(found.evidence) is (kind is not NONE)


def test_squash_halves_the_confidence() -> None:
    """A squash merge listing several commits is commit-level evidence for all of them: lower confidence."""
    message = "Feature (#12)\n\n* add a\n\n* add b\n\nCo-authored-by: Codex <noreply@openai.com>"
    found = classify_commit(Commit("b" * 40, HUMAN, HUMAN, message), SIGNALS)
    assert found.kind is CO
    assert found.squash
    assert found.confidence == pytest.approx(0.475)


def test_rules_file_adds_signals() -> None:
    """A signal the rules file adds is matched like a built-in one."""
    config = Config(signals=[SignalEntry(agent="Acme Bot", kind="email", pattern="bot@acme.dev")])
    commit = Commit("c" * 40, HUMAN, HUMAN, "x\n\nCo-authored-by: Acme <bot@acme.dev>")
    assert classify_commit(commit, signal_table(config)).agent == "Acme Bot"
    assert classify_commit(commit, SIGNALS).kind is NONE


def test_trailers_only_from_the_last_paragraph() -> None:
    """A `Key: value` line in the body is not a trailer; a one-paragraph message has none."""
    assert trailers("Co-authored-by: a <noreply@anthropic.com>") == []
    assert trailers("x\n\nNote: a\n\nbody") == []
    assert trailers("x\n\nA-B: 1\nC: 2") == [("a-b", "1"), ("c", "2")]


def test_replay_finds_rewrites_transitively() -> None:
    """A line an AI commit wrote and two later commits rewrote in turn still carries the AI commit."""
    patches: list[tuple[str, list[FilePatch]]] = [
        ("ai", [(None, "f.py", [PatchHunk(0, 0, 1, 3)])]),
        ("h1", [("f.py", "f.py", [PatchHunk(2, 1, 2, 1)])]),
        ("h2", [("f.py", "g.py", [PatchHunk(2, 1, 2, 2)])]),
    ]
    rewrites = replay_rewrites(patches)
    assert [(r.sha, r.path, r.start, r.length, r.replaced) for r in rewrites] == [
        ("h1", "f.py", 2, 1, frozenset({"ai"})),
        ("h2", "g.py", 2, 2, frozenset({"ai", "h1"})),
    ]


def test_replay_keeps_a_line_changed_only_in_whitespace() -> None:
    """A hunk with its lines' text (GitHub's patches do not ignore whitespace): a re-indented line keeps
    the commit that wrote it and its number there; a line rewritten in the same hunk is the new commit's,
    a rewrite of the AI line; a merge's lines are the base's."""
    added = ("def f():", "  return 1", "x = 2")
    patches: list[tuple[str, list[FilePatch]]] = [
        ("ai", [(None, "f.py", [PatchHunk(0, 0, 1, 3, (), added)])]),
        ("fmt", [("f.py", "f.py", [PatchHunk(1, 3, 1, 3, added, ("def f():", "    return 1", "x = 3"))])]),
        ("merge", [("f.py", "f.py", [PatchHunk(3, 0, 4, 1, (), ("y = 1",))])]),
    ]
    replayed = replay(patches, merges=frozenset({"merge"}))
    blamed = [(b.start, b.length, b.sha, b.original_start) for b in replayed.blame({"f.py": [(1, 4)]})]
    assert blamed == [(1, 2, "ai", 1), (3, 1, "fmt", 3), (4, 1, "", 0)]
    assert [(r.sha, r.start, r.length, r.replaced) for r in replayed.rewrites] == [
        ("fmt", 3, 1, frozenset({"ai"}))
    ]


def test_the_literal_of_signal_kinds_is_the_enum() -> None:
    """The rules file's `kind` accepts exactly the kinds the matcher knows."""
    assert set(get_args(SignalEntry.model_fields["kind"].annotation)) == {k.value for k in SignalKind}
