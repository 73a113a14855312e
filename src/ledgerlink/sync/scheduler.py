"""Continuous schedules: a data type is pulled again `syncSchedule` hours after its last pull."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import jobs
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.settings import service as settings
from ledgerlink.sync import service
from ledgerlink.sync.models import IN_FLIGHT_SQL, PullStatus, PullTrigger

# The advisory lock a tick holds for its transaction: one tick at a time across all workers.
TICK_LOCK = "sync:scheduler"


@dataclass(frozen=True)
class DueRefresh:
    company_id: uuid.UUID
    connection_id: uuid.UUID
    data_type: str


# The latest pull of every (Linked connection, data type) with nothing of that type in flight, with what
# deciding on it needs (the company's client for its settings, the platform for what it provides). A disabled
# client's connections are not refreshed.
_CANDIDATES = text(
    f"""
    SELECT last.connection_id, last.data_type, last.last_requested, c.company_id, c.integration_key,
           co.client_id
    FROM (
        SELECT p.connection_id, p.data_type, max(p.requested) AS last_requested,
               bool_or(p.status IN ({IN_FLIGHT_SQL})) AS in_flight
        FROM pull_operations p JOIN connections c ON c.id = p.connection_id
        WHERE c.status = :linked
        GROUP BY p.connection_id, p.data_type
    ) last
    JOIN connections c ON c.id = last.connection_id
    JOIN companies co ON co.id = c.company_id
    JOIN clients cl ON cl.id = co.client_id
    WHERE NOT last.in_flight AND cl.disabled_at IS NULL
    """
)


async def due_refreshes(session: AsyncSession, now: datetime) -> list[DueRefresh]:
    """Every (Linked connection, data type) whose last pull is older than its schedule and none in flight.

    Only types pulled before are refreshed; `syncSchedule: 0` means never. Nothing is locked.
    """
    candidates = (await session.execute(_CANDIDATES, {"linked": service.LINKED})).all()
    if not candidates:
        return []
    # Every company's schedules in two queries, not two a company.
    by_company = await settings.schedules(
        session, list({(row.client_id, row.company_id) for row in candidates})
    )
    due = []
    for row in candidates:
        hours = by_company[row.company_id].get(row.data_type, 0)
        if hours <= 0 or row.last_requested + timedelta(hours=hours) > now:
            continue
        if service.provides(row.integration_key, row.data_type):
            due.append(DueRefresh(row.company_id, row.connection_id, row.data_type))
    return due


async def queue_due_refreshes(runtime: Runtime) -> int:
    """Queue a refresh for every due (Linked connection, data type), in bulk; returns how many.

    One tick at a time: a tick that finds another holding the lock leaves the work to it (what falls due
    meanwhile is the next tick's). The in-flight unique index still decides against a pull queued through
    the API at the same moment.
    """
    async with runtime.sessionmaker() as session, session.begin():
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": TICK_LOCK}
        )
        if not locked:
            return 0
        due = await due_refreshes(session, utcnow())
        if not due:
            return 0
        return await queue_refreshes(session, due)


async def queue_refreshes(session: AsyncSession, due: list[DueRefresh]) -> int:
    """Queue scheduled pulls in the caller's transaction: one insert of the pull operations and one deferral
    of their jobs; returns how many were queued.

    The companies are locked `FOR KEY SHARE` first (every change to a company or its connections, a delete
    among them, holds the company `FOR UPDATE`), skipping any being changed right now: the next tick
    queues those. The connections' status is read again under that lock. A type that went in flight since
    `due` was read is skipped by the in-flight unique index (`ON CONFLICT DO NOTHING`).
    """
    company_ids = sorted({refresh.company_id for refresh in due})
    locked = set(
        await session.scalars(
            text(
                "SELECT id FROM companies WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY id "
                "FOR KEY SHARE SKIP LOCKED"
            ),
            {"ids": company_ids},
        )
    )
    linked = set(
        await session.scalars(
            text("SELECT id FROM connections WHERE id = ANY(CAST(:ids AS uuid[])) AND status = :linked"),
            {"ids": list({refresh.connection_id for refresh in due}), "linked": service.LINKED},
        )
    )
    queue = [refresh for refresh in due if refresh.company_id in locked and refresh.connection_id in linked]
    if not queue:
        return 0
    inserted = list(
        await session.scalars(
            text(
                f"""
                INSERT INTO pull_operations (id, company_id, connection_id, data_type, status, trigger,
                                             requested, progress, records_modified, attempts)
                SELECT q.id, q.company_id, q.connection_id, q.data_type, :status, :trigger, :now, 0, 0, 0
                FROM unnest(CAST(:ids AS uuid[]), CAST(:companies AS uuid[]), CAST(:connections AS uuid[]),
                            CAST(:types AS text[])) AS q(id, company_id, connection_id, data_type)
                ON CONFLICT (connection_id, data_type) WHERE status IN ({IN_FLIGHT_SQL}) DO NOTHING
                RETURNING id
                """
            ),
            {
                "ids": [uuid.uuid4() for _ in queue],
                "companies": [refresh.company_id for refresh in queue],
                "connections": [refresh.connection_id for refresh in queue],
                "types": [refresh.data_type for refresh in queue],
                "status": PullStatus.QUEUED.value,
                "trigger": PullTrigger.SCHEDULE.value,
                "now": utcnow(),
            },
        )
    )
    await jobs.defer_many(
        session,
        service.PULL_TASK,
        [{"pull_operation_id": str(pull_id)} for pull_id in inserted],
        queue=jobs.PULLS_QUEUE,
        queueing_locks=[jobs.pull_job_lock(pull_id) for pull_id in inserted],
    )
    return len(inserted)
