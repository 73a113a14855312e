"""Tables for clients and their API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    logo_url: Mapped[str | None]
    icon_url: Mapped[str | None]
    redirect_url: Mapped[str] = mapped_column(default="")
    white_list_urls: Mapped[list[str]] = mapped_column(JSONB, default=list)
    confirm_company_name: Mapped[bool] = mapped_column(default=False)
    allowed_origins: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Legacy `oneTimeSync`: the client-wide default, overridable per integration.
    one_time_sync: Mapped[bool] = mapped_column(default=False)
    # Link URLs handed out carry a one-time code: each works once, for `link_url_ttl_hours`.
    link_single_use: Mapped[bool] = mapped_column(default=False)
    link_url_ttl_hours: Mapped[int] = mapped_column(default=24)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Set by `ledgerlink clients disable`: its keys are refused everywhere until it is enabled again.
    disabled_at: Mapped[datetime | None]

    @property
    def status(self) -> str:
        return "Disabled" if self.disabled_at is not None else "Active"

    @property
    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"name": self.name}
        # Codat's `Profile.logoUrl`/`iconUrl` are plain (non-nullable) strings: leave them out when unset.
        if self.logo_url is not None:
            profile["logoUrl"] = self.logo_url
        if self.icon_url is not None:
            profile["iconUrl"] = self.icon_url
        return profile | {
            "redirectUrl": self.redirect_url,
            "whiteListUrls": self.white_list_urls,
            "confirmCompanyName": self.confirm_company_name,
        }


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(50))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The last characters, so a person can tell keys apart; the key itself is never stored.
    key_hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SeededApiKey(Base):
    """A `LEDGERLINK_API_KEY` value the install has seeded (its hash): seeded once, so deleting the key
    through the API is not undone by the next start."""

    __tablename__ = "seeded_api_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(server_default=func.now())
