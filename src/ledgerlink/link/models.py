"""The one-time Link codes already spent (a code's SHA-256, kept until the code would have expired)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class LinkCodeUsed(Base):
    __tablename__ = "link_codes_used"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[uuid.UUID]
    used_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(index=True)
