"""Webhook attempts keep at most 256 characters of the receiver's answer (500 before): older attempts are
cut to the same, so no stored answer says more than a new one would.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE webhook_attempts SET response = left(response, 256) WHERE length(response) > 256")


def downgrade() -> None:
    pass  # what was cut is gone
