"""Writing events into the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.events.models import Event
from ledgerlink.kit.clock import utcnow


def emit(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
    company_id: uuid.UUID | None = None,
) -> Event:
    """Add an event to the caller's transaction: it is stored if and only if the change it reports is."""
    event = Event(
        client_id=client_id, event_type=event_type, company_id=company_id, payload=payload, generated_at=utcnow()
    )
    session.add(event)
    return event
