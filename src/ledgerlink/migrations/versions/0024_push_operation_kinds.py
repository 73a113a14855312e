"""Push operations of every kind: `operation` (`Create`, `Update`, `Delete`), the record's id for an update or
delete, and the bank account of a bank transactions create.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "push_operations", sa.Column("operation", sa.String(), server_default="Create", nullable=False)
    )
    op.add_column("push_operations", sa.Column("record_id", sa.String(), nullable=True))
    op.add_column("push_operations", sa.Column("account_id", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("push_operations", "account_id")
    op.drop_column("push_operations", "record_id")
    op.drop_column("push_operations", "operation")
