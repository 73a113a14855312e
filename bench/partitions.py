"""Partitioning `records`, measured: page, filtered page and re-sync latency on the unpartitioned table against
the same rows hash-partitioned by connection (16 and 64 partitions), in one run.

    python bench/partitions.py [--records 2000000] [--companies 250] [--partitions 16,64] [--rounds 6]
                               [--requests 200] [--sample 20]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set, whose role then needs CREATEDB). The Banking
Sandbox transactions of `--companies` companies (about `--records` in all) are pulled through the real pull
code into one database, which is then copied once per layout (`CREATE DATABASE ... TEMPLATE`). In every copy
`records` is rebuilt the same way: a new table (unpartitioned, or `PARTITION BY HASH (connection_id)` with N
partitions), the rows inserted in their stored order, then the same primary key and indexes, `VACUUM
ANALYZE`. So the layouts differ in partitioning only; every other table is the same in all of them.

Then, in `--rounds` rounds with the layouts taking turns (in rotated order), the real application of each
layout (in this process, through httpx's ASGI transport, sequential requests) serves:
- page: a 100-record page of a connection's transactions (`--requests` requests over `--sample` connections);
- filtered page: the same with `query=amount>500` (`amount` is not indexed: the filter reads the
  connection's records until it has a page);
and the real pull code (`sync.runner.run_pull`) re-syncs one connection: an incremental pull of its
transactions as of a week after the first pull (the same connection and moment in every layout, another
connection each round). Last, for each layout, PostgreSQL's own planning and execution time (`EXPLAIN
ANALYZE`, median of 20) of the page's statement as the application sends it (the connection is found inside
the statement), and of a page statement given the connection as a parameter.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
import psycopg
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import growth

from ledgerlink.app import create_app
from ledgerlink.clients.service import add_api_key, ensure_default_client
from ledgerlink.config import Settings
from ledgerlink.data import reads
from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit.auth import key_hashes
from ledgerlink.records import registry
from ledgerlink.records.store import refresh_statistics
from ledgerlink.sync.models import PullOperation, PullTrigger
from ledgerlink.sync.runner import run_pull

DATA_TYPE = growth.DATA_TYPE
FILTER = growth.FILTER


async def seed(url: str, companies: int, records: int, key: str, secret: bytes) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`companies` Banking Sandbox companies, their transactions pulled; returns (company, connection) pairs."""
    engine = common.new_engine(url)
    run = common.runtime(engine, secret)
    pairs = []
    started = time.perf_counter()
    scale = None
    for n in range(companies):
        company_id, connection_id = await common.linked_sandbox(run, f"Partitioned {n}", {}, "qhnd")
        if scale is None:
            scale = max(1, round(records / companies / await growth.per_scale(company_id)))
        await common.set_credentials(run, connection_id, {"scale": scale})
        await common.pull(run, company_id, connection_id, DATA_TYPE)
        pairs.append((company_id, connection_id))
        if (n + 1) % 50 == 0:
            print(f"  {n + 1} companies pulled ({time.perf_counter() - started:.0f} s)", flush=True)
    async with engine.connect() as db, db.begin():
        await refresh_statistics(db)
        stored = await db.scalar(text("SELECT count(*) FROM records"))
    async with run.sessionmaker() as session, session.begin():
        client = await ensure_default_client(session)
        await add_api_key(session, client.id, key, name="benchmark")
    await engine.dispose()
    print(f"{stored:,} records of {companies} connections pulled in {time.perf_counter() - started:.0f} s",
          flush=True)
    return pairs


