"""Record published evaluations: one row per pull request and head commit, with its findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from bot.ledger.models import Evaluation, Finding, PullRequest, Repository
from bot.ledger.pull_requests import upsert_pull_request
from bot.ledger.repositories import upsert_repository
from bot.ledger.upsert import built_once, table_insert, table_of

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


_EVALUATIONS, _FINDINGS = table_of(Evaluation), table_of(Finding)
# What a re-run of the same head replaces: everything but the keys and the first run's time.
_REPLACED: tuple[str, ...] = (*METRIC_COLUMNS, "conclusion", "labels", "results", "check_run_id")
_REPLACED += ("delivery_id", "installation_id", "updated_at")
_CLEAR_FINDINGS = delete(_FINDINGS).where(_FINDINGS.c.evaluation_id == bindparam("evaluation_id"))


@built_once
def _upsert(dialect: str) -> ReturningInsert[Any]:
    insert = table_insert(dialect, Evaluation)
    return insert.on_conflict_do_update(
        index_elements=[_EVALUATIONS.c.pull_request_id, _EVALUATIONS.c.head_sha],
        set_={name: insert.excluded[name] for name in _REPLACED},
    ).returning(_EVALUATIONS.c.id)


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
        "pull_request_id": pull_request_id,
        "head_sha": record.head_sha,
        "conclusion": record.conclusion,
        "labels": list(record.labels),
        "results": dict(record.results),
        "check_run_id": record.check_run_id,
        "delivery_id": record.delivery_id,
        "installation_id": record.installation_id,
        "created_at": now,
        "updated_at": now,
    }
    evaluation_id: int = session.execute(_upsert(session), values).scalar_one()
    # the findings of this run replace the last run's: one that is fixed must not linger
    session.execute(_CLEAR_FINDINGS, {"evaluation_id": evaluation_id})
    if record.findings:
        rows = [{"evaluation_id": evaluation_id, **asdict(finding)} for finding in record.findings]
        session.execute(insert(_FINDINGS), rows)
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
