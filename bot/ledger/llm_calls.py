"""The LLM cost ledger: one row per review call, written once per call id; what a budget scope was
charged in its period (the seed of a Redis counter that is missing); the rows `scopegate cost` reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.ledger.models import LlmCall, Repository
from bot.ledger.upsert import dialect_insert
from bot.llm.budgets import BudgetScope, ScopeKind
from bot.llm.costs import CostRow
from bot.llm.usage import TokenBuckets


@dataclass(frozen=True, slots=True)
class LlmCallRecord:
    """A call as the ledger keeps it; `nano_usd` holds the cost of each bucket of `tokens`."""

    call_id: str
    recorded_at: datetime
    repo_full_name: str
    stage: str
    provider: str
    model: str
    status: str
    reason: str
    installation_id: int | None = None
    pr_number: int | None = None
    head_sha: str | None = None
    team: str | None = None
    response_model: str | None = None
    response_id: str | None = None
    latency_ms: int | None = None
    tokens: TokenBuckets = field(default_factory=TokenBuckets)
    nano_usd: TokenBuckets = field(default_factory=TokenBuckets)
    reserved_nano_usd: int = 0
    charged_nano_usd: int = 0
    rates_hash: str | None = None
    rates: dict[str, str] | None = None
    usage: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)


def record_llm_call(session: Session, record: LlmCallRecord) -> bool:
    """Write `record` once: a call id already recorded keeps its row, except a skipped review's, which the
    call later made under the same id replaces (a skip costs nothing, so nothing is re-priced). Whether a
    row was written."""
    values = {k: v for k, v in asdict(record).items() if k not in {"tokens", "nano_usd"}}
    values |= {f"{name}_tokens": count for name, count in asdict(record.tokens).items()}
    values |= {f"{name}_nano_usd": nano for name, nano in asdict(record.nano_usd).items()}
    insert = dialect_insert(session, LlmCall).values(**values)
    upsert = insert.on_conflict_do_update(
        index_elements=[LlmCall.call_id],
        set_={k: insert.excluded[k] for k in values if k != "call_id"},
        where=LlmCall.status == "skipped",
    )
    # RETURNING names the row inserted or replaced, none when the conflict left the row as it was.
    return session.execute(upsert.returning(LlmCall.id)).scalar_one_or_none() is not None


def charged_in(session: Session, scope: BudgetScope) -> int:
    """nano-USD the ledger charged to `scope` within its period (for a pull request, ever)."""
    query = select(func.coalesce(func.sum(LlmCall.charged_nano_usd), 0)).where(*_covered(scope))
    if scope.starts is not None and scope.resets is not None:
        query = query.where(LlmCall.recorded_at >= scope.starts, LlmCall.recorded_at < scope.resets)
    return int(session.execute(query).scalar_one())


def _covered(scope: BudgetScope) -> tuple[ColumnElement[bool], ...]:
    """The rows a scope covers (its name as `bot.llm.budgets.budget_scopes` writes it)."""
    if scope.kind is ScopeKind.PR:
        repo, _, number = scope.name.rpartition("#")
        return LlmCall.repo_full_name == repo, LlmCall.pr_number == int(number)
    if scope.kind is ScopeKind.REPO:
        return (LlmCall.repo_full_name == scope.name,)
    if scope.kind is ScopeKind.TEAM:
        return (LlmCall.team == scope.name,)
    if scope.kind is ScopeKind.INSTALLATION:
        return (LlmCall.installation_id == int(scope.name),)
    if scope.kind is ScopeKind.STAGE:
        return (LlmCall.stage == scope.name,)
    return ()


def cost_rows(
    session: Session,
    *,
    repo: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    installation: int | None = None,
) -> list[CostRow]:
    """The ledger's calls in time order, of one repository or all, recorded in [since, until); of one
    installation when given: its own calls, and those recorded without an installation (from outside the
    App) for a repository the ledger knows as that installation's."""
    query = select(LlmCall).order_by(LlmCall.recorded_at, LlmCall.id)
    if installation is not None:
        names = select(func.lower(Repository.full_name)).where(Repository.installation_id == installation)
        unattributed = and_(LlmCall.installation_id.is_(None), func.lower(LlmCall.repo_full_name).in_(names))
        query = query.where(or_(LlmCall.installation_id == installation, unattributed))
    if repo is not None:
        query = query.where(LlmCall.repo_full_name == repo)
    if since is not None:
        query = query.where(LlmCall.recorded_at >= since)
    if until is not None:
        query = query.where(LlmCall.recorded_at < until)
    return [
        CostRow(
            call_id=row.call_id,
            recorded_at=row.recorded_at,
            repo=row.repo_full_name,
            pr=row.pr_number,
            team=row.team,
            stage=row.stage,
            provider=row.provider,
            model=row.model,
            status=row.status,
            input_tokens=row.uncached_input_tokens
            + row.cache_read_tokens
            + row.cache_write_tokens
            + row.cache_write_1h_tokens,
            output_tokens=row.output_tokens + row.reasoning_tokens,
            charged_nano_usd=row.charged_nano_usd,
            tags={str(k): str(v) for k, v in row.tags.items()},
        )
        for row in session.scalars(query)
    ]
