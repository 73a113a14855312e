"""The `LEDGERLINK_API_KEY` values an install has seeded, so a seeded key deleted through the API is not
seeded again at the next start.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seeded_api_keys",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_seeded_api_keys")),
    )
    # The keys an install already has from LEDGERLINK_API_KEY count as seeded.
    op.execute(
        "INSERT INTO seeded_api_keys (key_hash) "
        "SELECT key_hash FROM api_keys WHERE name = 'LEDGERLINK_API_KEY'"
    )


def downgrade() -> None:
    op.drop_table("seeded_api_keys")
