"""The ledger's migrations on SQLite and PostgreSQL: head matches the models, and 0003 carries 0002's rows
over and back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, bindparam, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.evaluations import EvaluationRecord, pull_request_evaluations, record_evaluation
from bot.ledger.migrate import alembic_config, current_revision, head_revision, schema_drift, upgrade
from bot.ledger.models import Base, Evaluation, Finding, Override, PullRequest, Repository
from bot.ledger.pull_requests import upsert_pull_request
from bot.ledger.types import UtcDateTime

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)
INSTALLATION = 957387
KNOWN_ID = 1296269  # octo/known's GitHub id, which only installation_repositories holds

# 0002's rows, written by plain SQL with ids left to the sequences, as 0002's writers did. octo/known is in
# installation_repositories (so is an older, removed repository of that name); octo/unknown and octo/closed
# are not; repository 88 has no rows in the ledger, so no repository is made for it.
ROWS_0002: list[tuple[str, dict[str, Any]]] = [
    (
        "INSERT INTO installations (id, account_login, created_at, updated_at) VALUES (:id, 'octo', :t, :t)",
        {"id": INSTALLATION, "t": T0},
    ),
    *(
        (
            "INSERT INTO installation_repositories (installation_id, repo_id, repo_full_name, added_at,"
            " removed_at) VALUES (:installation, :repo_id, :name, :added, :removed)",
            {"installation": INSTALLATION, "repo_id": repo_id, "name": name, "added": T0, "removed": removed},
        )
        for repo_id, name, removed in (
            (KNOWN_ID, "octo/known", None),
            (77, "octo/known", T0),  # an older repository of that name, removed: the current one wins
            (88, "octo/renamed-long-ago", None),
        )
    ),
    *(
        (
            "INSERT INTO evaluations (installation_id, repo_full_name, pr_number, head_sha, conclusion,"
            " effective_lines, added, deleted, files, excluded_files, size_label, check_run_id, delivery_id,"
            " created_at, updated_at) VALUES (:installation, :repo, :number, :sha, :conclusion, :lines,"
            " :lines, 0, 3, 1, :label, :check, :delivery, :created, :updated)",
            {
                "installation": INSTALLATION,
                "repo": repo,
                "number": number,
                "sha": sha * 40,
                "conclusion": conclusion,
                "lines": lines,
                "label": label,
                "check": 4_000_000_000 + id_,
                "delivery": f"d-{id_}",
                "created": T0,
                "updated": T1,
            },
        )
        for id_, repo, number, sha, conclusion, lines, label in (
            (1, "octo/known", 7, "a", "failure", 900, "size/XL"),
            (2, "octo/known", 7, "b", "success", 40, None),
            (3, "octo/unknown", 3, "c", "success", 5, "size/XS"),
        )
    ),
    *(
        (
            "INSERT INTO overrides (installation_id, repo_full_name, pr_number, head_sha, actor_login,"
            " source, reason, permission, accepted, delivery_id, created_at) VALUES (:installation, :repo,"
            " :number, :sha, :actor, 'comment', 'hotfix', 'admin', :accepted, :delivery, :created)",
            {
                "installation": INSTALLATION,
                "repo": repo,
                "number": number,
                "sha": "a" * 40,
                "actor": actor,
                "accepted": accepted,
                "delivery": delivery,
                "created": T1,
            },
        )
        for repo, number, actor, accepted, delivery in (
            ("octo/known", 7, "maria", True, "comment:1"),
            ("octo/unknown", 3, "mallory", False, None),  # the second row: id 2
        )
    ),
    *(
        (
            "INSERT INTO pull_request_closures (installation_id, repo_full_name, pr_number, merged,"
            " closed_at) VALUES (:installation, :repo, :number, :merged, :closed)",
            {"installation": INSTALLATION, "repo": repo, "number": number, "merged": merged, "closed": T2},
        )
        for repo, number, merged in (("octo/known", 7, True), ("octo/closed", 9, False))
    ),
]

# What 0002 keeps about each kind of record, read back after the round trip.
TABLES_0002 = {
    "evaluations": "SELECT * FROM evaluations ORDER BY id",
    "overrides": "SELECT * FROM overrides ORDER BY id",
    "pull_request_closures": "SELECT installation_id, repo_full_name, pr_number, merged, closed_at"
    " FROM pull_request_closures ORDER BY repo_full_name",
}


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    """An engine on an empty database (not migrated)."""
    engine = create_engine_for(sql_url)
    yield engine
    engine.dispose()


def migrate(engine: Engine, action: str, revision: str) -> None:
    """Run Alembic's `upgrade` or `downgrade` to `revision` on `engine`."""
    with engine.begin() as connection:
        getattr(command, action)(alembic_config(connection), revision)


