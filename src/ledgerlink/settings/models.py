"""Sync and Link settings stored for a client (the profile) or for one company."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


def one_per_client_and_company(table: str) -> tuple[Index, Index]:
    """Settings in layers: one row of the client's own (`company_id` NULL), and one per company."""
    return (
        Index(f"uq_{table}_client", "client_id", unique=True, postgresql_where=text("company_id IS NULL")),
        Index(
            f"uq_{table}_company", "company_id", unique=True, postgresql_where=text("company_id IS NOT NULL")
        ),
    )


class SyncSettings(Base):
    __tablename__ = "sync_settings"
    __table_args__ = one_per_client_and_company("sync_settings")

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    settings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    overrides_defaults: Mapped[bool] = mapped_column(default=True)


class LinkSettingsRow(Base):
    """A client's Link settings (`company_id` NULL) or a company's overrides of them
    (`settings.link_settings`)."""

    __tablename__ = "link_settings"
    __table_args__ = one_per_client_and_company("link_settings")

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # `json`, not `jsonb`: the order of `sourceTypes` is the order of the journey.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
