"""Platform core: clients, API keys, companies, connections, integrations, sync settings, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:40:08.853531
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("logo_url", sa.String(), nullable=True),
        sa.Column("icon_url", sa.String(), nullable=True),
        sa.Column("redirect_url", sa.String(), nullable=False),
        sa.Column("white_list_urls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("confirm_company_name", sa.Boolean(), nullable=False),
        sa.Column("allowed_origins", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("one_time_sync", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_table(
        "integrations",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source_type", sa.String(), nullable=False),
        sa.Column("is_beta", sa.Boolean(), nullable=False),
        sa.Column("is_offline_connector", sa.Boolean(), nullable=False),
        sa.Column("data_provided_by", sa.String(), nullable=True),
        sa.Column("datatype_features", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_integrations")),
        sa.UniqueConstraint("integration_id", name=op.f("uq_integrations_integration_id")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_hint", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_api_keys_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_client_id"), "api_keys", ["client_id"], unique=False)
    op.create_table(
        "companies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("tags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("products", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("platform_type", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_sync", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_companies_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_index(
        "ix_companies_client_created", "companies", ["client_id", "created_at", "id"], unique=False
    )
    op.create_index("ix_companies_tags", "companies", ["tags"], unique=False, postgresql_using="gin")
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "generated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_events_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_client_generated", "events", ["client_id", "generated_at"], unique=False)
    op.create_table(
        "integration_settings",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("integration_key", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("one_time_sync", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_integration_settings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_key"],
            ["integrations.key"],
            name=op.f("fk_integration_settings_integration_key_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "integration_key", name=op.f("pk_integration_settings")),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("integration_key", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_sync", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sealed_authorization", sa.LargeBinary(), nullable=True),
        sa.Column("data_connection_errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("connection_info", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_connections_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    op.create_index(op.f("ix_connections_company_id"), "connections", ["company_id"], unique=False)
    op.create_index(op.f("ix_connections_status"), "connections", ["status"], unique=False)
    op.create_table(
        "sync_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("overrides_defaults", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_sync_settings_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_sync_settings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_settings")),
    )
    op.create_index(
        "uq_sync_settings_client",
        "sync_settings",
        ["client_id"],
        unique=True,
        postgresql_where=sa.text("company_id IS NULL"),
    )
    op.create_index(
        "uq_sync_settings_company",
        "sync_settings",
        ["company_id"],
        unique=True,
        postgresql_where=sa.text("company_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_sync_settings_company",
        table_name="sync_settings",
        postgresql_where=sa.text("company_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_sync_settings_client", table_name="sync_settings", postgresql_where=sa.text("company_id IS NULL")
    )
    op.drop_table("sync_settings")
    op.drop_index(op.f("ix_connections_status"), table_name="connections")
    op.drop_index(op.f("ix_connections_company_id"), table_name="connections")
    op.drop_table("connections")
    op.drop_table("integration_settings")
    op.drop_index("ix_events_client_generated", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_companies_tags", table_name="companies", postgresql_using="gin")
    op.drop_index("ix_companies_client_created", table_name="companies")
    op.drop_table("companies")
    op.drop_index(op.f("ix_api_keys_client_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("integrations")
    op.drop_table("clients")
