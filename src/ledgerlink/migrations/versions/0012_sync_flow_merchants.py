"""Sync Flow: each merchant's identifier kept exactly as the client gave it, and wrong one-time codes counted
in one row per source address (no longer a row per miss).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_flow_merchants",
        sa.Column("client_id", sa.Uuid(), sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        # The start URL's `merchantIdentifier` as given (the company's name is its sanitised form).
        sa.Column("merchant_identifier", sa.String(), nullable=False),
        sa.Column("company_id", sa.Uuid(), sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "merchant_identifier", name=op.f("pk_sync_flow_merchants")),
        sa.UniqueConstraint("company_id", name=op.f("uq_sync_flow_merchants_company_id")),
    )
    op.create_table(
        "sync_flow_misses",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_sync_flow_misses")),
    )
    op.create_index("ix_sync_flow_misses_expires_at", "sync_flow_misses", ["expires_at"])
    # The rows earlier versions wrote for each wrong code (spent and expired at the same moment).
    op.execute("DELETE FROM sync_flow_codes WHERE used_at = expires_at")


def downgrade() -> None:
    op.drop_table("sync_flow_misses")
    op.drop_table("sync_flow_merchants")
