"""Sending deliveries: one run per consumer at a time, signed attempts, retries, and giving up on a consumer.

A `webhooks:deliver` job wakes a run for one consumer. The run takes the consumer's lease (a timestamp on
its row, renewed while it works, lapsing `worker_stalled_seconds` after its process dies), so one run at a
time sends to a consumer however many jobs wake it, and a slow consumer holds one worker slot, never the
others'. The run keeps up to `webhook_consumer_parallelism` requests in flight, picking up deliveries as
they fall due, and ends when none is due; having let go of the lease it looks once more, so a delivery
that fell due while its own wake-up found the consumer held is never left behind.

Each attempt is a POST of the event's envelope signed with Standard Webhooks (`webhook-id` is the
delivery's message id, the same on every attempt), within `webhook_timeout_seconds`; a 2xx is success.
Every attempt is recorded. A failed one is retried on `webhook_retry_schedule` (or after the receiver's
`Retry-After`, when longer) by a job scheduled in the transaction that records it, so a restart loses
nothing; the delivery fails once the schedule runs out. A consumer whose attempts have all failed for
`webhook_disable_after_seconds` is disabled.

Every connection goes through `kit.outbound`'s vetting transport: the consumer's host is resolved and
every address checked at each connection, and redirects are not followed. An attempt the policy refuses
sends nothing, is recorded with the reason, and fails its delivery at once (a replay tries again). Of the
receiver's answer only its status, the latency and a short excerpt are kept, so a delivery's record cannot
be used to read what a server answers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import orjson
import structlog
from sqlalchemy import ColumnElement, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from ledgerlink import __version__, jobs
from ledgerlink.clients.models import Client
from ledgerlink.config import Settings
from ledgerlink.events.models import Event
from ledgerlink.jobs import Runtime
from ledgerlink.kit import metrics, outbound
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.http import parse_retry_after
from ledgerlink.webhooks.dispatch import DELIVER_TASK
from ledgerlink.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookConsumer,
    WebhookDelivery,
    message_id,
)
from ledgerlink.webhooks.service import signing_secrets

log = structlog.get_logger("ledgerlink.webhooks")

# While requests are in flight, how often a run looks for deliveries that have fallen due.
POLL_SECONDS = 0.5
# What is kept of a receiver's answer: its first bytes as text (at most as many characters), enough to
# debug a receiver and too little to read what a server answers.
RESPONSE_EXCERPT = 256
USER_AGENT = f"ledgerlink-webhooks/{__version__}"


@dataclass(frozen=True)
class Target:
    """What a run needs of its consumer: where to send, and what to sign with."""

    consumer_id: uuid.UUID
    url: str
    signers: tuple[Webhook, ...]


@dataclass(frozen=True)
class SendResult:
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    response: str | None
    retry_after: float | None
    # The outbound policy refused the receiver's address: nothing was sent, and no retry is made.
    refused: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def http_client(settings: Settings) -> httpx.AsyncClient:
    """The process's client for deliveries: explicit timeouts, no redirects (a 3xx is not a 2xx), and only
    connections to addresses the outbound policy allows."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        transport=outbound.vetted_transport(outbound.policy(settings.outbound_allow), limits),
        headers={"user-agent": USER_AGENT},
    )


@dataclass
class Lease:
    """A run's hold on its consumer: until when (None once let go, or lost to another run after a stall)."""

    consumer_id: uuid.UUID
    until: datetime | None = None


async def run(runtime: Runtime, consumer_id: uuid.UUID) -> int:
    """Send every due delivery of one consumer (nothing if another run holds it); returns the attempts
    made."""
    lease = Lease(consumer_id)
    target = await _hold(runtime, lease)
    if target is None:
        return 0
    own_client = runtime.http is None
    http = runtime.http or http_client(runtime.settings)
    attempts = 0
    try:
        while target is not None:
            attempts += await _drain(runtime, http, lease, target)
            await _release(runtime, lease)
            # A delivery that fell due before the release found the consumer held: it is this run's to send.
            target = await _hold(runtime, lease) if await _has_due(runtime, consumer_id) else None
        return attempts
    finally:
        if lease.until is not None:
            await asyncio.shield(_release(runtime, lease))
        if own_client:
            await http.aclose()


