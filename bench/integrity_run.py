"""Data integrity's whole run at 10^6 lines a side: a company whose books and bank each hold `--lines` lines
on one account (the lines of `bench/integrity_matching.py`, as records), matched by `run.match_company`
against PostgreSQL: reading both sides through `lending.bank_lines`, pairing, matching and writing every
line's result.

    python bench/integrity_run.py [--lines 1000000]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set). The records are written with COPY, as a
pull would leave them; then one run, timed, with the process's peak resident memory before and after it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).parent))

from common import database, linked_sandbox, new_engine, new_key, runtime
from integrity_matching import company

from ledgerlink.connections.models import Connection
from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending.integrity import run

BANK_ACCOUNT, BOOKS_ACCOUNT = "bank-current", "books-current"


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def write_records(url: str, bank_id: uuid.UUID, books_id: uuid.UUID, lines: int) -> tuple[int, int]:
    books, bank, _, _ = company(lines)
    now = utcnow()
    conninfo = sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo) as db, db.cursor() as cursor:
        columns = (
            "connection_id, data_type, record_id, data, content_hash, modified_date, record_date, is_deleted"
        )
        with cursor.copy(f"COPY records ({columns}) FROM STDIN") as copy:
            copy.write_row(
                (
                    bank_id,
                    "banking-accounts",
                    BANK_ACCOUNT,
                    orjson.dumps(
                        {
                            "id": BANK_ACCOUNT,
                            "name": "Business Current Account",
                            "currency": "GBP",
                            "identifiers": {"iban": "GB61BARC20670630616281"},
                            "balance": {"current": 0},
                        }
                    ).decode(),
                    0,
                    now,
                    None,
                    False,
                )
            )
            copy.write_row(
                (
                    books_id,
                    "bankAccounts",
                    BOOKS_ACCOUNT,
                    orjson.dumps(
                        {
                            "id": BOOKS_ACCOUNT,
                            "accountName": "Current",
                            "currency": "GBP",
                            "sortCode": "20-67-06",
                            "accountNumber": "30616281",
                            "balance": 0,
                        }
                    ).decode(),
                    0,
                    now,
                    None,
                    False,
                )
            )
            for line in bank:
                record = {
                    "id": f"k{line.key}",
                    "accountId": BANK_ACCOUNT,
                    "postedDate": f"{_day(line.day)}T12:00:00Z",
                    "amount": line.cents / 100,
                    "currency": "GBP",
                    "description": line.description,
                }
                copy.write_row(
                    (
                        bank_id,
                        "banking-transactions",
                        record["id"],
                        orjson.dumps(record).decode(),
                        0,
                        now,
                        None,
                        False,
                    )
                )
            for line in books:
                record = {
                    "id": f"b{line.key}",
                    "accountId": BOOKS_ACCOUNT,
                    "clearedOnDate": f"{_day(line.day)}T00:00:00",
                    "amount": line.cents / 100,
                    "description": line.description,
                }
                copy.write_row(
                    (
                        books_id,
                        "bankTransactions",
                        record["id"],
                        orjson.dumps(record).decode(),
                        0,
                        now,
                        None,
                        False,
                    )
                )
        db.execute("ANALYZE records")
    return len(books), len(bank)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _resident_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _reset_peak() -> bool:
    """Reset the kernel's peak resident size (Linux), so the run's own peak is measured rather than the
    generated lines' before it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def main(lines: int) -> None:
    with database() as url:
        engine = new_engine(url)
        bench = runtime(engine, new_key())
        company_id, bank_id = await linked_sandbox(bench, "Integrity bench", {}, "qhnd")
        books_id = uuid.uuid4()
        async with bench.sessionmaker() as session, session.begin():
            session.add(
                Connection(
                    id=books_id,
                    company_id=company_id,
                    integration_key="mqjo",
                    status="Linked",
                    created_at=utcnow(),
                    linked_at=utcnow(),
                    data_connection_errors=[],
                )
            )
        started = time.perf_counter()
        books, bank = write_records(url, bank_id, books_id, lines)
        print(f"wrote {books:,} books and {bank:,} bank lines in {time.perf_counter() - started:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        resident, peak_reset = _resident_mb(), _reset_peak()
        started = time.perf_counter()
        async with bench.sessionmaker() as session, session.begin():
            outcome = await run.match_company(session, company_id, None)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"run: {outcome.status} in {elapsed:.1f} s ({outcome.message})")
        print(f"peak resident memory: {before / 1024:.0f} MB before the run, {after / 1024:.0f} MB after")
        if peak_reset:
            print(f"the run's own peak: {_peak_mb():.0f} MB resident, {resident:.0f} MB when it started")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().lines))
