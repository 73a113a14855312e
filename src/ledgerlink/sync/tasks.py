"""Job entry points for syncs: run a pull, and the periodic maintenance (schedules, stalled and lost jobs)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import procrastinate
import structlog
from sqlalchemy import text

from ledgerlink import jobs
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.logging import redact_database_errors
from ledgerlink.records import store
from ledgerlink.sync import completion, runner, scheduler, service
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus

log = structlog.get_logger("ledgerlink.sync")

blueprint = procrastinate.Blueprint()

PULL_ATTEMPTS = 4
# A queued pull whose job is missing this long after it was requested is deferred again.
LOST_AFTER = timedelta(seconds=30)


@blueprint.task(
    name="pull",
    queue=jobs.PULLS_QUEUE,
    pass_context=True,
    retry=jobs.RetryWhenStopped(max_attempts=PULL_ATTEMPTS - 1, exponential_wait=2),
)
async def pull(context: procrastinate.JobContext, pull_operation_id: str) -> None:
    runtime = jobs.runtime_of(context)
    pull_id = uuid.UUID(pull_operation_id)
    try:
        await runner.run_pull(runtime, pull_id)
    except asyncio.CancelledError:
        # The worker is stopping (its grace period ran out, or a second signal): nothing of this attempt was
        # written (records are written in the last transaction), and procrastinate retries the job.
        log.warning("pull interrupted; it runs again", pull_id=pull_operation_id)
        await asyncio.shield(_queue_again(runtime, pull_id, "Interrupted: the worker running it stopped."))
        raise
    except Exception as error:
        attempt = (context.job.attempts if context.job else 0) + 1
        log.exception("pull attempt failed", pull_id=pull_operation_id, attempt=attempt)
        # The pull's status is the client's to read: a database error's values stay out of it, as out of logs.
        reason = redact_database_errors(str(error), error)
        if attempt >= PULL_ATTEMPTS:
            await runner.fail_pull(runtime, pull_id, f"Giving up after {attempt} attempts: {reason}")
            return
        await _queue_again(runtime, pull_id, f"Retrying after attempt {attempt} failed: {reason}")
        raise


async def _queue_again(runtime: Runtime, pull_id: uuid.UUID, description: str) -> None:
    """Show a pull waiting for its job's retry (unless it ended meanwhile)."""
    async with runtime.sessionmaker() as session, session.begin():
        row = await session.get(PullOperation, pull_id, with_for_update=True)
        if row is not None and not PullStatus(row.status).is_final:
            row.status = PullStatus.QUEUED.value
            row.status_description = description


@blueprint.task(name="refresh_statistics", queue=jobs.MAINTENANCE_QUEUE, pass_context=True)
async def refresh_statistics(context: procrastinate.JobContext) -> None:
    """ANALYZE the records table after large pulls (deferred by the runner, at most one waiting)."""
    async with jobs.runtime_of(context).engine.connect() as db, db.begin():
        await store.refresh_statistics(db)


async def maintenance(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic (once per tick however many workers run): stalled jobs, lost jobs, reads to report,
    scheduled refreshes."""
    runtime = jobs.runtime_of(context)
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=runtime.settings.worker_stalled_seconds
    )
    for job in stalled:
        log.info("retrying a stalled job", job_id=job.id, task=job.task_name)
        await context.app.job_manager.retry_job(job)
    await _recover_lost_pulls(runtime)
    await completion.report_idle_companies(runtime)
    queued = await scheduler.queue_due_refreshes(runtime)
    if queued:
        log.info("scheduled refreshes queued", count=queued)
    pruned = await service.prune_history(runtime.sessionmaker, runtime.settings.pull_history_days)
    if pruned:
        log.info("old pull operations pruned", count=pruned)


async def _recover_lost_pulls(runtime: Runtime) -> None:
    """A pull in flight needs a live job: defer one again if it has none, or fail it if its job gave up."""
    in_flight = ", ".join(f"'{status.value}'" for status in IN_FLIGHT)
    async with runtime.sessionmaker() as session, session.begin():
        rows = (
            await session.execute(
                text(
                    "SELECT p.id, (SELECT j.status FROM procrastinate_jobs j "
                    "WHERE j.task_name = 'sync:pull' AND j.args ->> 'pull_operation_id' = p.id::text "
                    "ORDER BY j.id DESC LIMIT 1) AS job_status "
                    f"FROM pull_operations p WHERE p.status IN ({in_flight}) AND p.requested < :before "
                    f"FOR UPDATE OF p SKIP LOCKED"
                ),
                {"before": utcnow() - LOST_AFTER},
            )
        ).all()
        lost = [row.id for row in rows if row.job_status is None]
        for pull_id in lost:
            await jobs.defer(
                session,
                "sync:pull",
                {"pull_operation_id": str(pull_id)},
                queue=jobs.PULLS_QUEUE,
                queueing_lock=jobs.pull_job_lock(pull_id),
            )
    for row in rows:
        if row.job_status in ("failed", "cancelled", "aborted"):
            await runner.fail_pull(runtime, row.id, f"The pull's job ended {row.job_status}.")
