"""Repositories keyed by GitHub's id, pull requests, per-rule results and findings.

Every 0002 row is carried over: a repository per distinct `repo_full_name` (its GitHub id taken from
`installation_repositories` when known), a pull request per (repository, number) with the closing folded
in, and evaluations and overrides re-pointed at their pull request. `downgrade()` puts the rows back into
0002's tables; it fails on 0002's unique keys if two repositories have come to share a name (a rename and a
new repository under the old name), which 0002 cannot tell apart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METRICS = ("effective_lines", "added", "deleted", "files", "excluded_files")

# Every (repository, pull request) 0002 holds a row about, with the time of the row.
_SEEN = """
    SELECT repo_full_name, pr_number, installation_id, created_at AS seen_at FROM evaluations
    UNION ALL SELECT repo_full_name, pr_number, installation_id, updated_at FROM evaluations
    UNION ALL SELECT repo_full_name, pr_number, installation_id, created_at FROM overrides
    UNION ALL SELECT repo_full_name, pr_number, installation_id, closed_at FROM pull_request_closures
"""

# The pull request an evaluation or override of 0002 names, from inside an UPDATE of that table.
_PULL_REQUEST_OF = """
    SELECT p.id FROM pull_requests AS p JOIN repositories AS r ON r.id = p.repository_id
    WHERE r.full_name = {table}.repo_full_name AND p.number = {table}.pr_number
"""


def _big_id() -> sa.types.TypeEngine[int]:
    """A 64-bit surrogate key; SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> sa.DateTime:
    """An aware timestamp (stored as UTC)."""
    return sa.DateTime(timezone=True)


def _is_sqlite() -> bool:
    """Whether the migration runs on SQLite (JSON is built by other functions there)."""
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    """Create repositories, pull requests and findings; move 0002's rows onto them."""
    _create_repositories()
    _create_pull_requests()
    _fill_repositories()
    _fill_pull_requests()
    _upgrade_evaluations()
    _upgrade_overrides()
    # after evaluations were rebuilt: SQLite's batch mode must not drop a table other tables refer to
    _create_findings()
    op.drop_table("pull_request_closures")


def downgrade() -> None:
    """Put the rows back into 0002's tables and drop 0003's."""
    op.drop_table("findings")
    _create_closures()
    op.execute(
        """
        INSERT INTO pull_request_closures (installation_id, repo_full_name, pr_number, merged, closed_at)
        SELECT r.installation_id, r.full_name, p.number, p.merged, p.closed_at
        FROM pull_requests AS p JOIN repositories AS r ON r.id = p.repository_id
        WHERE p.closed_at IS NOT NULL
        """
    )
    _downgrade_evaluations()
    _downgrade_overrides()
    op.drop_table("pull_requests")
    op.drop_table("repositories")


def _create_repositories() -> None:
    """Repositories by GitHub's id, NULL where 0002 never learned it."""
    op.create_table(
        "repositories",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("github_id", sa.BigInteger(), nullable=True),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repositories")),
        sa.UniqueConstraint("github_id", name=op.f("uq_repositories_github_id")),
    )


