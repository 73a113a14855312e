"""The companies table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerlink.db import Base

if TYPE_CHECKING:
    from ledgerlink.connections.models import Connection


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        Index("ix_companies_client_created", "client_id", "created_at", "id"),
        Index("ix_companies_tags", "tags", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str]
    description: Mapped[str | None]
    tags: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    products: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Legacy `platformType`: the integration Link should offer first.
    platform_type: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_sync: Mapped[datetime | None]

    connections: Mapped[list[Connection]] = relationship(
        back_populates="company",
        order_by="Connection.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )
