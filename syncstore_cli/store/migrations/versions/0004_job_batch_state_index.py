"""sync jobs: an index on (batch_id, state), so settling a batch after each job reads only its open jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_jobs_batch_state", "sync_jobs", ["batch_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_sync_jobs_batch_state", "sync_jobs")
