"""The job queue: procrastinate over the platform's own PostgreSQL (queues, deferral, what a job is handed).

Jobs are deferred inside the caller's SQLAlchemy transaction (a row in `procrastinate_jobs`), so a job
exists if and only if the change that asked for it committed. This module sits below every domain: they
defer jobs through it, and their tasks read their `Runtime` from the job context. Which tasks exist and
the procrastinate app that runs them are composed above the domains, in `worker.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
import procrastinate
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ledgerlink.config import Settings
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls

PULLS_QUEUE = "pulls"
PUSHES_QUEUE = "pushes"
MAINTENANCE_QUEUE = "maintenance"
# Lending's reports (`lending.reports`) and Excel workbooks (`lending.excel`): generated from the stored
# books, no platform asked.
REPORTS_QUEUE = "reports"
# Webhook deliveries have a worker of their own, so slow receivers and long pulls never wait on each other.
WEBHOOKS_QUEUE = "webhooks"
# What the general worker of `ledgerlink serve` runs: every queue but webhooks (a new queue goes here).
GENERAL_QUEUES = (PULLS_QUEUE, PUSHES_QUEUE, MAINTENANCE_QUEUE, REPORTS_QUEUE)


@dataclass(frozen=True)
class Runtime:
    """What a job needs from the process: the database, secrets, URLs and settings."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    secrets: SecretBox
    urls: PublicUrls
    settings: Settings
    # Outbound HTTP for webhook deliveries (one pool per process); None: a delivery run makes its own.
    http: httpx.AsyncClient | None = None


def runtime_of(context: procrastinate.JobContext) -> Runtime:
    """The worker's `Runtime`, which every task receives in its job context."""
    runtime: Runtime = context.additional_context["runtime"]
    return runtime


class RetryWhenStopped(procrastinate.RetryStrategy):
    """A failed attempt is retried after a growing wait, up to the strategy's attempts; one interrupted
    because its worker stopped (`LEDGERLINK_SHUTDOWN_GRACE_SECONDS` ran out) is retried at once, whatever its
    count: it is not the job's fault, and another worker can take it now."""

    def get_retry_decision(
        self, *, exception: BaseException, job: procrastinate.jobs.Job
    ) -> procrastinate.RetryDecision | None:
        if isinstance(exception, asyncio.CancelledError):
            return procrastinate.RetryDecision(retry_in={"seconds": 0})
        return super().get_retry_decision(exception=exception, job=job)


async def attempt(
    context: procrastinate.JobContext,
    *,
    attempts: int,
    run: Callable[[], Awaitable[object]],
    give_up: Callable[[int], Awaitable[object]],
    log: Any,
    what: str,
    **ids: str,
) -> None:
    """One attempt of a job that ends its own operation (a push, a report): an operation gone meanwhile
    (`NotFound`) is nothing to do; a failure is logged and raised for the job's retry, except on the last of
    `attempts`, where `give_up(attempt)` ends the operation instead."""
    try:
        await run()
    except NotFound:
        log.info(f"{what} gone", **ids)
    except Exception:
        number = (context.job.attempts if context.job else 0) + 1
        log.exception(f"{what} attempt failed", attempt=number, **ids)
        if number >= attempts:
            await give_up(number)
            return
        raise


async def defer(
    session: AsyncSession,
    task_name: str,
    args: dict[str, Any],
    *,
    queue: str,
    queueing_lock: str | None = None,
    scheduled_at: datetime | None = None,
) -> None:
    """Add a job to the caller's transaction (procrastinate's own defer function, same connection).

    `scheduled_at`: not before then (a worker polls for scheduled jobs, so it starts within its polling
    interval of that moment); None: at once.
    """
    await session.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, :queueing_lock, "
            "CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1])"
        ),
        {
            "queue": queue,
            "task": task_name,
            "queueing_lock": queueing_lock,
            "args": orjson.dumps(args).decode(),
            "scheduled_at": scheduled_at,
        },
    )


async def defer_many(
    session: AsyncSession,
    task_name: str,
    args: list[dict[str, Any]],
    *,
    queue: str,
    queueing_locks: list[str | None],
) -> None:
    """Add many jobs of one task to the caller's transaction in one statement (procrastinate's own defer
    function takes an array): `args[i]` with `queueing_locks[i]`, each to run at once."""
    if not args:
        return
    await session.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY(SELECT ROW(:queue, :task, 0, NULL, j.queueing_lock, "
            "j.args, NULL)::procrastinate_job_to_defer_v1 FROM unnest(CAST(:queueing_locks AS text[]), "
            "CAST(:args AS jsonb[])) AS j(queueing_lock, args)))"
        ),
        {
            "queue": queue,
            "task": task_name,
            "queueing_locks": queueing_locks,
            "args": [orjson.dumps(one).decode() for one in args],
        },
    )


async def defer_unless_queued(
    session: AsyncSession, task_name: str, args: dict[str, Any], *, queue: str, queueing_lock: str
) -> None:
    """Defer a job unless one holding the same queueing lock is already waiting: that one will do."""
    with contextlib.suppress(IntegrityError):  # the queueing lock's unique index: one is waiting
        async with session.begin_nested():
            await defer(session, task_name, args, queue=queue, queueing_lock=queueing_lock)


def pull_job_lock(pull_operation_id: uuid.UUID) -> str:
    """The queueing lock of a pull's job: one job waits per pull operation."""
    return f"pull:{pull_operation_id}"


def push_job_lock(push_operation_key: uuid.UUID) -> str:
    """The queueing lock of a push's job: one job waits per push operation."""
    return f"push:{push_operation_key}"