async def _drain(runtime: Runtime, http: httpx.AsyncClient, lease: Lease, target: Target) -> int:
    parallelism = runtime.settings.webhook_consumer_parallelism
    renew_every = _lease(runtime).total_seconds() / 3
    waiting: deque[Due] = deque()
    in_flight: dict[uuid.UUID, asyncio.Task[None]] = {}
    attempts = 0
    renewed = time.monotonic()
    try:
        while True:
            if time.monotonic() - renewed > renew_every:
                renewal = await _hold(runtime, lease)
                if renewal is None:  # deleted, disabled, or (after a stall) taken over by another run
                    break
                target, renewed = renewal, time.monotonic()
            if not waiting and len(in_flight) < parallelism:
                waiting.extend(await _due(runtime, lease.consumer_id, parallelism * 8, set(in_flight)))
            while waiting and len(in_flight) < parallelism:
                due = waiting.popleft()
                in_flight[due.delivery_id] = asyncio.create_task(_attempt(runtime, http, target, due))
            if not in_flight:
                break
            done, _ = await asyncio.wait(
                in_flight.values(), timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for delivery_id, task in list(in_flight.items()):
                if task in done:
                    del in_flight[delivery_id]
                    attempts += 1
                    task.result()
    finally:
        for task in in_flight.values():
            task.cancel()
        await asyncio.gather(*in_flight.values(), return_exceptions=True)
    return attempts


async def _hold(runtime: Runtime, lease: Lease) -> Target | None:
    """Take the consumer's lease (free, or lapsed) or renew this run's; what to send with, or None when the
    consumer is gone, disabled, held by another run or its client is disabled (its deliveries wait, and the
    maintenance wakes them once the client is enabled again)."""
    now = utcnow()
    until = now + _lease(runtime)
    free: ColumnElement[bool]
    if lease.until is None:
        free = (WebhookConsumer.drain_lease_until.is_(None)) | (WebhookConsumer.drain_lease_until < now)
    else:
        free = WebhookConsumer.drain_lease_until == lease.until
    async with runtime.sessionmaker() as session, session.begin():
        consumer = await session.scalar(
            update(WebhookConsumer)
            .where(
                WebhookConsumer.id == lease.consumer_id,
                WebhookConsumer.disabled.is_(False),
                free,
                WebhookConsumer.client_id.in_(select(Client.id).where(Client.disabled_at.is_(None))),
            )
            .values(drain_lease_until=until)
            .returning(WebhookConsumer)
        )
        if consumer is None:  # (a lease this run still has is cleared by its release)
            return None
        lease.until = until
        signers = tuple(Webhook(secret) for secret in signing_secrets(consumer, runtime.secrets))
        return Target(consumer_id=consumer.id, url=consumer.url, signers=signers)


def _lease(runtime: Runtime) -> timedelta:
    """How long a lease lasts unless renewed (a third of it at most passes between renewals): as long as a
    silent worker lasts before its jobs are taken for dead, so a crashed run's consumer is free as soon as
    its job would be retried."""
    return timedelta(seconds=runtime.settings.worker_stalled_seconds)


async def _release(runtime: Runtime, lease: Lease) -> None:
    if lease.until is None:
        return
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(WebhookConsumer)
            .where(WebhookConsumer.id == lease.consumer_id, WebhookConsumer.drain_lease_until == lease.until)
            .values(drain_lease_until=None)
        )
    lease.until = None


@dataclass(frozen=True)
class Due:
    """A delivery due now, with the message it sends."""

    delivery_id: uuid.UUID
    body: bytes


