"""The `enhancedCashFlow` Excel report (Codat: "a fully categorized list of bank transactions for a company"):
the company's latest Complete categorized bank statement, as its own download has it (`bank_statement.
sheets`). The Excel job reads in a read-only snapshot, so it does not categorize: a company without a
statement is told to generate one."""

from __future__ import annotations

from ledgerlink.kit.errors import Conflict, NotFound
from ledgerlink.lending.bank_statement import sheets
from ledgerlink.lending.bank_statement.service import complete_report
from ledgerlink.lending.excel.kinds import Built, ExcelReportType, Reading
from ledgerlink.lending.reports.service import LATEST


async def build(reading: Reading) -> Built:
    company_id = str(reading.company.id)
    try:
        report = await complete_report(reading.session, reading.principal, company_id, LATEST)
    except NotFound:
        raise Conflict(
            "The enhancedCashFlow workbook is the company's latest categorized bank statement, and it has "
            f"none: generate one (POST /companies/{company_id}/reports/categorizedBankStatement) first."
        ) from None
    lines = [
        (f"Pulled: {pull['dataType']}", f"connection {pull['connectionId']}, dataset {pull['datasetId']}")
        for pull in report.pulls
    ]
    return Built(
        "Enhanced cash flow",
        await sheets.sheets(reading.session, report),
        [],
        [*sheets.notes(report), *lines],
    )


ENHANCED_CASH_FLOW = ExcelReportType("enhancedCashFlow", "Enhanced cash flow", build)
