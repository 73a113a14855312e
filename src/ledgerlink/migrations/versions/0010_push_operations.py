"""Push operations (writes to a connection's platform) and the records platforms without state of their own
hold for a connection (the sandboxes).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_operations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_record", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_record_id", sa.String(), nullable=True),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("validation", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timeout_in_minutes", sa.Integer(), nullable=True),
        sa.Column("sync_on_complete", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_push_operations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_push_operations_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_operations")),
    )
    op.create_index("ix_push_operations_company_requested", "push_operations", ["company_id", "requested_at"])
    op.create_index(
        "uq_push_operations_idempotency_key",
        "push_operations",
        ["connection_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(
        "ix_push_operations_pending",
        "push_operations",
        ["requested_at"],
        postgresql_where=sa.text("status = 'Pending'"),
    )

    op.create_table(
        "platform_records",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_platform_records_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_platform_records")),
        sa.UniqueConstraint(
            "connection_id", "data_type", "record_id", name=op.f("uq_platform_records_connection_id")
        ),
    )
    op.create_index(
        "uq_platform_records_idempotency_key",
        "platform_records",
        ["connection_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("platform_records")
    op.drop_table("push_operations")
