"""Record `installation` and `installation_repositories` webhook events, idempotently by natural keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import case, func, update
from sqlalchemy.orm import Session

from bot.ledger.models import Installation, InstallationRepository
from bot.ledger.payload import as_int, as_mappings, as_str, as_time, dig
from bot.ledger.upsert import dialect_insert


def record_installation(
    session: Session,
    payload: Mapping[str, object],
    *,
    delivery_id: str | None = None,
    at: datetime | None = None,
) -> int | None:
    """Apply an `installation` or `installation_repositories` event (their actions do not overlap) and return
    the installation id, or None when the payload names none. Applying an event again changes nothing:
    rows are keyed by installation and repository id, and first deletion/removal times are kept."""
    installation_id = as_int(dig(payload, "installation", "id"))
    if installation_id is None:
        return None
    now = at or datetime.now(UTC)
    action = as_str(payload.get("action"))
    _upsert_installation(session, installation_id, payload.get("installation"), delivery_id, now)
    if action == "deleted":
        _mark_deleted(session, installation_id, now)
    elif action in ("suspend", "unsuspend"):
        suspended_at = as_time(dig(payload, "installation", "suspended_at")) or now
        _set_suspended(session, installation_id, suspended_at if action == "suspend" else None)
    if action != "deleted":  # a deletion lists the repositories it takes away, not ones it grants
        granted = [*as_mappings(payload.get("repositories")), *as_mappings(payload.get("repositories_added"))]
        _add_repositories(session, installation_id, granted, now)
    _remove_repositories(session, installation_id, as_mappings(payload.get("repositories_removed")), now)
    return installation_id


def _upsert_installation(
    session: Session, installation_id: int, installation: object, delivery_id: str | None, now: datetime
) -> None:
    """Insert the installation or refresh its account (logins change); missing fields keep their value."""
    insert = dialect_insert(session, Installation).values(
        id=installation_id,
        account_id=as_int(dig(installation, "account", "id")),
        # an enterprise account has a slug instead of a login
        account_login=as_str(dig(installation, "account", "login"))
        or as_str(dig(installation, "account", "slug")),
        account_type=as_str(dig(installation, "target_type")) or as_str(dig(installation, "account", "type")),
        created_at=as_time(dig(installation, "created_at")) or now,
        updated_at=now,
        last_delivery_id=delivery_id,
    )
    new = insert.excluded
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[Installation.id],
            set_={
                "account_id": func.coalesce(new.account_id, Installation.account_id),
                "account_login": func.coalesce(new.account_login, Installation.account_login),
                "account_type": func.coalesce(new.account_type, Installation.account_type),
                "updated_at": new.updated_at,
                "last_delivery_id": func.coalesce(new.last_delivery_id, Installation.last_delivery_id),
            },
        )
    )


def _set_suspended(session: Session, installation_id: int, suspended_at: datetime | None) -> None:
    """Record a suspension (or its end, with None)."""
    session.execute(
        update(Installation).where(Installation.id == installation_id).values(suspended_at=suspended_at)
    )


def _mark_deleted(session: Session, installation_id: int, now: datetime) -> None:
    """Mark the installation and all its repositories gone, keeping the first time this was seen."""
    session.execute(
        update(Installation)
        .where(Installation.id == installation_id, Installation.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    session.execute(
        update(InstallationRepository)
        .where(
            InstallationRepository.installation_id == installation_id,
            InstallationRepository.removed_at.is_(None),
        )
        .values(removed_at=now)
    )


def _add_repositories(
    session: Session, installation_id: int, repositories: Iterable[Mapping[str, object]], now: datetime
) -> None:
    """Insert repositories, renaming known ones; a removed repository added again gets a new `added_at`."""
    rows = [
        {"installation_id": installation_id, "repo_id": repo_id, "repo_full_name": name, "added_at": now}
        for repo in repositories
        if (repo_id := as_int(repo.get("id"))) is not None
        and (name := as_str(repo.get("full_name"))) is not None
    ]
    if not rows:
        return
    insert = dialect_insert(session, InstallationRepository)
    new = insert.excluded
    readded = InstallationRepository.removed_at.is_not(None)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[InstallationRepository.installation_id, InstallationRepository.repo_id],
            set_={
                "repo_full_name": new.repo_full_name,
                "added_at": case((readded, new.added_at), else_=InstallationRepository.added_at),
                "removed_at": None,
            },
        ),
        rows,
    )


def _remove_repositories(
    session: Session, installation_id: int, repositories: Iterable[Mapping[str, object]], now: datetime
) -> None:
    """Mark repositories removed, keeping the first removal time."""
    repo_ids = [repo_id for repo in repositories if (repo_id := as_int(repo.get("id"))) is not None]
    if not repo_ids:
        return
    session.execute(
        update(InstallationRepository)
        .where(
            InstallationRepository.installation_id == installation_id,
            InstallationRepository.repo_id.in_(repo_ids),
            InstallationRepository.removed_at.is_(None),
        )
        .values(removed_at=now)
    )
