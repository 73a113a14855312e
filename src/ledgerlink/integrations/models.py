"""The integrations table (written from the connector registry on start) and per-client settings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class Integration(Base):
    __tablename__ = "integrations"

    key: Mapped[str] = mapped_column(primary_key=True)
    integration_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    source_id: Mapped[uuid.UUID]
    name: Mapped[str]
    source_type: Mapped[str]
    is_beta: Mapped[bool] = mapped_column(default=False)
    is_offline_connector: Mapped[bool] = mapped_column(default=False)
    data_provided_by: Mapped[str | None]
    datatype_features: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class IntegrationSetting(Base):
    """A client's choices for one integration: whether it is offered, and its one-off sync override."""

    __tablename__ = "integration_settings"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    integration_key: Mapped[str] = mapped_column(
        ForeignKey("integrations.key", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    one_time_sync: Mapped[bool | None]
