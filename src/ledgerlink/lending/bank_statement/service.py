"""Reading a categorized bank statement report: its accounts and transactions a page at a time (SQL over
the report's rows, `query=` and `orderBy` as Codat's lists take them), once it is `Complete`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.lending.bank_statement import queries
from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.bank_statement.report import NAME
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report


async def complete_report(
    session: AsyncSession, principal: Principal, company_id: str, report_id: str
) -> Report:
    return await reports.complete_report(session, principal, company_id, NAME, report_id)


async def accounts_page(
    session: AsyncSession, report: Report, params: PageParams
) -> tuple[list[StatementAccount], int]:
    statement = select(StatementAccount).where(StatementAccount.report_id == report.id)
    return await fetch_query_page(
        session, statement, params, queries.ACCOUNT_TARGET, default_order=queries.ACCOUNT_ORDER
    )


async def transactions_page(
    session: AsyncSession, report: Report, params: PageParams
) -> tuple[list[StatementTransaction], int]:
    """A page of the report's transactions. Without `query`, the count is the one stored with the report
    (a million rows are not counted again for every page); in the report's own order too, the page is a
    range of positions (dense from 0), read off the primary key however deep it is, not skipped to."""
    statement = select(StatementTransaction).where(StatementTransaction.report_id == report.id)
    if params.query:
        return await fetch_query_page(
            session, statement, params, queries.TRANSACTION_TARGET, default_order=queries.TRANSACTION_ORDER
        )
    if params.order_by:
        ordered = queries.filtered_order(statement, params.order_by)
        rows = await session.scalars(ordered.limit(params.page_size).offset(params.offset))
    else:
        position = StatementTransaction.position
        rows = await session.scalars(
            statement.where(position >= params.offset, position < params.offset + params.page_size).order_by(
                position
            )
        )
    return list(rows.all()), stored_count(report)


def stored_count(report: Report) -> int:
    result: dict[str, Any] = report.result or {}
    return int(result.get("transactions", 0))
