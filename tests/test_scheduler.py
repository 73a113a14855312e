"""The scheduler's tick (`sync.scheduler.queue_due_refreshes`) on a database of its own: what it queues and
skips, ticks and API queues racing it, and the queued pulls run to completion by a worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from ledgerlink.clients.service import ensure_default_client
from ledgerlink.companies.models import Company
from ledgerlink.config import Settings
from ledgerlink.connections.models import Connection
from ledgerlink.connectors.sandbox.banking import DATA_TYPES
from ledgerlink.database import migrate
from ledgerlink.integrations.service import sync_registry
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.settings.models import SyncSettings
from ledgerlink.sync import scheduler, service
from ledgerlink.sync.models import PullOperation, PullTrigger
from ledgerlink.worker import running
from tests.support.connectors import runtime_on
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

KEY = Fernet.generate_key()


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "scheduler_tests")
    migrate(url)
    return url


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, "http://ledgerlink.test") as run:
        # Each test starts from no companies, so a tick sees only what the test made.
        async with run.engine.begin() as db:
            await db.execute(text("DELETE FROM companies"))
            await db.execute(text("DELETE FROM procrastinate_jobs WHERE status = 'todo'"))
        yield run


async def banking_companies(
    run: Runtime, count: int, *, pulled_ago: timedelta = timedelta(days=2)
) -> list[uuid.UUID]:
    """`count` companies with a Linked Banking Sandbox connection whose four types were last pulled (and
    completed) `pulled_ago`: with the default daily schedule, due after a day. Returns the connections."""
    then = utcnow() - pulled_ago
    async with run.sessionmaker() as session, session.begin():
        await sync_registry(session)
        client = await ensure_default_client(session)
        connections = []
        for n in range(count):
            company = Company(
                id=uuid.uuid4(),
                client_id=client.id,
                name=f"Scheduled {n}",
                tags={},
                products=[],
                created_at=then,
            )
            session.add(company)
            await session.flush()
            connection = Connection(
                id=uuid.uuid4(),
                company_id=company.id,
                integration_key="qhnd",
                status="Linked",
                created_at=then,
                linked_at=then - timedelta(days=1),
                sealed_authorization=run.secrets.seal({}),
                data_connection_errors=[],
            )
            session.add(connection)
            await session.flush()
            for data_type in DATA_TYPES:
                session.add(
                    PullOperation(
                        id=uuid.uuid4(),
                        company_id=company.id,
                        connection_id=connection.id,
                        data_type=data_type,
                        status="Complete",
                        trigger="firstLink",
                        requested=then,
                        completed=then,
                        as_of=then,
                        progress=100,
                    )
                )
            connections.append(connection.id)
    return connections


async def scheduled(run: Runtime) -> list[tuple[uuid.UUID, str, str]]:
    """Every scheduled pull: (connection, data type, status)."""
    async with run.engine.connect() as db:
        rows = await db.execute(
            text("SELECT connection_id, data_type, status FROM pull_operations WHERE trigger = 'schedule'")
        )
        return [tuple(row) for row in rows]


async def pull_jobs(run: Runtime) -> dict[str, str | None]:
    """The waiting `sync:pull` jobs: pull operation id → queueing lock."""
    async with run.engine.connect() as db:
        rows = await db.execute(
            text(
                "SELECT args ->> 'pull_operation_id', queueing_lock FROM procrastinate_jobs "
                "WHERE task_name = 'sync:pull' AND status = 'todo' AND queue_name = 'pulls'"
            )
        )
        return dict(rows.all())


async def test_due_types_are_queued_once_with_a_job_each(runtime: Runtime) -> None:
    connections = await banking_companies(runtime, 3)
    assert await scheduler.queue_due_refreshes(runtime) == 3 * len(DATA_TYPES)
    queued = await scheduled(runtime)
    assert sorted((c, t) for c, t, _ in queued) == sorted((c, t) for c in connections for t in DATA_TYPES)
    assert {status for _, _, status in queued} == {"Queued"}
    async with runtime.engine.connect() as db:
        ids = [
            str(i)
            for i in (await db.scalars(text("SELECT id FROM pull_operations WHERE trigger = 'schedule'")))
        ]
    # One job per pull, with the lock `jobs.defer` gives a single pull's job.
    assert await pull_jobs(runtime) == {pull_id: f"pull:{pull_id}" for pull_id in ids}
    # Now every type is in flight: the next tick queues nothing.
    assert await scheduler.queue_due_refreshes(runtime) == 0
    assert len(await scheduled(runtime)) == 3 * len(DATA_TYPES)


async def test_a_disabled_client_s_schedules_queue_nothing_until_it_is_enabled(runtime: Runtime) -> None:
    await banking_companies(runtime, 2)
    disabling = "UPDATE clients SET disabled_at = {}"
    async with runtime.engine.begin() as db:
        await db.execute(text(disabling.format("now()")))
    try:
        assert await scheduler.queue_due_refreshes(runtime) == 0
        assert await scheduled(runtime) == []
    finally:
        async with runtime.engine.begin() as db:
            await db.execute(text(disabling.format("NULL")))
    assert await scheduler.queue_due_refreshes(runtime) == 2 * len(DATA_TYPES)


async def test_not_due_in_flight_never_and_unlinked_are_skipped(runtime: Runtime) -> None:
    (due, recent, never, unlinked) = await banking_companies(runtime, 4)
    async with runtime.sessionmaker() as session, session.begin():
        # Pulled an hour ago: not due under the daily schedule.
        await session.execute(
            text("UPDATE pull_operations SET requested = now() - interval '1 hour' WHERE connection_id = :c"),
            {"c": recent},
        )
        # `syncSchedule: 0` for every type of this company: never refreshed.
        company_id = await session.scalar(
            text("SELECT company_id FROM connections WHERE id = :c"), {"c": never}
        )
        client_id = await session.scalar(
            text("SELECT client_id FROM companies WHERE id = :c"), {"c": company_id}
        )
        session.add(
            SyncSettings(
                client_id=client_id,
                company_id=company_id,
                overrides_defaults=True,
                settings=[
                    {"dataType": t, "fetchOnFirstLink": True, "syncSchedule": 0, "syncOrder": 0}
                    for t in DATA_TYPES
                ],
            )
        )
        await session.execute(
            text("UPDATE connections SET status = 'Unlinked' WHERE id = :c"), {"c": unlinked}
        )
        # One type of the due connection is being pulled now (queued through the API a moment ago).
        connection = await session.get(Connection, due)
        company = await session.get(Company, connection.company_id)
        in_flight = await service.queue_pull(session, company, connection, DATA_TYPES[0], PullTrigger.QUEUE)
    assert await scheduler.queue_due_refreshes(runtime) == len(DATA_TYPES) - 1
    assert sorted((c, t) for c, t, _ in await scheduled(runtime)) == sorted((due, t) for t in DATA_TYPES[1:])
    async with runtime.engine.connect() as db:
        in_flight_count = await db.scalar(
            text(
                "SELECT count(*) FROM pull_operations"
                " WHERE connection_id = :c AND data_type = :t AND status = 'Queued'"
            ),
            {"c": due, "t": DATA_TYPES[0]},
        )
    assert in_flight_count == 1  # only the API's pull, still in flight
    assert str(in_flight.id) in await pull_jobs(runtime)


async def test_concurrent_ticks_queue_each_refresh_exactly_once(runtime: Runtime, database_url: str) -> None:
    connections = await banking_companies(runtime, 40)
    # While one tick holds the lock another queues nothing: what is due is the running tick's.
    async with runtime.engine.connect() as db, db.begin():
        await db.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": scheduler.TICK_LOCK}
        )
        assert await scheduler.queue_due_refreshes(runtime) == 0
    assert await scheduled(runtime) == []
    # Ticks of different worker processes: each its own engine (connection pool).
    async with (
        runtime_on(database_url, KEY, "http://ledgerlink.test") as other,
        runtime_on(database_url, KEY, "http://ledgerlink.test") as third,
    ):
        counts = await asyncio.gather(
            *(scheduler.queue_due_refreshes(run) for run in (runtime, other, third))
        )
    assert sum(counts) == len(connections) * len(DATA_TYPES), counts
    queued = await scheduled(runtime)
    assert len(queued) == len({(c, t) for c, t, _ in queued}) == len(connections) * len(DATA_TYPES)
    assert len(await pull_jobs(runtime)) == len(queued)


async def waiting_on_a_lock(run: Runtime) -> bool:
    """Whether a session of the test's database is waiting on a lock now."""
    async with run.engine.connect() as look:
        waiting = await look.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_without_the_tick_lock_the_in_flight_index_decides(runtime: Runtime, database_url: str) -> None:
    """Two transactions queue the same refreshes at once (as an API request racing a tick would): the
    second waits on the first's uncommitted pulls and, once they commit, queues none of them."""
    await banking_companies(runtime, 5)
    async with runtime.sessionmaker() as session:
        due = await scheduler.due_refreshes(session, utcnow())
    assert len(due) == 5 * len(DATA_TYPES)
    async with runtime_on(database_url, KEY, "http://ledgerlink.test") as other:
        async with runtime.sessionmaker() as first, first.begin():
            assert await scheduler.queue_refreshes(first, due) == len(due)

            async def second_tick() -> int:
                async with other.sessionmaker() as second, second.begin():
                    return await scheduler.queue_refreshes(second, due)

            racing = asyncio.create_task(second_tick())
            # Seen waiting on a lock (the first transaction's entries in the in-flight index), not finished.
            deadline = time.monotonic() + 30
            while not await waiting_on_a_lock(runtime):
                assert not racing.done(), "the second tick did not wait for the first"
                assert time.monotonic() < deadline, "the second tick never waited on a lock"
                await asyncio.sleep(0.02)
            assert not racing.done()
        assert await racing == 0
    assert len(await scheduled(runtime)) == len(await pull_jobs(runtime)) == len(due)


