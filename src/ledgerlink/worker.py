"""The job workers: the in-process ones of `ledgerlink serve`, and `ledgerlink worker` on any machine.

Two procrastinate workers share a process: one for pulls and maintenance (`GENERAL_QUEUES`), one of its
own for webhook deliveries, so a slow receiver never holds up a pull nor a long pull a delivery. Any number
of such processes may run over one database: jobs are taken with `SELECT ... FOR UPDATE SKIP LOCKED`, and
periodic jobs (maintenance, schedules) are deferred once per tick however many workers there are.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ledgerlink.config import Settings
from ledgerlink.jobs import GENERAL_QUEUES, WEBHOOKS_QUEUE, Runtime, create_job_app
from ledgerlink.webhooks.delivery import http_client


@asynccontextmanager
async def running(
    settings: Settings, database_url: str, runtime: Runtime
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Workers run while the context is open (none when `worker_concurrency` is 0); the task ends if they do."""
    if settings.worker_concurrency <= 0:
        yield None
        return
    job_app = create_job_app(database_url, settings)
    async with http_client(settings.webhook_timeout_seconds) as http:
        runtime = Runtime(
            engine=runtime.engine,
            sessionmaker=runtime.sessionmaker,
            secrets=runtime.secrets,
            urls=runtime.urls,
            settings=settings,
            http=http,
        )
        async with job_app.open_async():
            general = job_app.run_worker_async(
                queues=list(GENERAL_QUEUES),
                name="ledgerlink",
                concurrency=settings.worker_concurrency,
                install_signal_handlers=False,
                additional_context={"runtime": runtime},
                fetch_job_polling_interval=2.0,
            )
            deliveries = job_app.run_worker_async(
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
            task = asyncio.create_task(_both(general, deliveries), name="ledgerlink-worker")
            try:
                yield task
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _both(general: object, deliveries: object) -> None:
    await asyncio.gather(general, deliveries)  # type: ignore[arg-type]


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
