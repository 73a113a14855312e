"""Which consumers a client reaches, and what `query=` and `orderBy` may name on a consumer's deliveries
(`GET /webhooks/{id}/deliveries`)."""

from __future__ import annotations

from sqlalchemy import Select, String, cast, select

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.webhooks.models import DeliveryStatus, WebhookConsumer, WebhookDelivery

DELIVERY_TARGET: QueryTarget = columns_target(
    "WebhookDelivery",
    {
        "id": Field(Kind.TEXT, lambda: cast(WebhookDelivery.id, String)),
        "eventId": Field(Kind.TEXT, lambda: cast(WebhookDelivery.event_id, String)),
        "eventType": Field(Kind.TEXT, lambda: WebhookDelivery.event_type),
        "status": Field(Kind.ENUM, lambda: WebhookDelivery.status, tuple(s.value for s in DeliveryStatus)),
        "attemptCount": Field(Kind.NUMBER, lambda: WebhookDelivery.attempts),
        "createdDate": Field(Kind.DATETIME, lambda: WebhookDelivery.created_at),
        "lastAttemptDate": Field(Kind.DATETIME, lambda: WebhookDelivery.last_attempt_at),
        "nextAttemptDate": Field(Kind.DATETIME, lambda: WebhookDelivery.next_attempt_at),
        "deliveredDate": Field(Kind.DATETIME, lambda: WebhookDelivery.delivered_at),
    },
)

# Newest first: what someone debugging a consumer looks for.
DEFAULT_ORDER = (WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())


def readable_consumers(principal: Principal) -> Select[WebhookConsumer]:
    """The webhook consumers the caller may read or change: its client's own (the client scope)."""
    return select(WebhookConsumer).where(WebhookConsumer.client_id == principal.client_id)