async def test_a_tick_skips_a_company_being_deleted(runtime: Runtime, database_url: str) -> None:
    kept, deleted = await banking_companies(runtime, 2)
    async with (
        runtime_on(database_url, KEY, "http://ledgerlink.test") as other,
        other.sessionmaker() as deleting,
        deleting.begin(),
    ):
        company_id = await deleting.scalar(
            text("SELECT company_id FROM connections WHERE id = :c"), {"c": deleted}
        )
        # What `companies.service.delete` does first.
        await deleting.execute(text("SELECT id FROM companies WHERE id = :c FOR UPDATE"), {"c": company_id})
        assert await scheduler.queue_due_refreshes(runtime) == len(DATA_TYPES)
        await deleting.execute(text("DELETE FROM companies WHERE id = :c"), {"c": company_id})
    assert {c for c, _, _ in await scheduled(runtime)} == {kept}


async def test_scheduled_pulls_complete_through_a_worker(runtime: Runtime, database_url: str) -> None:
    connections = await banking_companies(runtime, 2)
    assert await scheduler.queue_due_refreshes(runtime) == 2 * len(DATA_TYPES)
    settings = Settings(worker_concurrency=4, secret_key=KEY.decode())
    async with running(settings, database_url, runtime) as worker:
        assert worker is not None
        deadline = time.monotonic() + 90
        while {status for _, _, status in await scheduled(runtime)} != {"Complete"}:
            assert not worker.done(), worker
            assert time.monotonic() < deadline, await scheduled(runtime)
            await asyncio.sleep(0.25)
    async with runtime.engine.connect() as db:
        stored = dict(
            (
                await db.execute(
                    text(
                        "SELECT connection_id, count(*) FROM records WHERE connection_id = ANY(:c)"
                        " GROUP BY connection_id"
                    ),
                    {"c": connections},
                )
            ).all()
        )
        reported = await db.scalar(
            text(
                "SELECT count(DISTINCT e.company_id)"
                " FROM events e JOIN connections c ON c.company_id = e.company_id"
                " WHERE e.event_type = 'read.completed' AND c.id = ANY(:c)"
            ),
            {"c": connections},
        )
    assert set(stored) == set(connections) and min(stored.values()) > 0
    # Each company's finished refreshes are reported, as any pulls the runner finishes are.
    assert reported == 2
