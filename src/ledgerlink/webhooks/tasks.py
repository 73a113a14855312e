"""Job entry points for webhooks: a delivery run for one consumer, and the periodic recovery of lost runs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import procrastinate
import structlog
from sqlalchemy import text

from ledgerlink import jobs
from ledgerlink.kit.clock import utcnow
from ledgerlink.webhooks import delivery
from ledgerlink.webhooks.dispatch import DELIVER_TASK

log = structlog.get_logger("ledgerlink.webhooks")

blueprint = procrastinate.Blueprint()

# A delivery due this long with no run holding its consumer has lost its wake-up job (or its run died).
LOST_AFTER = timedelta(seconds=10)


@blueprint.task(
    name="deliver",
    queue=jobs.WEBHOOKS_QUEUE,
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=3, wait=5),
)
async def deliver(context: procrastinate.JobContext, consumer_id: str) -> None:
    try:
        await delivery.run(jobs.runtime_of(context), uuid.UUID(consumer_id))
    except Exception:
        # Retried by procrastinate; overdue deliveries are also picked up by the maintenance below.
        log.exception("webhook delivery run failed", consumer_id=consumer_id)
        raise


_LOST = text(
    "SELECT DISTINCT d.consumer_id FROM webhook_deliveries AS d "
    "JOIN webhook_consumers AS c ON c.id = d.consumer_id JOIN clients AS cl ON cl.id = c.client_id "
    "WHERE d.status = 'Pending' AND d.next_attempt_at < :before AND NOT c.disabled "
    "AND cl.disabled_at IS NULL "
    "AND (c.drain_lease_until IS NULL OR c.drain_lease_until < :now) LIMIT 1000"
)


async def maintenance(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic: wake a run for every consumer with deliveries overdue and no run (one such job at a time)."""
    runtime = jobs.runtime_of(context)
    now = utcnow()
    async with runtime.sessionmaker() as session, session.begin():
        consumers = (await session.scalars(_LOST, {"before": now - LOST_AFTER, "now": now})).all()
        for consumer_id in consumers:
            await jobs.defer_unless_queued(
                session,
                DELIVER_TASK,
                {"consumer_id": str(consumer_id)},
                queue=jobs.WEBHOOKS_QUEUE,
                queueing_lock=f"webhooks-recover:{consumer_id}",
            )
    if consumers:
        log.info("woke webhook consumers with overdue deliveries", count=len(consumers))
