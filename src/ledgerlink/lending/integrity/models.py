"""Data integrity's stored results: a company's last matching run, and every account and line it matched or
could not match."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class IntegrityRun(Base):
    """A company's latest matching run (the status's `statusInfo`): one row per company, rewritten by each
    run. `pulls_until` is the completion time of the latest pull the run took into account, so the schedule
    knows which companies' books or bank changed since."""

    __tablename__ = "integrity_runs"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str]  # Codat's integrityStatus: Complete or Error (DoesNotExist is no row)
    status_message: Mapped[str]
    last_matched: Mapped[datetime]
    pulls_until: Mapped[datetime | None]


class IntegrityRecord(Base):
    """One account or line of the latest run, on its side (`data_type`: `banking-accounts`,
    `banking-transactions`, `bankAccounts` or `bankTransactions`), with what it was matched to (`matches`:
    Codat's `dataIntegrityMatch` items, empty when unmatched)."""

    __tablename__ = "integrity_records"
    __table_args__ = (
        Index("ix_integrity_records_company_type_date", "company_id", "data_type", "date", "record_id"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(String(collation="C"), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    account_id: Mapped[str]
    # A line's date; an account's is empty.
    date: Mapped[datetime | None]
    # A line's signed amount; an account's balance.
    amount: Mapped[Decimal | None] = mapped_column(Numeric)
    currency: Mapped[str]
    description: Mapped[str]
    matched: Mapped[bool]
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
