"""The app_credentials table: a client's own app credentials for a platform, saved in the Portal."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class SavedAppCredentials(Base):
    __tablename__ = "app_credentials"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    # The connector's platform key. No foreign key to `integrations`: that table follows the connectors loaded
    # on start, and a connector module missing for one start must not cost the client its app's secret.
    integration_key: Mapped[str] = mapped_column(primary_key=True)
    # The fields that are not secret (a client id, Plaid's environment): shown in the Portal.
    details: Mapped[dict[str, str]] = mapped_column(JSONB)
    # The secret fields, as one Fernet token of their JSON: never stored, logged or shown in clear.
    sealed_secrets: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]
