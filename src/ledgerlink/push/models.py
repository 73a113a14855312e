"""The push_operations table: one row per record a client asked to write to a connection's platform."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class PushStatus(StrEnum):
    PENDING = "Pending"
    FAILED = "Failed"
    SUCCESS = "Success"
    TIMED_OUT = "TimedOut"

    @property
    def is_final(self) -> bool:
        return self is not PushStatus.PENDING


# Codat's `statusCode` of a push operation: 202 while it waits, 200 once written; a failure carries the HTTP
# status that best says why (400 refused by the platform, 401 authorization lost, 500 the platform or
# ledgerlink could not do it, 504 timed out).
STATUS_CODES = {PushStatus.PENDING: 202, PushStatus.SUCCESS: 200, PushStatus.TIMED_OUT: 504}


class PushOperation(Base):
    __tablename__ = "push_operations"
    __table_args__ = (
        Index("ix_push_operations_company_requested", "company_id", "requested_at"),
        # A caller's own key for a write: asked again with it, the first operation is the answer.
        Index(
            "uq_push_operations_idempotency_key",
            "connection_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        # Pending operations past their time limit, for the sweep that times them out.
        Index("ix_push_operations_pending", "requested_at", postgresql_where=text("status = 'Pending'")),
    )

    # Codat's `pushOperationKey`: the platform's idempotency key too.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    data_type: Mapped[str]
    # Codat's `Create`, `Update` or `Delete` (the value of a `records.registry.Operation`; models import
    # nothing above the database): `POST .../push/{dataType}`, `PUT .../push/{dataType}/{id}` or
    # `DELETE .../push/{dataType}/{id}`.
    operation: Mapped[str] = mapped_column(default="Create", server_default="Create")
    # Update and delete: the record's id, as the read API gives it.
    record_id: Mapped[str | None]
    # Bank transactions: the `{accountId}` of `.../push/bankAccounts/{accountId}/bankTransactions`.
    account_id: Mapped[str | None]
    status: Mapped[str] = mapped_column(default=PushStatus.PENDING.value)
    status_code: Mapped[int] = mapped_column(default=202)
    # The record as the client sent it (`{}` for a delete).
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The record as the platform holds it once written.
    created_record: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_record_id: Mapped[str | None]
    error_message: Mapped[str | None]
    # Codat's validation: `{"errors": [...], "warnings": [...]}`.
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    requested_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    timeout_in_minutes: Mapped[int | None]
    # Queue a pull of the data type once the record is written (Codat's `allowSyncOnPushComplete`).
    sync_on_complete: Mapped[bool] = mapped_column(default=True)
    idempotency_key: Mapped[str | None]
    attempts: Mapped[int] = mapped_column(default=0)
