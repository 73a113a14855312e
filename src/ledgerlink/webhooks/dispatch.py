"""Fan-out: new events become deliveries for the consumers they match, in the transaction that wrote them.

A consumer matches an event of its client when it is not disabled, its `eventTypes` is empty or names the
event's type, and its `companyTags` is empty or shares a `tagKey:tagValue` with the tags the event's
company had when the event was written. Each consumer that got a delivery also gets a `webhooks:deliver`
job, deferred in the same statement, which wakes a delivery run for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, text

from ledgerlink.jobs import WEBHOOKS_QUEUE
from ledgerlink.kit.clock import utcnow

DELIVER_TASK = "webhooks:deliver"

# `FOR KEY SHARE OF c`: a consumer being deleted concurrently is waited for and, once gone, skipped, so the
# deliveries' foreign key always holds and the writer's transaction never fails because of a consumer.
_FAN_OUT = text(
    """
    WITH created AS (
        INSERT INTO webhook_deliveries (id, consumer_id, event_id, event_type, status, attempts, failures,
                                        next_attempt_at, created_at)
        SELECT gen_random_uuid(), c.id, e.id, e.event_type, 'Pending', 0, 0, :now, :now
        FROM events AS e
        JOIN webhook_consumers AS c ON c.client_id = e.client_id
        WHERE e.id = ANY(CAST(:event_ids AS uuid[]))
          AND NOT c.disabled
          AND (c.event_types = '[]'::jsonb OR c.event_types ? e.event_type)
          AND (c.company_tags = '[]'::jsonb
               OR c.company_tags ?| ARRAY(SELECT key || ':' || value FROM jsonb_each_text(e.company_tags)))
        FOR KEY SHARE OF c
        RETURNING consumer_id
    )
    SELECT procrastinate_defer_jobs_v1(ARRAY(
        SELECT ROW(:queue, :task, 0, NULL, NULL, jsonb_build_object('consumer_id', woken.consumer_id::text),
                   NULL)::procrastinate_job_to_defer_v1
        FROM (SELECT DISTINCT consumer_id FROM created) AS woken
    ))
    """
)


def fan_out(connection: Connection, event_ids: Sequence[uuid.UUID]) -> None:
    """Deliveries and wake-up jobs for events just written on `connection` (runs inside its flush)."""
    connection.execute(
        _FAN_OUT,
        {"event_ids": list(event_ids), "now": utcnow(), "queue": WEBHOOKS_QUEUE, "task": DELIVER_TASK},
    )
