"""Platforms' app credentials saved per client in the Portal (client id in clear, secrets sealed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_credentials",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        # No foreign key to integrations: that table follows the connectors loaded on each start.
        sa.Column("integration_key", sa.String(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        # A Fernet token (LEDGERLINK_SECRET_KEY) of the secret fields' JSON; they are never stored in clear.
        sa.Column("sealed_secrets", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_app_credentials_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "integration_key", name=op.f("pk_app_credentials")),
    )


def downgrade() -> None:
    op.drop_table("app_credentials")
