"""Sync throughput: a pull of at least 1,000,000 records against a raw COPY of the same JSON.

    python bench/sync_throughput.py [--records 1000000] [--platform qhnd] [--data-type banking-transactions]

Prints, in one run on one PostgreSQL:

- the Sandbox's pull, end to end: its records per second (the Sandbox's generation, serialisation, staging,
  validation and the merge into `records`) and the generator alone;
- the same records pulled again from a recorded feed, into a second connection of the same company: a
  connector that reads them from a file of JSON lines and parses each with orjson, as a real connector parses
  a platform's answers. That is the platform's own cost of a pull (the pull's code path unchanged: the job's
  staging, validation and merge), without the Sandbox's simulation, which no real platform has;
- a raw `COPY` of the same records' JSON into a bare `jsonb` table, and the ratios of both pulls to it;
- the process's peak memory during the Sandbox's pull.

The target (pull / raw COPY >= 0.5) is the recorded feed's: it is what the platform adds to a COPY. Since
the Sandboxes tell one story (the bank carries the books' lines, `connectors/sandbox/story.py`), the
Sandbox's generator is slower than the platform and bounds its own pull.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from ledgerlink.connectors.base import Batch, FetchRequest  # noqa: E402
from ledgerlink.connectors import registry  # noqa: E402
from ledgerlink.connectors.sandbox.simulation import BATCH_SIZE  # noqa: E402
from ledgerlink.kit.clock import utcnow  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def records_per_scale(platform: str, data_type: str, company_id: uuid.UUID) -> float:
    """How many records one unit of scale gives this company, to pick the scale for the wanted volume."""
    now = utcnow()
    request = FetchRequest(data_type=data_type, company_id=company_id, connection_id=uuid.uuid4(),
                           credentials={"scale": 20}, linked_at=now, as_of=now)
    return sum([len(batch.records) async for batch in registry.get(platform).fetch(request)]) / 20


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (the embedded one's, or the server's
    if it runs here), from /proc; 0 where there is no /proc."""
    total = 0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if not comm.read().startswith("postgres"):
                    continue
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class RecordedFeed:
    """A connector that answers every fetch with the records of a file of JSON lines, parsed per line with
    orjson, in batches of the Sandbox's size; everything else is the wrapped connector's."""

    def __init__(self, connector, path: str) -> None:
        self.connector, self.path = connector, path

    def __getattr__(self, name: str):
        return getattr(self.connector, name)

    async def fetch(self, request: FetchRequest):
        loads = orjson.loads
        with open(self.path, "rb") as feed:
            records = []
            for line in feed:
                records.append(loads(line))
                if len(records) == BATCH_SIZE:
                    yield Batch(records=records)
                    records = []
            if records:
                yield Batch(records=records)


async def pull_recorded(run, engine, company_id: uuid.UUID, platform: str, data_type: str, path: str,
                        credentials: dict) -> tuple[float, int, float, float]:
    """The recorded records pulled into a new connection of the company: seconds, records stored, and the
    CPU seconds this process and PostgreSQL used meanwhile."""
    connection_id = await common.add_connection(run, company_id, platform, credentials)
    registry.CONNECTORS[platform] = RecordedFeed(registry.CONNECTORS[platform], path)
    try:
        started, cpu, postgres = time.perf_counter(), time.process_time(), postgres_cpu_seconds()
        pull_id = await common.pull(run, company_id, connection_id, data_type)
        seconds = time.perf_counter() - started
        cpu, postgres = time.process_time() - cpu, postgres_cpu_seconds() - postgres
    finally:
        registry.CONNECTORS[platform] = registry.CONNECTORS[platform].connector
    async with engine.connect() as db:
        status = await db.scalar(text("SELECT status FROM pull_operations WHERE id = :id"), {"id": pull_id})
        stored = await db.scalar(text("SELECT count(*) FROM records WHERE connection_id = :c"),
                                 {"c": connection_id})
    assert status == "Complete", status
    return seconds, stored, cpu, postgres


