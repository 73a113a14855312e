"""Sync for Commerce: configurations, sync-flow codes, texts, visible accounts, commerce syncs and postings.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _company(name: str = "company_id") -> sa.Column:
    return sa.Column(name, sa.Uuid(), sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False)


def _client() -> sa.Column:
    return sa.Column("client_id", sa.Uuid(), sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "commerce_configurations",
        _company(),
        sa.Column("commerce_key", sa.String(), nullable=False),
        sa.Column("accounting_key", sa.String(), nullable=False),
        sa.Column("enable", sa.Boolean(), nullable=False),
        sa.Column("configured", sa.Boolean(), nullable=False),
        sa.Column("selections", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("last_scheduled_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_commerce_configurations")),
    )
    op.create_table(
        "sync_flow_codes",
        # SHA-256 of the one-time code: the code opens the flow, so it is never stored.
        sa.Column("code_hash", sa.String(64), nullable=False),
        _company(),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("redirect_url", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_sync_flow_codes")),
    )
    op.create_index("ix_sync_flow_codes_company_id", "sync_flow_codes", ["company_id"])
    op.create_index("ix_sync_flow_codes_expires_at", "sync_flow_codes", ["expires_at"])
    op.create_table(
        "sync_flow_texts",
        _client(),
        sa.Column("locale", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "locale", "key", name=op.f("pk_sync_flow_texts")),
    )
    op.create_table(
        "commerce_visible_accounts",
        _client(),
        sa.Column("platform_key", sa.String(), nullable=False),
        sa.Column("accounts", postgresql.JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "platform_key", name=op.f("pk_commerce_visible_accounts")),
    )
    op.create_table(
        "commerce_syncs",
        sa.Column("id", sa.Uuid(), nullable=False),
        _company(),
        sa.Column("range_start", _TS, nullable=False),
        sa.Column("range_finish", _TS, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("exception_message", sa.String(), nullable=True),
        sa.Column("data_pushed", sa.Boolean(), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commerce_syncs")),
    )
    op.create_index("ix_commerce_syncs_company_requested", "commerce_syncs", ["company_id", "requested_at"])
    op.create_table(
        "commerce_postings",
        sa.Column("id", sa.Uuid(), nullable=False),
        _company(),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sync_id", sa.Uuid(), nullable=False),
        sa.Column("push_operation_key", sa.Uuid(), nullable=True),
        sa.Column("posted_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commerce_postings")),
        sa.UniqueConstraint("company_id", "period_start", name="uq_commerce_postings_period"),
    )


def downgrade() -> None:
    for table in (
        "commerce_postings",
        "commerce_syncs",
        "commerce_visible_accounts",
        "sync_flow_texts",
        "sync_flow_codes",
        "commerce_configurations",
    ):
        op.drop_table(table)
