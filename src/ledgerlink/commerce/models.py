"""Sync for Commerce tables: each company's configuration, the flow's one-time codes, the client's texts and
visible accounts, commerce syncs and the periods they posted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class CommerceConfiguration(Base):
    """What a merchant chose in the Sync Flow: the selections only; the options are read from the books."""

    __tablename__ = "commerce_configurations"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    commerce_key: Mapped[str]
    accounting_key: Mapped[str]
    enable: Mapped[bool] = mapped_column(default=False)
    configured: Mapped[bool] = mapped_column(default=False)
    # `{"sales": {...}, "payments": {...}, "fees": {...}, "schedule": {...}}` (commerce/configuration.py).
    selections: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime]
    # When the schedule last queued a sync (None: never): the next is due at the following sync hour.
    last_scheduled_at: Mapped[datetime | None] = mapped_column(default=None)


class SyncFlowCode(Base):
    """A one-time code handed out in a sync-flow URL: kept as its hash, spent on first use, dead in 30 s."""

    __tablename__ = "sync_flow_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where the merchant goes when they finish, as the client asked for it with this code: the URL's own
    # `redirectUrl` is only shown, so a changed URL cannot send the merchant elsewhere.
    redirect_url: Mapped[str | None] = mapped_column(default=None)


class SyncFlowMerchant(Base):
    """A merchant's identifier exactly as the client gave it to the start URL, and the company it names.

    The company's name is the identifier sanitised (Codat's rule for names: `shop_123` becomes `shop123`), so
    the name cannot find the merchant again; this row does, for the start URL and the Sync Flow alike.
    """

    __tablename__ = "sync_flow_merchants"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_identifier: Mapped[str] = mapped_column(primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)


class SyncFlowMiss(Base):
    """Wrong one-time codes tried from one source address in the current window: one row per source, whatever
    the number of tries, so an unauthenticated caller cannot grow the table by guessing."""

    __tablename__ = "sync_flow_misses"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    misses: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SyncFlowText(Base):
    """A client's own wording of one Sync Flow text in one locale (absent: the default)."""

    __tablename__ = "sync_flow_texts"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    text: Mapped[str]


class VisibleAccounts(Base):
    """Which of an accounting platform's accounts the client lets merchants choose from (None: all)."""

    __tablename__ = "commerce_visible_accounts"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    platform_key: Mapped[str] = mapped_column(primary_key=True)
    accounts: Mapped[list[str] | None] = mapped_column(JSONB)


class CommerceSync(Base):
    """One run of posting a date range of a merchant's sales into their books."""

    __tablename__ = "commerce_syncs"
    __table_args__ = (Index("ix_commerce_syncs_company_requested", "company_id", "requested_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    range_start: Mapped[datetime]
    range_finish: Mapped[datetime]
    status_code: Mapped[int]
    status: Mapped[str]
    error_message: Mapped[str | None] = mapped_column(default=None)
    exception_message: Mapped[str | None] = mapped_column(default=None)
    data_pushed: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class CommercePosting(Base):
    """A period of sales posted (or being posted) to the books: at most one per company and period, which is
    what keeps a period from ever being posted twice."""

    __tablename__ = "commerce_postings"
    __table_args__ = (UniqueConstraint("company_id", "period_start", name="uq_commerce_postings_period"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    sync_id: Mapped[uuid.UUID]
    # The push operation writing the period's journal entry (None: the period had nothing to post).
    push_operation_key: Mapped[uuid.UUID | None]
    posted_at: Mapped[datetime]
