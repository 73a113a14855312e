"""Continuous schedules at 1,000 companies: the scheduler's cost per tick, and pulls completed per minute
with 1, 2 and 3 `ledgerlink worker` processes.

    python bench/schedules.py [--companies 1000] [--workers 1,2,3] [--seconds 60]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set). Seeds `--companies` companies, each with a
Linked Banking Sandbox connection whose four data types were last pulled two days ago (so the default daily
schedule has them due). Then, for each worker count: the scheduler's tick (`sync.scheduler
.queue_due_refreshes`, what the maintenance job runs every minute) is timed while it queues every due
refresh, and again when nothing is due; so is, in the same round and on the same due refreshes, the tick as
it was before bulk queuing (the baseline: `service.queue_pull` per refresh, a savepoint each), the two in
alternating order from round to round; worker processes run for `--seconds`; the pulls they complete in
that time are counted. Between ticks and rounds the unfinished pulls are deleted with their jobs and the last
pulls backdated again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from ledgerlink.clients.service import ensure_default_client
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors.sandbox.banking import DATA_TYPES
from ledgerlink.integrations.service import sync_registry
from ledgerlink.kit.clock import utcnow
from ledgerlink.sync import scheduler, service
from ledgerlink.sync.models import PullOperation, PullTrigger


async def seed(run, companies: int) -> None:
    now = utcnow()
    async with run.sessionmaker() as session, session.begin():
        await sync_registry(session)
        client = await ensure_default_client(session)
        sealed = run.secrets.seal({"scale": 1})
        made = [
            Company(
                id=uuid.uuid4(),
                client_id=client.id,
                name=f"Scheduled {n}",
                tags={},
                products=[],
                created_at=now,
            )
            for n in range(companies)
        ]
        session.add_all(made)
        await session.flush()
        links = [
            Connection(
                id=uuid.uuid4(),
                company_id=company.id,
                integration_key="qhnd",
                status="Linked",
                created_at=now,
                linked_at=now - timedelta(days=3),
                sealed_authorization=sealed,
                data_connection_errors=[],
            )
            for company in made
        ]
        session.add_all(links)
        await session.flush()
        for company, connection in zip(made, links, strict=True):
            for data_type in DATA_TYPES:
                session.add(
                    PullOperation(
                        id=uuid.uuid4(),
                        company_id=company.id,
                        connection_id=connection.id,
                        data_type=data_type,
                        status="Complete",
                        trigger="firstLink",
                        requested=now,
                        completed=now,
                        as_of=now,
                        progress=100,
                    )
                )
    await backdate(run)


async def backdate(run) -> None:
    """Every type due again, with the table as it was before the last tick (its unfinished pulls gone)."""
    async with run.engine.connect() as db, db.begin():
        await db.execute(
            text(
                "DELETE FROM pull_operations WHERE status IN "
                "('Initial', 'Queued', 'Fetching', 'Mapping', 'Validating', 'Processing')"
            )
        )
        await db.execute(text("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"))
        await db.execute(text("UPDATE pull_operations SET requested = requested - interval '2 days'"))
        await db.execute(text("ANALYZE"))


async def tick(run) -> tuple[int, float]:
    started = time.perf_counter()
    queued = await scheduler.queue_due_refreshes(run)
    return queued, time.perf_counter() - started


async def tick_one_at_a_time(run) -> tuple[int, float]:
    """The baseline: the tick before bulk queuing, kept here only. The same due refreshes, each queued by
    `service.queue_pull` (its in-flight check, insert and job) in a savepoint of its own."""
    started = time.perf_counter()
    queued = 0
    async with run.sessionmaker() as session, session.begin():
        due = await scheduler.due_refreshes(session, utcnow())
        loaded = await session.scalars(
            select(Connection)
            .where(Connection.id.in_({refresh.connection_id for refresh in due}))
            .options(selectinload(Connection.company).selectinload(Company.connections))
        )
        connections = {connection.id: connection for connection in loaded}
        for refresh in due:
            connection = connections[refresh.connection_id]
            async with session.begin_nested():
                try:
                    await service.queue_pull(
                        session, connection.company, connection, refresh.data_type, PullTrigger.SCHEDULE
                    )
                    queued += 1
                except service.DatasetAlreadyInProgress:
                    continue
    return queued, time.perf_counter() - started


def start_workers(count: int, url: str, key: bytes, directory: Path) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env |= {
        "LEDGERLINK_DATABASE_URL": url,
        "LEDGERLINK_SECRET_KEY": key.decode(),
        "LEDGERLINK_LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ledgerlink",
                "worker",
                "--concurrency",
                "4",
                "--data-dir",
                str(directory / f"w{n}"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


async def completed_between(run, start, end) -> int:
    async with run.engine.connect() as db:
        return await db.scalar(
            text(
                "SELECT count(*) FROM pull_operations WHERE status = 'Complete' "
                "AND trigger = 'schedule' AND completed >= :a AND completed < :b"
            ),
            {"a": start, "b": end},
        )


async def main(companies: int, worker_counts: list[int], seconds: float) -> None:
    key = common.new_key()
    with common.database() as url, tempfile.TemporaryDirectory(prefix="ledgerlink-schedules-") as scratch:
        engine = common.new_engine(url)
        run = common.runtime(engine, key)
        started = time.perf_counter()
        await seed(run, companies)
        print(
            f"seeded {companies:,} companies with {companies * len(DATA_TYPES):,} due data types in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        for round_, workers in enumerate(worker_counts):
            # Bulk and baseline take turns going first, so neither always meets a table fresher than the other.
            timed = {}
            for name in (("bulk", "baseline") if round_ % 2 == 0 else ("baseline", "bulk")):
                await backdate(run)
                timed[name] = await (tick(run) if name == "bulk" else tick_one_at_a_time(run))
            queued, due_seconds = timed["bulk"]
            baseline_queued, baseline_seconds = timed["baseline"]
            assert queued == baseline_queued, timed
            none, idle_seconds = await tick(run)
            assert none == 0
            processes = start_workers(workers, url, key, Path(scratch))
            window_start = utcnow()
            await asyncio.sleep(seconds)
            window_end = utcnow()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
            done = await completed_between(run, window_start, window_end)
            print(
                f"{workers} worker(s): tick queuing {queued:,} refreshes {due_seconds * 1000:,.0f} ms "
                f"(one at a time, same round: {baseline_seconds * 1000:,.0f} ms, "
                f"{baseline_seconds / due_seconds:.1f}x), idle tick {idle_seconds * 1000:,.0f} ms; "
                f"{done:,} pulls completed in {seconds:.0f} s = {done * 60 / seconds:,.0f} pulls/minute",
                flush=True,
            )
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--seconds", type=float, default=60)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.companies, [int(n) for n in arguments.workers.split(",")], arguments.seconds))
