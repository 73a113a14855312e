"""Codat's older `GET /companies/{companyId}/reports/enhancedCashFlow/transactions`: the categorized bank
statement in the `EnhancedCashFlowTransactions` shape (`reportInfo`, `dataSources` with each connection's
accounts, one `reportItems` entry holding the page of transactions).

That operation has no generate step, so it answers from the company's latest `Complete` categorized bank
statement, and, for a company that has none, generates one at once from what has been pulled (kept as a
report, so the next page reads the same one).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.bank_statement import service, views
from ledgerlink.lending.bank_statement.models import StatementAccount
from ledgerlink.lending.bank_statement.report import NAME
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report

REPORT_NAME = "Cash Flow transactions report"


async def statement_of(session: AsyncSession, principal: Principal, company_id: str) -> Report:
    """The latest `Complete` categorized bank statement, or one generated now."""
    company = await companies.get(session, principal, company_id)
    try:
        return await reports.get_report(session, principal, company_id, NAME, reports.LATEST, complete=True)
    except NotFound:
        return await reports.generate_now(session, company, NAME)


async def transactions(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> dict[str, Any]:
    report = await statement_of(session, principal, company_id)
    company = await companies.get(session, principal, company_id)
    accounts = await session.scalars(
        select(StatementAccount)
        .where(StatementAccount.report_id == report.id)
        .order_by(StatementAccount.position)
    )
    rows, total = await service.transactions_page(session, report, params)
    return {
        "reportInfo": {
            "pageNumber": params.page,
            "pageSize": params.page_size,
            "totalResults": total,
            "reportName": REPORT_NAME,
            "companyName": company.name,
            "generatedDate": iso(report.updated_at),
            # ledgerlink's: the categorized bank statement report this page is read from.
            "reportId": str(report.id),
        },
        "dataSources": [
            {"accounts": [views.account_view(a) for a in group]}
            for _, group in groupby(accounts, key=lambda a: a.connection_id)
        ],
        "reportItems": [{"transactions": [views.transaction_view(t) for t in rows]}],
    }