def layout_url(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def copy_database(url: str, name: str) -> str:
    """A copy of the database at `url` named `name` (nothing may be connected to the original meanwhile)."""
    source = make_url(url).database
    admin = create_sync_engine(sqlalchemy_url(layout_url(url, "postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        db.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY'))
    admin.dispose()
    return layout_url(url, name)


def drop_database(url: str, name: str) -> None:
    admin = create_sync_engine(sqlalchemy_url(layout_url(url, "postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def rebuild_records(url: str, partitions: int) -> float:
    """Rebuild `records` (0: unpartitioned; else hash-partitioned by connection) with its rows, primary key
    and indexes as they were; returns the seconds it took."""
    started = time.perf_counter()
    engine = create_sync_engine(sqlalchemy_url(url))
    with engine.begin() as db:
        indexes = db.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'records'"
        )).all()
        key_name, key_definition = db.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'public.records'::regclass AND contype = 'p'"
        )).one()
        db.execute(text("ALTER TABLE records RENAME TO records_loaded"))
        for name, _ in indexes:  # the primary key's index among them (its constraint follows the name)
            db.execute(text(f'ALTER INDEX "{name}" RENAME TO "{name}_loaded"'))
        partitioning = " PARTITION BY HASH (connection_id)" if partitions else ""
        db.execute(text(
            "CREATE TABLE records (LIKE records_loaded INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            + partitioning
        ))
        for n in range(partitions):
            db.execute(text(
                f"CREATE TABLE records_p{n} PARTITION OF records FOR VALUES WITH (MODULUS {partitions}, REMAINDER {n})"
            ))
        # The rows in the order the pulls stored them (a heap scan), so each layout keeps a connection's together.
        db.execute(text("INSERT INTO records SELECT * FROM records_loaded"))
        db.execute(text("DROP TABLE records_loaded"))
        db.execute(text(f'ALTER TABLE records ADD CONSTRAINT "{key_name}" {key_definition}'))
        for name, definition in indexes:
            if name != key_name:
                db.execute(text(definition))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(text("VACUUM ANALYZE records"))
        if partitions:
            shape = db.execute(text(
                "SELECT count(*), min(c), max(c) FROM (SELECT count(*) AS c FROM records "
                "GROUP BY tableoid) per_partition"
            )).one()
            print(f"  {partitions} partitions: {shape[0]} used, {shape[1]:,} to {shape[2]:,} records each", flush=True)
    engine.dispose()
    return time.perf_counter() - started


async def page_latencies(http: httpx.AsyncClient, paths: list[str], params: dict, requests: int) -> list[float]:
    """Latencies (ms) of `requests` sequential requests, going round `paths`, after one request to each."""
    for path in paths:
        assert (await http.get(path, params=params)).status_code == 200
    latencies = []
    for n in range(requests):
        started = time.perf_counter()
        response = await http.get(paths[n % len(paths)], params=params)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:200]
    return latencies


async def resync(run, company_id: uuid.UUID, connection_id: uuid.UUID, as_of) -> tuple[float, int]:
    """An incremental pull as of `as_of`, through the real pull code: (seconds, records modified)."""
    pull_id = uuid.uuid4()
    async with run.sessionmaker() as session, session.begin():
        session.add(PullOperation(
            id=pull_id, company_id=company_id, connection_id=connection_id, data_type=DATA_TYPE,
            trigger=PullTrigger.SCHEDULE.value, requested=as_of, status="Queued", as_of=as_of,
        ))
    started = time.perf_counter()
    await run_pull(run, pull_id)
    seconds = time.perf_counter() - started
    async with run.sessionmaker() as session:
        pull = await session.get(PullOperation, pull_id)
    assert pull.status == "Complete", (pull.status, pull.status_description)
    return seconds, pull.records_modified


def explain(url: str, sql: str, params: dict, times: int = 20) -> tuple[float, float]:
    """Median planning and execution time (ms) of a statement, as PostgreSQL reports them."""
    planning, execution = [], []
    with psycopg.connect(url, autocommit=True) as db:
        for _ in range(times + 2):
            plan = db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).fetchone()[0]
            plan = orjson.loads(plan) if isinstance(plan, str | bytes) else plan
            planning.append(plan[0]["Planning Time"])
            execution.append(plan[0]["Execution Time"])
    return statistics.median(planning[2:]), statistics.median(execution[2:])


def statement_costs(url: str, engine_dialect, key: str, company_id: uuid.UUID, connection_id: uuid.UUID) -> dict:
    """`EXPLAIN ANALYZE` of the page statement the application sends, and of a page given its connection."""
    data_type = registry.BY_KEY[DATA_TYPE]
    shape = reads.FAST_PAGES.get(reads.PageShape(data_type, None, None, (), engine_dialect))
    params = shape.page.params({
        "ll_hashes": key_hashes("Basic " + base64.b64encode(key.encode()).decode()),
        "ll_company": company_id, "ll_connection": connection_id,
        "ll_limit": 100, "ll_offset": 0,
    })
    plain_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    found_inside = explain(plain_url, shape.page.sql, params)
    given = explain(
        plain_url,
        "SELECT data FROM records WHERE connection_id = %(c)s AND data_type = %(t)s AND NOT is_deleted "
        "ORDER BY record_date NULLS FIRST, record_id LIMIT 100",
        {"c": connection_id, "t": DATA_TYPE},
    )
    return {"inside": found_inside, "given": given}


async def main(records: int, companies: int, partition_counts: list[int], rounds: int, requests: int,
               sample: int) -> None:
    key = "partitions-" + uuid.uuid4().hex
    secret = common.new_key()  # seals the connections' credentials: the same for the pulls in every layout
    layouts = {"unpartitioned": 0, **{f"hash {n}": n for n in partition_counts}}
    with common.database() as url, tempfile.TemporaryDirectory() as scratch:
        pairs = await seed(url, companies, records, key, secret)
        urls = {}
        for name, partitions in layouts.items():
            database = "bench_" + name.replace(" ", "_")
            urls[name] = copy_database(url, database)
            print(f"{name}: copied and rebuilt in {rebuild_records(urls[name], partitions):.0f} s", flush=True)
        try:
            engine = common.new_engine(urls["unpartitioned"])
            async with engine.connect() as db:
                first_as_of = await db.scalar(text("SELECT max(as_of) FROM pull_operations"))
            await engine.dispose()
            headers = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
            step = max(1, len(pairs) // sample)
            paths = [f"/companies/{c}/connections/{k}/data/{DATA_TYPE}" for c, k in pairs[::step][:sample]]
            apps, clients, runs, engines = {}, {}, {}, []
            measured = {name: {"page": [], "filtered": [], "resync": [], "modified": []} for name in layouts}
            for name in layouts:
                apps[name] = create_app(Settings(worker_concurrency=0, rate_limit_per_minute=0,
                                                 data_dir=Path(scratch)), urls[name])
                runs[name] = common.runtime(common.new_engine(urls[name]), secret)
                engines.append(runs[name].engine)
            async with contextlib.AsyncExitStack() as stack:
                for name, app in apps.items():
                    await stack.enter_async_context(app.router.lifespan_context(app))
                    clients[name] = await stack.enter_async_context(httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers, timeout=600
                    ))
                # Every layout answers the same page with the same bytes.
                pages = {name: (await http.get(paths[0], params={"pageSize": 100})).content
                         for name, http in clients.items()}
                assert len(set(pages.values())) == 1, "the layouts' pages differ"
                # The re-synced connections are not among the paged ones.
                resynced = [pair for pair in pairs if pair not in set(pairs[::step][:sample])]
                order = list(layouts)
                for round_ in range(rounds):
                    as_of = first_as_of + timedelta(days=7)
                    company_id, connection_id = resynced[round_ % len(resynced)]
                    for name in order[round_ % len(order):] + order[: round_ % len(order)]:
                        found = measured[name]
                        found["page"] += await page_latencies(clients[name], paths, {"pageSize": 100}, requests)
                        found["filtered"] += await page_latencies(
                            clients[name], paths, {"pageSize": 100, "query": FILTER}, requests
                        )
                        seconds, modified = await resync(runs[name], company_id, connection_id, as_of)
                        found["resync"].append(seconds * 1000)
                        found["modified"].append(modified)
                    print(f"round {round_ + 1} of {rounds} done", flush=True)
            for one in engines:
                await one.dispose()
            company_id, connection_id = pairs[0]
            costs = {name: statement_costs(urls[name], apps[name].state.engine.dialect, key, company_id, connection_id)
                     for name in layouts}
        finally:
            for name in layouts:
                drop_database(url, "bench_" + name.replace(" ", "_"))

    print()
    print(f"{'layout':<14} {'page p50':>9} {'p99':>7} {'filtered p50':>13} {'p99':>7} {'re-sync p50':>12}   "
          f"{'statement: plan':>16} {'execute':>8}   {'given its connection: plan':>27} {'execute':>8}")
    base = measured["unpartitioned"]
    for name in layouts:
        found, cost = measured[name], costs[name]

        def p(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

        print(f"{name:<14} {statistics.median(found['page']):7.2f}ms {p(found['page'], 0.99):5.1f}ms "
              f"{statistics.median(found['filtered']):11.2f}ms {p(found['filtered'], 0.99):5.1f}ms "
              f"{statistics.median(found['resync']):10.0f}ms   {cost['inside'][0]:14.3f}ms {cost['inside'][1]:6.3f}ms"
              f"   {cost['given'][0]:25.3f}ms {cost['given'][1]:6.3f}ms")
        if name != "unpartitioned":
            print(f"{'':<14} {statistics.median(found['page']) / statistics.median(base['page']):8.2f}x "
                  f"{'':>7} {statistics.median(found['filtered']) / statistics.median(base['filtered']):12.2f}x "
                  f"{'':>7} {statistics.median(found['resync']) / statistics.median(base['resync']):11.2f}x"
                  "   (of unpartitioned)")
    print(f"\nre-syncs modified {statistics.median(base['modified']):.0f} records each (median); "
          f"page and filtered page: {rounds} x {requests} requests per layout over {len(paths)} connections")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--companies", type=int, default=250)
    parser.add_argument("--partitions", default="16,64")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sample", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.records, arguments.companies, [int(n) for n in arguments.partitions.split(",")],
                     arguments.rounds, arguments.requests, arguments.sample))
