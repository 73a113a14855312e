"""Sync throughput: a Sandbox pull of at least 1,000,000 records against a raw COPY of the same JSON.

    python bench/sync_throughput.py [--records 1000000] [--platform qhnd] [--data-type banking-transactions]

Prints, in one run on one PostgreSQL: the pull's records per second (generation, serialisation, staging,
validation and the merge into `records`), the generator alone, a raw `COPY` of the same records' JSON into
a bare `jsonb` table, the ratio pull / COPY, and the process's peak memory during the pull.
"""

from __future__ import annotations

import argparse
import asyncio
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

from ledgerlink.connectors.base import FetchRequest  # noqa: E402
from ledgerlink.connectors import registry  # noqa: E402
from ledgerlink.kit.clock import utcnow  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def records_per_scale(platform: str, data_type: str, company_id: uuid.UUID) -> float:
    """How many records one unit of scale gives this company, to pick the scale for the wanted volume."""
    now = utcnow()
    request = FetchRequest(data_type=data_type, company_id=company_id, connection_id=uuid.uuid4(),
                           credentials={"scale": 20}, linked_at=now, as_of=now)
    return sum([len(batch.records) async for batch in registry.get(platform).fetch(request)]) / 20


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

        # The same records again: the generator alone, then their JSON written to a file for COPY.
        request = FetchRequest(data_type=data_type, company_id=company_id, connection_id=connection_id,
                               credentials=credentials, linked_at=linked_at, as_of=as_of)
        started = time.perf_counter()
        generated = 0
        with tempfile.NamedTemporaryFile(prefix="ledgerlink-copy-", suffix=".tsv") as copy_file:
            async for batch in connector.fetch(request):
                generated += len(batch.records)
            generate_seconds = time.perf_counter() - started
            async for batch in connector.fetch(request):
                copy_file.write(b"".join(orjson.dumps(r).replace(b"\\", b"\\\\") + b"\n" for r in batch.records))
            copy_file.flush()

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
    print(f"data type              {data_type} from {connector.info.name} ({platform}), scale {scale}")
    print(f"records                {stored:,} stored by the pull; {generated:,} in the raw COPY")
    print(f"pull                   {pull_seconds:8.1f} s  {pull_rate:10,.0f} records/s")
    print(f"  generator alone      {generate_seconds:8.1f} s  {generate_rate:10,.0f} records/s")
    print(f"raw COPY of the JSON   {copy_seconds:8.1f} s  {copy_rate:10,.0f} records/s")
    print(f"ratio pull / raw COPY  {pull_rate / copy_rate:8.2f}   (target >= 0.50)")
    print(f"peak memory            {rss_pull:8.0f} MB during the pull (process before it: {rss_before:.0f} MB; "
          f"target < 300)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--platform", default="qhnd")
    parser.add_argument("--data-type", default="banking-transactions")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.records, arguments.platform, arguments.data_type))
