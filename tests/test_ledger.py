"""The ledger on SQLite and PostgreSQL: idempotent writes keyed by natural keys, and the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger.credentials import current_app_credentials, save_app_credentials
from bot.ledger.engine import create_engine_for, default_database_url, ping, session_factory
from bot.ledger.evaluations import (
    EvaluationRecord,
    FindingRecord,
    pull_request_evaluations,
    record_evaluation,
)
from bot.ledger.installations import record_installation
from bot.ledger.migrate import upgrade
from bot.ledger.models import (
    Base,
    Evaluation,
    Finding,
    Installation,
    InstallationRepository,
    PullRequest,
    Repository,
)
from bot.ledger.overrides import OverrideRecord, pull_request_overrides, record_override
from bot.ledger.pull_requests import record_closure, upsert_pull_request
from bot.ledger.repositories import upsert_repository

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def webhook(event: str, example: str) -> dict[str, Any]:
    """A vendored example payload of `event` from @octokit/webhooks-examples."""
    payload: dict[str, Any] = json.loads((WEBHOOKS / event / f"{example}.json").read_text())
    return payload


def count(session: Session, model: type[Base]) -> int:
    """Rows in `model`'s table."""
    return session.scalar(select(func.count()).select_from(model)) or 0


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


# --- repositories and pull requests -------------------------------------------------------------------------

REPO_ID = 1296269  # GitHub's id of octo/repo


def repositories(session: Session) -> list[tuple[str, int | None]]:
    """(full name, GitHub id) of every repository row, by name then id."""
    rows = session.execute(select(Repository.full_name, Repository.github_id))
    return sorted(((name, github_id) for name, github_id in rows), key=lambda row: (row[0], row[1] or 0))


def test_evaluations_of_one_repository_do_not_wait_for_each_other(postgres_url: str) -> None:
    """Each evaluation writes its findings in one transaction; two of the same repository must not
    serialise on its row: with one transaction open after its upsert, another's completes at once
    (PostgreSQL locks a row an upsert touches, even one it leaves as it was)."""
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = session_factory(engine)
    try:
        with sessions.begin() as session:
            upsert_repository(session, github_id=REPO_ID, full_name="octo/repo", installation_id=3, at=T0)
        with sessions.begin() as first:
            upsert_repository(first, github_id=REPO_ID, full_name="octo/repo", installation_id=3, at=T1)
            with sessions.begin() as second:
                second.execute(text("SET LOCAL lock_timeout = '1s'"))
                upsert_repository(second, github_id=REPO_ID, full_name="octo/repo", installation_id=3)
    finally:
        engine.dispose()


def test_rename_updates_one_repository_row(sessions: sessionmaker[Session]) -> None:
    """A repository is keyed by GitHub's id: a new name updates its row, and a missing installation id
    keeps the known one."""
    with sessions.begin() as session:
        first = upsert_repository(session, github_id=REPO_ID, full_name="octo/repo", installation_id=3, at=T0)
        again = upsert_repository(
            session, github_id=REPO_ID, full_name="octo/renamed", installation_id=None, at=T1
        )
    with sessions() as session:
        repository = session.scalars(select(Repository)).one()
    assert first == again == repository.id
    assert (repository.full_name, repository.installation_id) == ("octo/renamed", 3)
    assert (repository.created_at, repository.updated_at) == (T0, T1)


@pytest.mark.parametrize(
    ("carried_over", "expected"),
    [
        pytest.param([("octo/repo", None)], [("octo/repo", REPO_ID)], id="adopted-by-name"),
        pytest.param(
            [("octo/other", None)], [("octo/other", None), ("octo/repo", REPO_ID)], id="other-name-left-alone"
        ),
        # the migration gave the id to a name the repository had before: that row is renamed, and the
        # id-less row stays (github_id is unique), rather than failing the write
        pytest.param(
            [("octo/repo", None), ("octo/old-name", REPO_ID)],
            [("octo/repo", None), ("octo/repo", REPO_ID)],
            id="id-already-known",
        ),
    ],
)
def test_carried_over_repository(
    sessions: sessionmaker[Session],
    carried_over: list[tuple[str, int | None]],
    expected: list[tuple[str, int | None]],
) -> None:
    """A repository 0002 left without a GitHub id is adopted by the first write naming it with its id,
    unless another row holds that id already."""
    with sessions.begin() as session:
        session.add_all(
            Repository(full_name=name, github_id=github_id, created_at=T0, updated_at=T0)
            for name, github_id in carried_over
        )
    with sessions.begin() as session:
        upsert_repository(session, github_id=REPO_ID, full_name="octo/repo", installation_id=3, at=T1)
    with sessions() as session:
        assert repositories(session) == expected


