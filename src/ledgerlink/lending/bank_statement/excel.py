"""The categorized bank statement's workbook (`GET .../categorizedBankStatement/{reportId}/excel`): its
accounts and every categorized transaction, made from the stored report on each download (so it shows
exactly what `.../accounts` and `.../transactions` answer for that report). Transactions stream from the
report's rows into the sheet (a million rows cost one row's memory; past Excel's last row they go on in a
second sheet)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.files.service import Download
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.query import parse_datetime
from ledgerlink.lending import workbooks
from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.bank_statement.service import complete_report
from ledgerlink.lending.excel.service import file_name
from ledgerlink.lending.reports.models import Report
from ledgerlink.lending.workbooks import Column, Cover, Kind, Sheet

TITLE = "Categorized bank statement"
STREAM_BATCH = 5_000

ACCOUNT_COLUMNS = (
    Column("Source"),
    Column("Platform"),
    Column("Connection ID", width=38),
    Column("Account ID", width=38),
    Column("Account name", width=32),
    Column("Provider"),
    Column("Type", width=10),
    Column("Currency", width=10),
    Column("Current balance", Kind.MONEY),
    Column("Transactions", Kind.INTEGER),
    Column("Money in", Kind.MONEY),
    Column("Money out", Kind.MONEY),
)
TRANSACTION_COLUMNS = (
    Column("Date", Kind.DATE),
    Column("Source"),
    Column("Account ID", width=38),
    Column("Account name", width=32),
    Column("Transaction ID", width=38),
    Column("Description", width=48),
    Column("Amount", Kind.MONEY),
    Column("Currency", width=10),
    Column("Category", width=40),
    Column("Status", width=12),
    Column("Confidence", Kind.PERCENT),
    Column("Counterparty", width=24),
    Column("Payment provider", width=20),
    Column("Reason", width=60),
)


async def workbook(session: AsyncSession, principal: Principal, company_id: str, report_id: str) -> Download:
    """The workbook of a `Complete` categorized bank statement (`latest`: the last one generated)."""
    report = await complete_report(session, principal, company_id, report_id)
    company = await companies.get(session, principal, company_id)
    generated = utcnow()
    result: dict[str, Any] = report.result or {}
    notes = [
        ("Report ID", str(report.id)),
        ("Report generated (UTC)", report.updated_at.isoformat()),
        ("Transactions", str(result.get("transactions", 0))),
    ]
    pulls = [
        (
            pull["dataType"],
            pull["connectionId"],
            pull["datasetId"],
            parse_datetime(pull["completed"]) if pull.get("completed") else None,
        )
        for pull in report.pulls
    ]
    accounts = await session.scalars(
        select(StatementAccount)
        .where(StatementAccount.report_id == report.id)
        .order_by(StatementAccount.position)
    )
    sheets = [
        Sheet("Accounts", ACCOUNT_COLUMNS, [_account(a) for a in accounts]),
        Sheet("Transactions", TRANSACTION_COLUMNS, _transactions(session, report)),
    ]
    content = await workbooks.write(
        Cover(TITLE, company.name, str(company.id), generated, pulls, notes), sheets
    )
    return Download(file_name(TITLE, company, generated), workbooks.MEDIA_TYPE, content)


def _account(a: StatementAccount) -> Sequence[Any]:
    return (
        a.source,
        a.platform_name,
        str(a.connection_id),
        a.account_id,
        a.name,
        a.provider,
        a.account_type,
        a.currency,
        None if a.balance is None else float(a.balance),
        a.transactions,
        float(a.money_in),
        float(a.money_out),
    )


async def _transactions(session: AsyncSession, report: Report) -> AsyncIterator[Sequence[Any]]:
    statement = (
        select(StatementTransaction)
        .where(StatementTransaction.report_id == report.id)
        .order_by(StatementTransaction.position)
        .execution_options(yield_per=STREAM_BATCH)
    )
    async for t in await session.stream_scalars(statement):
        yield (
            t.date,
            t.source,
            t.account_id,
            t.account_name,
            t.transaction_id,
            t.description,
            float(t.amount),
            t.currency,
            ".".join(t.levels),
            t.status,
            None if t.confidence is None else float(t.confidence) / 100,
            t.counterparty,
            t.payment_provider,
            t.reason,
        )
