"""Review events: a pull request's review history, one row per event, keyed for idempotency.

A new table only: upgrading touches no existing row, and `downgrade()` drops the table with its rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create review_events."""
    op.create_table(
        "review_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pull_request_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=True),
        sa.Column("github_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_login", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=True),
        sa.Column("head_sha", sa.String(), nullable=True),
        sa.Column("base_sha", sa.String(), nullable=True),
        sa.Column("changed_lines", sa.Integer(), nullable=True),
        sa.Column("base_lines", sa.Integer(), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pull_request_id"],
            ["pull_requests.id"],
            name=op.f("fk_review_events_pull_request_id_pull_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
        sa.UniqueConstraint(
            "pull_request_id",
            "idempotency_key",
            name=op.f("uq_review_events_pull_request_id_idempotency_key"),
        ),
    )


def downgrade() -> None:
    """Drop review_events."""
    op.drop_table("review_events")
