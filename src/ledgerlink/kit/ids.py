"""Ids in paths: lowercase UUIDs, where a malformed one is simply not found."""

from __future__ import annotations

import uuid

from ledgerlink.kit.errors import NotFound


def parse_id(raw: str, not_found: NotFound) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found from None
