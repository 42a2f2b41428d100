"""The ledger's tables as typed SQLAlchemy models; `migrations/` must create exactly this schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, MetaData, Text, UniqueConstraint
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


class Repository(Base):
    """A repository the ledger has records about, keyed by GitHub's id: a rename updates `full_name`."""

    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # NULL only for repositories carried over from revision 0002 whose id the ledger never learned;
    # the first write that names the repository's id adopts the row (see repositories.upsert_repository).
    github_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str]  # the latest name
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PullRequest(Base):
    """A pull request of a repository: what is known of its author, opening and latest closing."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repository_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    repository_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(Repository.id))
    number: Mapped[int]
    author: Mapped[str | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # the latest closing: reopening and closing again moves it
    merged_at: Mapped[datetime | None]
    merged: Mapped[bool | None]  # None while the PR has not been seen closed
    # `org/slug` of the author's teams in the repository's organisation, as GitHub last said ([]: none, or
    # no organisation); NULL while not known (not asked yet, or the App may not read teams).
    author_teams: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Evaluation(Base):
    """One published verdict on a pull request at one head commit; a re-run updates it in place."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("pull_request_id", "head_sha"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pull_request_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(PullRequest.id))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    head_sha: Mapped[str]
    conclusion: Mapped[str]  # "success", "failure" or "neutral"
    # Filled from the rules' metrics when they report them; NULL where no rule measured it.
    effective_lines: Mapped[int | None]
    added: Mapped[int | None]
    deleted: Mapped[int | None]
    files: Mapped[int | None]
    excluded_files: Mapped[int | None]
    ai_lines: Mapped[int | None]
    ai_share: Mapped[float | None]
    labels: Mapped[list[str]] = mapped_column(JSON)  # the labels the verdict set
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # per rule id, as the rules reported them
    check_run_id: Mapped[int | None] = mapped_column(BigInteger)
    delivery_id: Mapped[str | None]  # the X-GitHub-Delivery that caused the latest run
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Finding(Base):
    """One finding of an evaluation; a re-run of the same head replaces the evaluation's findings."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("evaluation_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(Evaluation.id, ondelete="CASCADE"))
    rule: Mapped[str]
    fingerprint: Mapped[str]  # stable across runs, so a finding can be followed from head to head
    severity: Mapped[str]
    path: Mapped[str | None]
    line: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text)


class Override(Base):
    """An attempt to override a failing gate, kept whether or not it was accepted (the audit trail)."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pull_request_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(PullRequest.id), index=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    head_sha: Mapped[str]
    actor_login: Mapped[str]
    source: Mapped[str]  # "label" or "comment"
    reason: Mapped[str | None] = mapped_column(Text)  # the label name or the comment's text
    permission: Mapped[str | None]  # the actor's repository permission when it was checked
    accepted: Mapped[bool]
    idempotency_key: Mapped[str] = mapped_column(unique=True)  # a redelivery must not add a second row
    created_at: Mapped[datetime]


class ReviewEvent(Base):
    """One event of a pull request's review history (bot/core/rounds.py reads them back); the same event
    delivered again, or read again from the timeline, carries the same key and adds no row."""

    __tablename__ = "review_events"
    __table_args__ = (UniqueConstraint("pull_request_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pull_request_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(PullRequest.id))
    idempotency_key: Mapped[str]  # e.g. "review:80:submitted", "push:7:<after sha>"
    kind: Mapped[str]  # "review", "review_comment", "review_thread", "push", "opened" or "closed"
    action: Mapped[str | None]  # a review's or comment's webhook action ("submitted", "created", ...)
    github_id: Mapped[int | None] = mapped_column(BigInteger)  # the review's or comment's id
    actor_login: Mapped[str | None]  # who reviewed or commented
    state: Mapped[str | None]  # a review's state, as webhooks spell it
    head_sha: Mapped[str | None]
    base_sha: Mapped[str | None]
    # A push: lines in which the PR's own diff moved (bot/core/interdiff.py); NULL until measured, which
    # waits for the PR's first review (earlier pushes are no rework)
    changed_lines: Mapped[int | None]
    base_lines: Mapped[int | None]  # a push: lines of that diff the base brought in
    merged: Mapped[bool | None]  # a closing: merged or not
    before_sha: Mapped[str | None]  # a push: the head it replaced (revision 0005)
    occurred_at: Mapped[datetime]  # when GitHub says it happened: the order rounds are computed in
    delivery_id: Mapped[str | None]  # the X-GitHub-Delivery that brought it; None when read from the timeline
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


class LlmCall(Base):
    """One LLM review call, or a review that made none and why (DESIGN §8, issue 13): written once, never
    re-priced, no prompt text. Tokens and nano-USD per non-overlapping bucket; `charged_nano_usd` is what
    the budgets counted (the whole reservation when the provider may have billed an unanswered call)."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[str] = mapped_column(unique=True)  # the budget's reservation id (bot/llm/request.py)
    recorded_at: Mapped[datetime]
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repo_full_name: Mapped[str]
    pr_number: Mapped[int | None]
    head_sha: Mapped[str | None]
    team: Mapped[str | None]
    stage: Mapped[str]
    provider: Mapped[str]  # the wire format: "openai-responses", "openai-chat", "anthropic-messages"
    model: Mapped[str]  # as requested (what it was priced as)
    response_model: Mapped[str | None]  # as the provider answered
    response_id: Mapped[str | None]
    status: Mapped[str]  # "answered", "failed" or "skipped"
    reason: Mapped[str]
    latency_ms: Mapped[int | None]
    uncached_input_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_1h_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger)
    uncached_input_nano_usd: Mapped[int] = mapped_column(BigInteger)
    cache_read_nano_usd: Mapped[int] = mapped_column(BigInteger)
    cache_write_nano_usd: Mapped[int] = mapped_column(BigInteger)
    cache_write_1h_nano_usd: Mapped[int] = mapped_column(BigInteger)
    output_nano_usd: Mapped[int] = mapped_column(BigInteger)
    reasoning_nano_usd: Mapped[int] = mapped_column(BigInteger)
    reserved_nano_usd: Mapped[int] = mapped_column(BigInteger)
    charged_nano_usd: Mapped[int] = mapped_column(BigInteger)
    rates_hash: Mapped[str | None]  # bot/llm/prices.py: the rates and, from the table, the table's hash
    rates: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # USD per million tokens, per bucket
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the provider's usage payload as received
    tags: Mapped[dict[str, Any]] = mapped_column(JSON)
