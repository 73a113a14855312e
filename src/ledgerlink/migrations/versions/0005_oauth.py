"""OAuth2: authorizations in progress (hashed state, sealed PKCE verifier, expiry, single use).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_authorizations",
        sa.Column("state_hash", sa.String(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_verifier", sa.LargeBinary(), nullable=False),
        sa.Column("redirect_uri", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_oauth_authorizations_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_authorizations")),
    )
    op.create_index(
        op.f("ix_oauth_authorizations_connection_id"), "oauth_authorizations", ["connection_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_authorizations_connection_id"), table_name="oauth_authorizations")
    op.drop_table("oauth_authorizations")
