"""Job entry points for pushes: run one, and the periodic sweep that times out those that waited too long."""

from __future__ import annotations

import uuid

import procrastinate
import structlog

from ledgerlink import jobs
from ledgerlink.push import service

log = structlog.get_logger("ledgerlink.push")

blueprint = procrastinate.Blueprint()

PUSH_ATTEMPTS = 4


@blueprint.task(
    name="run",
    queue=jobs.PUSHES_QUEUE,
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=PUSH_ATTEMPTS - 1, exponential_wait=2),
)
async def run(context: procrastinate.JobContext, push_operation_key: str) -> None:
    runtime = jobs.runtime_of(context)
    key = uuid.UUID(push_operation_key)
    await jobs.attempt(
        context,
        attempts=PUSH_ATTEMPTS,
        run=lambda: service.run_push(runtime, key),
        give_up=lambda attempt: service.give_up(runtime, key, attempt),
        log=log,
        what="push operation",
        push_operation_key=push_operation_key,
    )


async def maintenance(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic (once per tick however many workers run): time out pushes past their `timeoutInMinutes`."""
    timed_out = await service.time_out_overdue(jobs.runtime_of(context))
    if timed_out:
        log.info("push operations timed out", count=timed_out)
