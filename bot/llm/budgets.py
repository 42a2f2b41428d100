"""The budgets a review call is charged against, as plain data (DESIGN §8, issue 13): one scope per limit
set (per PR, repository per month, team per month, installation per month, stage per month, everything
per day), each with its period in its counter's name, so a new month starts at zero by construction and
an old counter is never read for a new period.

The counters themselves live in Redis (`bot.inference.budget`); here is only what they are called, how
long they live, and how a refusal reads. Amounts are nano-USD, like the prices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.llm.tokens import estimate_message_tokens

KEY_PREFIX = "scopegate:llm:budget"
# A counter outlives its period by a day, so a call settled just after midnight still lands on it.
_GRACE = timedelta(days=1)
# A pull request's counter has no period; unused this long, it is dropped and re-seeded from the ledger.
_PR_IDLE = timedelta(days=90)
# Below this many diff tokens a review sees too little to be worth its fixed cost (instructions, schema).
_SMALLEST_PROMPT = 1_000


class ScopeKind(StrEnum):
    """What a budget covers."""

    PR = "pr"
    REPO = "repo"
    TEAM = "team"
    INSTALLATION = "installation"
    STAGE = "stage"
    GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """Limits in nano-USD; None leaves that scope unlimited (and uncounted: the ledger still has it)."""

    per_pr: int | None = None
    repo_month: int | None = None
    team_month: int | None = None
    installation_month: int | None = None
    stage_month: int | None = None
    global_day: int | None = None


_USD = 1_000_000_000
# What a review spends unless configured otherwise: an App switched on without budgets does not run up a
# bill (a review call of a mid-size model costs about a cent).
DEFAULT_LIMITS = BudgetLimits(
    per_pr=_USD // 2, repo_month=25 * _USD, installation_month=100 * _USD, global_day=20 * _USD
)


def narrowed(limits: BudgetLimits, *, per_pr: int | None, repo_month: int | None) -> BudgetLimits:
    """`limits` with a repository's own per-PR and monthly limits where they are lower (a rules file can
    tighten the App's budgets, never loosen them); None leaves a limit as it is."""

    def lower(own: int | None, app: int | None) -> int | None:
        return app if own is None else own if app is None else min(own, app)

    return replace(
        limits, per_pr=lower(per_pr, limits.per_pr), repo_month=lower(repo_month, limits.repo_month)
    )


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a call is for; `team` is the owning team of the changed code, when routing found one."""

    installation: int
    repo: str
    pr: int
    stage: str
    team: str | None = None

    def metadata(self) -> dict[str, str]:
        """The attribution as provider request metadata."""
        tags = {"installation": str(self.installation), "repo": self.repo, "pr": str(self.pr)}
        return {**tags, "stage": self.stage, **({"team": self.team} if self.team else {})}


@dataclass(frozen=True, slots=True)
class BudgetScope:
    """One counter: what it covers, its period (`starts` to `resets`, none for a pull request) and limit."""

    kind: ScopeKind
    name: str
    period: str
    limit: int
    starts: datetime | None
    resets: datetime | None

    @property
    def key(self) -> str:
        """The counter's Redis key: kind, period, then the name (which may hold any character)."""
        return f"{KEY_PREFIX}:{self.kind.value}:{self.period}:{self.name}"

    def ttl_s(self, now: datetime) -> int:
        """How long a counter seeded at `now` lives, in seconds."""
        ends = (self.resets + _GRACE) if self.resets is not None else now + _PR_IDLE
        return max(1, int((ends - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class BudgetExhausted:
    """A call refused because one scope cannot take its worst case."""

    scope: BudgetScope
    spent: int
    needed: int

    @property
    def message(self) -> str:
        """One sentence for the review check: which budget, spent of limit, and when it resets."""
        what = f"the {self.scope.kind.value} budget ({self.scope.name}, {self.scope.period})"
        resets = (
            f"; it resets {self.scope.resets:%Y-%m-%d %H:%M} UTC"
            if self.scope.resets is not None
            else "; it does not reset for this pull request"
        )
        return (
            f"{what} has {format_usd(self.spent)} of {format_usd(self.scope.limit)} spent, and the call "
            f"could cost up to {format_usd(self.needed)}{resets}"
        )


def budget_scopes(attribution: Attribution, limits: BudgetLimits, at: datetime) -> tuple[BudgetScope, ...]:
    """The scopes a call at `at` (aware) is charged against: one per limit set, in the order of
    `BudgetLimits`."""
    at = at.astimezone(UTC)
    month, next_month = _month(at)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    monthly = (month, next_month, f"{at:%Y-%m}")
    candidates = (
        (ScopeKind.PR, f"{attribution.repo}#{attribution.pr}", limits.per_pr, (None, None, "all")),
        (ScopeKind.REPO, attribution.repo, limits.repo_month, monthly),
        (ScopeKind.TEAM, attribution.team, limits.team_month, monthly),
        (ScopeKind.INSTALLATION, str(attribution.installation), limits.installation_month, monthly),
        (ScopeKind.STAGE, attribution.stage, limits.stage_month, monthly),
        (ScopeKind.GLOBAL, "all", limits.global_day, (day, day + timedelta(days=1), f"{at:%Y-%m-%d}")),
    )
    return tuple(
        BudgetScope(kind, name, period, limit, starts, resets)
        for kind, name, limit, (starts, resets, period) in candidates
        if limit is not None and name is not None
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One way to make the review call: `degraded` says how it was cut down ('' as configured)."""

    model: str
    prompt_tokens: int
    degraded: str = ""


def degraded_attempts(model: str, prompt_tokens: int, cheaper: Sequence[str]) -> tuple[Attempt, ...]:
    """What to try, in order, while the budget refuses: the call as configured, then the same model with a
    quarter of the diff's tokens (packing strips comments, docstrings, imports and context first), then
    each cheaper model with that smaller context. After the last, the review is skipped."""
    small = max(_SMALLEST_PROMPT, prompt_tokens // 4)
    attempts = [Attempt(model, prompt_tokens)]
    if small < prompt_tokens:
        attempts.append(Attempt(model, small, f"a smaller context ({small:,} diff tokens)"))
    attempts += [Attempt(m, small, f"the cheaper {m} with a smaller context") for m in cheaper if m != model]
    return tuple(attempts)


def repository_models(
    asked: str | None, model: str, cheaper: Sequence[str]
) -> tuple[str, tuple[str, ...]] | str:
    """The model a repository's rules file asks for (`asked`) and the cheaper ones to degrade to, among
    those the App offers (its `model`, then `cheaper`, cheapest last): the App's own when unset, or one of
    its cheaper models degrading to those after it; why not, when the App does not offer it."""
    if asked is None or asked == model:
        return model, tuple(cheaper)
    if asked in cheaper:
        return asked, tuple(cheaper[list(cheaper).index(asked) + 1 :])
    offered = ", ".join(dict.fromkeys((model, *cheaper)))
    return f"the rules file asks for {asked}, which this App does not offer (it offers {offered}): no call"


def outside_scopes(
    repo: str,
    stage: str,
    limits: BudgetLimits,
    at: datetime,
    *,
    pr: int | None = None,
    team: str | None = None,
    installation: int | None = None,
) -> tuple[BudgetScope, ...]:
    """The scopes a call made outside the App counts against: those of `budget_scopes` it names (no
    pull request or installation scope for a call that names none)."""
    who = Attribution(installation or 0, repo, pr or 0, stage, team)
    unnamed = {ScopeKind.PR} if pr is None else set()
    unnamed |= {ScopeKind.INSTALLATION} if installation is None else set()
    return tuple(s for s in budget_scopes(who, limits, at) if s.kind not in unnamed)


def input_bound(system: str, user: str, schema: object) -> int:
    """An upper bound of a review call's input tokens: its two messages and the answer's schema, which
    structured output sends to the model too."""
    return estimate_message_tokens(system, user, json.dumps(schema, separators=(",", ":")))


def format_usd(nano_usd: int) -> str:
    """nano-USD as dollars: to the cent from a dollar up, exactly below (as small as a call can cost)."""
    if nano_usd >= _USD:
        return f"${nano_usd / _USD:,.2f}"
    return "$" + f"{nano_usd / _USD:.9f}".rstrip("0").rstrip(".")


def _month(at: datetime) -> tuple[datetime, datetime]:
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following
