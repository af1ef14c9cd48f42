"""marketplace taxonomy: cached category trees, attributes and rules; the seller's mapping and
attribute defaults; products' own attribute values

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("attributes_json", sa.Text(), nullable=False, server_default="{}"))
    op.create_table(
        "market_categories",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("is_leaf", sa.Boolean(), nullable=False),
        sa.Column("tokopedia", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "category_id"),
    )
    op.create_table(
        "market_attributes",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=False),
        sa.Column("attribute_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("input_type", sa.String(length=16), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("custom_values", sa.Boolean(), nullable=False),
        sa.Column("units_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "category_id", "attribute_id"),
    )
    op.create_table(
        "market_category_rules",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=False),
        sa.Column("brand_required", sa.Boolean(), nullable=False),
        sa.Column("certifications_json", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "category_id"),
    )
    op.create_table(
        "category_mappings",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "platform"),
    )
    op.create_table(
        "attribute_defaults",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.String(length=32), nullable=False),
        sa.Column("attribute_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "category_id", "attribute_id"),
    )


def downgrade() -> None:
    for table in ("attribute_defaults", "category_mappings", "market_category_rules", "market_attributes",
                  "market_categories"):
        op.drop_table(table)
    with op.batch_alter_table("products") as batch:
        batch.drop_column("attributes_json")
