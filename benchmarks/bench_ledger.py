"""How long does the ledger take to ingest evaluations and review events, and to compute the size by
AI-share report, against a plain INSERT and SELECT … GROUP BY of the same rows (the floor)?

Pull requests get two evaluations (two heads) and six review events each (opened, changes requested, a
push, a re-review, approved, merged): 100,000 evaluations and 300,000 review events by default. They are
written through the ledger's writers (`record_evaluation`, `record_review_event`: upserts keyed for
idempotency), one transaction per pull request as the workers write them; the floor inserts the same rows
into plain tables in one transaction with `executemany`. The report is `scopegate report`'s computation
(`pull_request_records` + `build_report`); its floor is one `SELECT … GROUP BY` over the plain tables that
buckets the sizes and AI shares and averages the pushed lines. On SQLite (a file) and on PostgreSQL
(pgserver's, started for the run, or a scratch database on the server `--postgresql-url` names).

    python benchmarks/bench_ledger.py [--quick] [--evaluations N] [--only sqlite|postgresql]
        [--postgresql-url postgresql://USER@HOST:PORT/DB]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.common import figure
from bot.core.review_report import build_report
from bot.core.rounds import (
    Closed,
    Event,
    Opened,
    Push,
    Review,
    ReviewState,
    closed_key,
    opened_key,
    push_key,
    review_key,
)
from bot.ledger.engine import create_engine_for, normalize_url, session_factory
from bot.ledger.evaluations import EvaluationRecord, record_evaluation
from bot.ledger.migrate import upgrade
from bot.ledger.review_report import pull_request_records
from bot.ledger.reviews import ReviewEventRecord, record_review_event
from tests.servers import private_postgres_server, scratch_database

T0 = datetime(2026, 1, 1, tzinfo=UTC)
REPO_ID, REPO = 7000, "bench/ledger"
FLOOR_TABLES = """
CREATE TABLE floor_evaluations (pr INTEGER, head TEXT, effective_lines INTEGER, ai_share FLOAT);
CREATE TABLE floor_events (pr INTEGER, event_key TEXT, kind TEXT, changed_lines INTEGER, at TIMESTAMP);
"""
FLOOR_REPORT = """
SELECT
  CASE WHEN e.effective_lines < 10 THEN 'XS' WHEN e.effective_lines < 30 THEN 'S'
       WHEN e.effective_lines < 100 THEN 'M' WHEN e.effective_lines < 500 THEN 'L'
       WHEN e.effective_lines < 1000 THEN 'XL' ELSE 'XXL' END AS size,
  CASE WHEN e.ai_share <= 0 THEN 'none' WHEN e.ai_share >= 0.5 THEN 'heavy' ELSE 'some' END AS ai,
  count(*), avg(coalesce(p.lines, 0))
FROM floor_evaluations AS e
LEFT JOIN (SELECT pr, sum(changed_lines) AS lines FROM floor_events WHERE kind = 'push' GROUP BY pr) AS p
  ON p.pr = e.pr
WHERE e.head = 'h2'
GROUP BY 1, 2
"""


def pull(number: int) -> tuple[list[EvaluationRecord], list[Event]]:
    """Pull request `number`'s two evaluations and six events, varied in size, AI share and rework."""
    lines, share, rework = (number * 37) % 1500, ((number * 13) % 10) / 10, (number * 7) % 90
    evaluations = [
        EvaluationRecord(
            REPO_ID, REPO, number, head, "success", pr_author=f"dev{number % 50}",
            metrics={"effective_lines": lines + i, "ai_share": share},
        )
        for i, head in enumerate((f"{number:020x}".ljust(40, "a"), f"{number:020x}".ljust(40, "b")))
    ]  # fmt: skip
    at = T0 + timedelta(minutes=number)
    after = f"{number:020x}".ljust(40, "b")

    def reviewed(n: int, hours: int, state: ReviewState) -> Review:
        review_id = 3 * number + n
        return Review(
            review_key(review_id, "submitted"), review_id, at + timedelta(hours=hours), "maria", state
        )

    events: list[Event] = [
        Opened(opened_key(number), at),
        reviewed(0, 1, ReviewState.CHANGES_REQUESTED),
        Push(push_key(number, after), at + timedelta(hours=2), after, "0" * 40, rework),
        reviewed(1, 3, ReviewState.COMMENTED),
        reviewed(2, 4, ReviewState.APPROVED),
        Closed(closed_key(number, at + timedelta(hours=5)), at + timedelta(hours=5), True),
    ]
    return evaluations, events


