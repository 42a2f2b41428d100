"""The ledger on SQLite and PostgreSQL: migrations, idempotent writes and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger import (
    EvaluationRecord,
    OverrideRecord,
    create_engine_for,
    current_app_credentials,
    current_revision,
    default_database_url,
    find_evaluation,
    head_revision,
    ping,
    pull_request_evaluations,
    pull_request_overrides,
    record_evaluation,
    record_installation,
    record_override,
    save_app_credentials,
    schema_drift,
    session_factory,
    upgrade,
)
from bot.ledger.closures import find_closure, record_closure
from bot.ledger.migrate import alembic_config
from bot.ledger.models import Base, Evaluation, Installation, InstallationRepository

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def webhook(event: str, example: str) -> dict[str, Any]:
    """A vendored example payload of `event` from @octokit/webhooks-examples."""
    payload: dict[str, Any] = json.loads((WEBHOOKS / event / f"{example}.json").read_text())
    return payload


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    """An engine on an empty database migrated to head."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database."""
    return session_factory(engine)


def count(session: Session, model: type[Base]) -> int:
    """Rows in `model`'s table."""
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- migrations ---------------------------------------------------------------------------------------------


def test_upgrade_brings_an_empty_database_to_head(sql_url: str) -> None:
    """An empty database ends at the newest revision with every model's table."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    try:
        assert current_revision(engine) == head_revision() is not None
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
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


def test_models_match_migrations(engine: Engine) -> None:
    """Autogenerate finds no difference between the models and the migrated schema: drift fails here."""
    assert schema_drift(engine) == []


def test_schema_drift_is_detected(engine: Engine) -> None:
    """A column the models do not know shows up as drift, so the test above can fail."""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE evaluations ADD COLUMN surprise INTEGER"))
    assert [diff[0] for diff in schema_drift(engine) if isinstance(diff, tuple)] == ["remove_column"]


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    """Every revision can be reverted, and the schema comes back identical."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert schema_drift(engine) == []


# --- installations ------------------------------------------------------------------------------------------


def test_same_installation_event_twice_gives_one_row(sessions: sessionmaker[Session]) -> None:
    """A redelivered `installation.created` leaves one installation and one row per repository."""
    payload = webhook("installation", "01-created")
    for at in (T0, T1):
        with sessions.begin() as session:
            assert record_installation(session, payload, delivery_id="d-1", at=at) == 957387
    with sessions() as session:
        assert count(session, Installation) == 1
        assert count(session, InstallationRepository) == 1
        installation = session.get_one(Installation, 957387)
        repo = session.scalars(select(InstallationRepository)).one()
    assert (installation.account_login, installation.account_type) == ("Codertocat", "User")
    assert installation.created_at == datetime.fromtimestamp(1557933591, UTC)  # Unix seconds in the payload
    assert (repo.repo_full_name, repo.added_at, repo.removed_at) == ("Codertocat/Hello-World", T0, None)


def test_deletion_keeps_its_first_time(sessions: sessionmaker[Session]) -> None:
    """A deleted installation and its repositories are marked gone once; a redelivery keeps the time."""
    with sessions.begin() as session:
        record_installation(session, {**webhook("installation", "00-deleted"), "action": "created"}, at=T0)
    for at in (T1, T1 + timedelta(hours=1)):
        with sessions.begin() as session:
            record_installation(session, webhook("installation", "00-deleted"), at=at)
    with sessions() as session:
        assert session.get_one(Installation, 2).deleted_at == T1
        assert [r.removed_at for r in session.scalars(select(InstallationRepository))] == [T1]


def test_suspend_and_unsuspend(sessions: sessionmaker[Session]) -> None:
    """Suspension takes GitHub's `suspended_at`; unsuspending clears it."""
    with sessions.begin() as session:
        record_installation(session, webhook("installation", "05-suspend"), at=T0)
    with sessions() as session:
        assert session.get_one(Installation, 16598467).suspended_at == datetime(
            2021, 4, 29, 2, 32, 50, tzinfo=UTC
        )
    with sessions.begin() as session:
        record_installation(session, webhook("installation", "06-unsuspend"), at=T1)
    with sessions() as session:
        assert session.get_one(Installation, 16598467).suspended_at is None


def test_repositories_added_removed_and_added_again(sessions: sessionmaker[Session]) -> None:
    """`installation_repositories` adds and removes rows by repository id; adding again reopens the row."""
    added = webhook("installation_repositories", "00-added")
    removed = {
        **added,
        "action": "removed",
        "repositories_added": [],
        "repositories_removed": added["repositories_added"],
    }
    for payload, at in (
        (added, T0),
        (added, T0 + timedelta(minutes=1)),
        (removed, T1),
        (added, T1 + timedelta(hours=1)),
    ):
        with sessions.begin() as session:
            record_installation(session, payload, at=at)
    with sessions() as session:
        repo = session.scalars(select(InstallationRepository)).one()
    assert (repo.repo_full_name, repo.added_at, repo.removed_at) == (
        "Codertocat/Space",
        T1 + timedelta(hours=1),
        None,
    )


