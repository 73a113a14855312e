"""Hosted Link: the client's single-use Link URL setting, and the one-time codes already spent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "clients", sa.Column("link_single_use", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "clients", sa.Column("link_url_ttl_hours", sa.Integer(), server_default="24", nullable=False)
    )
    op.create_table(
        "link_codes_used",
        # SHA-256 of the one-time code: the code itself is a credential and is never stored.
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        # Kept until the code would have expired anyway; then a sweep may delete it.
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_link_codes_used")),
    )
    op.create_index("ix_link_codes_used_expires_at", "link_codes_used", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_link_codes_used_expires_at", table_name="link_codes_used")
    op.drop_table("link_codes_used")
    op.drop_column("clients", "link_url_ttl_hours")
    op.drop_column("clients", "link_single_use")
