"""Writing events into the outbox, and handing each one to the webhook consumers it concerns."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

if TYPE_CHECKING:
    from ledgerlink.companies.models import Company

from ledgerlink.events.models import Event
from ledgerlink.kit.clock import utcnow
from ledgerlink.webhooks.dispatch import fan_out


def emit(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
    company_id: uuid.UUID | None = None,
    company_tags: Mapping[str, str] | None = None,
) -> Event:
    """Add an event to the caller's transaction: it is stored if and only if the change it reports is.

    `company_tags`: the tags of the company the event concerns, as they are now (consumers filter on them).
    """
    event = Event(
        client_id=client_id,
        event_type=event_type,
        company_id=company_id,
        company_tags=dict(company_tags or {}),
        payload=payload,
        generated_at=utcnow(),
    )
    session.add(event)
    return event


def emit_for_company(
    session: AsyncSession, company: Company, event_type: str, payload: dict[str, Any]
) -> Event:
    """An event about one company (or something of it), filtered by consumers on the company's tags."""
    return emit(
        session,
        client_id=company.client_id,
        event_type=event_type,
        payload=payload,
        company_id=company.id,
        company_tags=company.tags,
    )


@orm_event.listens_for(Session, "after_flush")
def _deliver_new_events(session: Session, _: UOWTransaction) -> None:
    # The flush that writes events also writes their webhook deliveries (and the jobs that send them), on
    # the same connection: a delivery exists if and only if its event does, whoever wrote the event.
    # (`session.new` still lists what this flush inserted.)
    written = [obj.id for obj in session.new if isinstance(obj, Event)]
    if written:
        fan_out(session.connection(), written)
