"""safety: pre-batch snapshots, rollback steps, check runs, approvals; batch size, force and backup

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_batches") as batch:
        batch.add_column(sa.Column("products", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("forced", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("backup_id", sa.String(length=64), nullable=True))
    op.create_table(
        "batch_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("state_json", sa.Text(), nullable=True),
        sa.Column("variant_ids_json", sa.Text(), nullable=False),
        sa.Column("synced_state_json", sa.Text(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "product_id", "platform"),
    )
    op.create_index("ix_batch_snapshots_batch_id", "batch_snapshots", ["batch_id"])
    op.create_table(
        "rollback_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "product_id", "platform"),
    )
    op.create_index("ix_rollback_steps_batch_id", "rollback_steps", ["batch_id"])
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("results_json", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_check_runs_kind", "check_runs", ["kind"])
    op.create_index("ix_check_runs_batch_id", "check_runs", ["batch_id"])
    op.create_table(
        "approvals",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("check_run_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )


def downgrade() -> None:
    op.drop_table("approvals")
    op.drop_index("ix_check_runs_batch_id", "check_runs")
    op.drop_index("ix_check_runs_kind", "check_runs")
    op.drop_table("check_runs")
    op.drop_index("ix_rollback_steps_batch_id", "rollback_steps")
    op.drop_table("rollback_steps")
    op.drop_index("ix_batch_snapshots_batch_id", "batch_snapshots")
    op.drop_table("batch_snapshots")
    with op.batch_alter_table("sync_batches") as batch:
        batch.drop_column("backup_id")
        batch.drop_column("forced")
        batch.drop_column("products")