def test_pull_request_keeps_what_is_known(sessions: sessionmaker[Session]) -> None:
    """Upserting a pull request without an author or opening time keeps the ones already recorded, and
    one that changes nothing leaves the row as it was (`updated_at` is when it last changed)."""
    with sessions.begin() as session:
        repository_id = upsert_repository(
            session, github_id=REPO_ID, full_name="octo/repo", installation_id=3
        )
        first = upsert_pull_request(session, repository_id, 7, author="octocat", opened_at=T0, at=T0)
        again = upsert_pull_request(session, repository_id, 7, at=T1)
    with sessions() as session:
        pull = session.scalars(select(PullRequest)).one()
    assert first == again == pull.id
    assert (pull.author, pull.opened_at, pull.created_at, pull.updated_at) == ("octocat", T0, T0, T0)


def test_closure_keeps_the_latest_closing(sessions: sessionmaker[Session]) -> None:
    """Closing, reopening and closing again (merged this time) keeps one row with the latest closing."""
    with sessions.begin() as session:
        record_closure(
            session, github_repo_id=REPO_ID, repo_full_name="octo/repo", pr_number=7, merged=False, at=T0
        )
    with sessions.begin() as session:
        record_closure(
            session,
            github_repo_id=REPO_ID,
            repo_full_name="octo/repo",
            pr_number=7,
            merged=True,
            installation_id=3,
            at=T1,
        )
    with sessions() as session:
        pull = session.scalars(select(PullRequest)).one()
        repository = session.scalars(select(Repository)).one()
    assert (pull.closed_at, pull.merged, pull.merged_at) == (T1, True, T1)
    assert repository.installation_id == 3


def test_closure_and_evaluation_share_one_pull_request(sessions: sessionmaker[Session]) -> None:
    """A closing and an evaluation of the same PR land on one pull_requests row; the evaluation does
    not undo the closing."""
    with sessions.begin() as session:
        record_closure(
            session, github_repo_id=REPO_ID, repo_full_name="octo/repo", pr_number=7, merged=True, at=T0
        )
        record_evaluation(session, evaluation(pr_author="octocat"), at=T1)
    with sessions() as session:
        pull = session.scalars(select(PullRequest)).one()
        stored = session.scalars(select(Evaluation)).one()
    assert stored.pull_request_id == pull.id
    assert (pull.author, pull.closed_at, pull.merged) == ("octocat", T0, True)


# --- evaluations --------------------------------------------------------------------------------------------


def evaluation(head_sha: str = "a" * 40, **changes: Any) -> EvaluationRecord:
    """An evaluation record of octo/repo#7 with `changes` applied."""
    fields: dict[str, Any] = {
        "repository_id": REPO_ID,
        "repo_full_name": "octo/repo",
        "pr_number": 7,
        "head_sha": head_sha,
        "conclusion": "failure",
        "results": {"size": {"effective_lines": 900, "bucket": "XL"}},
        "metrics": {"effective_lines": 900, "added": 800, "deleted": 100, "files": 12, "excluded_files": 2},
        "labels": ("size/XL",),
        "findings": (finding("size-1"), finding("size-2", path=None, line=None)),
        "check_run_id": 4_000_000_001,  # check run ids passed 2**31 long ago
        "delivery_id": "d-1",
        "installation_id": 957387,
    }
    return EvaluationRecord(**(fields | changes))


def finding(fingerprint: str, **changes: Any) -> FindingRecord:
    """A finding of the size rule with `changes` applied."""
    fields: dict[str, Any] = {
        "rule": "size",
        "fingerprint": fingerprint,
        "severity": "error",
        "path": "src/app.py",
        "line": 12,
        "message": "900 effective lines; the limit is 400",
    }
    return FindingRecord(**(fields | changes))


def findings(session: Session, evaluation_id: int) -> list[tuple[str, str | None, str]]:
    """(fingerprint, path, message) of an evaluation's findings, by fingerprint."""
    rows = session.execute(
        select(Finding.fingerprint, Finding.path, Finding.message)
        .where(Finding.evaluation_id == evaluation_id)
        .order_by(Finding.fingerprint)
    )
    return [(fingerprint, path, message) for fingerprint, path, message in rows]


