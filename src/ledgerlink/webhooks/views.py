"""How consumers (Codat's `WebhookConsumer`), deliveries and attempts look in the API."""

from __future__ import annotations

from typing import Any

from ledgerlink.events.models import Event
from ledgerlink.kit.clock import iso
from ledgerlink.webhooks.models import WebhookAttempt, WebhookConsumer, WebhookDelivery


def consumer_view(consumer: WebhookConsumer) -> dict[str, Any]:
    return {
        "id": str(consumer.id),
        "url": consumer.url,
        "eventTypes": consumer.event_types or [],
        "disabled": consumer.disabled,
        "companyTags": consumer.company_tags or [],
    }


def attempt_view(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": str(attempt.id),
        "attemptedDate": iso(attempt.attempted_at),
        "statusCode": attempt.status_code,
        "latencyMs": attempt.latency_ms,
        "error": attempt.error,
        "response": attempt.response,
    }


def delivery_view(
    delivery: WebhookDelivery, attempts: list[WebhookAttempt], event: Event | None = None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(delivery.id),
        "webhookId": str(delivery.consumer_id),
        "messageId": delivery.message_id,
        "eventId": str(delivery.event_id),
        "eventType": delivery.event_type,
        "status": delivery.status,
        "attemptCount": delivery.attempts,
        "createdDate": iso(delivery.created_at),
        "lastAttemptDate": iso(delivery.last_attempt_at),
        "nextAttemptDate": iso(delivery.next_attempt_at),
        "deliveredDate": iso(delivery.delivered_at),
        "attempts": [attempt_view(attempt) for attempt in attempts],
    }
    if event is not None:
        view["event"] = event.envelope()
    return view
