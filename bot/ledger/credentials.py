"""The GitHub App's own credentials, as the manifest flow's conversion returns them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import AppCredentials
from bot.ledger.payload import as_int, as_str, dig
from bot.ledger.upsert import dialect_insert

_REQUIRED = ("slug", "html_url", "client_id", "client_secret", "pem")


def save_app_credentials(
    session: Session, conversion: Mapping[str, object], *, at: datetime | None = None
) -> AppCredentials:
    """Store the response of `POST /app-manifests/{code}/conversions`, replacing an earlier one of the
    same App. Raises ValueError when a field the App cannot run without is missing."""
    app_id = as_int(conversion.get("id"))
    missing = [name for name in _REQUIRED if as_str(conversion.get(name)) is None]
    if app_id is None:
        missing.insert(0, "id")
    if app_id is None or missing:
        raise ValueError(f"the manifest conversion lacks {', '.join(missing)}")
    now = at or datetime.now(UTC)
    values = {
        "app_id": app_id,
        "slug": conversion["slug"],
        "name": as_str(conversion.get("name")),
        "owner_login": as_str(dig(conversion, "owner", "login")),
        "html_url": conversion["html_url"],
        "client_id": conversion["client_id"],
        "client_secret": conversion["client_secret"],
        "webhook_secret": as_str(conversion.get("webhook_secret")),
        "private_key_pem": conversion["pem"],
        "created_at": now,
        "updated_at": now,
    }
    insert = dialect_insert(session, AppCredentials).values(values)
    changed = {name: insert.excluded[name] for name in values if name not in ("app_id", "created_at")}
    upsert = insert.on_conflict_do_update(index_elements=[AppCredentials.app_id], set_=changed)
    # populate_existing: an AppCredentials already in the session must show the values just written
    return session.scalars(
        upsert.returning(AppCredentials), execution_options={"populate_existing": True}
    ).one()


def current_app_credentials(session: Session) -> AppCredentials | None:
    """The most recently stored App credentials, if the setup page has run."""
    return session.scalars(
        select(AppCredentials)
        .order_by(AppCredentials.updated_at.desc(), AppCredentials.app_id.desc())
        .limit(1)
    ).first()