_DUE = text(
    "SELECT d.id, e.id AS event_id, e.event_type, e.generated_at, e.payload FROM webhook_deliveries AS d "
    "JOIN events AS e ON e.id = d.event_id "
    "WHERE d.consumer_id = :consumer_id AND d.status = 'Pending' AND d.next_attempt_at <= :now "
    "AND NOT (d.id = ANY(CAST(:busy AS uuid[]))) ORDER BY d.next_attempt_at, d.created_at LIMIT :limit"
)


async def _due(runtime: Runtime, consumer_id: uuid.UUID, limit: int, busy: set[uuid.UUID]) -> list[Due]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            _DUE, {"consumer_id": consumer_id, "now": utcnow(), "busy": list(busy), "limit": limit}
        )
        return [
            Due(
                row.id,
                orjson.dumps(
                    Event(
                        id=row.event_id,
                        event_type=row.event_type,
                        generated_at=row.generated_at,
                        payload=row.payload,
                    ).envelope()
                ),
            )
            for row in rows
        ]


async def _has_due(runtime: Runtime, consumer_id: uuid.UUID) -> bool:
    return bool(await _due(runtime, consumer_id, 1, set()))


async def _attempt(runtime: Runtime, http: httpx.AsyncClient, target: Target, due: Due) -> None:
    time_limit = runtime.settings.webhook_timeout_seconds
    outcome = await send(http, target, message_id(due.delivery_id), due.body, time_limit)
    await _record(runtime, target.consumer_id, due.delivery_id, outcome)


