"""The job workers: those of `ledgerlink worker` on any machine, and of `ledgerlink serve`'s worker process
(`worker_process`).

This is the queue's composition root: `create_job_app` gathers every domain's tasks and periodic jobs into
one procrastinate app. It sits above the domains (which only defer jobs, through `jobs`), so nothing below
imports it.

Two procrastinate workers share a process: one for pulls, pushes and maintenance (`GENERAL_QUEUES`), one of
its own for webhook deliveries, so a slow receiver never holds up a pull nor a long pull a delivery. Any
number of such processes may run over one database: jobs are taken with `SELECT ... FOR UPDATE SKIP LOCKED`,
and periodic jobs (maintenance, schedules) are deferred once per tick however many workers there are.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

import procrastinate
import structlog

from ledgerlink.commerce import tasks as commerce_tasks
from ledgerlink.config import Settings
from ledgerlink.db import sqlalchemy_url
from ledgerlink.files import tasks as files_tasks
from ledgerlink.jobs import GENERAL_QUEUES, MAINTENANCE_QUEUE, WEBHOOKS_QUEUE, Runtime
from ledgerlink.lending import report_types
from ledgerlink.lending.excel import tasks as excel_tasks
from ledgerlink.lending.integrity import tasks as integrity_tasks
from ledgerlink.lending.reports import tasks as report_tasks
from ledgerlink.link import tasks as link_tasks
from ledgerlink.push import tasks as push_tasks
from ledgerlink.sync import tasks as sync_tasks
from ledgerlink.webhooks import tasks as webhook_tasks
from ledgerlink.webhooks.delivery import http_client

log = structlog.get_logger("ledgerlink.worker")

# Pauses before a stopped worker is started again (doubling while it keeps failing at once).
RESTART_PAUSE_SECONDS = 1.0
MAX_RESTART_PAUSE_SECONDS = 30.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def create_job_app(database_url: str, settings: Settings) -> procrastinate.App:
    """Every domain's tasks and periodic jobs in one procrastinate app on the platform's database. The
    operator's connectors are loaded by the process first (`app.create_app`, `run_until_stopped`)."""
    # procrastinate takes a libpq conninfo; SQLAlchemy's URL minus its driver name is one.
    conninfo = sqlalchemy_url(database_url).replace("postgresql+psycopg://", "postgresql://", 1)
    report_types.register_all()  # (the report types the reports' jobs generate)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, kwargs={"options": "-c timezone=UTC"}),
        worker_defaults={
            "update_heartbeat_interval": settings.worker_heartbeat_seconds,
            "stalled_worker_timeout": settings.worker_stalled_seconds,
        },
    )
    for blueprint, namespace in (
        (sync_tasks.blueprint, "sync"),
        (push_tasks.blueprint, "push"),
        (webhook_tasks.blueprint, "webhooks"),
        (commerce_tasks.blueprint, "commerce"),
        (report_tasks.blueprint, "reports"),
        (excel_tasks.blueprint, "excel"),
        (integrity_tasks.blueprint, "integrity"),
    ):
        app.add_tasks_from(blueprint, namespace=namespace)
    # Periodic jobs are deduplicated by procrastinate: one run per tick however many workers there are.
    every_tick = settings.maintenance_cron
    for name, periodic_id, cron, function in (
        ("sync:maintenance", "maintenance", every_tick, sync_tasks.maintenance),
        ("push:maintenance", "push-maintenance", every_tick, push_tasks.maintenance),
        ("webhooks:maintenance", "webhooks-maintenance", every_tick, webhook_tasks.maintenance),
        ("commerce:schedule", "commerce-schedule", every_tick, commerce_tasks.schedule),
        ("link:prune", "link-prune", "17 * * * *", link_tasks.prune),
        ("files:purge", "files-purge", every_tick, files_tasks.purge),
        ("reports:maintenance", "reports-maintenance", every_tick, report_tasks.maintenance),
        ("integrity:schedule", "integrity-schedule", every_tick, integrity_tasks.schedule),
    ):
        task = app.task(name=name, queue=MAINTENANCE_QUEUE, pass_context=True)(function)
        app.periodic(cron=cron, periodic_id=periodic_id)(task)
    return app


