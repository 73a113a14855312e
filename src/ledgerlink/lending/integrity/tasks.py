"""Job entry points for data integrity: a company's matching run, and the periodic schedule that asks for one
after the syncs of its books or its bank."""

from __future__ import annotations

import uuid

import procrastinate
import structlog

from ledgerlink import jobs
from ledgerlink.lending.integrity import run

log = structlog.get_logger("ledgerlink.lending.integrity")

blueprint = procrastinate.Blueprint()

MATCH_TASK = "integrity:match"


@blueprint.task(name="match", queue=jobs.REPORTS_QUEUE, pass_context=True, retry=2)
async def match(context: procrastinate.JobContext, company_id: str) -> None:
    outcome = await run.run_company(jobs.runtime_of(context), uuid.UUID(company_id))
    if outcome is not None:
        log.info("data integrity matched", company_id=company_id, status=outcome.status)


async def schedule(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic (once per tick): a run for each company whose books or bank were pulled since its last."""
    async with jobs.runtime_of(context).sessionmaker() as session, session.begin():
        deferred = await run.schedule_due(session, MATCH_TASK)
    if deferred:
        log.info("data integrity runs deferred", count=deferred)
