"""Tables for webhook consumers, their deliveries (one per event and consumer) and each attempt to deliver."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class DeliveryStatus(StrEnum):
    PENDING = "Pending"  # to be attempted at `next_attempt_at`
    SUCCEEDED = "Succeeded"  # a 2xx came back
    FAILED = "Failed"  # the retry schedule ran out, or the consumer was disabled


class WebhookConsumer(Base):
    __tablename__ = "webhook_consumers"
    __table_args__ = (Index("ix_webhook_consumers_client_created", "client_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    url: Mapped[str]
    # Empty: every event type.
    event_types: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # `tagKey:tagValue` strings; empty: every company (and events of no company).
    company_tags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    disabled: Mapped[bool] = mapped_column(default=False)
    # Why it was disabled, when ledgerlink did it (a consumer failing for too long).
    disabled_reason: Mapped[str | None]
    # The `whsec_` signing secret, Fernet-sealed; the previous one keeps signing for a while after a rotation.
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    previous_sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret_rotated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The first failed attempt since the last successful one (None while the consumer answers).
    failing_since: Mapped[datetime | None]
    # A delivery run holds the consumer until then, so one run at a time sends to it.
    drain_lease_until: Mapped[datetime | None]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "consumer_id"),
        Index("ix_webhook_deliveries_consumer_created", "consumer_id", "created_at", "id"),
        Index(
            "ix_webhook_deliveries_due",
            "consumer_id",
            "next_attempt_at",
            postgresql_where=text("status = 'Pending'"),
        ),
        Index(
            "ix_webhook_deliveries_pending", "next_attempt_at", postgresql_where=text("status = 'Pending'")
        ),
    )

    # Also the message id receivers see (`webhook-id: msg_<hex>`), the same on every attempt.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    consumer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_consumers.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str]
    status: Mapped[str] = mapped_column(default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    # Failed attempts since the delivery was created or replayed: its place in the retry schedule.
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        return message_id(self.id)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_attempted", "delivery_id", "attempted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime]
    # None when no response came back (refused, timed out, reset).
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    error: Mapped[str | None]
    # The start of the receiver's answer, for whoever debugs it.
    response: Mapped[str | None]


def message_id(delivery_id: uuid.UUID) -> str:
    return f"msg_{delivery_id.hex}"