class JobsInFlight:
    """The jobs this process is running (a worker middleware records each), so that a second stop signal can
    interrupt them without waiting out the grace period."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def middleware(
        self, call_next: Callable[[], Awaitable[Any]], context: procrastinate.JobContext, worker: Any
    ) -> Any:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            return await call_next()
        finally:
            self.tasks.discard(task)

    def interrupt(self) -> None:
        """Cancel every running job: procrastinate records it aborted and retries it; a pull queues itself
        again (`sync.tasks.pull`)."""
        for task in list(self.tasks):
            task.cancel()


jobs_in_flight = JobsInFlight()


def install_stop_signals(first: Callable[[int], None], again: Callable[[], None]) -> None:
    """SIGTERM and SIGINT: each calls `first(signum)` (stop taking jobs; running ones have
    `LEDGERLINK_SHUTDOWN_GRACE_SECONDS` to finish), and every one after the first also `again()` (interrupt
    the running jobs at once). Call from the main thread; both run in the signal handler, so they must only
    set flags, write to a pipe, or hand work to the loop with `call_soon_threadsafe`."""
    received = 0

    def handle(signum: int, _frame: Any) -> None:
        nonlocal received
        received += 1
        if received > 1:
            log.warning("stop signal again: interrupting the running jobs", signal=signum)
            again()
        first(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)


def chain_stop_signals(stop: Callable[[], None], interrupt: Callable[[], None]) -> None:
    """`ledgerlink serve`: keep the server's own handlers (uvicorn's: stop serving) and tell the worker's
    process too: the first signal `stop()`, every later one `interrupt()` as well. Only in the main thread,
    under a server that handles the signals (anything else is left as it is)."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous: dict[int, Callable[[int, FrameType | None], Any]] = {}
    for signum in STOP_SIGNALS:
        handler = signal.getsignal(signum)
        if not callable(handler):
            return
        previous[signum] = handler

    def first(signum: int) -> None:
        stop()
        previous[signum](signum, None)

    install_stop_signals(first, interrupt)


@asynccontextmanager
async def running(
    settings: Settings, database_url: str, runtime: Runtime
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Workers run while the context is open (none when `worker_concurrency` is 0); the task ends if they
    do."""
    if settings.worker_concurrency <= 0:
        freeze_startup_objects()
        yield None
        return
    job_app = create_job_app(database_url, settings)
    async with http_client(settings) as http:
        runtime = dataclasses.replace(runtime, settings=settings, http=http)
        async with job_app.open_async():
            # Stopping (the context closing) lets running jobs finish for the grace period, then interrupts
            # them; procrastinate retries an interrupted job (another worker, or this one started again,
            # runs it).
            stopping: dict[str, Any] = {
                "install_signal_handlers": False,
                "shutdown_graceful_timeout": settings.shutdown_grace_seconds,
                "worker_middleware": [jobs_in_flight.middleware],
                "additional_context": {"runtime": runtime},
            }
            general = functools.partial(
                job_app.run_worker_async,
                queues=list(GENERAL_QUEUES),
                name="ledgerlink",
                concurrency=settings.worker_concurrency,
                fetch_job_polling_interval=2.0,
                **stopping,
            )
            deliveries = functools.partial(
                job_app.run_worker_async,
                queues=[WEBHOOKS_QUEUE],
                name="ledgerlink-webhooks",
                concurrency=settings.webhook_concurrency,
                **stopping,
                # Retries are scheduled jobs, found by polling; new deliveries arrive by NOTIFY at once.
                fetch_job_polling_interval=1.0,
                # Deliveries and attempts keep the history; finished wake-up jobs are only clutter.
                delete_jobs="successful",
            )
            task = asyncio.create_task(
                _both(_supervised(general, "ledgerlink"), _supervised(deliveries, "ledgerlink-webhooks")),
                name="ledgerlink-worker",
            )
            freeze_startup_objects()
            try:
                yield task
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def freeze_startup_objects() -> None:
    """Keep what the process built to start (modules, the app, the workers) out of the garbage collector's
    full passes: they walk every tracked object with the event loop stopped, hundreds of milliseconds for a
    started process, and pulls allocating records trigger them every few seconds."""
    gc.collect()
    gc.freeze()


def dump_tasks() -> None:
    """Log every asyncio task's stack (the process's answer to SIGUSR1): what a stuck process waits on."""
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=12)
        log.warning(
            "task",
            name=task.get_name(),
            frames=" < ".join(
                f"{f.f_code.co_name} ({f.f_code.co_filename.rsplit('/', 2)[-1]}:{f.f_lineno})" for f in frames
            ),
        )


async def _both(*workers: Awaitable[None]) -> None:
    """Run the workers until cancelled; then return only once every one has stopped (each after its running
    jobs finished or its grace period ran out). `gather` alone would return when the first had stopped, and
    the process would end under the other's jobs, leaving them to the stalled-job sweep."""
    tasks = [asyncio.ensure_future(one) for one in workers]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            if not task.done() and not task.cancelling():  # (a cancelled gather has cancelled each already)
                task.cancel()
        await asyncio.wait(tasks)


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
            log.exception(
                "job worker stopped on an error; starting it again", worker=name, pause_seconds=pause
            )
        # A worker that ran a good while before stopping starts again promptly; one stopping at once backs
        # off.
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
        if stop.is_set():  # (told to stop while starting: no worker to start and stop again)
            return
        async with running(settings, database_url, runtime) as workers:
            assert workers is not None
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({workers, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if workers.done():
                workers.result()  # a worker that died takes the process with it, loudly
    finally:
        await engine.dispose()
