"""Categorized bank statements: a report's accounts and categorized transactions (rows keyed by the report,
deleted with it), and analysts' category overrides of bank transactions with their audit (deleted with their
connection).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_statement_accounts",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("platform_key", sa.String(), nullable=False),
        sa.Column("platform_name", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("provider", sa.String(), nullable=True),
        sa.Column("account_type", sa.String(), nullable=True),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("balance", sa.Numeric(), nullable=True),
        sa.Column("identifiers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("money_in", sa.Numeric(), nullable=False),
        sa.Column("money_out", sa.Numeric(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "position"),
    )
    op.create_table(
        "bank_statement_transactions",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("account_name", sa.String(), nullable=True),
        sa.Column("transaction_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("levels", postgresql.ARRAY(sa.String()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Numeric(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("counterparty", sa.String(), nullable=True),
        sa.Column("payment_provider", sa.String(), nullable=True),
        sa.Column("modified_date", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "position"),
    )
    op.create_index(
        "ix_bank_statement_transactions_account",
        "bank_statement_transactions",
        ["report_id", "account_id", "position"],
    )
    op.create_table(
        "bank_transaction_category_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("transaction_id", sa.String(), nullable=False),
        sa.Column("levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "account_id", "transaction_id"),
    )
    op.create_table(
        "bank_transaction_category_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("transaction_id", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("from_levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("to_levels", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_bank_transaction_category_changes_connection",
        "bank_transaction_category_changes",
        ["connection_id", "changed_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_bank_transaction_category_changes_connection", table_name="bank_transaction_category_changes"
    )
    op.drop_table("bank_transaction_category_changes")
    op.drop_table("bank_transaction_category_overrides")
    op.drop_index("ix_bank_statement_transactions_account", table_name="bank_statement_transactions")
    op.drop_table("bank_statement_transactions")
    op.drop_table("bank_statement_accounts")
