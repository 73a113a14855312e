"""Reading a credit model report's results: its financial summary once it is `Complete`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report

REPORT_TYPE = "creditModel"


async def complete_report(
    session: AsyncSession, principal: Principal, company_id: str, report_id: str
) -> Report:
    """The company's credit model report `report_id` (`latest`: the last one generated), which must be
    `Complete` (400 saying why otherwise)."""
    return await reports.complete_report(session, principal, company_id, REPORT_TYPE, report_id)


async def financial_summary(
    session: AsyncSession, principal: Principal, company_id: str, report_id: str
) -> dict[str, Any]:
    """Codat's FinancialSummary and ledgerlink's figures, with the datasets the report read."""
    report = await complete_report(session, principal, company_id, report_id)
    assert report.result is not None
    return {
        **report.result["financialSummary"],
        "reportId": str(report.id),
        "sourceDatasets": report.pulls,
    }
