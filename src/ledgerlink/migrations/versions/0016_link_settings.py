"""Link settings: a client's (company_id NULL) and a company's overrides, one JSON document each.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        # `json`, not `jsonb`: the order of `sourceTypes` is the order of the journey.
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_link_settings_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_link_settings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_settings")),
    )
    op.create_index(
        "uq_link_settings_client",
        "link_settings",
        ["client_id"],
        unique=True,
        postgresql_where=sa.text("company_id IS NULL"),
    )
    op.create_index(
        "uq_link_settings_company",
        "link_settings",
        ["company_id"],
        unique=True,
        postgresql_where=sa.text("company_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("link_settings")
