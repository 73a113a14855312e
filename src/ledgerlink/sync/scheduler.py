"""Continuous schedules: a data type is pulled again `syncSchedule` hours after its last pull."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.settings import service as settings
from ledgerlink.sync import service
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullTrigger


async def queue_due_refreshes(runtime: Runtime) -> int:
    """Queue a refresh for every (Linked connection, data type) whose last pull is older than its schedule.

    Only types pulled before are refreshed; `syncSchedule: 0` means never. Safe to run concurrently: a
    type already in flight is skipped, and the in-flight unique index stops a race.
    """
    now = utcnow()
    queued = 0
    async with runtime.sessionmaker() as session, session.begin():
        last_pulls = (
            select(
                PullOperation.connection_id,
                PullOperation.data_type,
                func.max(PullOperation.requested).label("last_requested"),
                func.bool_or(PullOperation.status.in_([s.value for s in IN_FLIGHT])).label("in_flight"),
            )
            .join(Connection, Connection.id == PullOperation.connection_id)
            .where(Connection.status == service.LINKED)
            .group_by(PullOperation.connection_id, PullOperation.data_type)
        )
        candidates: dict = {}
        for row in (await session.execute(last_pulls)).all():
            if not row.in_flight:
                candidates.setdefault(row.connection_id, []).append((row.data_type, row.last_requested))
        if not candidates:
            return 0
        connections = (
            await session.scalars(
                select(Connection).where(Connection.id.in_(list(candidates))).options(
                    selectinload(Connection.company).selectinload(Company.connections)
                )
            )
        ).all()
        # Every company's schedules in two queries, not two a company.
        by_company = await settings.schedules(
            session, list({(c.company.client_id, c.company.id) for c in connections})
        )
        for connection in connections:
            company = connection.company
            schedule = by_company[company.id]
            for data_type, last_requested in candidates[connection.id]:
                hours = schedule.get(data_type, 0)
                if hours <= 0 or last_requested + timedelta(hours=hours) > now:
                    continue
                if not service.supports(connection, data_type):
                    continue
                async with session.begin_nested():
                    try:
                        await service.queue_pull(session, company, connection, data_type, PullTrigger.SCHEDULE)
                        queued += 1
                    except service.DatasetAlreadyInProgress:
                        continue
    return queued
