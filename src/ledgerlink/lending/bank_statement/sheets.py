"""A categorized bank statement's sheets: its accounts and every categorized transaction (category, status,
confidence, counterparty, payment provider, reason), read from the report's rows. Transactions stream from
the database into the sheet (a million rows cost one row's memory; past Excel's last row they go on in a
second sheet). Both workbooks of a statement are made of them: the report's own download and the Assess
Excel report `enhancedCashFlow`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.reports.models import Report
from ledgerlink.lending.workbooks import Column, Kind, Sheet

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


def notes(report: Report) -> list[tuple[str, str]]:
    """The cover's lines naming the report a workbook was made from."""
    result: dict[str, Any] = report.result or {}
    return [
        ("Categorized bank statement report ID", str(report.id)),
        ("Report generated (UTC)", report.updated_at.isoformat()),
        ("Transactions", str(result.get("transactions", 0))),
    ]


async def sheets(session: AsyncSession, report: Report) -> list[Sheet]:
    """The statement's two sheets (the accounts read now, the transactions when the sheet is written)."""
    accounts = await session.scalars(
        select(StatementAccount)
        .where(StatementAccount.report_id == report.id)
        .order_by(StatementAccount.position)
    )
    return [
        Sheet("Accounts", ACCOUNT_COLUMNS, [_account(a) for a in accounts]),
        Sheet("Transactions", TRANSACTION_COLUMNS, _transactions(session, report)),
    ]


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
