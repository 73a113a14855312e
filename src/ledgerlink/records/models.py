"""The records table: standardized records as JSONB, one row per (connection, data type, record id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (Index("ix_records_connection_type_modified", "connection_id", "data_type", "modified_date"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(primary_key=True)
    # The record as the API serves it, `modifiedDate` included.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Hash of the record as the connector gave it: a re-sync rewrites only records whose hash changed.
    content_hash: Mapped[int] = mapped_column(BigInteger)
    modified_date: Mapped[datetime]
    source_modified_date: Mapped[datetime | None]
    is_deleted: Mapped[bool] = mapped_column(default=False)


class RecordCount(Base):
    """How many records of a type a connection has that a read shows: kept by each pull, so an unfiltered
    page knows `totalResults` without counting a million rows."""

    __tablename__ = "record_counts"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(primary_key=True)
    visible: Mapped[int] = mapped_column(BigInteger)
    # When a pull last wrote this type for the connection: company-scoped reads use the latest.
    synced_at: Mapped[datetime]
