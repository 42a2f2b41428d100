"""Pull requests: the teams of the organisation the author belongs to, for the `author-team` reports.

A nullable column only: upgrading keeps every row (their teams not known, NULL, until the App asks GitHub
again), and `downgrade()` drops it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add pull_requests.author_teams."""
    op.add_column("pull_requests", sa.Column("author_teams", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    """Drop pull_requests.author_teams. In place, not by batch mode's copy of the table: other tables'
    foreign keys name pull_requests, so SQLite (with foreign keys on) refuses to drop it; SQLite has
    dropped columns itself since 3.35."""
    op.drop_column("pull_requests", "author_teams")
