"""The built-in signal table: exact identities, trailer keys and footer lines by agent (DESIGN §4).

Extendable from the rules file (`attribution.signals`). Facts checked against public histories (read
2026-12-02):
- Aider-AI/aider: aider co-authors as `Co-authored-by: aider (<model>) <aider@aider.chat>` (132 commits),
  also `<noreply@aider.dev>` (14) and `<noreply@aider.chat>` (2); it authors as `<Name> (aider)`
  (3,672 commits); `(aider)` on the committer only, with a human author, is on 1,532 more, which this
  table does not count: the author wrote the change, the committer applied it.
- same history: Claude Code writes `Co-Authored-By: Claude <model> <noreply@anthropic.com>` and
  `🤖 Generated with [Claude Code](https://claude.ai/code)`; the Copilot coding agent authors as
  `Copilot <198982749+Copilot@users.noreply.github.com>`; Copilot co-authors as
  `Copilot <175728472+Copilot@users.noreply.github.com>`; Jules authors as
  `google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>`.
- pytest-dev/pytest and astral-sh/ruff (read 2026-12-03), look-alikes the table refused until then:
  `Co-authored-by: Cursor AI <ai@cursor.sh>` (108 trailers on pytest), the Cursor agent's noreply
  `199161495+cursoragent@users.noreply.github.com`, and Copilot co-authoring as
  `223556219+Copilot@users.noreply.github.com` (7 commits: human commits taking Copilot's review suggestions,
  as with 175728472).
The other rows follow the agents' own documentation as DESIGN §4 lists them.
"""

from __future__ import annotations

from bot.core.attribution import Signal, SignalKind

E, D, B, N, T, F, S = (
    SignalKind.EMAIL,
    SignalKind.DOMAIN,
    SignalKind.BOT,
    SignalKind.BOT_ID,
    SignalKind.TRAILER,
    SignalKind.FOOTER,
    SignalKind.AUTHOR_SUFFIX,
)

SIGNALS: tuple[Signal, ...] = (
    Signal("Claude Code", E, "noreply@anthropic.com", 0.95),
    Signal("Claude Code", F, "Generated with [Claude Code]", 0.95),
    Signal("Claude Code", T, "Claude-Session", 0.95),
    Signal("Claude Code", B, "claude[bot]", 0.99),
    Signal("Claude Code", B, "claude-code-action[bot]", 0.99),
    Signal("GitHub Copilot", B, "copilot-swe-agent[bot]", 0.99),
    Signal("GitHub Copilot", N, "198982749", 0.99),
    Signal("GitHub Copilot", N, "175728472", 0.9),
    Signal("GitHub Copilot", N, "223556219", 0.9),
    Signal("GitHub Copilot", T, "Agent-Logs-Url", 0.95),
    Signal("GitHub Copilot", T, "Copilot-Session", 0.95),
    Signal("Cursor", E, "cursoragent@cursor.com", 0.95),
    Signal("Cursor", N, "199161495", 0.95),
    Signal("Cursor", E, "ai@cursor.sh", 0.9),
    Signal("Cursor", T, "Made-with: Cursor", 0.9),
    Signal("OpenAI Codex", E, "noreply@openai.com", 0.95),
    Signal("OpenAI Codex", E, "codex@openai.com", 0.95),
    Signal("OpenAI Codex", B, "chatgpt-codex-connector[bot]", 0.99),
    Signal("Devin", B, "devin-ai-integration[bot]", 0.99),
    Signal("Devin", F, "Generated with [Devin]", 0.9),
    Signal("Aider", E, "aider@aider.chat", 0.95),
    Signal("Aider", E, "noreply@aider.chat", 0.95),
    Signal("Aider", E, "noreply@aider.dev", 0.95),
    Signal("Aider", S, " (aider)", 0.9),
    Signal("Amp", E, "amp@ampcode.com", 0.95),
    Signal("Amp", T, "Amp-Thread-ID", 0.95),
    Signal("OpenHands", E, "openhands@all-hands.dev", 0.95),
    Signal("Jules", B, "google-labs-jules[bot]", 0.99),
    Signal("Jules", N, "161369871", 0.99),
    Signal("Sweep", B, "sweep-ai[bot]", 0.99),
)