def test_renamed_repository_keeps_its_row(sessions: sessionmaker[Session]) -> None:
    """Repositories are keyed by id, so a new full name updates the row."""
    payload = webhook("installation_repositories", "00-added")
    renamed = [{**payload["repositories_added"][0], "full_name": "Codertocat/Galaxy"}]
    with sessions.begin() as session:
        record_installation(session, payload, at=T0)
        record_installation(session, {**payload, "repositories_added": renamed}, at=T1)
    with sessions() as session:
        repo = session.scalars(select(InstallationRepository)).one()
    assert (repo.repo_full_name, repo.added_at) == ("Codertocat/Galaxy", T0)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"action": "created"}, None),
        ({"action": "created", "installation": {"id": "7"}}, None),
        (
            {
                "action": "created",
                "installation": {"id": 7},
                "repositories": [None, {"id": 1}, {"full_name": "a/b"}],
            },
            7,
        ),
        ({"action": "created", "installation": {"id": 7, "account": None, "created_at": "yesterday"}}, 7),
    ],
    ids=["no-installation", "id-not-a-number", "broken-repositories", "broken-account-and-time"],
)
def test_installation_payloads_are_read_leniently(
    sessions: sessionmaker[Session], payload: dict[str, Any], expected: int | None
) -> None:
    """Fields of the wrong shape read as missing: no crash, and nothing invented."""
    with sessions.begin() as session:
        assert record_installation(session, payload, at=T0) == expected
    with sessions() as session:
        assert count(session, InstallationRepository) == 0
        if expected is not None:
            installation = session.get_one(Installation, expected)
            assert (installation.account_login, installation.created_at) == (None, T0)


# --- evaluations --------------------------------------------------------------------------------------------


def evaluation(head_sha: str = "a" * 40, **changes: Any) -> EvaluationRecord:
    """An evaluation record of octo/repo#7 with `changes` applied."""
    fields: dict[str, Any] = {
        "repo_full_name": "octo/repo",
        "pr_number": 7,
        "head_sha": head_sha,
        "conclusion": "failure",
        "effective_lines": 900,
        "added": 800,
        "deleted": 100,
        "files": 12,
        "excluded_files": 2,
        "size_label": "size/XL",
        "check_run_id": 4_000_000_001,  # check run ids passed 2**31 long ago
        "delivery_id": "d-1",
        "installation_id": 957387,
    }
    return EvaluationRecord(**(fields | changes))


def test_evaluation_upsert_by_head_sha(sessions: sessionmaker[Session]) -> None:
    """A re-run at the same head updates its row; a new head adds one."""
    with sessions.begin() as session:
        record_evaluation(session, evaluation(), at=T0)
    with sessions.begin() as session:
        record_evaluation(
            session, evaluation(conclusion="success", size_label="size/L", delivery_id="d-2"), at=T1
        )
        record_evaluation(session, evaluation("b" * 40, effective_lines=40), at=T1)
    with sessions() as session:
        assert count(session, Evaluation) == 2
        rerun = find_evaluation(session, "octo/repo", 7, "a" * 40)
        history = pull_request_evaluations(session, "octo/repo", 7)
    assert rerun is not None
    assert (rerun.conclusion, rerun.size_label, rerun.delivery_id) == ("success", "size/L", "d-2")
    assert (rerun.created_at, rerun.updated_at, rerun.check_run_id) == (T0, T1, 4_000_000_001)
    assert [e.head_sha for e in history] == ["a" * 40, "b" * 40]


def test_evaluation_of_another_pull_request_is_separate(sessions: sessionmaker[Session]) -> None:
    """The same head commit on two pull requests gives two rows."""
    with sessions.begin() as session:
        record_evaluation(session, evaluation(), at=T0)
        record_evaluation(session, evaluation(pr_number=8), at=T0)
    with sessions() as session:
        assert count(session, Evaluation) == 2
        assert find_evaluation(session, "octo/repo", 9, "a" * 40) is None


# --- overrides ----------------------------------------------------------------------------------------------


def override(**changes: Any) -> OverrideRecord:
    """An override attempt on octo/repo#7 with `changes` applied."""
    fields: dict[str, Any] = {
        "repo_full_name": "octo/repo",
        "pr_number": 7,
        "head_sha": "a" * 40,
        "actor_login": "mallory",
        "source": "label",
        "accepted": False,
        "reason": "scopegate/override",
        "permission": "write",
        "delivery_id": "d-10",
    }
    return OverrideRecord(**(fields | changes))


def test_override_attempts_are_all_kept(sessions: sessionmaker[Session]) -> None:
    """Refused and accepted overrides are both audited, in order; a redelivery adds nothing."""
    accepted = override(
        actor_login="maria", source="comment", accepted=True, permission="maintain", delivery_id="d-11"
    )
    with sessions.begin() as session:
        assert record_override(session, override(), at=T0)
        assert record_override(session, accepted, at=T1)
        assert not record_override(session, override(), at=T1)
    with sessions() as session:
        rows = pull_request_overrides(session, "octo/repo", 7)
    assert [(r.actor_login, r.accepted, r.permission, r.created_at) for r in rows] == [
        ("mallory", False, "write", T0),
        ("maria", True, "maintain", T1),
    ]


