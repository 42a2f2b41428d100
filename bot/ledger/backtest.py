"""The ledger's reading for `scopegate rules backtest`: each pull request's latest evaluation as recorded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.findings import Severity
from bot.core.replay import Recorded, recorded_files
from bot.core.rounds import Event, PullRequestHistory, ReviewHistory, measure_review, order_events
from bot.ledger.models import Evaluation, Finding, PullRequest, Repository, ReviewEvent
from bot.ledger.reviews import event_of


@dataclass(frozen=True, slots=True)
class RecordedPull:
    """A pull request with an evaluation: its name, its latest evaluation, what it concluded then,
    whether it was merged, and its rounds of review."""

    name: str  # owner/name#number
    recorded: Recorded
    conclusion: str
    merged: bool
    rounds: int


def recorded_pulls(
    session: Session, *, as_of: datetime, repo: str | None = None, since: datetime | None = None
) -> list[RecordedPull]:
    """Every evaluated pull request of `repo` (owner/name, any case; all when None) opened since `since`,
    by repository and number; a wait still running ends at `as_of`."""
    query = (
        select(PullRequest.id, PullRequest.number, PullRequest.author, PullRequest.merged)
        .add_columns(Repository.full_name)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .order_by(Repository.full_name, PullRequest.number)
    )
    if repo is not None:
        query = query.where(func.lower(Repository.full_name) == repo.lower())
    if since is not None:
        query = query.where(func.coalesce(PullRequest.opened_at, PullRequest.created_at) >= since)
    pulls = session.execute(query).all()
    chosen = [row.id for row in pulls]
    ranked = (
        select(
            Evaluation.id,
            Evaluation.pull_request_id,
            Evaluation.conclusion,
            Evaluation.results,
            func.row_number()
            .over(
                partition_by=Evaluation.pull_request_id,
                order_by=(Evaluation.updated_at.desc(), Evaluation.id.desc()),
            )
            .label("rank"),
        )
        .where(Evaluation.pull_request_id.in_(chosen))
        .subquery()
    )
    latest = {row.pull_request_id: row for row in session.execute(select(ranked).where(ranked.c.rank == 1))}
    found: dict[int, list[tuple[str, Severity]]] = defaultdict(list)
    evaluation_ids = [row.id for row in latest.values()]
    for evaluation_id, rule, severity in session.execute(
        select(Finding.evaluation_id, Finding.rule, Finding.severity).where(
            Finding.evaluation_id.in_(evaluation_ids)
        )
    ):
        found[evaluation_id].append((rule, Severity(severity)))
    events: dict[int, list[Event]] = defaultdict(list)
    table = ReviewEvent.__table__
    for row in session.execute(select(table).where(table.c.pull_request_id.in_(chosen))):
        events[row.pull_request_id].append(event_of(row))
    records = []
    for pull in pulls:
        evaluation = latest.get(pull.id)
        if evaluation is None:
            continue
        history = PullRequestHistory(pull.author or "", tuple(order_events(events[pull.id])))
        recorded = Recorded(
            recorded_files(evaluation.results or {}),
            tuple(found[evaluation.id]),
            ReviewHistory(history, as_of),
        )
        figures = measure_review(history)
        # merged as the row says (a closing recorded) or as the review history's closing says
        merged = bool(pull.merged) or figures.time_to_merge is not None
        name = f"{pull.full_name}#{pull.number}"
        records.append(RecordedPull(name, recorded, evaluation.conclusion, merged, figures.rounds))
    return records
