"""Data integrity (`integrity_runs`, `integrity_records`): a company's latest matching of its books' bank
accounts and lines against its banks', and every account and line with what it matched.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrity_runs",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_message", sa.String(), nullable=False),
        sa.Column("last_matched", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pulls_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "integrity_records",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(collation="C"), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Text(collation="C"), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("matches", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", "data_type", "connection_id", "record_id"),
    )
    op.create_index(
        "ix_integrity_records_company_type_date",
        "integrity_records",
        ["company_id", "data_type", "date", "record_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_integrity_records_company_type_date", table_name="integrity_records")
    op.drop_table("integrity_records")
    op.drop_table("integrity_runs")
