"""The workbook writer at scale: the time and the Python memory to write a sheet of 10^6 rows.

    python bench/workbooks.py [--rows 1000000]

A sheet of `--rows` rows (text, money, a date, a percentage, an integer: the kinds a Lending sheet holds) is
streamed from an async iterator, as a report streams its records, through `lending.workbooks.write`. Prints
the time to write, the file's size, and how much the process's peak resident memory grew while writing:
with XlsxWriter's constant-memory mode it stays that of a few rows, whatever the row count.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.lending import workbooks
from ledgerlink.lending.workbooks import Column, Cover, Kind, Sheet

COLUMNS = (
    Column("Account ID"),
    Column("Account name"),
    Column("Period end", Kind.DATE),
    Column("Balance", Kind.MONEY),
    Column("Share", Kind.PERCENT),
    Column("Count", Kind.INTEGER),
)


async def rows(count: int) -> AsyncIterator[Sequence[Any]]:
    start = date(2020, 1, 31)
    for n in range(count):
        yield (f"acc-{n % 5000}", f"Account {n % 5000}", start + timedelta(days=n % 1500), n * 1.01, 0.25, n)


async def main(count: int) -> None:
    cover = Cover("Benchmark", "Bench Ltd", "00000000-0000-4000-8000-000000000000", datetime.now(UTC))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    with await workbooks.write(cover, [Sheet("Rows", COLUMNS, rows(count))]) as content:
        elapsed = time.perf_counter() - started
        size = content.seek(0, 2)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(f"{count:,} rows × {len(COLUMNS)} columns: {elapsed:.1f} s ({count / elapsed:,.0f} rows/s)")
    print(f"file: {size / 1e6:.1f} MB; peak resident memory grew by {grown / 1024:.1f} MiB while writing")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
