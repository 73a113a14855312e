"""The tables of categorized bank statements: a report's accounts and transactions (rows keyed by the
report, gone with it), and the analyst's category overrides of bank transactions with their audit.

Overrides are keyed by the transaction's platform ids within its connection (account and transaction), not
by a report row, so a correction outlives re-syncs and applies to every later report; they go with their
connection.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class StatementAccount(Base):
    """One bank account of a categorized bank statement report, with the totals of its transactions."""

    __tablename__ = "bank_statement_accounts"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    # The account's place in the report (connection, then account, as `bank_lines` lists them).
    position: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # Banking | Accounting
    # Not a foreign key: a report keeps what it read after its connection is unlinked or deleted.
    connection_id: Mapped[uuid.UUID]
    platform_key: Mapped[str]
    platform_name: Mapped[str]
    account_id: Mapped[str]
    name: Mapped[str | None]
    provider: Mapped[str | None]
    account_type: Mapped[str | None]
    currency: Mapped[str | None]
    balance: Mapped[Decimal | None] = mapped_column(Numeric)
    # Codat's `accountIdentifiers` as the account's record has them (number, sort code, IBAN, masked number).
    identifiers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    transactions: Mapped[int]
    money_in: Mapped[Decimal] = mapped_column(Numeric)
    money_out: Mapped[Decimal] = mapped_column(Numeric)


class StatementTransaction(Base):
    """One bank transaction of a categorized bank statement report, as categorized when it was generated."""

    __tablename__ = "bank_statement_transactions"
    __table_args__ = (Index("ix_bank_statement_transactions_account", "report_id", "account_id", "position"),)

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    # The transaction's place in the report: (connection, account, date, id) order, the default page order.
    position: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    connection_id: Mapped[uuid.UUID]
    account_id: Mapped[str]
    account_name: Mapped[str | None]
    transaction_id: Mapped[str]
    date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric)
    currency: Mapped[str | None]
    description: Mapped[str | None]
    # The category path, top level first, and `Suggested` (the rules') or `Confirmed` (an analyst's).
    levels: Mapped[list[str]] = mapped_column(ARRAY(String))
    status: Mapped[str] = mapped_column(String(16))
    # 0-100, as Codat writes it; None for an analyst's category.
    confidence: Mapped[Decimal | None] = mapped_column(Numeric)
    reason: Mapped[str]
    counterparty: Mapped[str | None]
    payment_provider: Mapped[str | None]
    modified_date: Mapped[datetime | None]


class TransactionCategoryOverride(Base):
    """An analyst's category for one bank transaction: wins over the rules' in every report generated while
    it is set."""

    __tablename__ = "bank_transaction_category_overrides"
    __table_args__ = (UniqueConstraint("connection_id", "account_id", "transaction_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    account_id: Mapped[str]
    transaction_id: Mapped[str]
    levels: Mapped[list[str]] = mapped_column(JSONB)
    reason: Mapped[str | None]
    confirmed_at: Mapped[datetime]


class TransactionCategoryChange(Base):
    """One change of a bank transaction's category: who, when, from what, to what (None: unset), and why."""

    __tablename__ = "bank_transaction_category_changes"
    __table_args__ = (
        Index("ix_bank_transaction_category_changes_connection", "connection_id", "changed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    account_id: Mapped[str]
    transaction_id: Mapped[str]
    changed_at: Mapped[datetime]
    # As account category changes: `ApiKey` or `PortalOperator`, the client and the key's id (no secret).
    actor: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[uuid.UUID]
    api_key_id: Mapped[uuid.UUID | None]
    from_status: Mapped[str] = mapped_column(String(16))
    from_levels: Mapped[list[str]] = mapped_column(JSONB)
    to_levels: Mapped[list[str] | None] = mapped_column(JSONB)
    reason: Mapped[str | None]