def execute(connection: Connection, sql: str, values: dict[str, Any]) -> None:
    """Run plain SQL; datetimes are bound as the ledger stores them (UTC, SQLite's text format)."""
    times = [
        bindparam(name, type_=UtcDateTime()) for name, value in values.items() if isinstance(value, datetime)
    ]
    connection.execute(text(sql).bindparams(*times), values)


def rows_0002(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of 0002's record tables, as mappings (column order differs after a downgrade)."""
    with engine.connect() as connection:
        return {
            table: [dict(row._mapping) for row in connection.execute(text(sql))]
            for table, sql in TABLES_0002.items()
        }


def test_upgrade_brings_an_empty_database_to_head(sql_url: str) -> None:
    """An empty database ends at the newest revision with every model's table, and no drift."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    try:
        assert current_revision(engine) == head_revision() is not None
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_upgrade_twice_changes_nothing(sql_url: str) -> None:
    """Upgrading a database already at head is a no-op (every process may call it at start)."""
    upgrade(sql_url)
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_schema_drift_is_detected(engine: Engine) -> None:
    """A column the models do not know shows up as drift, so the drift check can fail."""
    migrate(engine, "upgrade", "head")
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE evaluations ADD COLUMN surprise INTEGER"))
    assert [diff[0] for diff in schema_drift(engine) if isinstance(diff, tuple)] == ["remove_column"]


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    """Every revision can be reverted, and the schema comes back identical."""
    migrate(engine, "upgrade", "head")
    migrate(engine, "downgrade", "base")
    assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
    migrate(engine, "upgrade", "head")
    assert schema_drift(engine) == []


def test_0003_carries_every_0002_row_over_and_back(engine: Engine) -> None:
    """Upgrading 0002 to 0003 keeps every evaluation, override and closing in the new shape (GitHub ids
    adopted from installation_repositories, NULL where unknown); downgrading gives 0002's rows back."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        for sql, values in ROWS_0002:
            execute(connection, sql, values)
    before = rows_0002(engine)

    migrate(engine, "upgrade", "0003")
    assert drift_besides(engine, LATER_TABLES["0003"]) == []
    with Session(engine) as session:
        repositories = {r.full_name: r for r in session.scalars(select(Repository))}
        names = {r.id: r.full_name for r in repositories.values()}
        # 0003's columns only: the model has columns later revisions add
        pull_columns = (PullRequest.id, PullRequest.repository_id, PullRequest.number, PullRequest.author)
        closing = (PullRequest.closed_at, PullRequest.merged, PullRequest.merged_at)
        pulls = {
            (names[p.repository_id], p.number): p for p in session.execute(select(*pull_columns, *closing))
        }
        name_of = {p.id: key for key, p in pulls.items()}
        evaluations = session.scalars(select(Evaluation).order_by(Evaluation.id)).all()
        overrides = session.scalars(select(Override).order_by(Override.id)).all()
        findings = session.scalars(select(Finding)).all()
    assert {name: (r.github_id, r.installation_id) for name, r in repositories.items()} == {
        "octo/known": (KNOWN_ID, INSTALLATION),
        "octo/unknown": (None, INSTALLATION),
        "octo/closed": (None, INSTALLATION),
    }
    assert {key: (p.closed_at, p.merged, p.merged_at, p.author) for key, p in pulls.items()} == {
        ("octo/known", 7): (T2, True, T2, None),
        ("octo/unknown", 3): (None, None, None, None),
        ("octo/closed", 9): (T2, False, None, None),
    }
    assert [
        (e.id, name_of[e.pull_request_id], e.head_sha[0], e.labels, e.results, e.effective_lines, e.ai_share)
        for e in evaluations
    ] == [
        (1, ("octo/known", 7), "a", ["size/XL"], {}, 900, None),
        (2, ("octo/known", 7), "b", [], {}, 40, None),
        (3, ("octo/unknown", 3), "c", ["size/XS"], {}, 5, None),
    ]
    first = evaluations[0]
    assert (first.check_run_id, first.delivery_id, first.created_at, first.updated_at) == (
        4_000_000_001,
        "d-1",
        T0,
        T1,
    )
    assert [(o.id, name_of[o.pull_request_id], o.idempotency_key, o.accepted) for o in overrides] == [
        (1, ("octo/known", 7), "comment:1", True),
        (2, ("octo/unknown", 3), "legacy:2", False),
    ]
    assert findings == []
    assert "pull_request_closures" not in inspect(engine).get_table_names()

    migrate(engine, "downgrade", "0002")
    assert rows_0002(engine) == before
    assert not {"repositories", "pull_requests", "findings"} & set(inspect(engine).get_table_names())


def test_repository_carried_over_without_id_is_adopted(engine: Engine) -> None:
    """After the upgrade, the first write naming a carried-over repository with its GitHub id fills the
    id in: its 0002 evaluations and the new one are the same pull request's."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        for sql, values in ROWS_0002:
            execute(connection, sql, values)
    migrate(engine, "upgrade", "head")
    record = EvaluationRecord(
        repository_id=4242,
        repo_full_name="octo/unknown",
        pr_number=3,
        head_sha="d" * 40,
        conclusion="success",
    )
    sessions = session_factory(engine)
    with sessions.begin() as session:
        record_evaluation(session, record, at=T2)
    with sessions() as session:
        assert [e.head_sha[0] for e in pull_request_evaluations(session, 4242, 3)] == ["c", "d"]
        assert session.scalar(select(func.count()).select_from(Repository)) == 3


# --- 0004: review events ------------------------------------------------------------------------------------

# Tables the models hold that a revision does not create yet, so a drift check at that revision skips them.
LATER_TABLES = {"0003": {"review_events", "llm_calls"}, "0005": {"llm_calls"}}
# Columns the models hold that 0007 adds, skipped by a drift check at an earlier revision.
LATER_COLUMNS = {("pull_requests", "author_teams")}

# 0003's tables, every row, read back after the round trip through 0004.
TABLES_0003 = ("repositories", "pull_requests", "evaluations", "overrides", "findings")


def drift_besides(engine: Engine, tables: set[str]) -> list[object]:
    """Drift between the models and `engine`'s schema (a revision before 0007), but for `tables` not
    created yet and LATER_COLUMNS."""
    return [
        diff
        for diff in schema_drift(engine)
        if not (isinstance(diff, tuple) and diff[0] == "add_table" and diff[1].name in tables)
        and not (
            isinstance(diff, tuple) and diff[0] == "add_column" and (diff[2], diff[3].name) in LATER_COLUMNS
        )
    ]


def rows_0003(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of 0003's tables, as mappings."""
    with engine.connect() as connection:
        return {
            table: [
                dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in TABLES_0003
        }


def test_0004_adds_review_events_and_drops_them_again(engine: Engine) -> None:
    """Upgrading a 0003 database with rows to 0004 keeps every row and adds review_events, which takes
    events of the carried-over pull requests (one per key); downgrading drops it with its rows and leaves
    0003's rows as they were."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        for sql, values in ROWS_0002:
            execute(connection, sql, values)
    migrate(engine, "upgrade", "0003")
    before = rows_0003(engine)

    migrate(engine, "upgrade", "0004")
    assert rows_0003(engine) == before
    assert "review_events" in inspect(engine).get_table_names()
    review = (
        "INSERT INTO review_events (pull_request_id, idempotency_key, kind, action, github_id, actor_login,"
        " state, occurred_at, created_at) SELECT p.id, :key, 'review', 'submitted', 80, 'maria',"
        " 'changes_requested', :t, :t FROM pull_requests AS p JOIN repositories AS r"
        " ON r.id = p.repository_id WHERE r.full_name = 'octo/known' AND p.number = 7"
    )
    with engine.begin() as connection:
        execute(connection, review, {"key": "review:80:submitted", "t": T2})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        execute(connection, review, {"key": "review:80:submitted", "t": T2})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT idempotency_key FROM review_events")).scalars().all() == [
            "review:80:submitted"
        ]

    migrate(engine, "downgrade", "0003")
    assert "review_events" not in inspect(engine).get_table_names()
    assert rows_0003(engine) == before
    assert drift_besides(engine, LATER_TABLES["0003"]) == []


# --- 0005: the head a push replaced ------------------------------------------------------------------------


def review_event_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every review_events row, as mappings."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM review_events"))]


def test_0005_adds_before_sha_keeping_review_events(engine: Engine) -> None:
    """Upgrading a 0004 database with review events to 0005 keeps each row (with no `before_sha`) and
    matches the models; downgrading drops the column and gives 0004's rows back as they were."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        for sql, values in ROWS_0002:
            execute(connection, sql, values)
    migrate(engine, "upgrade", "0004")
    push = (
        "INSERT INTO review_events (pull_request_id, idempotency_key, kind, head_sha, base_sha,"
        " changed_lines, base_lines, occurred_at, created_at)"
        " SELECT p.id, 'push:7:cc', 'push', 'cc', 'bb', 30, 0, :t, :t"
        " FROM pull_requests AS p JOIN repositories AS r ON r.id = p.repository_id"
        " WHERE r.full_name = 'octo/known' AND p.number = 7"
    )
    with engine.begin() as connection:
        execute(connection, push, {"t": T2})
    before = review_event_rows(engine)

    migrate(engine, "upgrade", "0005")
    assert drift_besides(engine, LATER_TABLES["0005"]) == []
    [row] = review_event_rows(engine)
    assert row == {**before[0], "before_sha": None}

    migrate(engine, "downgrade", "0004")
    assert review_event_rows(engine) == before


# --- 0007: the author's teams -------------------------------------------------------------------------------


def pull_request_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every pull_requests row, as mappings."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM pull_requests ORDER BY id"))
        return [dict(row._mapping) for row in rows]


