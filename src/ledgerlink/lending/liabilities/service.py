"""The rules of Codat's liabilities operations: a `POST` asks the reports engine for a report of the source
type (202, nothing in the body, as Codat's spec has it); a `GET` answers from the last one asked for, once
it is complete. Codat's guide polls the `GET` until it answers 200, so while the last report is still being
generated, or when it failed, the `GET` is a 404 saying which (an older report is not passed off as it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.liabilities.report import SOURCES, LoanSource
from ledgerlink.lending.reports import kinds, queries
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report, ReportStatus

SUMMARY_REPORT_NAME = "LoanSummaryReport"


def source_of(source_type: str | None) -> LoanSource:
    """Codat's `sourceType` (required): `banking`, `commerce` or `accounting` (any case)."""
    known = ", ".join(SOURCES)
    if not source_type:
        raise BadRequest(f"sourceType is required: one of {known}.")
    source = SOURCES.get(source_type.lower())
    if source is None:
        raise BadRequest(f"sourceType must be one of {known}, not {source_type[:40]!r}.")
    return source


async def request(
    session: AsyncSession, principal: Principal, company_id: str, source_type: str | None
) -> None:
    """`POST .../reports/liabilities/loans[/transactions]`: a report of the source type, in progress."""
    source = source_of(source_type)
    company = await companies.get(session, principal, company_id, for_update=True)
    await reports.request_kind(session, company, kinds.KINDS[source.report_type])


async def _complete(
    session: AsyncSession, principal: Principal, company_id: str, source_type: str | None, what: str
) -> dict[str, Any]:
    source = source_of(source_type)
    company = await companies.get(session, principal, company_id)
    report = await session.scalar(
        select(Report)
        .where(Report.company_id == company.id, Report.type == source.report_type)
        .order_by(*queries.DEFAULT_ORDER)
        .limit(1)
    )
    asked = f"POST /companies/{company_id}/reports/liabilities/{what}?sourceType={source.source_type}"
    if report is None:
        raise NotFound(
            f"No {source.source_type} loan report has been generated for company {company_id}: {asked}."
        )
    if report.status == ReportStatus.IN_PROGRESS.value:
        raise NotFound(
            f"The {source.source_type} loan report for company {company_id} is still being generated "
            f"(requested {report.requested_at.isoformat()}): ask again shortly."
        )
    if report.status == ReportStatus.ERROR.value or report.result is None:
        raise NotFound(
            f"The last {source.source_type} loan report for company {company_id} could not be generated: "
            f"{report.error_message} Once that is resolved: {asked}."
        )
    return report.result


async def summaries(
    session: AsyncSession, principal: Principal, company_id: str, source_type: str | None
) -> dict[str, Any]:
    """Codat's `LoanSummary`."""
    result = await _complete(session, principal, company_id, source_type, "loans")
    return {
        "reportInfo": {
            "reportName": SUMMARY_REPORT_NAME,
            "companyName": result["companyName"],
            "generatedDate": result["generatedDate"],
        },
        "reportItems": result["loans"],
    }


async def transactions(
    session: AsyncSession, principal: Principal, company_id: str, source_type: str | None, params: PageParams
) -> dict[str, Any]:
    """Codat's `LoanTransactions`, a page of them (`page`, `pageSize`: ledgerlink's, as its other lists)."""
    result = await _complete(session, principal, company_id, source_type, "loans/transactions")
    items = result["transactions"]
    return {
        "reportInfo": {
            "pageNumber": params.page,
            "pageSize": params.page_size,
            "totalResults": len(items),
            "reportName": source_of(source_type).transactions_report_name,
            "companyName": result["companyName"],
            "generatedDate": result["generatedDate"],
        },
        "reportItems": items[params.offset : params.offset + params.page_size],
    }