def test_rerun_of_a_head_updates_its_row_and_replaces_findings(sessions: sessionmaker[Session]) -> None:
    """A re-run at the same head updates its one row and replaces its findings; a new head adds a row."""
    rerun = evaluation(
        conclusion="success",
        labels=("size/L",),
        results={"size": {"effective_lines": 300}},
        metrics={"effective_lines": 300},
        findings=(finding("size-3", message="close to the limit"),),
        check_run_id=None,
        delivery_id="d-2",
    )
    with sessions.begin() as session:
        first = record_evaluation(session, evaluation(), at=T0)
    with sessions.begin() as session:
        assert record_evaluation(session, rerun, at=T1) == first
        second = record_evaluation(session, evaluation("b" * 40, findings=()), at=T1)
    with sessions() as session:
        history = pull_request_evaluations(session, REPO_ID, 7)
        assert count(session, Evaluation) == 2
        assert findings(session, first) == [("size-3", "src/app.py", "close to the limit")]
        assert findings(session, second) == []
    stored = history[0]
    assert [e.id for e in history] == [first, second]
    assert (stored.conclusion, stored.labels, stored.results) == ("success", ["size/L"], rerun.results)
    assert (stored.effective_lines, stored.added, stored.files) == (300, None, None)  # not measured again
    assert (stored.check_run_id, stored.delivery_id, stored.created_at, stored.updated_at) == (
        None,
        "d-2",
        T0,
        T1,
    )


@pytest.mark.parametrize(
    ("metrics", "columns"),
    [
        pytest.param({}, (None, None, None, None), id="none"),
        pytest.param(
            {"effective_lines": 900, "added": 899, "deleted": 1, "files": 3, "excluded_files": 0},
            (900, 899, None, None),
            id="size",
        ),
        pytest.param({"ai_lines": 450, "ai_share": 0.5}, (None, None, 450, 0.5), id="ai-attribution"),
        pytest.param({"rounds": 2, "effective_lines": 10}, (10, None, None, None), id="no-column-for-rounds"),
    ],
)
def test_metrics_with_a_column_fill_it(
    sessions: sessionmaker[Session],
    metrics: dict[str, int | float],
    columns: tuple[int | None, int | None, int | None, float | None],
) -> None:
    """A metric named like a column lands in it; the others are not stored outside `results`."""
    with sessions.begin() as session:
        record_evaluation(session, evaluation(metrics=metrics), at=T0)
    with sessions() as session:
        stored = session.scalars(select(Evaluation)).one()
    assert (stored.effective_lines, stored.added, stored.ai_lines, stored.ai_share) == columns


def test_evaluation_of_another_pull_request_is_separate(sessions: sessionmaker[Session]) -> None:
    """The same head commit on two pull requests gives two rows on two pull requests of one repository."""
    with sessions.begin() as session:
        record_evaluation(session, evaluation(), at=T0)
        record_evaluation(session, evaluation(pr_number=8), at=T0)
    with sessions() as session:
        assert count(session, Evaluation) == count(session, PullRequest) == 2
        assert count(session, Repository) == 1
        assert pull_request_evaluations(session, REPO_ID, 9) == []


def test_findings_go_with_their_evaluation(sessions: sessionmaker[Session]) -> None:
    """Deleting an evaluation deletes its findings (ON DELETE CASCADE, which SQLite enforces only when
    asked to: the engine turns foreign keys on)."""
    with sessions.begin() as session:
        evaluation_id = record_evaluation(session, evaluation(), at=T0)
    with sessions.begin() as session:
        session.execute(delete(Evaluation).where(Evaluation.id == evaluation_id))
    with sessions() as session:
        assert count(session, Finding) == 0


# --- overrides ----------------------------------------------------------------------------------------------


def override(**changes: Any) -> OverrideRecord:
    """An override attempt on octo/repo#7 with `changes` applied."""
    fields: dict[str, Any] = {
        "repository_id": REPO_ID,
        "repo_full_name": "octo/repo",
        "pr_number": 7,
        "head_sha": "a" * 40,
        "actor_login": "mallory",
        "source": "label",
        "accepted": False,
        "idempotency_key": "label:mallory@a",
        "reason": "scopegate/override",
        "permission": "write",
    }
    return OverrideRecord(**(fields | changes))


def test_override_attempts_are_all_kept_once(sessions: sessionmaker[Session]) -> None:
    """Refused and accepted overrides are both audited, in order; the same key again adds nothing."""
    accepted = override(
        actor_login="maria",
        source="comment",
        accepted=True,
        permission="maintain",
        idempotency_key="comment:11",
    )
    with sessions.begin() as session:
        assert record_override(session, override(), at=T0)
        assert record_override(session, accepted, at=T1)
        assert not record_override(session, override(accepted=True), at=T1)
    with sessions() as session:
        rows = pull_request_overrides(session, REPO_ID, 7)
        assert count(session, PullRequest) == 1
    assert [(r.actor_login, r.accepted, r.permission, r.idempotency_key, r.created_at) for r in rows] == [
        ("mallory", False, "write", "label:mallory@a", T0),
        ("maria", True, "maintain", "comment:11", T1),
    ]


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
        [stored] = pull_request_evaluations(session, REPO_ID, 7)
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
