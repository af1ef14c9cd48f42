"""rate budgets shared by every worker process of a shop when there is no Redis

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("budget_key", sa.String(length=200), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.Column("penalties", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("budget_key"),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
