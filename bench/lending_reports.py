"""Lending reports: the time to generate each report for a company holding 10^6 records, against the plain
statements' read they are built on.

    python bench/lending_reports.py [--records 1000000] [--bank-transactions 1000000] [--runs 5]
    python bench/lending_reports.py --quick    # a small company of each kind, one run: does it all work

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set). An Accounting Sandbox company is linked at
the scale that gives it about `--records` journal entries and pulled through the real pull code (journal
entries, then the chart of accounts and the monthly statements, and the receivables and payables the aged
reports, reconciled invoices and spend analysis read, at the same scale), so a report reads its records
beside a million others, as a real company's would. Then each entry of `REPORTS` (a named async callable:
give it the runtime and the company) runs `--runs` times; the baseline, in the same run, is the read API's
plain profit and loss and balance sheet for the same twelve months (`data.reads.statement`), which every
report here starts from. Prints p50 and worst per report, and each
one's p50 against the baseline's.

Adding a report: one entry in `REPORTS` (aged debtors, reconciled invoices, workbooks: each part adds its
own).

The categorized bank statement reads bank transactions, not journal entries: a second company, linked to the
Banking Sandbox at the scale that gives it about `--bank-transactions` transactions and pulled the same way,
gets `BANK_REPORTS` timed: the report's whole job (categorizing every transaction into the report's rows,
each run a new report, deleted afterwards, untimed) and reading its pages (the first, the last, a filtered
one) as the API does. Its baseline is reading every stored bank transaction once (`bank_lines`), which the
report cannot do without.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.data import reads
from ledgerlink.files.storage import LargeObjectStore
from ledgerlink.jobs import Runtime
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending import report_types
from ledgerlink.lending.bank_lines import bank_lines
from ledgerlink.lending.bank_statement import service as bank_statement_service
from ledgerlink.lending.categories.statements import categorized_statement
from ledgerlink.lending.excel import service as excel_service
from ledgerlink.lending.excel.models import ExcelWorkbook
from ledgerlink.lending.receivables import ageing, reconciliation
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report, ReportStatus
from ledgerlink.records.models import Record, RecordCount
from ledgerlink.records.registry import DATA_TYPES
from ledgerlink.records.store import refresh_statistics

BULK = "journalEntries"
STATEMENTS = ("chartOfAccounts", "profitAndLoss", "balanceSheet")
# What the aged reports and reconciled invoices read, pulled at the same scale.
RECEIVABLES = (
    "customers",
    "suppliers",
    "invoices",
    "creditNotes",
    "bills",
    "payments",
    "bankAccounts",
    "bankTransactions",
    # and the spend analysis's (with the suppliers, bills, bank accounts and transactions above)
    "billPayments",
    "directCosts",
)
MONTHS = 12

Timed = Callable[[Runtime, uuid.UUID], Awaitable[Any]]


async def engine_report(run: Runtime, company_id: uuid.UUID, report_type: str) -> uuid.UUID:
    """The whole engine's work for one report: the row, pinning and fingerprinting the pulls, the type's
    `generate`, storing it with its event (the job's `run_report`, without the queue)."""
    now = utcnow()
    async with run.sessionmaker() as session, session.begin():
        report = Report(
            id=uuid.uuid4(),
            company_id=company_id,
            type=report_type,
            requested_at=now,
            updated_at=now,
            pulls=[],
            attempts=0,
        )
        session.add(report)
    done = await reports.run_report(run, report.id)
    assert done.status == ReportStatus.COMPLETE.value, done.error_message
    return report.id


def timed_report(report_type: str) -> Timed:
    """`engine_report` of one type, as a timed step."""

    async def report(run: Runtime, company_id: uuid.UUID) -> None:
        await engine_report(run, company_id, report_type)

    return report


def categorized(kind: str) -> Timed:
    async def statement(run: Runtime, company_id: uuid.UUID) -> None:
        async with run.sessionmaker() as session:
            await categorized_statement(
                session, company_id, kind=kind, period_length=1, periods_to_compare=MONTHS, start_month=None
            )

    return statement


async def _principal(run: Runtime, company_id: uuid.UUID) -> Principal:
    """The company's client, as a request's principal (reads are scoped by the client, not by the key)."""
    async with run.sessionmaker() as session:
        client_id = await session.scalar(select(Company.client_id).where(Company.id == company_id))
    assert client_id is not None
    return Principal(client_id=client_id, api_key_id=uuid.uuid4())


def aged(ledger: ageing.Ledger) -> Timed:
    async def report(run: Runtime, company_id: uuid.UUID) -> None:
        principal = await _principal(run, company_id)
        async with run.sessionmaker() as session:
            settings = ageing.AgeingSettings.of(None, None, None)
            await ageing.aged_report(session, principal, str(company_id), ledger, settings)

    return report


async def reconciled_invoices(run: Runtime, company_id: uuid.UUID) -> None:
    """The first page (100 invoices) with its payments matched against the books' bank transactions."""
    principal = await _principal(run, company_id)
    async with run.sessionmaker() as session:
        await reconciliation.enhanced_invoices(
            session, principal, str(company_id), PageParams(1, 100, None, None)
        )


def excel(report_type: str) -> Timed:
    """An Excel report's whole job (`lending.excel.service.generate`): read, write the workbook, store it in
    PostgreSQL's large objects, keep the latest; without the queue."""

    async def workbook(run: Runtime, company_id: uuid.UUID) -> None:
        async with run.sessionmaker() as session, session.begin():
            # (The job reads with the company's client's rights; the key that asked is only recorded.)
            row = ExcelWorkbook(
                company_id=company_id, report_type=report_type, api_key_id=uuid.uuid4(), in_progress=True
            )
            session.add(row)
        await excel_service.generate(run, LargeObjectStore(), row.id)
        async with run.sessionmaker() as session:
            done = await session.get(ExcelWorkbook, row.id)
            assert done is not None and done.reference is not None, done and done.error_message

    return workbook


# Each report, by name: give it the runtime and the company; it generates the report once.
REPORTS: dict[str, Timed] = {
    "creditModel (engine, end to end)": timed_report("creditModel"),
    "spendAnalysis (engine, end to end)": timed_report("spendAnalysis"),
    "categorized profit and loss": categorized("profitAndLoss"),
    "categorized balance sheet": categorized("balanceSheet"),
    "agedDebtor (today, 4 x 30 days)": aged(ageing.DEBTORS),
    "agedCreditor (today, 4 x 30 days)": aged(ageing.CREDITORS),
    "enhancedInvoices (a page of 100)": reconciled_invoices,
    "Excel enhancedFinancials (job)": excel("enhancedFinancials"),
    "Excel audit (job)": excel("audit"),
}


async def bank_statement(run: Runtime, company_id: uuid.UUID) -> None:
    """The categorized bank statement's whole job: every bank transaction categorized and written as a row of
    the report (the report is deleted afterwards by `bank_section`, untimed)."""
    _made.append(await engine_report(run, company_id, "categorizedBankStatement"))


_made: list[uuid.UUID] = []


def statement_page(page: str, query: str | None = None) -> Timed:
    """A page of 100 of the latest statement's transactions, as `.../transactions` reads it (`last`: the
    last page, the deepest offset)."""

    async def read(run: Runtime, company_id: uuid.UUID) -> None:
        principal = await _principal(run, company_id)
        async with run.sessionmaker() as session:
            report = await bank_statement_service.complete_report(
                session, principal, str(company_id), "latest"
            )
            number = 1
            if page == "last":
                number = max(1, -(-bank_statement_service.stored_count(report) // 100))
            rows, _ = await bank_statement_service.transactions_page(
                session, report, PageParams(number, 100, query, None)
            )
            assert rows

    return read


async def read_bank_lines(run: Runtime, company_id: uuid.UUID) -> None:
    async with run.sessionmaker() as session:
        async for _ in bank_lines(session, company_id):
            pass


BANK_REPORTS: dict[str, Timed] = {
    "categorizedBankStatement (engine, end to end)": bank_statement,
    "statement transactions: first page (100)": statement_page("first"),
    "statement transactions: last page (100)": statement_page("last"),
    "statement transactions: amount>0, first page": statement_page("first", "amount>0"),
}


async def bank_section(run: Runtime, wanted: int, runs: int) -> None:
    company_id, connection_id = await common.linked_sandbox(run, "Bank statement benchmark", {}, "qhnd")
    per_scale = await records_per_scale(company_id, BankingSandbox(), "banking-transactions")
    scale = max(1, round(wanted * 1.02 / per_scale))
    await common.set_credentials(run, connection_id, {"scale": scale})
    started = time.perf_counter()
    for data_type in ("banking-accounts", "banking-transactions"):
        await common.pull(run, company_id, connection_id, data_type)
    pulled = time.perf_counter() - started
    async with run.engine.connect() as db, db.begin():
        await refresh_statistics(db)
    async with run.sessionmaker() as session:
        held = await session.scalar(
            select(func.count())
            .select_from(Record)
            .where(Record.connection_id == connection_id, Record.data_type == "banking-transactions")
        )
    print(
        f"\ncompany: {held:,} bank transactions (Banking Sandbox at scale {scale}; pulled in {pulled:.0f} s)"
    )
    base = await timed(lambda: read_bank_lines(run, company_id), runs)
    base_p50 = statistics.median(base)
    print(f"{'report':46} {'p50':>10} {'worst':>10} {'p50 / baseline':>15}")
    line = f"{'baseline: every bank line read once':46} {base_p50 * 1000:>8.1f}ms {max(base) * 1000:>8.1f}ms"
    print(f"{line} {1:>15.2f}")
    for name, report in BANK_REPORTS.items():
        seconds = await timed(lambda report=report: report(run, company_id), runs)
        p50 = statistics.median(seconds)
        print(f"{name:46} {p50 * 1000:>8.1f}ms {max(seconds) * 1000:>8.1f}ms {p50 / base_p50:>15.2f}")
        async with run.sessionmaker() as session, session.begin():  # all but the latest statement go
            for report_id in _made[:-1]:
                await session.execute(delete(Report).where(Report.id == report_id))
            del _made[:-1]


async def baseline(run: Runtime, company_id: uuid.UUID) -> None:
    """The plain profit and loss and balance sheet of the same months, as the read API reads them."""
    async with run.sessionmaker() as session:
        for kind in ("profitAndLoss", "balanceSheet"):
            found = (
                await session.execute(
                    select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
                    .join(Connection, Connection.id == RecordCount.connection_id)
                    .where(Connection.company_id == company_id, RecordCount.data_type == kind)
                )
            ).one()
            data_type = next(t for t in DATA_TYPES if t.key == kind)
            source = reads.ReadSource(found.connection_id, data_type, found.visible, found.synced_at)
            await reads.statement(session, source, 1, MONTHS, None)


async def records_per_scale(
    company_id: uuid.UUID, sandbox: AccountingSandbox | BankingSandbox | None = None, data_type: str = BULK
) -> float:
    """How many records of `data_type` the Sandbox gives the company per unit of `scale` (measured at 10)."""
    now = utcnow()
    request = FetchRequest(
        data_type=data_type,
        company_id=company_id,
        connection_id=uuid.uuid4(),
        credentials={"scale": 10},
        linked_at=now,
        as_of=now,
    )
    return sum([len(b.records) async for b in (sandbox or AccountingSandbox()).fetch(request)]) / 10


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await call()  # (warm: plans, caches)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - started)
    return seconds


async def main(wanted: int, bank_wanted: int, runs: int, *, bank_only: bool = False) -> None:
    report_types.register_all()
    with common.database() as url:
        engine = common.new_engine(url)
        run = common.runtime(engine, common.new_key())
        if bank_only:
            await bank_section(run, bank_wanted, runs)
            await engine.dispose()
            return
        company_id, connection_id = await common.linked_sandbox(run, "Lending reports benchmark", {})
        scale = max(1, round(wanted * 1.05 / await records_per_scale(company_id)))
        await common.set_credentials(run, connection_id, {"scale": scale})
        started = time.perf_counter()
        for data_type in (BULK, *STATEMENTS, *RECEIVABLES):
            await common.pull(run, company_id, connection_id, data_type)
        pulled = time.perf_counter() - started
        async with engine.connect() as db, db.begin():
            await refresh_statistics(db)
        async with run.sessionmaker() as session:
            held = await session.scalar(
                select(func.count()).select_from(Record).where(Record.connection_id == connection_id)
            )
        print(f"company: {held:,} records (Accounting Sandbox at scale {scale}; pulled in {pulled:.0f} s)")
        print(f"each timed {runs} times after one warm-up run\n")
        base = await timed(lambda: baseline(run, company_id), runs)
        base_p50 = statistics.median(base)
        print(f"{'report':40} {'p50':>10} {'worst':>10} {'p50 / baseline':>15}")
        row = (
            f"{'baseline: plain P&L + balance sheet':40} {base_p50 * 1000:>8.1f}ms {max(base) * 1000:>8.1f}ms"
        )
        print(f"{row} {1:>15.2f}")
        for name, report in REPORTS.items():
            seconds = await timed(lambda report=report: report(run, company_id), runs)
            p50 = statistics.median(seconds)
            print(f"{name:40} {p50 * 1000:>8.1f}ms {max(seconds) * 1000:>8.1f}ms {p50 / base_p50:>15.2f}")
        await bank_section(run, bank_wanted, runs)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--bank-transactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="20,000 of each, one run (a check, not a figure)"
    )
    parser.add_argument(
        "--bank-only", action="store_true", help="only the categorized bank statement's company and timings"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.records = arguments.bank_transactions = 20_000
        arguments.runs = 1
    asyncio.run(
        main(arguments.records, arguments.bank_transactions, arguments.runs, bank_only=arguments.bank_only)
    )
