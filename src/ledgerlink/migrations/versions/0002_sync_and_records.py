"""Sync: the job queue (procrastinate's schema), pull operations and the record store.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:53:20.342065
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # procrastinate's own schema (tables, functions, triggers) for the version installed. Its later
    # upgrades ship as SQL migrations of procrastinate's, applied by a migration of ours when we move to them.
    from procrastinate.schema import SchemaManager

    # The driver sees placeholders in any "%", so they are doubled, as procrastinate itself does.
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    op.create_table(
        "pull_operations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_description", sa.String(), nullable=True),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records_modified", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_pull_operations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_pull_operations_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_operations")),
    )
    op.create_index(
        "ix_pull_operations_company_requested", "pull_operations", ["company_id", "requested"], unique=False
    )
    op.create_index(
        "ix_pull_operations_connection_type",
        "pull_operations",
        ["connection_id", "data_type", "requested"],
        unique=False,
    )
    op.create_index(
        "uq_pull_operations_in_flight",
        "pull_operations",
        ["connection_id", "data_type"],
        unique=True,
        postgresql_where=sa.text(
            "status IN ('Fetching', 'Initial', 'MapQueued', 'Mapping', 'Processing', 'ProcessingQueued',"
            " 'Queued', 'Validating', 'ValidationQueued')"
        ),
    )
    op.create_table(
        "records",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("modified_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_modified_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_records_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "data_type", "record_id", name=op.f("pk_records")),
    )
    op.create_index(
        "ix_records_connection_type_modified",
        "records",
        ["connection_id", "data_type", "modified_date"],
        unique=False,
    )
    op.create_table(
        "record_counts",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(), nullable=False),
        sa.Column("visible", sa.BigInteger(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_record_counts_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "data_type", name=op.f("pk_record_counts")),
    )


def downgrade() -> None:
    op.drop_table("record_counts")
    op.drop_index("ix_records_connection_type_modified", table_name="records")
    op.drop_table("records")
    op.drop_index(
        "uq_pull_operations_in_flight",
        table_name="pull_operations",
        postgresql_where=sa.text(
            "status IN ('Fetching', 'Initial', 'MapQueued', 'Mapping', 'Processing', 'ProcessingQueued',"
            " 'Queued', 'Validating', 'ValidationQueued')"
        ),
    )
    op.drop_index("ix_pull_operations_connection_type", table_name="pull_operations")
    op.drop_index("ix_pull_operations_company_requested", table_name="pull_operations")
    op.drop_table("pull_operations")
    op.get_bind().exec_driver_sql(
        "DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs, "
        "procrastinate_workers CASCADE; DROP TYPE IF EXISTS procrastinate_job_status, "
        "procrastinate_job_event_type, procrastinate_job_to_defer_v1 CASCADE"
    )
