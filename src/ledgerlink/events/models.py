"""The events table (the outbox webhooks deliver from)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_client_generated", "client_id", "generated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    event_type: Mapped[str]
    # No foreign key: `company.deleted` outlives its company.
    company_id: Mapped[uuid.UUID | None]
    # The company's tags when the event was written (webhook consumers filter on them; a deleted
    # company's are gone by the time its `company.deleted` is delivered).
    company_tags: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    generated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def envelope(self) -> dict[str, Any]:
        from ledgerlink.kit.clock import iso

        return {
            "id": str(self.id),
            "eventType": self.event_type,
            "generatedDate": iso(self.generated_at),
            "payload": self.payload,
        }
