"""The ledger's tables as typed SQLAlchemy models; `migrations/` must create exactly this schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, ForeignKey, MetaData, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from bot.ledger.types import BigId, UtcDateTime

# Named constraints, so later migrations (and SQLite's batch mode, which rebuilds tables) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: every `Mapped[datetime]` is an aware UTC timestamp."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[type, TypeEngine[Any]]] = {datetime: UtcDateTime()}


class Installation(Base):
    """An installation of the App on a user or organisation account (`installation` webhook events)."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    account_login: Mapped[str | None]
    account_type: Mapped[str | None]  # "User", "Organization" or "Enterprise"
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    suspended_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    last_delivery_id: Mapped[str | None]


class InstallationRepository(Base):
    """A repository an installation can see (`installation_repositories` and `installation.created`)."""

    __tablename__ = "installation_repositories"

    installation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(Installation.id), primary_key=True)
    repo_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    repo_full_name: Mapped[str]  # latest known name: repositories get renamed, their id does not change
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class Evaluation(Base):
    """One published verdict on a pull request at one head commit; a re-run updates it in place."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("repo_full_name", "pr_number", "head_sha"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repo_full_name: Mapped[str]
    pr_number: Mapped[int]
    head_sha: Mapped[str]
    conclusion: Mapped[str]  # "success", "failure" or "neutral"
    effective_lines: Mapped[int]
    added: Mapped[int]
    deleted: Mapped[int]
    files: Mapped[int]
    excluded_files: Mapped[int]
    size_label: Mapped[str | None]
    check_run_id: Mapped[int | None] = mapped_column(BigInteger)
    delivery_id: Mapped[str | None]  # the X-GitHub-Delivery that caused the latest run
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PullRequestClosure(Base):
    """A pull request's latest closing, merged or not (time to merge starts from here); reopening and
    closing again updates the row."""

    __tablename__ = "pull_request_closures"
    __table_args__ = (UniqueConstraint("repo_full_name", "pr_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repo_full_name: Mapped[str]
    pr_number: Mapped[int]
    merged: Mapped[bool]
    closed_at: Mapped[datetime]


class Override(Base):
    """An attempt to override a failing gate, kept whether or not it was accepted (the audit trail)."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repo_full_name: Mapped[str]
    pr_number: Mapped[int]
    head_sha: Mapped[str]
    actor_login: Mapped[str]
    source: Mapped[str]  # "label" or "comment"
    reason: Mapped[str | None] = mapped_column(Text)  # the label name or the comment's text
    permission: Mapped[str | None]  # the actor's repository permission when it was checked
    accepted: Mapped[bool]
    delivery_id: Mapped[str | None] = mapped_column(unique=True)  # a redelivery must not add a second row
    created_at: Mapped[datetime]


class AppCredentials(Base):
    """What GitHub's App manifest flow returns (`POST /app-manifests/{code}/conversions`)."""

    __tablename__ = "app_credentials"

    app_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    slug: Mapped[str]
    name: Mapped[str | None]
    owner_login: Mapped[str | None]
    html_url: Mapped[str]
    client_id: Mapped[str]
    client_secret: Mapped[str]
    webhook_secret: Mapped[str | None]  # GitHub returns null when the manifest sets no webhook
    private_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
