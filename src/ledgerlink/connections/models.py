"""The connections table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, LargeBinary, false, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerlink.db import Base

if TYPE_CHECKING:
    from ledgerlink.companies.models import Company


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    integration_key: Mapped[str]
    status: Mapped[str] = mapped_column(default="PendingAuth", index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_sync: Mapped[datetime | None]
    linked_at: Mapped[datetime | None]
    # The body of `PUT .../authorization` (or tokens from Link), Fernet-encrypted.
    sealed_authorization: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_connection_errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    connection_info: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    company: Mapped[Company] = relationship(back_populates="connections", lazy="raise")


class StoredPlatformRecord(Base):
    """A record written to a platform that keeps its state here (see `connections.platform_store`)."""

    __tablename__ = "platform_records"
    __table_args__ = (
        # A pull reads a connection's records' versions in the order they were written.
        Index("ix_platform_records_connection_id_seq", "connection_id", "seq"),
        # A retried push finds what it wrote by its key, and cannot write a second record under it.
        Index(
            "uq_platform_records_idempotency_key",
            "connection_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    # The order records were written in (their times may tie).
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    data_type: Mapped[str]
    record_id: Mapped[str]
    idempotency_key: Mapped[str | None]
    written_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # A record has versions in write order (`seq`): the first row of a `record_id` creates it, a later one
    # updates it, and one with `deleted` deletes it (its `data` is the record as it was last).
    deleted: Mapped[bool] = mapped_column(default=False, server_default=false())
