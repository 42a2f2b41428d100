"""LLM calls: one row per review call (or review that made none), tokens and nano-USD per bucket.

A new table only: upgrading touches no existing row, and `downgrade()` drops the table with its rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUCKETS = ("uncached_input", "cache_read", "cache_write", "cache_write_1h", "output", "reasoning")


def upgrade() -> None:
    """Create llm_calls."""
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("call_id", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("repo_full_name", sa.String(), nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=True),
        sa.Column("head_sha", sa.String(), nullable=True),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("response_model", sa.String(), nullable=True),
        sa.Column("response_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        *(sa.Column(f"{bucket}_tokens", sa.BigInteger(), nullable=False) for bucket in _BUCKETS),
        *(sa.Column(f"{bucket}_nano_usd", sa.BigInteger(), nullable=False) for bucket in _BUCKETS),
        sa.Column("reserved_nano_usd", sa.BigInteger(), nullable=False),
        sa.Column("charged_nano_usd", sa.BigInteger(), nullable=False),
        sa.Column("rates_hash", sa.String(), nullable=True),
        sa.Column("rates", sa.JSON(), nullable=True),
        sa.Column("usage", sa.JSON(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_llm_calls_call_id")),
    )


def downgrade() -> None:
    """Drop llm_calls."""
    op.drop_table("llm_calls")
