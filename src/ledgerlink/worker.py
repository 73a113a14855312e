"""The job workers: the in-process ones of `ledgerlink serve`, and `ledgerlink worker` on any machine.

Two procrastinate workers share a process: one for pulls, pushes and maintenance (`GENERAL_QUEUES`), one of its
own for webhook deliveries, so a slow receiver never holds up a pull nor a long pull a delivery. Any number
of such processes may run over one database: jobs are taken with `SELECT ... FOR UPDATE SKIP LOCKED`, and
periodic jobs (maintenance, schedules) are deferred once per tick however many workers there are.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog

from ledgerlink.config import Settings
from ledgerlink.jobs import GENERAL_QUEUES, WEBHOOKS_QUEUE, Runtime, create_job_app
from ledgerlink.webhooks.delivery import http_client

log = structlog.get_logger("ledgerlink.worker")

# Pauses before a stopped worker is started again (doubling while it keeps failing at once).
RESTART_PAUSE_SECONDS = 1.0
MAX_RESTART_PAUSE_SECONDS = 30.0


@asynccontextmanager
async def running(
    settings: Settings, database_url: str, runtime: Runtime
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Workers run while the context is open (none when `worker_concurrency` is 0); the task ends if they do."""
    if settings.worker_concurrency <= 0:
        yield None
        return
    job_app = create_job_app(database_url, settings)
    async with http_client(settings) as http:
        runtime = dataclasses.replace(runtime, settings=settings, http=http)
        async with job_app.open_async():
            general = functools.partial(
                job_app.run_worker_async,
                queues=list(GENERAL_QUEUES),
                name="ledgerlink",
                concurrency=settings.worker_concurrency,
                install_signal_handlers=False,
                additional_context={"runtime": runtime},
                fetch_job_polling_interval=2.0,
            )
            deliveries = functools.partial(
                job_app.run_worker_async,
                queues=[WEBHOOKS_QUEUE],
                name="ledgerlink-webhooks",
                concurrency=settings.webhook_concurrency,
                install_signal_handlers=False,
                additional_context={"runtime": runtime},
                # Retries are scheduled jobs, found by polling; new deliveries arrive by NOTIFY at once.
                fetch_job_polling_interval=1.0,
                # Deliveries and attempts keep the history; finished wake-up jobs are only clutter.
                delete_jobs="successful",
            )
            task = asyncio.create_task(
                _both(_supervised(general, "ledgerlink"), _supervised(deliveries, "ledgerlink-webhooks")),
                name="ledgerlink-worker",
            )
            try:
                yield task
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def dump_tasks() -> None:
    """Log every asyncio task's stack (the process's answer to SIGUSR1): what a stuck process is waiting on."""
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=12)
        log.warning(
            "task",
            name=task.get_name(),
            frames=" < ".join(f"{f.f_code.co_name} ({f.f_code.co_filename.rsplit('/', 2)[-1]}:{f.f_lineno})" for f in frames),
        )


async def _both(*workers: Awaitable[None]) -> None:
    await asyncio.gather(*workers)


async def _supervised(run: Callable[[], Awaitable[None]], name: str) -> None:
    """Run a procrastinate worker until cancelled, starting it again whenever it stops.

    A worker stops on its own when its database connection breaks (a restart or failover of PostgreSQL
    cuts them all): a failed side task (heartbeat, LISTEN) makes it shut down cleanly and return, or it
    raises. The connection pool reconnects once the database is back, so the worker is simply started
    again, after a pause that grows while it keeps stopping at once. Its jobs that were running are retried
    once their heartbeat is seen to have stopped (the maintenance job's stalled-job sweep); pulls redo their
    work from the start.
    """
    pause = RESTART_PAUSE_SECONDS
    while True:
        started = time.monotonic()
        try:
            await run()
            log.warning("job worker stopped; starting it again", worker=name, pause_seconds=pause)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job worker stopped on an error; starting it again", worker=name, pause_seconds=pause)
        # A worker that ran a good while before stopping starts again promptly; one stopping at once backs off.
        if time.monotonic() - started > 60:
            pause = RESTART_PAUSE_SECONDS
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_RESTART_PAUSE_SECONDS)


async def run_until_stopped(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """`ledgerlink worker`: the workers alone, with the process's own engine, until `stop` is set."""
    from ledgerlink.connectors import registry
    from ledgerlink.db import create_engine, create_sessionmaker
    from ledgerlink.integrations.service import sync_registry
    from ledgerlink.kit.secrets import SecretBox, load_or_create_key
    from ledgerlink.kit.urls import PublicUrls

    registry.load_operator_connectors(settings.connector_modules, settings.declared_connectors)
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session, session.begin():
            await sync_registry(session)
        runtime = Runtime(
            engine=engine,
            sessionmaker=sessionmaker,
            secrets=SecretBox(load_or_create_key(settings.secret_key, settings.data_dir)),
            urls=PublicUrls(settings.base_url),
            settings=settings,
        )
        async with running(settings, database_url, runtime) as workers:
            assert workers is not None
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({workers, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if workers.done():
                workers.result()  # a worker that died takes the process with it, loudly
    finally:
        await engine.dispose()
