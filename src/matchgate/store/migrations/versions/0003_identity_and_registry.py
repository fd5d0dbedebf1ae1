"""identity, workspace kind, agreement registry, trial batches, review records

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("os_user", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_users_os_user"), ["os_user"], unique=True)
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trial", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "workspace_meta",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "agreements",
        sa.Column("agreement_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.String(length=120), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("agreement_id", "version"),
        sa.UniqueConstraint("content_hash"),
    )
    op.create_table(
        "review_records",
        sa.Column("decision_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tin", sa.String(length=9), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.decision_id"]),
        sa.PrimaryKeyConstraint("decision_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("review_records")
    op.drop_table("agreements")
    op.drop_table("workspace_meta")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("trial")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_os_user"))
        batch_op.drop_column("disabled")
        batch_op.drop_column("os_user")