def test_0007_adds_author_teams_keeping_pull_requests(engine: Engine) -> None:
    """Upgrading a 0006 database with pull requests to 0007 keeps each row, its author's teams not known
    (NULL), and matches the models; a write then records teams on a carried-over row; downgrading drops the
    column and gives 0006's rows back."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        for sql, values in ROWS_0002:
            execute(connection, sql, values)
    migrate(engine, "upgrade", "0006")
    before = pull_request_rows(engine)
    assert len(before) == 3

    migrate(engine, "upgrade", "0007")
    assert schema_drift(engine) == []
    assert pull_request_rows(engine) == [{**row, "author_teams": None} for row in before]
    sessions = session_factory(engine)
    with sessions.begin() as session:
        repository = session.scalars(select(Repository).where(Repository.full_name == "octo/known")).one()
        upsert_pull_request(session, repository.id, 7, author_teams=("octo/web", "octo/api"), at=T2)
    with sessions() as session:
        teams = session.scalars(select(PullRequest.author_teams).where(PullRequest.number == 7)).one()
        assert teams == ["octo/web", "octo/api"]

    migrate(engine, "downgrade", "0006")
    after = pull_request_rows(engine)
    assert [{k: v for k, v in row.items() if k != "updated_at"} for row in after] == [
        {k: v for k, v in row.items() if k != "updated_at"} for row in before
    ]
