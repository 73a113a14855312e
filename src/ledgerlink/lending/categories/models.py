"""The tables of analysts' account categories: the confirmed category per account, and every change to it.

Keyed by the account's platform id within its connection (not by a record row), so an override outlives
re-syncs, renames and re-types of the account; both go with their connection.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class ConfirmedCategory(Base):
    """An analyst's category for one account: wins over the suggestion until it is unset."""

    __tablename__ = "account_category_overrides"
    __table_args__ = (UniqueConstraint("connection_id", "account_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    account_id: Mapped[str]
    # The category's level names, top level first (a path of `taxonomy.TAXONOMY`).
    levels: Mapped[list[str]] = mapped_column(JSONB)
    reason: Mapped[str | None]
    confirmed_at: Mapped[datetime]


class CategoryChange(Base):
    """One change of an account's confirmed category: who made it, when, from what, to what, and why."""

    __tablename__ = "account_category_changes"
    __table_args__ = (
        Index("ix_account_category_changes_account", "connection_id", "account_id", "changed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    account_id: Mapped[str]
    changed_at: Mapped[datetime]
    # `ApiKey` (through the API) or `PortalOperator` (signed in to the Portal with one of the client's keys);
    # the key is kept by id (never its secret), and named by the client it belongs to.
    actor: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[uuid.UUID]
    api_key_id: Mapped[uuid.UUID | None]
    # The category before the change and its status (`Suggested` or `Confirmed`); the category after (None
    # when the confirmed category was unset and the suggestion applies again).
    from_status: Mapped[str] = mapped_column(String(16))
    from_levels: Mapped[list[str]] = mapped_column(JSONB)
    to_levels: Mapped[list[str] | None] = mapped_column(JSONB)
    reason: Mapped[str | None]
