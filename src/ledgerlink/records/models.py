"""The records table: standardized records as JSON text, one row per (connection, data type, record id).

`data` is `json`, not `jsonb`: a record is written once and read as text many times, so it is kept as
the text that is served (checked as JSON on the way in, never converted). The properties reads lean on
have typed, indexed columns of their own (`modified_date`, `record_date`); `query=` reads any other
property from the JSON.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        # Pages in the default order (date, then id), date ranges and `orderBy` on the type's `dated_by`
        # property: ascending with missing dates first, so a backward scan gives descending with them last
        # (see `kit.query.order_by_clause`). The id makes the index the whole default order, so a page
        # stops after its rows instead of sorting every record of its first day.
        Index(
            "ix_records_connection_type_dated",
            "connection_id",
            "data_type",
            text("record_date NULLS FIRST"),
            "record_id",
        ),
        # Rows are written in time order (a pull appends, a change writes a new row version), so a block
        # range index finds recently modified records for next to nothing on the write path.
        Index("ix_records_modified_date", "modified_date", postgresql_using="brin"),
    )

    # No foreign key: PostgreSQL would check it row by row through a million-row COPY. A pull locks its
    # connection (FOR KEY SHARE) for the same guarantee, and deleting a connection purges its records
    # (`store.purge`).
    connection_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Byte-order ("C") collation: the primary key compares ids, it does not sort them for people.
    data_type: Mapped[str] = mapped_column(String(collation="C"), primary_key=True)
    record_id: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    # The record as the API serves it, `modifiedDate` included.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Hash of the record as the connector gave it: a re-sync rewrites only records whose hash changed.
    content_hash: Mapped[int] = mapped_column(BigInteger)
    modified_date: Mapped[datetime]
    # The record's `dated_by` property as a timestamp (NULL when it has none or it is not a date).
    record_date: Mapped[datetime | None]
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
