"""What `query=` and `orderBy` may name on a consumer's deliveries (`GET /webhooks/{id}/deliveries`)."""

from __future__ import annotations

from sqlalchemy import String, cast

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.webhooks.models import DeliveryStatus, WebhookDelivery

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
