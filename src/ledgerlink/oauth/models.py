"""Authorizations in progress: one row per authorization URL handed out, until its callback arrives.

The `state` itself is not stored, only its SHA-256: the row is looked up by what the callback brings, and
a copy of the table does not let anyone complete an authorization. The PKCE `code_verifier` is sealed
(Fernet). A row is single-use (`used_at`) and short-lived (`expires_at`); rows are kept for a while
after use so a replayed callback is told "already used" rather than "unknown".
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, func
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class PendingAuthorization(Base):
    __tablename__ = "oauth_authorizations"

    # hex SHA-256 of the `state` parameter.
    state_hash: Mapped[str] = mapped_column(primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    sealed_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    redirect_uri: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