def test_overrides_without_delivery_id_are_all_recorded(sessions: sessionmaker[Session]) -> None:
    """Only a delivery id makes two attempts the same one."""
    with sessions.begin() as session:
        assert record_override(session, override(delivery_id=None), at=T0)
        assert record_override(session, override(delivery_id=None), at=T1)
    with sessions() as session:
        assert len(pull_request_overrides(session, "octo/repo", 7)) == 2


# --- App credentials ----------------------------------------------------------------------------------------


def conversion(**changes: Any) -> dict[str, Any]:
    """A response of `POST /app-manifests/{code}/conversions`, trimmed to what the ledger keeps."""
    return {
        "id": 1_234_567,
        "slug": "scopegate-octo",
        "name": "scopegate (octo)",
        "owner": {"login": "octo"},
        "html_url": "https://github.com/apps/scopegate-octo",
        "client_id": "Iv1.8a61f9b3a7aba766",
        "client_secret": "1726be1638095a19edd134c77bde3aa2ece1e5d8",
        "webhook_secret": "e340154128314309424b7c8e90325147d99fdafa",
        "pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n",
    } | changes


def test_app_credentials_are_replaced_per_app(sessions: sessionmaker[Session]) -> None:
    """Saving the same App again replaces its secrets; the newest App is the current one."""
    with sessions.begin() as session:
        save_app_credentials(session, conversion(), at=T0)
        saved = save_app_credentials(session, conversion(client_secret="rotated"), at=T1)
        assert (saved.client_secret, saved.created_at, saved.updated_at) == ("rotated", T0, T1)
    with sessions.begin() as session:
        save_app_credentials(
            session, conversion(id=7_654_321, webhook_secret=None), at=T1 + timedelta(hours=1)
        )
    with sessions() as session:
        current = current_app_credentials(session)
    assert current is not None
    assert (current.app_id, current.owner_login, current.webhook_secret) == (7_654_321, "octo", None)


def test_app_credentials_need_the_key_and_secrets(sessions: sessionmaker[Session]) -> None:
    """A conversion without its private key or id is refused, naming what is missing."""
    with sessions.begin() as session, pytest.raises(ValueError, match="id, pem"):
        save_app_credentials(session, conversion(id=None, pem=""))
    with sessions() as session:
        assert current_app_credentials(session) is None


# --- engines ------------------------------------------------------------------------------------------------


def test_ping(engine: Engine) -> None:
    """ping() is true on a live database and false when the server does not answer."""
    assert ping(engine)
    unreachable = create_engine_for("postgresql://postgres@127.0.0.1:1/nothing")
    assert not ping(unreachable)
    unreachable.dispose()


def test_times_read_back_as_aware_utc(sessions: sessionmaker[Session]) -> None:
    """A time written in any zone reads back as the same instant in UTC on both dialects."""
    paris = datetime(2026, 5, 1, 14, 0, tzinfo=UTC).astimezone()
    with sessions.begin() as session:
        record_evaluation(session, evaluation(), at=paris)
    with sessions() as session:
        stored = find_evaluation(session, "octo/repo", 7, "a" * 40)
    assert stored is not None
    assert stored.created_at == paris
    assert stored.created_at.tzinfo == UTC


def test_naive_times_are_refused(sessions: sessionmaker[Session]) -> None:
    """A naive datetime is a bug in the caller, not something to guess the zone of."""
    with sessions.begin() as session, pytest.raises(StatementError, match="naive datetime"):
        record_evaluation(session, evaluation(), at=datetime(2026, 5, 1, 12, 0))


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    """Without configuration the ledger is a SQLite file in the data folder, created on first use."""
    url = default_database_url(tmp_path / "data")
    upgrade(url)
    assert (tmp_path / "data" / "scopegate.db").is_file()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
    ids=["heroku-style", "bare-postgresql", "explicit-driver", "sqlite"],
)
def test_urls_get_the_shipped_driver(url: str, driver: str) -> None:
    """PostgreSQL URLs without a driver use psycopg 3, the one scopegate installs."""
    engine = create_engine_for(url)
    assert engine.url.drivername == driver
    engine.dispose()


def test_other_databases_are_refused() -> None:
    """Only SQLite and PostgreSQL are supported, and the error says so."""
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        create_engine_for("mysql://u@h/db")


def test_closure_is_one_row_per_pull_request(sql_url: str) -> None:
    """Closing, reopening and closing again (merged this time) keeps one row with the latest closing."""
    upgrade(sql_url)
    sessions = session_factory(create_engine_for(sql_url))
    first, second = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    with sessions.begin() as session:
        record_closure(session, "o/r", 7, merged=False, at=first)
    with sessions.begin() as session:
        record_closure(session, "o/r", 7, merged=True, installation_id=3, at=second)
    with sessions() as session:
        closure = find_closure(session, "o/r", 7)
        assert closure is not None
        assert (closure.merged, closure.closed_at, closure.installation_id) == (True, second, 3)
