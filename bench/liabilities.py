"""Loans found in a bank of about 10^6 transactions: a Banking Sandbox company pulled at the scale that gives
`--lines` transactions (the real pull code), then `lending.liabilities.sources.bank_loans` (every line
streamed through `bank_lines`, classified, and weighed by `detection.MovementLoans`) timed, with resident
memory before and at its peak, and the loans found against the Sandbox's own (`story.loans`).

    python bench/liabilities.py                 # --lines 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import growth
from sqlalchemy import text

from ledgerlink.connections.models import Connection
from ledgerlink.connectors.sandbox import story
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending.liabilities import sources
from ledgerlink.records.store import refresh_statistics


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Peak:
    """Resident memory sampled every 50 ms on a thread while the detection runs."""

    def __init__(self) -> None:
        self.peak = _resident_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _resident_mb())

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def main(lines: int) -> None:
    with common.database() as url:
        engine = common.new_engine(url)
        run = common.runtime(engine, common.new_key())
        company_id, connection_id = await common.linked_sandbox(run, "Loans", {}, "qhnd")
        scale = max(1, round(lines / await growth.per_scale(company_id)))
        await common.set_credentials(run, connection_id, {"scale": scale})
        started = time.perf_counter()
        for data_type in (sources.BANKING_ACCOUNTS, sources.BANKING_TRANSACTIONS):
            await common.pull(run, company_id, connection_id, data_type)
        async with engine.connect() as connection:
            await refresh_statistics(connection)
            await connection.commit()
        async with run.sessionmaker() as session:
            connection_row = await session.get(Connection, connection_id)
            assert connection_row is not None and connection_row.linked_at is not None
            linked_at = connection_row.linked_at
            counted = await session.scalar(
                text(
                    "SELECT count(*) FROM records"
                    " WHERE connection_id = :c AND data_type = 'banking-transactions'"
                ),
                {"c": connection_id},
            )
        print(
            f"pulled {counted:,} bank transactions at scale {scale} in {time.perf_counter() - started:.0f} s"
        )
        before = _resident_mb()
        with _Peak() as peak:
            started = time.perf_counter()
            async with run.sessionmaker() as session:
                loans = await sources.bank_loans(session, company_id, [connection_id])
            elapsed = time.perf_counter() - started
        print(
            f"loans found in {elapsed:.1f} s ({counted / elapsed:,.0f} lines/s);"
            f" resident memory {before:.0f} MB before, {peak.peak:.0f} MB at its peak"
        )
        truth = story.loans(company_id, linked_at, utcnow(), scale=scale)
        for loan in loans:
            print(
                f"  found: {loan.lender}, drawn {loan.total_drawdowns:,.2f} on {loan.start_date},"
                f" {sum(1 for m in loan.movements if m.type == 'Repayment')} repayments"
                f" of about {loan.recurring_amount}, confidence {loan.confidence}"
            )
        for loan in truth:
            print(
                f"  the Sandbox's: {loan.lender}, drawn {loan.drawdown_amount:,.2f} on {loan.drawdown_date},"
                f" {sum(1 for r in loan.repayments if r.bank_transaction_id)} repayments"
                f" of {loan.repayment_amount}"
            )
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="bank transactions pulled")
    asyncio.run(main(parser.parse_args().lines))
