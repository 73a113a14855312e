"""The categorized bank statement's workbook (`GET .../categorizedBankStatement/{reportId}/excel`), made
from the stored report on each download, so it shows exactly what `.../accounts` and `.../transactions`
answer for that report (`sheets`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.files.service import Download
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending import workbooks
from ledgerlink.lending.bank_statement import sheets
from ledgerlink.lending.bank_statement.service import complete_report
from ledgerlink.lending.excel.service import file_name
from ledgerlink.lending.workbooks import Cover

TITLE = "Categorized bank statement"


async def workbook(session: AsyncSession, principal: Principal, company_id: str, report_id: str) -> Download:
    """The workbook of a `Complete` categorized bank statement (`latest`: the last one generated)."""
    report = await complete_report(session, principal, company_id, report_id)
    company = await companies.get(session, principal, company_id)
    generated = utcnow()
    cover = Cover(
        TITLE,
        company.name,
        str(company.id),
        generated,
        workbooks.report_pulls(report.pulls),
        sheets.notes(report),
    )
    content = await workbooks.write(cover, await sheets.sheets(session, report))
    return Download(file_name(TITLE, company, generated), workbooks.MEDIA_TYPE, content)
