"""Review events: the head a push replaced, so its rework can be measured once the PR has been reviewed.

A nullable column only: upgrading keeps every row (their `before_sha` NULL), and `downgrade()` drops it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add review_events.before_sha."""
    with op.batch_alter_table("review_events") as batch:
        batch.add_column(sa.Column("before_sha", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop review_events.before_sha."""
    with op.batch_alter_table("review_events") as batch:
        batch.drop_column("before_sha")
