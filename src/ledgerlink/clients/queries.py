"""Which API keys a client reaches: its own (the lookup that authenticates a request is `auth.key_owner`)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from ledgerlink.clients.models import ApiKey


def readable_api_keys(client_id: uuid.UUID) -> Select[ApiKey]:
    """The API keys the client may list, count and delete: its own (the client scope of keys)."""
    return select(ApiKey).where(ApiKey.client_id == client_id)
