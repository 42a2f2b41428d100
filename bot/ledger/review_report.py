"""The report's reading of the ledger: each pull request with its latest evaluation and review history."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from bot.core.review_report import PullRequestRecord, owning_team
from bot.core.rounds import Event, PullRequestHistory, measure_review, order_events
from bot.ledger.models import Evaluation, PullRequest, Repository, ReviewEvent
from bot.ledger.reviews import event_of


def pull_request_records(
    session: Session,
    *,
    repo: str | None = None,
    since: datetime | None = None,
    installation: int | None = None,
) -> list[PullRequestRecord]:
    """Every pull request of `repo` (owner/name, any case; all when None) and of the repositories of
    `installation` (all when None) opened since `since` (first seen, where the opening was not recorded),
    with its figures."""
    chosen = covered_pull_requests(repo, since, installation=installation)
    opened = func.coalesce(PullRequest.opened_at, PullRequest.created_at)
    pulls = session.execute(
        select(
            PullRequest.id,
            PullRequest.number,
            PullRequest.author,
            Repository.full_name,
            opened,
            PullRequest.author_teams,
        )
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(PullRequest.id.in_(chosen))
        .order_by(Repository.full_name, PullRequest.number)
    ).all()
    latest = latest_evaluations(
        session, chosen, Evaluation.effective_lines, Evaluation.ai_share, Evaluation.results
    )
    events = review_events(session, chosen)
    records = []
    for pull_id, number, author, full_name, opened_at, teams in pulls:
        evaluation = latest.get(pull_id)
        history = PullRequestHistory(author or "", tuple(order_events(events[pull_id])))
        records.append(
            PullRequestRecord(
                repo=full_name,
                number=number,
                author=author or "",
                effective_lines=evaluation.effective_lines if evaluation else None,
                ai_share=evaluation.ai_share if evaluation else None,
                team=owning_team(evaluation.results or {}) if evaluation else None,
                figures=measure_review(history),
                opened_at=opened_at,
                author_teams=None if teams is None else tuple(teams),
            )
        )
    return records


def covered_pull_requests(
    repo: str | None, since: datetime | None, *, installation: int | None = None
) -> Select[Any]:
    """The ids of the pull requests of `repo` (owner/name, any case; all when None) and of the repositories
    of `installation` (all when None) opened since `since` (first seen, where the opening was not
    recorded)."""
    query = select(PullRequest.id).join(Repository, Repository.id == PullRequest.repository_id)
    if installation is not None:
        query = query.where(Repository.installation_id == installation)
    if repo is not None:
        query = query.where(func.lower(Repository.full_name) == repo.lower())
    if since is not None:
        query = query.where(func.coalesce(PullRequest.opened_at, PullRequest.created_at) >= since)
    return query


def latest_evaluations(session: Session, chosen: Any, *columns: Any) -> dict[int, Row[Any]]:
    """Each chosen pull request's latest evaluation (last updated, then last inserted): its id, pull
    request id and `columns`, by pull request id."""
    ranked = (
        select(
            Evaluation.id,
            Evaluation.pull_request_id,
            *columns,
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
    return {row.pull_request_id: row for row in session.execute(select(ranked).where(ranked.c.rank == 1))}


def review_events(session: Session, chosen: Any) -> dict[int, list[Event]]:
    """The recorded review events of each chosen pull request, in the ledger's order."""
    events: dict[int, list[Event]] = defaultdict(list)
    # Plain rows, not models: a report reads every event of every pull request.
    table = ReviewEvent.__table__
    for row in session.execute(select(table).where(table.c.pull_request_id.in_(chosen))):
        events[row.pull_request_id].append(event_of(row))
    return events
