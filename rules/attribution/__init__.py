"""AI attribution: classify the pull request's commits by their signals and bucket its added lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.core.attribution import (
    Bucket,
    Classified,
    CommitClass,
    LineAttribution,
    NoteLines,
    Signal,
    SignalKind,
    attribute_lines,
    classify_commit,
    parse_note,
)
from bot.core.findings import Finding, Severity
from bot.core.locations import RULES_PATH
from bot.core.sections import Code, Section, Table
from bot.core.snapshot import (
    BlameRange,
    ChangedFile,
    Commit,
    ConfigSource,
    FileStatus,
    History,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from rules.attribution.signals import SIGNALS
from rules.base import Context, Example, Need, Rule, RuleResult

ID = "attribution"
HELP = """\
Each commit of the pull request is classified by exact signals — an agent's address or vendor domain, a
GitHub App's `[bot]` login or account id, a trailer key (`Claude-Session:`, `Amp-Thread-ID:`), a footer
(`Generated with [Claude Code]`), aider's ` (aider)` author name — as agent-authored, agent-co-authored
(`Co-authored-by:`), declared-assist (`Assisted-by:`, `Generated-by:`) or none. Bare names never count: a
person called Claude, Devin or Jules, or `(aider)` on the committer only, is not an agent. Each added line
goes to the pull-request commit that last introduced it (`git blame -w` at the head; whitespace-only edits
keep the earlier attribution; lines of the base or of a merged-in base are not the pull request's):
`ai`, `mixed` (an AI line a later commit without a marker rewrote), `assist`, or `unknown` — a missing
marker is never called human. Off by default, `ai_max_lines` fails a pull request whose strict AI share
(ai / attributed lines) reaches `ai_share_threshold` and whose attributed lines exceed it: once size is
controlled for, AI authorship is not known to add defects, and a missing trailer escapes the policy."""


class SignalEntry(BaseModel):
    """One extra row of the signal table."""

    model_config = ConfigDict(extra="forbid")

    agent: str = Field(min_length=1, description="The agent this signal names.")
    # The values of SignalKind: the rules file is validated strictly, where an enum takes only its members.
    kind: Literal["email", "domain", "bot", "bot id", "trailer", "footer", "author suffix"] = Field(
        description="email, domain, bot, bot id, trailer, footer or author suffix."
    )
    pattern: str = Field(min_length=3, description="The exact address, domain, login, id, key or text.")
    confidence: float = Field(0.9, ge=0, le=1, description="How sure the signal is (0 to 1).")


class Config(BaseModel):
    """Extra signals and the optional AI-aware size policy."""

    model_config = ConfigDict(extra="forbid")

    signals: list[SignalEntry] = Field(
        default_factory=list, max_length=500, description="Signals added to the built-in table."
    )
    ai_max_lines: int | None = Field(
        None, ge=1, description="Attributed lines above which an AI-heavy pull request fails (off: null)."
    )
    ai_share_threshold: float = Field(
        0.5, ge=0, le=1, description="Strict AI share from which ai_max_lines applies."
    )


def signal_table(config: Config) -> tuple[Signal, ...]:
    """The built-in signals and the rules file's own."""
    extra = (Signal(s.agent, SignalKind(s.kind), s.pattern, s.confidence) for s in config.signals)
    return (*SIGNALS, *extra)


def evaluate(context: Context, config: Config) -> RuleResult:
    """Commit classes, line buckets and, when the policy is on, a failure for a large AI-heavy change."""
    history = context.snapshot.history
    signals = signal_table(config)
    classes = {c.sha: classify_commit(c, signals) for c in history.commits}
    attribution = None
    if not _blame_helps(history, classes.values()):
        # No commit carries a signal and no note covers a line: every added line is `unknown`, blamed or not.
        added = sum(f.additions for f in context.snapshot.files if not f.binary)
        attribution = LineAttribution(added, {Bucket.UNKNOWN: added} if added else {}, {}, {})
    elif history.blame is not None:
        notes, unread = {}, []
        for sha, text in history.notes.items():
            note = parse_note(text)
            if isinstance(note, NoteLines):
                notes[sha] = note
            else:
                unread.append(f"git-ai note of {sha[:12]} not read: {note}")
        attribution = attribute_lines(
            history.blame,
            history.rewrites,
            classes,
            added=sum(f.additions for f in context.snapshot.files),
            notes=notes,
            partial=(*history.blame_partial, *unread, *_unseen_rewrites(history, classes)),
        )
    findings = []
    if attribution and config.ai_max_lines is not None:
        lines, share = sum(attribution.buckets.values()), attribution.share(Bucket.AI)
        if share >= config.ai_share_threshold and lines > config.ai_max_lines:
            message = (
                f"{share:.0%} of {lines:,} attributed lines are AI-authored; above a share of "
                f"{config.ai_share_threshold:.0%} the limit is {config.ai_max_lines:,} lines."
            )
            findings.append(Finding(ID, Severity.ERROR, message, key="ai_max_lines"))
    section = _section(tuple(classes.values()), attribution, frozenset(history.notes))
    return RuleResult(tuple(findings), (), section)


def _blame_helps(history: History, classes: Iterable[Classified]) -> bool:
    """Whether blaming the added lines can find anything but `unknown` ones."""
    return bool(history.notes) or any(c.kind is not CommitClass.NONE for c in classes)


def later(snapshot: PullRequestSnapshot, config: Config) -> frozenset[Need]:
    """Blame, in the gatherer's second phase, only where a commit carries a signal or a git-ai note: most
    pull requests have neither, and blaming every file of a large one costs more than measuring it."""
    signals = signal_table(config)
    classes = (classify_commit(c, signals) for c in snapshot.history.commits)
    return frozenset({Need.BLAME}) if _blame_helps(snapshot.history, classes) else frozenset()


def _unseen_rewrites(history: History, classes: dict[str, Classified]) -> tuple[str, ...]:
    """Why mixed lines may be missing: the gatherer saw no patches, and an AI commit's lines could have been
    rewritten by a commit without a marker."""
    kinds = {c.kind for c in classes.values()}
    ai = kinds & {CommitClass.AGENT_AUTHORED, CommitClass.AGENT_CO_AUTHORED}
    if history.rewrites_known or not ai or CommitClass.NONE not in kinds:
        return ()
    return ("mixed lines are not told apart here: an AI line a later commit rewrote counts as unknown",)


def _headline(attribution: LineAttribution | None, classes: tuple[Classified, ...]) -> str:
    """The line the check's title carries; none for a pull request without any AI marker, whose title
    stays about its size (the buckets are still in the summary)."""
    flagged = sum(c.kind is not CommitClass.NONE for c in classes)
    marked = attribution is not None and any(attribution.buckets.get(b) for b in (Bucket.AI, Bucket.MIXED))
    if not flagged and not marked:
        return ""
    commits = f"{flagged} of {len(classes)} commit{'s' * (len(classes) != 1)} AI-flagged"
    if attribution is None:
        return f"{commits}; lines not attributed"
    ai, total = attribution.buckets.get(Bucket.AI, 0), sum(attribution.buckets.values())
    return f"{ai:,} of {total:,} added lines AI ({attribution.share(Bucket.AI):.0%}), {commits}"


def _section(
    classes: tuple[Classified, ...], attribution: LineAttribution | None, noted: frozenset[str]
) -> Section:
    blocks: list[Table] = []
    if attribution is not None:
        rows = tuple((b.value, attribution.buckets.get(b, 0)) for b in Bucket)
        blocks.append(Table(("attribution", "lines"), rows))
        if attribution.by_agent:
            agents = sorted(attribution.by_agent.items(), key=lambda a: (-a[1], a[0]))
            blocks.append(Table(("agent", "lines"), tuple((a, n) for a, n in agents)))
    evidence = tuple(
        (Code(c.sha[:12]), c.kind.value, c.agent or "", c.evidence)
        for c in classes
        if c.kind is not CommitClass.NONE
    )
    if evidence:
        title = f"AI evidence ({len(evidence):,} commits)"
        blocks.append(Table(("commit", "class", "agent", "evidence"), evidence, title=title))
    metrics: dict[str, int | float] = {}
    if attribution is not None:
        metrics = {
            "ai_lines": attribution.buckets.get(Bucket.AI, 0),
            "ai_share": attribution.share(Bucket.AI),
        }
    return Section(
        headline=_headline(attribution, classes),
        blocks=tuple(blocks),
        data={"attribution": contract(classes, attribution, noted)},
        metrics=metrics,
    )


def contract(
    classes: tuple[Classified, ...], attribution: LineAttribution | None, noted: frozenset[str]
) -> dict[str, Any]:
    """The JSON contract's `attribution`: line buckets (null where lines were not attributed), the strict
    and inclusive shares, lines by agent, and every commit's class with its evidence."""
    buckets = attribution.buckets if attribution else {}
    partial = list(attribution.partial) if attribution else ["added lines were not blamed on this path"]
    return {
        "ai_lines": buckets.get(Bucket.AI, 0) if attribution else None,
        "mixed_lines": buckets.get(Bucket.MIXED, 0) if attribution else None,
        "assist_lines": buckets.get(Bucket.ASSIST, 0) if attribution else None,
        "unknown_lines": buckets.get(Bucket.UNKNOWN, 0) if attribution else None,
        "attributed_lines": sum(buckets.values()) if attribution else None,
        "outside_lines": attribution.outside if attribution else None,
        "ai_share": {
            "strict": round(attribution.share(Bucket.AI), 4),
            "inclusive": round(attribution.share(Bucket.AI, Bucket.MIXED, Bucket.ASSIST), 4),
        }
        if attribution
        else None,
        "by_agent": dict(attribution.by_agent) if attribution else {},
        "commits": [
            {
                "sha": c.sha,
                "class": c.kind.value,
                "agent": c.agent,
                "evidence": c.evidence,
                "confidence": round(c.confidence, 3),
                "squash": c.squash,
                "git_ai_note": c.sha in noted,
                "lines": {b.value: n for b, n in attribution.by_commit.get(c.sha, {}).items()}
                if attribution
                else None,
            }
            for c in classes
        ],
        "partial": bool(partial),
        "partial_reasons": partial,
    }


def _example(rules: str | None) -> PullRequestSnapshot:
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    agent = Person("Claude", "noreply@anthropic.com")
    commit = Commit("1" * 40, agent, agent, "Add the parser")
    blame = (BlameRange("src/app.py", 1, 600, commit.sha, "src/app.py", 1),)
    return PullRequestSnapshot(
        pull_request=info,
        files=(ChangedFile("src/app.py", FileStatus.ADDED, 600, 0),),
        history=History((commit,), blame=blame),
        repository=RepositoryFiles(rules=(ConfigSource(RULES_PATH, rules),)),
    )


RULE = Rule(
    id=ID,
    summary="Classify commits by AI signals and bucket the added lines: ai, mixed, assist, unknown.",
    help=HELP,
    config=Config,
    evaluate=evaluate,
    examples=(
        Example("600 AI lines pass by default", _example(None), passes=True),
        Example(
            "600 AI lines fail under `ai_max_lines: 400`",
            _example(f"{ID}:\n  ai_max_lines: 400\n"),
            passes=False,
        ),
    ),
    later=later,
)
