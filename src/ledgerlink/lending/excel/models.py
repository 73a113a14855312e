"""A requested Excel report: its generation's state and, once made, where its workbook is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class ExcelWorkbook(Base):
    """One request to generate an Excel report (its id is the status's `lastInvocationId`). A company keeps,
    per report type, its latest request and its latest workbook (which may be the same row); older rows go
    once a newer workbook is stored, and their stored bytes with them (the `files` trigger function)."""

    __tablename__ = "excel_workbooks"
    __table_args__ = (
        Index("ix_excel_workbooks_company_type", "company_id", "report_type", "queued_at"),
        # One generation per company and report type at a time.
        Index(
            "ux_excel_workbooks_in_progress",
            "company_id",
            "report_type",
            unique=True,
            postgresql_where=text("in_progress"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    report_type: Mapped[str]
    # The key that asked: the generation reads the books with its client's rights.
    api_key_id: Mapped[uuid.UUID]
    queued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # When the job began building it (the status's `lastGenerated`), and when it ended.
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    in_progress: Mapped[bool] = mapped_column(default=True)
    error_message: Mapped[str | None]
    # The workbook, once stored: its name, size and where the files' store keeps its bytes.
    file_name: Mapped[str | None]
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    store: Mapped[str | None]
    reference: Mapped[str | None]
