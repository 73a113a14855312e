"""Excel reports (`excel_workbooks`): a company's requests to generate a workbook per report type, and where
the latest workbook is stored; a deleted row releases its stored bytes through the files' trigger function.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "excel_workbooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("report_type", sa.String(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_progress", sa.Boolean(), nullable=False),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("file_name", sa.String(), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("store", sa.String(), nullable=True),
        sa.Column("reference", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_excel_workbooks_company_type", "excel_workbooks", ["company_id", "report_type", "queued_at"]
    )
    op.create_index(
        "ux_excel_workbooks_in_progress",
        "excel_workbooks",
        ["company_id", "report_type"],
        unique=True,
        postgresql_where=sa.text("in_progress"),
    )
    # The same release as an uploaded file's (0017's function): a large object unlinked, an S3 key recorded.
    op.execute(
        "CREATE TRIGGER excel_workbooks_release_object AFTER DELETE ON excel_workbooks "
        "FOR EACH ROW WHEN (OLD.reference IS NOT NULL) EXECUTE FUNCTION files_release_object()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER excel_workbooks_release_object ON excel_workbooks")
    op.drop_index("ux_excel_workbooks_in_progress", table_name="excel_workbooks")
    op.drop_index("ix_excel_workbooks_company_type", table_name="excel_workbooks")
    op.drop_table("excel_workbooks")
