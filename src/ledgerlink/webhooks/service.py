"""The rules for webhook consumers, their signing secrets, and their deliveries (listing and replaying)."""

from __future__ import annotations

import base64
import secrets as _random
import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import jobs
from ledgerlink.clients.service import get_client
from ledgerlink.events.models import Event
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.outbound import OutboundPolicy, OutboundRefused
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.webhooks import queries
from ledgerlink.webhooks.dispatch import DELIVER_TASK
from ledgerlink.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookConsumer, WebhookDelivery
from ledgerlink.webhooks.schemas import ConsumerCreate

# Codat's limit on a client's consumers.
MAX_CONSUMERS = 50
SECRET_PREFIX = "whsec_"
# After a rotation the old secret keeps signing (as a second `v1,` signature) this long, so receivers can
# switch over without dropping a message.
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(24)).decode()


def consumer_not_found(webhook_id: str) -> NotFound:
    return NotFound(f"No webhook consumer was found with ID {webhook_id[:100]}")


async def list_consumers(session: AsyncSession, principal: Principal) -> list[WebhookConsumer]:
    statement = queries.readable_consumers(principal).order_by(WebhookConsumer.created_at, WebhookConsumer.id)
    return list((await session.scalars(statement)).all())


async def get(
    session: AsyncSession, principal: Principal, webhook_id: str, *, for_update: bool = False
) -> WebhookConsumer:
    statement = queries.readable_consumers(principal).where(
        WebhookConsumer.id == parse_id(webhook_id, consumer_not_found(webhook_id))
    )
    consumer = await session.scalar(statement.with_for_update() if for_update else statement)
    if consumer is None:
        raise consumer_not_found(webhook_id)
    return consumer


async def create(
    session: AsyncSession,
    principal: Principal,
    body: ConsumerCreate,
    secrets: SecretBox,
    rules: OutboundPolicy,
) -> WebhookConsumer:
    await check_url(body.url, rules)
    await get_client(session, principal.client_id, for_update=True)  # serializes creates for the limit
    count = await session.scalar(queries.readable_consumers(principal).with_only_columns(func.count()))
    if (count or 0) >= MAX_CONSUMERS:
        raise BadRequest(
            f"There is a maximum of {MAX_CONSUMERS} webhook consumers; delete one before creating another."
        )
    consumer = WebhookConsumer(
        id=uuid.uuid4(),
        client_id=principal.client_id,
        url=body.url,
        event_types=body.event_types or [],
        company_tags=body.company_tags or [],
        disabled=bool(body.disabled),
        sealed_secret=secrets.seal(new_secret()),
        created_at=utcnow(),
    )
    session.add(consumer)
    await session.flush()
    return consumer


async def check_url(url: str, rules: OutboundPolicy) -> None:
    """A consumer's URL must not reach the server's own network (it is checked again at every delivery)."""
    try:
        await rules.check_url(url)
    except OutboundRefused as refused:
        raise BadRequest(f"The webhook URL cannot be used: {refused}.") from None


async def delete(session: AsyncSession, principal: Principal, webhook_id: str) -> None:
    consumer = await get(session, principal, webhook_id, for_update=True)
    await session.delete(consumer)  # its deliveries and attempts go with it (ON DELETE CASCADE)


async def get_secret(session: AsyncSession, principal: Principal, webhook_id: str, secrets: SecretBox) -> str:
    consumer = await get(session, principal, webhook_id)
    return secrets.open(consumer.sealed_secret)


async def rotate_secret(
    session: AsyncSession, principal: Principal, webhook_id: str, secrets: SecretBox
) -> str:
    consumer = await get(session, principal, webhook_id, for_update=True)
    secret = new_secret()
    consumer.previous_sealed_secret = consumer.sealed_secret
    consumer.sealed_secret = secrets.seal(secret)
    consumer.secret_rotated_at = utcnow()
    return secret


def signing_secrets(consumer: WebhookConsumer, secrets: SecretBox) -> list[str]:
    """The secrets a message to this consumer is signed with now: the current one, and the previous one
    for a day after a rotation."""
    current = [secrets.open(consumer.sealed_secret)]
    rotated = consumer.secret_rotated_at
    if consumer.previous_sealed_secret and rotated and utcnow() - rotated < ROTATION_OVERLAP:
        current.append(secrets.open(consumer.previous_sealed_secret))
    return current


# --- deliveries ------------------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession, principal: Principal, webhook_id: str, params: PageParams
) -> tuple[list[tuple[WebhookDelivery, list[WebhookAttempt]]], int]:
    consumer = await get(session, principal, webhook_id)
    deliveries, total = await fetch_query_page(
        session,
        select(WebhookDelivery).where(WebhookDelivery.consumer_id == consumer.id),
        params,
        queries.DELIVERY_TARGET,
        default_order=queries.DEFAULT_ORDER,
    )
    attempts = await _attempts(session, [delivery.id for delivery in deliveries])
    return [(delivery, attempts[delivery.id]) for delivery in deliveries], total


async def get_delivery(
    session: AsyncSession, principal: Principal, webhook_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt], Event]:
    _, delivery = await _delivery_of(session, principal, webhook_id, delivery_id)
    event = await session.get_one(Event, delivery.event_id)
    return delivery, (await _attempts(session, [delivery.id]))[delivery.id], event


async def replay(
    session: AsyncSession, principal: Principal, webhook_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt], Event]:
    """Send a delivery again now, whatever became of it, with a fresh retry schedule (same `webhook-id`)."""
    consumer, delivery = await _delivery_of(session, principal, webhook_id, delivery_id, for_update=True)
    if consumer.disabled:
        raise BadRequest(f"Webhook consumer {consumer.id} is disabled; it receives no messages.")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.failures = 0
    delivery.next_attempt_at = utcnow()
    delivery.delivered_at = None
    await jobs.defer(session, DELIVER_TASK, {"consumer_id": str(consumer.id)}, queue=jobs.WEBHOOKS_QUEUE)
    event = await session.get_one(Event, delivery.event_id)
    return delivery, (await _attempts(session, [delivery.id]))[delivery.id], event


async def _delivery_of(
    session: AsyncSession,
    principal: Principal,
    webhook_id: str,
    delivery_id: str,
    *,
    for_update: bool = False,
) -> tuple[WebhookConsumer, WebhookDelivery]:
    consumer = await get(session, principal, webhook_id)
    not_found = NotFound(
        f"No delivery was found with ID {delivery_id[:100]} for webhook consumer {consumer.id}"
    )
    statement = select(WebhookDelivery).where(
        WebhookDelivery.id == parse_id(delivery_id, not_found), WebhookDelivery.consumer_id == consumer.id
    )
    delivery = await session.scalar(statement.with_for_update() if for_update else statement)
    if delivery is None:
        raise not_found
    return consumer, delivery


async def _attempts(
    session: AsyncSession, delivery_ids: list[uuid.UUID]
) -> defaultdict[uuid.UUID, list[WebhookAttempt]]:
    grouped: defaultdict[uuid.UUID, list[WebhookAttempt]] = defaultdict(list)
    if delivery_ids:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        for attempt in rows:
            grouped[attempt.delivery_id].append(attempt)
    return grouped
