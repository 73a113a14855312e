"""Job entry points for Sync for Commerce: run a commerce sync, queue the scheduled ones, forget old codes."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import procrastinate
import structlog
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ledgerlink import jobs
from ledgerlink.commerce import runs, service
from ledgerlink.commerce.configuration import parse_moment
from ledgerlink.commerce.models import CommerceConfiguration
from ledgerlink.companies.models import Company
from ledgerlink.kit.clock import utcnow

log = structlog.get_logger("ledgerlink.commerce")

blueprint = procrastinate.Blueprint()


@blueprint.task(
    name="run",
    queue=jobs.PULLS_QUEUE,
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=2),
)
async def run(context: procrastinate.JobContext, commerce_sync_id: str) -> None:
    await runs.run(jobs.runtime_of(context), uuid.UUID(commerce_sync_id))


def is_due(selections: dict, last: datetime | None, now: datetime) -> bool:
    """Whether a schedule's sync is due: daily at the sync hour, or monthly on the 1st at it, in the
    merchant's time zone, and not yet queued for this day (month)."""
    schedule = selections["schedule"]
    zone = ZoneInfo(schedule["timeZone"])
    local = now.astimezone(zone)
    start = parse_moment(schedule["startDate"])
    if start is not None and now < start:
        return False
    if local.hour < schedule["syncHour"]:
        return False
    previous = last.astimezone(zone) if last is not None else None
    if schedule["frequency"] == "Monthly":
        return previous is None or (previous.year, previous.month) != (local.year, local.month)
    return previous is None or previous.date() != local.date()


async def schedule(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic: queue the commerce syncs whose schedule is due (once, however many workers run: the
    configurations are locked and skipped by whoever is already at them)."""
    runtime = jobs.runtime_of(context)
    now = utcnow()
    queued = 0
    async with runtime.sessionmaker() as session, session.begin():
        due = (
            await session.scalars(
                select(CommerceConfiguration)
                .where(CommerceConfiguration.enable.is_(True), CommerceConfiguration.configured.is_(True))
                .with_for_update(skip_locked=True)
            )
        ).all()
        for found in due:
            if not is_due(found.selections, found.last_scheduled_at, now):
                continue
            company = await session.scalar(
                select(Company)
                .where(Company.id == found.company_id)
                .options(selectinload(Company.connections))
            )
            if company is None:  # deleted, and its configuration with it, once this transaction ends
                continue
            start = await runs.start_of_next(session, found.company_id, found)
            await runs.queue(session, company, found, start, now)
            found.last_scheduled_at = now
            queued += 1
        pruned = await service.prune_codes(session)
    if queued or pruned:
        log.info("commerce schedules", queued=queued, codes_and_misses_pruned=pruned)