def _create_pull_requests() -> None:
    """One row per pull request, its closing included."""
    op.create_table(
        "pull_requests",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("repository_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("opened_at", _time(), nullable=True),
        sa.Column("closed_at", _time(), nullable=True),
        sa.Column("merged_at", _time(), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"], ["repositories.id"], name=op.f("fk_pull_requests_repository_id_repositories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_requests")),
        sa.UniqueConstraint("repository_id", "number", name=op.f("uq_pull_requests_repository_id_number")),
    )


def _create_findings() -> None:
    """Findings of an evaluation, gone with it."""
    op.create_table(
        "findings",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("evaluation_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_findings_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint(
            "evaluation_id", "fingerprint", name=op.f("uq_findings_evaluation_id_fingerprint")
        ),
    )


def _create_closures() -> None:
    """0002's table of closings, as 0002 created it."""
    op.create_table(
        "pull_request_closures",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("repo_full_name", sa.String(), nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("closed_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_request_closures")),
        sa.UniqueConstraint(
            "repo_full_name", "pr_number", name=op.f("uq_pull_request_closures_repo_full_name_pr_number")
        ),
    )


def _fill_repositories() -> None:
    """A repository per name 0002 recorded, first and last seen when its rows were written."""
    op.execute(
        f"""
        INSERT INTO repositories (full_name, installation_id, created_at, updated_at)
        SELECT repo_full_name, MAX(installation_id), MIN(seen_at), MAX(seen_at)
        FROM ({_SEEN}) AS seen GROUP BY repo_full_name
        """
    )
    connection = op.get_bind()
    names = set(connection.execute(sa.text("SELECT full_name FROM repositories")).scalars())
    # Current rows first, then the latest added: an id whose repository was renamed, or a name reused by
    # another repository, goes to the most recent pairing, each id and each name once (github_id is unique).
    known = connection.execute(
        sa.text(
            """
            SELECT repo_id, repo_full_name, installation_id FROM installation_repositories
            ORDER BY CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END, added_at DESC, repo_id
            """
        )
    ).all()
    adopted: list[dict[str, object]] = []
    ids: set[int] = set()
    for repo_id, name, installation_id in known:
        if name in names and repo_id not in ids:
            adopted.append({"github_id": repo_id, "name": name, "installation_id": installation_id})
            names.discard(name)
            ids.add(repo_id)
    if adopted:
        connection.execute(
            sa.text(
                "UPDATE repositories SET github_id = :github_id, installation_id = :installation_id "
                "WHERE full_name = :name"
            ),
            adopted,
        )


def _fill_pull_requests() -> None:
    """A pull request per (repository, number) 0002 recorded, its closing (if any) folded in."""
    op.execute(
        f"""
        INSERT INTO pull_requests
            (repository_id, number, closed_at, merged_at, merged, created_at, updated_at)
        SELECT r.id, seen.pr_number, c.closed_at, CASE WHEN c.merged THEN c.closed_at END, c.merged,
               MIN(seen.seen_at), MAX(seen.seen_at)
        FROM ({_SEEN}) AS seen
        JOIN repositories AS r ON r.full_name = seen.repo_full_name
        LEFT JOIN pull_request_closures AS c
            ON c.repo_full_name = seen.repo_full_name AND c.pr_number = seen.pr_number
        GROUP BY r.id, seen.pr_number, c.closed_at, c.merged
        """
    )


def _upgrade_evaluations() -> None:
    """Point evaluations at their pull request; `size_label` becomes the list of labels."""
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("pull_request_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("ai_lines", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ai_share", sa.Double(), nullable=True))
        batch.add_column(sa.Column("labels", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("results", sa.JSON(), nullable=True))
    array, empty = (
        ("json_array", "json_object") if _is_sqlite() else ("json_build_array", "json_build_object")
    )
    op.execute(
        f"""
        UPDATE evaluations SET
            pull_request_id = ({_PULL_REQUEST_OF.format(table="evaluations")}),
            labels = CASE WHEN size_label IS NULL THEN {array}() ELSE {array}(size_label) END,
            results = {empty}()
        """
    )
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint("uq_evaluations_repo_full_name_pr_number_head_sha", type_="unique")
        for name in ("repo_full_name", "pr_number", "size_label"):
            batch.drop_column(name)
        for name in ("pull_request_id", "labels", "results"):
            batch.alter_column(name, nullable=False)
        for name in METRICS:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            op.f("fk_evaluations_pull_request_id_pull_requests"), "pull_requests", ["pull_request_id"], ["id"]
        )
        batch.create_unique_constraint(
            op.f("uq_evaluations_pull_request_id_head_sha"), ["pull_request_id", "head_sha"]
        )


def _upgrade_overrides() -> None:
    """Point overrides at their pull request; the delivery id becomes the idempotency key."""
    with op.batch_alter_table("overrides") as batch:
        batch.add_column(sa.Column("pull_request_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(), nullable=True))
    # without a delivery id 0002 kept every attempt, so each gets a key of its own
    op.execute(
        f"""
        UPDATE overrides SET
            pull_request_id = ({_PULL_REQUEST_OF.format(table="overrides")}),
            idempotency_key = COALESCE(delivery_id, 'legacy:' || CAST(id AS VARCHAR))
        """
    )
    with op.batch_alter_table("overrides") as batch:
        batch.drop_constraint("uq_overrides_delivery_id", type_="unique")
        for name in ("repo_full_name", "pr_number", "delivery_id"):
            batch.drop_column(name)
        batch.alter_column("pull_request_id", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("idempotency_key", existing_type=sa.String(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_overrides_pull_request_id_pull_requests"), "pull_requests", ["pull_request_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_overrides_idempotency_key"), ["idempotency_key"])
        batch.create_index(op.f("ix_overrides_pull_request_id"), ["pull_request_id"])


def _downgrade_evaluations() -> None:
    """Evaluations named by repository and number again; `size_label` is the first `size/` label."""
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("repo_full_name", sa.String(), nullable=True))
        batch.add_column(sa.Column("pr_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("size_label", sa.String(), nullable=True))
    if _is_sqlite():
        size_label = """
            SELECT l.value FROM json_each(evaluations.labels) AS l
            WHERE substr(l.value, 1, 5) = 'size/' ORDER BY l.key LIMIT 1
        """
    else:
        size_label = """
            SELECT l.value FROM json_array_elements_text(evaluations.labels) WITH ORDINALITY AS l(value, n)
            WHERE substr(l.value, 1, 5) = 'size/' ORDER BY l.n LIMIT 1
        """
    pull_request = "FROM pull_requests AS p JOIN repositories AS r ON r.id = p.repository_id"
    zeros = ", ".join(f"{name} = COALESCE({name}, 0)" for name in METRICS)  # 0002 required every metric
    op.execute(
        f"""
        UPDATE evaluations SET
            repo_full_name = (SELECT r.full_name {pull_request} WHERE p.id = evaluations.pull_request_id),
            pr_number = (SELECT p.number {pull_request} WHERE p.id = evaluations.pull_request_id),
            size_label = ({size_label}),
            {zeros}
        """
    )
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint("fk_evaluations_pull_request_id_pull_requests", type_="foreignkey")
        batch.drop_constraint("uq_evaluations_pull_request_id_head_sha", type_="unique")
        for name in ("pull_request_id", "ai_lines", "ai_share", "labels", "results"):
            batch.drop_column(name)
        batch.alter_column("repo_full_name", existing_type=sa.String(), nullable=False)
        batch.alter_column("pr_number", existing_type=sa.Integer(), nullable=False)
        for name in METRICS:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(
            op.f("uq_evaluations_repo_full_name_pr_number_head_sha"),
            ["repo_full_name", "pr_number", "head_sha"],
        )


def _downgrade_overrides() -> None:
    """Overrides named by repository and number again; keys the upgrade made up become NULL again."""
    with op.batch_alter_table("overrides") as batch:
        batch.add_column(sa.Column("repo_full_name", sa.String(), nullable=True))
        batch.add_column(sa.Column("pr_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delivery_id", sa.String(), nullable=True))
    pull_request = "FROM pull_requests AS p JOIN repositories AS r ON r.id = p.repository_id"
    op.execute(
        f"""
        UPDATE overrides SET
            repo_full_name = (SELECT r.full_name {pull_request} WHERE p.id = overrides.pull_request_id),
            pr_number = (SELECT p.number {pull_request} WHERE p.id = overrides.pull_request_id),
            delivery_id = CASE WHEN substr(idempotency_key, 1, 7) = 'legacy:' THEN NULL
                               ELSE idempotency_key END
        """
    )
    with op.batch_alter_table("overrides") as batch:
        batch.drop_index("ix_overrides_pull_request_id")
        batch.drop_constraint("fk_overrides_pull_request_id_pull_requests", type_="foreignkey")
        batch.drop_constraint("uq_overrides_idempotency_key", type_="unique")
        for name in ("pull_request_id", "idempotency_key"):
            batch.drop_column(name)
        batch.alter_column("repo_full_name", existing_type=sa.String(), nullable=False)
        batch.alter_column("pr_number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(op.f("uq_overrides_delivery_id"), ["delivery_id"])
