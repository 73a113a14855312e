"""Lending reports (`reports`): one row per report a client asked for, its status, the pulls it read and its
result; deleted with its company.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("pulls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("inputs_fingerprint", sa.String(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reports_company_type_requested", "reports", ["company_id", "type", "requested_at"])
    op.create_index("ix_reports_company_requested", "reports", ["company_id", "requested_at"])
    op.create_index(
        "ix_reports_in_progress",
        "reports",
        ["requested_at"],
        postgresql_where=sa.text("status = 'InProgress'"),
    )


def downgrade() -> None:
    op.drop_index("ix_reports_in_progress", table_name="reports")
    op.drop_index("ix_reports_company_requested", table_name="reports")
    op.drop_index("ix_reports_company_type_requested", table_name="reports")
    op.drop_table("reports")