async def main(wanted: int, platform: str, data_type: str) -> None:
    connector = registry.get(platform)
    with common.database() as url:
        engine = common.new_engine(url)
        run = common.runtime(engine, common.new_key())
        company_id, connection_id = await common.linked_sandbox(run, "Benchmark Ltd", {}, platform)
        # Volume is not exactly linear in scale; aim a little high so the pull has at least `wanted`.
        scale = max(1, round(wanted * 1.05 / await records_per_scale(platform, data_type, company_id)))
        credentials = {"scale": scale}
        await common.set_credentials(run, connection_id, credentials)

        rss_before = peak_rss_mb()
        started = time.perf_counter()
        pull_id = await common.pull(run, company_id, connection_id, data_type)
        pull_seconds = time.perf_counter() - started
        rss_pull = peak_rss_mb()
        async with engine.connect() as db:
            status, as_of, linked_at = (await db.execute(text(
                "SELECT p.status, p.as_of, c.linked_at FROM pull_operations p JOIN connections c "
                "ON c.id = p.connection_id WHERE p.id = :id"), {"id": pull_id})).one()
            stored = await db.scalar(text("SELECT count(*) FROM records WHERE connection_id = :c"),
                                     {"c": connection_id})
        assert status == "Complete", status

        # The same records again: the generator alone, then their JSON written to a feed and a file for COPY.
        request = FetchRequest(data_type=data_type, company_id=company_id, connection_id=connection_id,
                               credentials=credentials, linked_at=linked_at, as_of=as_of)
        started = time.perf_counter()
        generated = 0
        with (tempfile.NamedTemporaryFile(prefix="ledgerlink-feed-", suffix=".jsonl") as feed_file,
              tempfile.NamedTemporaryFile(prefix="ledgerlink-copy-", suffix=".tsv") as copy_file):
            async for batch in connector.fetch(request):
                generated += len(batch.records)
            generate_seconds = time.perf_counter() - started
            async for batch in connector.fetch(request):
                lines = [orjson.dumps(r) + b"\n" for r in batch.records]
                feed_file.write(b"".join(lines))
                copy_file.write(b"".join(line.replace(b"\\", b"\\\\") for line in lines))
            feed_file.flush()
            copy_file.flush()

            recorded_seconds, recorded, recorded_cpu, recorded_postgres = await pull_recorded(
                run, engine, company_id, platform, data_type, feed_file.name, credentials)

            async with engine.connect() as db:
                await db.execute(text("DROP TABLE IF EXISTS bench_raw_copy"))
                await db.execute(text("CREATE TABLE bench_raw_copy (data jsonb NOT NULL)"))
                await db.commit()
                raw = (await db.get_raw_connection()).driver_connection
                started = time.perf_counter()
                async with raw.cursor().copy("COPY bench_raw_copy (data) FROM STDIN") as copy:
                    with open(copy_file.name, "rb") as source:
                        while chunk := source.read(1 << 20):
                            await copy.write(chunk)
                await raw.commit()
                copy_seconds = time.perf_counter() - started
                await db.execute(text("DROP TABLE bench_raw_copy"))
                await db.commit()
        await engine.dispose()

    pull_rate, copy_rate, generate_rate = stored / pull_seconds, generated / copy_seconds, generated / generate_seconds
    recorded_rate = recorded / recorded_seconds
    print(f"data type              {data_type} from {connector.info.name} ({platform}), scale {scale}")
    print(f"records                {stored:,} stored by the Sandbox's pull; {recorded:,} by the recorded feed's; "
          f"{generated:,} in the raw COPY")
    print(f"Sandbox pull           {pull_seconds:8.1f} s  {pull_rate:10,.0f} records/s  "
          f"({pull_rate / copy_rate:.2f} of raw COPY)")
    print(f"  generator alone      {generate_seconds:8.1f} s  {generate_rate:10,.0f} records/s")
    print(f"recorded feed pull     {recorded_seconds:8.1f} s  {recorded_rate:10,.0f} records/s  (CPU: this "
          f"process {recorded_cpu:.1f} s, PostgreSQL {recorded_postgres:.1f} s)")
    print(f"raw COPY of the JSON   {copy_seconds:8.1f} s  {copy_rate:10,.0f} records/s")
    print(f"ratio recorded / COPY  {recorded_rate / copy_rate:8.2f}   (target >= 0.50)")
    print(f"peak memory            {rss_pull:8.0f} MB during the Sandbox's pull (process before it: "
          f"{rss_before:.0f} MB; target < 300)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--platform", default="qhnd")
    parser.add_argument("--data-type", default="banking-transactions")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.records, arguments.platform, arguments.data_type))