def ingest(url: str, pulls: int) -> float:
    """Seconds to write every pull request through the ledger's writers, a transaction each."""
    engine = create_engine_for(url)
    sessions = session_factory(engine)
    try:
        start = time.perf_counter()
        for number in range(1, pulls + 1):
            evaluations, events = pull(number)
            with sessions.begin() as session:
                for evaluation in evaluations:
                    record_evaluation(session, evaluation, at=T0)
                for event in events:
                    record_review_event(session, ReviewEventRecord(REPO_ID, REPO, number, event), at=T0)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def ingest_floor(url: str, pulls: int) -> float:
    """Seconds to INSERT the same rows into plain tables, in one transaction."""
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            for statement in FLOOR_TABLES.strip().split(";"):
                if statement.strip():
                    connection.execute(text(statement))
        evaluations, events = [], []
        for number in range(1, pulls + 1):
            written, happened = pull(number)
            for i, e in enumerate(written):
                lines, share = e.metrics["effective_lines"], e.metrics["ai_share"]
                evaluations.append({"pr": number, "head": f"h{i + 1}", "lines": lines, "share": share})
            for event in happened:
                changed = event.changed_lines if isinstance(event, Push) else None
                kind = type(event).__name__.lower()
                events.append(
                    {"pr": number, "key": event.key, "kind": kind, "changed": changed, "at": event.at}
                )
        start = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO floor_evaluations VALUES (:pr, :head, :lines, :share)"), evaluations
            )
            connection.execute(
                text("INSERT INTO floor_events VALUES (:pr, :key, :kind, :changed, :at)"), events
            )
        return time.perf_counter() - start
    finally:
        engine.dispose()


def report(url: str) -> tuple[float, int]:
    """Seconds to compute the size by AI-share report from the ledger, and its pull requests."""
    engine = create_engine_for(url)
    try:
        start = time.perf_counter()
        with session_factory(engine)() as session:
            built = build_report(pull_request_records(session))
        return time.perf_counter() - start, built.prs
    finally:
        engine.dispose()


def report_floor(url: str) -> float:
    """Seconds for the plain GROUP BY over the floor's tables."""
    engine = create_engine_for(url)
    try:
        start = time.perf_counter()
        with engine.connect() as connection:
            connection.execute(text(FLOOR_REPORT)).all()
        return time.perf_counter() - start
    finally:
        engine.dispose()


@contextmanager
def database(dialect: str, server: str | None) -> Iterator[str]:
    """An empty database of `dialect` for the block (on PostgreSQL, created on `server` when given)."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
            yield f"sqlite:///{Path(folder) / 'ledger.db'}"
        return
    if server is not None:
        with scratch_database(normalize_url(server).render_as_string(hide_password=False)) as url:
            yield url
        return
    with private_postgres_server() as postgres:
        yield postgres.url


def main() -> None:
    """Print the figures, one JSON object a line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 evaluations, for CI smoke runs")
    parser.add_argument("--evaluations", type=int, default=100_000, help="evaluations to ingest (even)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--postgresql-url", help="a PostgreSQL server to create the run's database on (default: pgserver's)"
    )
    args = parser.parse_args()
    pulls = (2_000 if args.quick else args.evaluations) // 2
    for dialect in ("sqlite", "postgresql") if args.only is None else (args.only,):
        with database(dialect, args.postgresql_url) as url:
            upgrade(url)
            written = ingest(url, pulls)
            floor = ingest_floor(url, pulls)
            what = f"{2 * pulls:,} evaluations + {6 * pulls:,} review events"
            figure(f"ledger_ingest_{dialect} ({what})", written, "s", "plain INSERT, executemany", floor)
            figure(f"ledger_ingest_per_pull_request_{dialect}", written / pulls * 1000, "ms")
            seconds, counted = report(url)
            assert counted == pulls, f"the report counted {counted} of {pulls} pull requests"
            figure(
                f"ledger_report_{dialect} ({pulls:,} PRs)",
                seconds,
                "s",
                "SELECT … GROUP BY",
                report_floor(url),
            )


if __name__ == "__main__":
    main()
