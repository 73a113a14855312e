"""The reports table: one row per report a client asked for, its status, what it read and what it found."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class ReportStatus(StrEnum):
    IN_PROGRESS = "InProgress"
    COMPLETE = "Complete"
    ERROR = "Error"

    @property
    def is_final(self) -> bool:
        return self is not ReportStatus.IN_PROGRESS


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # A company's reports newest first (the list's default order), and `latest` per type.
        Index("ix_reports_company_type_requested", "company_id", "type", "requested_at"),
        Index("ix_reports_company_requested", "company_id", "requested_at"),
        # Reports still generating, for the sweep that finds those whose job was lost.
        Index("ix_reports_in_progress", "requested_at", postgresql_where=text("status = 'InProgress'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # The registered report type's name (Codat's `reportType`: `creditModel`, ...).
    type: Mapped[str]
    status: Mapped[str] = mapped_column(default=ReportStatus.IN_PROGRESS.value)
    requested_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    error_message: Mapped[str | None]
    # What the report read, fixed when it is generated (reproducibility): per connection and data type, the
    # pull operation (Codat's dataset) whose records it read, and a fingerprint of those records.
    pulls: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    inputs_fingerprint: Mapped[str | None]
    # What the report type's `generate` returned: served as stored, never computed again.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(default=0)
