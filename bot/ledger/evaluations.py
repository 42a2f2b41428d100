"""Record published evaluations: one row per (repository, pull request, head commit)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import Evaluation
from bot.ledger.upsert import dialect_insert

_KEY = ("repo_full_name", "pr_number", "head_sha")


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """What a worker publishes about a pull request at one head commit, as plain values."""

    repo_full_name: str
    pr_number: int
    head_sha: str
    conclusion: str
    effective_lines: int
    added: int
    deleted: int
    files: int
    excluded_files: int
    size_label: str | None = None
    check_run_id: int | None = None
    delivery_id: str | None = None
    installation_id: int | None = None


def record_evaluation(session: Session, record: EvaluationRecord, *, at: datetime | None = None) -> None:
    """Insert the evaluation, or update the row of the same head commit: re-runs never add rows."""
    now = at or datetime.now(UTC)
    insert = dialect_insert(session, Evaluation).values(**asdict(record), created_at=now, updated_at=now)
    changed = {name: insert.excluded[name] for name in (*asdict(record), "updated_at") if name not in _KEY}
    session.execute(insert.on_conflict_do_update(index_elements=list(_KEY), set_=changed))


def find_evaluation(
    session: Session, repo_full_name: str, pr_number: int, head_sha: str
) -> Evaluation | None:
    """The evaluation of a pull request at one head commit, if it was recorded."""
    return session.scalars(
        select(Evaluation).where(
            Evaluation.repo_full_name == repo_full_name,
            Evaluation.pr_number == pr_number,
            Evaluation.head_sha == head_sha,
        )
    ).one_or_none()


def pull_request_evaluations(session: Session, repo_full_name: str, pr_number: int) -> list[Evaluation]:
    """Every recorded evaluation of a pull request, oldest first."""
    return list(
        session.scalars(
            select(Evaluation)
            .where(Evaluation.repo_full_name == repo_full_name, Evaluation.pr_number == pr_number)
            .order_by(Evaluation.created_at, Evaluation.id)
        )
    )
