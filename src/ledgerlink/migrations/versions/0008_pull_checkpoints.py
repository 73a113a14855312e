"""Pull checkpoints: what a completed pull's connector left for the next pull of its type (a sync cursor).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("pull_operations", sa.Column("checkpoint", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("pull_operations", "checkpoint")
