"""Record published evaluations: one row per pull request and head commit, with its findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.ledger.models import Evaluation, Finding, PullRequest, Repository
from bot.ledger.pull_requests import upsert_pull_request
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import dialect_insert

# Metrics with a column of their own, so reports can query them without reading the JSON results.
METRIC_COLUMNS = ("effective_lines", "added", "deleted", "files", "excluded_files", "ai_lines", "ai_share")


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """One finding of a rule, as plain values."""

    rule: str
    fingerprint: str  # unique within an evaluation
    severity: str
    path: str | None
    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """What a worker publishes about a pull request at one head commit, as plain values."""

    repository_id: int  # GitHub's repository id, not the ledger's surrogate
    repo_full_name: str
    pr_number: int
    head_sha: str
    conclusion: str
    pr_author: str | None = None
    results: Mapping[str, Any] = field(default_factory=dict)  # JSON-ready, per rule id
    metrics: Mapping[str, int | float] = field(default_factory=dict)  # e.g. {"effective_lines": 900}
    labels: tuple[str, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    check_run_id: int | None = None
    delivery_id: str | None = None
    installation_id: int | None = None


def record_evaluation(session: Session, record: EvaluationRecord, *, at: datetime | None = None) -> int:
    """Upsert repository, PR, evaluation (keyed by PR + head sha; a re-run updates, never adds), and
    replace its findings. Metrics whose name is a column (effective_lines, added, deleted, files,
    excluded_files, ai_lines, ai_share) fill that column; the rest stay only in `results`. Returns the
    evaluation id."""
    now = at or datetime.now(UTC)
    repository_id = upsert_repository(
        session,
        github_id=record.repository_id,
        full_name=record.repo_full_name,
        installation_id=record.installation_id,
        at=now,
    )
    pull_request_id = upsert_pull_request(
        session, repository_id, record.pr_number, author=record.pr_author, at=now
    )
    # every metric column is written, so a re-run that no longer measures one does not keep a stale value
    values: dict[str, Any] = {name: record.metrics.get(name) for name in METRIC_COLUMNS} | {
        "head_sha": record.head_sha,
        "conclusion": record.conclusion,
        "labels": list(record.labels),
        "results": dict(record.results),
        "check_run_id": record.check_run_id,
        "delivery_id": record.delivery_id,
        "installation_id": record.installation_id,
        "updated_at": now,
    }
    row = dialect_insert(session, Evaluation).values(
        **values, pull_request_id=pull_request_id, created_at=now
    )
    upsert = row.on_conflict_do_update(
        index_elements=[Evaluation.pull_request_id, Evaluation.head_sha],
        set_={name: row.excluded[name] for name in values if name != "head_sha"},
    )
    evaluation_id: int = session.execute(upsert.returning(Evaluation.id)).scalar_one()
    # the findings of this run replace the last run's: one that is fixed must not linger
    session.execute(delete(Finding).where(Finding.evaluation_id == evaluation_id))
    if record.findings:
        rows = [{"evaluation_id": evaluation_id, **asdict(finding)} for finding in record.findings]
        session.execute(insert(Finding), rows)
    return evaluation_id


def pull_request_evaluations(session: Session, github_repo_id: int, number: int) -> list[Evaluation]:
    """Every recorded evaluation of a pull request, oldest first."""
    return list(
        session.scalars(
            select(Evaluation)
            .join(PullRequest, PullRequest.id == Evaluation.pull_request_id)
            .join(Repository, Repository.id == PullRequest.repository_id)
            .where(Repository.github_id == github_repo_id, PullRequest.number == number)
            .order_by(Evaluation.created_at, Evaluation.id)
        )
    )
