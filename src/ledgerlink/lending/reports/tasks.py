"""Job entry points for reports: generate one, and the periodic sweep for reports whose job was lost."""

from __future__ import annotations

import uuid

import procrastinate
import structlog

from ledgerlink import jobs
from ledgerlink.lending.reports import service

log = structlog.get_logger("ledgerlink.lending.reports")

blueprint = procrastinate.Blueprint()

REPORT_ATTEMPTS = 3


# Retried as a pull is: after a growing wait, or at once when its worker stopped under it.
@blueprint.task(
    name="generate",
    queue=jobs.REPORTS_QUEUE,
    pass_context=True,
    retry=jobs.RetryWhenStopped(max_attempts=REPORT_ATTEMPTS - 1, exponential_wait=2),
)
async def generate(context: procrastinate.JobContext, report_id: str) -> None:
    runtime = jobs.runtime_of(context)
    key = uuid.UUID(report_id)
    await jobs.attempt(
        context,
        attempts=REPORT_ATTEMPTS,
        run=lambda: service.run_report(runtime, key),
        give_up=lambda attempt: service.give_up(runtime, key, attempt),
        log=log,
        what="report",
        report_id=report_id,
    )


async def maintenance(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic (once per tick however many workers run): reports whose job was lost or gave up."""
    ended = await service.recover_lost(jobs.runtime_of(context))
    if ended:
        log.info("reports ended by the sweep", count=ended)
