"""The ledger's reading for `scopegate rules backtest`: each pull request's latest evaluation as recorded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.findings import Severity
from bot.core.replay import Recorded, recorded_files
from bot.core.rounds import PullRequestHistory, ReviewHistory, measure_review, order_events
from bot.ledger.models import Evaluation, Finding, PullRequest, Repository
from bot.ledger.review_report import covered_pull_requests, latest_evaluations, review_events


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
    pulls = session.execute(
        select(PullRequest.id, PullRequest.number, PullRequest.author, PullRequest.merged)
        .add_columns(Repository.full_name)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(PullRequest.id.in_(covered_pull_requests(repo, since)))
        .order_by(Repository.full_name, PullRequest.number)
    ).all()
    chosen = [row.id for row in pulls]
    latest = latest_evaluations(session, chosen, Evaluation.conclusion, Evaluation.results)
    found: dict[int, list[tuple[str, Severity]]] = defaultdict(list)
    evaluation_ids = [row.id for row in latest.values()]
    for evaluation_id, rule, severity in session.execute(
        select(Finding.evaluation_id, Finding.rule, Finding.severity).where(
            Finding.evaluation_id.in_(evaluation_ids)
        )
    ):
        found[evaluation_id].append((rule, Severity(severity)))
    events = review_events(session, chosen)
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