def signed_headers(signers: tuple[Webhook, ...], msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; one `v1,` signature per secret in use (two while a rotation settles)."""
    payload = body.decode()
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signer.sign(msg_id, at, payload) for signer in signers),
    }


async def send(
    http: httpx.AsyncClient, target: Target, msg_id: str, body: bytes, time_limit: float
) -> SendResult:
    """One signed POST, never longer than `time_limit` seconds in all; what happened, never an exception."""
    attempted_at = utcnow()
    headers = signed_headers(target.signers, msg_id, body, attempted_at)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after: float | None = None
    refused = False
    try:
        async with asyncio.timeout(time_limit):
            async with http.stream("POST", target.url, content=body, headers=headers) as response:
                status_code = response.status_code
                excerpt = await _excerpt(response)
                retry_after = parse_retry_after(response.headers.get("retry-after"), utcnow())
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} {response.reason_phrase}".strip()
    except TimeoutError:
        error = f"No response within {time_limit:g} s"
    except httpx.InvalidURL as invalid:  # a consumer stored before its URL was checked as httpx does
        error, refused = f"Not sent: {invalid}", True
    except httpx.HTTPError as failure:
        refusal = outbound.refusal_in(failure)
        refused = refusal is not None
        if refusal is not None:
            error = f"Not sent: {refusal}"
        else:
            error = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
    seconds = time.perf_counter() - started
    metrics.observe_delivery(error is None, seconds)
    latency_ms = round(seconds * 1000)
    error = error and error[:500]
    return SendResult(attempted_at, status_code, latency_ms, error, excerpt, retry_after, refused)


async def _excerpt(response: httpx.Response) -> str | None:
    """The start of the answer; the rest is read (up to a limit) so the connection can be reused."""
    kept = bytearray()
    read = 0
    async for chunk in response.aiter_raw():
        if len(kept) < RESPONSE_EXCERPT:
            kept += chunk[: RESPONSE_EXCERPT - len(kept)]
        read += len(chunk)
        if read > 65_536:
            break
    return kept.decode(errors="replace") if kept else None


# A success in one statement: the delivery done, the attempt kept, and whether the consumer was failing.
_SUCCEEDED = text(
    """
    WITH delivered AS (
        UPDATE webhook_deliveries
        SET status = 'Succeeded', attempts = attempts + 1, last_attempt_at = :attempted_at,
            delivered_at = :now, next_attempt_at = NULL
        WHERE id = :delivery_id
        RETURNING id
    ), kept AS (
        INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, latency_ms, error, response)
        SELECT :attempt_id, id, :attempted_at, :status_code, :latency_ms, NULL, :response FROM delivered
    )
    SELECT failing_since IS NOT NULL FROM webhook_consumers WHERE id = :consumer_id
    """
)


async def _record(
    runtime: Runtime, consumer_id: uuid.UUID, delivery_id: uuid.UUID, outcome: SendResult
) -> None:
    if not outcome.succeeded:
        await _record_failure(runtime, consumer_id, delivery_id, outcome)
        return
    async with runtime.sessionmaker() as session, session.begin():
        was_failing = await session.scalar(
            _SUCCEEDED,
            {
                "consumer_id": consumer_id,
                "delivery_id": delivery_id,
                "attempt_id": uuid.uuid4(),
                "attempted_at": outcome.attempted_at,
                "now": utcnow(),
                "status_code": outcome.status_code,
                "latency_ms": outcome.latency_ms,
                "response": outcome.response,
            },
        )
    if was_failing:
        # The consumer's failing streak is kept in a transaction of its own: the one that disables a
        # consumer locks its row and then its pending deliveries, so none may hold a delivery while waiting
        # for the row.
        async with runtime.sessionmaker() as session, session.begin():
            await session.execute(
                update(WebhookConsumer)
                .where(WebhookConsumer.id == consumer_id, WebhookConsumer.failing_since.is_not(None))
                .values(failing_since=None)
            )


async def _record_failure(
    runtime: Runtime, consumer_id: uuid.UUID, delivery_id: uuid.UUID, outcome: SendResult
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:  # the consumer was deleted meanwhile
            return
        session.add(
            WebhookAttempt(
                id=uuid.uuid4(),
                delivery_id=delivery.id,
                attempted_at=outcome.attempted_at,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
                response=outcome.response,
            )
        )
        delivery.attempts += 1
        delivery.last_attempt_at = outcome.attempted_at
        if delivery.status == DeliveryStatus.PENDING.value:
            delivery.failures += 1
            delays = runtime.settings.webhook_retry_delays
            if delivery.failures < len(delays) and not outcome.refused:
                wait = max(delays[delivery.failures], outcome.retry_after or 0.0)
                delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
                await jobs.defer(
                    session,
                    DELIVER_TASK,
                    {"consumer_id": str(consumer_id)},
                    queue=jobs.WEBHOOKS_QUEUE,
                    scheduled_at=delivery.next_attempt_at,
                )
            else:
                delivery.status = DeliveryStatus.FAILED.value
                delivery.next_attempt_at = None
    log.info(
        "webhook attempt failed",
        consumer_id=str(consumer_id),
        delivery_id=str(delivery_id),
        status_code=outcome.status_code,
        error=outcome.error,
    )
    # In a transaction of its own, for the reason above.
    async with runtime.sessionmaker() as session, session.begin():
        await _note_failure(runtime, session, consumer_id, outcome.attempted_at)


async def _note_failure(
    runtime: Runtime, session: AsyncSession, consumer_id: uuid.UUID, at: datetime
) -> None:
    """Start the consumer's failing streak, or disable it once the streak is long enough."""
    consumer = await session.scalar(
        select(WebhookConsumer).where(WebhookConsumer.id == consumer_id).with_for_update(key_share=True)
    )
    if consumer is None or consumer.disabled:
        return
    if consumer.failing_since is None:
        consumer.failing_since = at
        return
    window = runtime.settings.webhook_disable_after_seconds
    if (at - consumer.failing_since).total_seconds() < window:
        return
    consumer.disabled = True
    consumer.disabled_reason = (
        f"Every attempt since {iso(consumer.failing_since)} failed; disabled after {window:g} s of failures."
    )
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.consumer_id == consumer_id,
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None)
    )
    log.warning(
        "webhook consumer disabled", consumer_id=str(consumer_id), failing_since=iso(consumer.failing_since)
    )
