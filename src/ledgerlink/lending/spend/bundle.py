"""Spend Insights' report bundle (`GET /companies/{companyId}/reports/bundle`): a ZIP of every file the
company's latest generated spend analysis gives (the spend analysis workbook and the spend summary), made from
the stored report, with Codat's `manifest.txt` saying what is in it and what failed, and why."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.files.service import Download
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest, CodatError
from ledgerlink.kit.query import parse_datetime
from ledgerlink.lending import workbooks
from ledgerlink.lending.reports import parts
from ledgerlink.lending.reports.models import Report
from ledgerlink.lending.spend.report import NAME
from ledgerlink.lending.workbooks import Column, Cover, Kind, Sheet

log = structlog.get_logger("ledgerlink.lending.spend")

MEDIA_TYPE = "application/zip"
# Codat's languages; ledgerlink writes its files in English only.
ENGLISH = ("en", "en-us", "en-gb")
LANGUAGES = (*ENGLISH, "fr", "fr-ca")
# Suppliers the spend summary lists, biggest total spend first.
SUMMARY_SUPPLIERS = 25
CARD_METHODS = frozenset({"CreditCard", "DebitCard"})


@dataclass(frozen=True)
class Bundle:
    download: Download
    included: int
    total: int


@dataclass(frozen=True)
class BundledFile:
    name: str
    write: Callable[[Report, Company, datetime], Awaitable[IO[bytes]]]


async def bundle(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    report_id: str | None,
    lang: str | None,
    correlation_id: str,
) -> Bundle:
    """The ZIP of the latest generated spend analysis (400 for another `reportId` or a language not written
    here, 404/409 as the report's parts answer); a 500 when not one file could be made."""
    if report_id is None or report_id.lower() != "latest":
        raise BadRequest("reportId is required, and only latest is supported.")
    language = (lang or "en").lower()
    if language not in LANGUAGES:
        raise BadRequest(f"lang must be one of {', '.join(LANGUAGES)}.")
    if language not in ENGLISH:
        raise BadRequest(f"ledgerlink writes its report files in English only ({', '.join(ENGLISH)}).")
    report = await parts.generated_report(session, principal, company_id, NAME, "latest")
    company = await companies.get(session, principal, company_id)
    created = utcnow()
    target = tempfile.SpooledTemporaryFile(max_size=workbooks.SPOOL_BYTES)  # noqa: SIM115  # handed on
    lines: list[str] = []
    included = 0
    try:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for bundled in FILES:
                try:
                    content = await bundled.write(report, company, created)
                except Exception as error:  # (one file failing leaves the others: Codat's manifest says why)
                    log.exception("bundle file failed", file=bundled.name, report_id=str(report.id))
                    lines.append(f"{bundled.name}\tFAILED\t{iso(utcnow())}\t{type(error).__name__}: {error}")
                    continue
                with content, archive.open(bundled.name, "w") as entry:
                    while chunk := content.read(1024 * 1024):
                        entry.write(chunk)
                included += 1
                lines.append(f"{bundled.name}\tINCLUDED\t{iso(utcnow())}")
            header = [
                f"Report type: {NAME}",
                f"Report ID: {report.id}",
                f"Company ID: {company.id}",
                f"Created (UTC): {iso(created)}",
                f"Correlation ID: {correlation_id}",
                "",
            ]
            archive.writestr("manifest.txt", "\n".join([*header, *lines, ""]))
    except BaseException:
        target.close()
        raise
    if not included:
        target.close()
        raise CodatError(
            f"No file of the spend analysis report {report.id} could be bundled; quote correlation id "
            f"{correlation_id} to your operator.",
            status_code=500,
        )
    target.seek(0)
    name = re.sub(r"[^A-Za-z0-9._-]+", "", company.name.replace(" ", "")) or str(company.id)
    return Bundle(
        Download(f"{name}_SpendReports_{created:%Y-%m-%d}.zip", MEDIA_TYPE, target), included, len(FILES)
    )


def _cover(title: str, report: Report, company: Company, created: datetime) -> Cover:
    result: dict[str, Any] = report.result or {}
    period = result.get("period") or {}
    totals = result.get("totals") or {}
    notes = [
        ("Report ID", str(report.id)),
        ("Report generated (UTC)", iso(report.updated_at)),
        ("Start date", str(period.get("startDate", ""))),
        ("End date", str(period.get("endDate", ""))),
        ("Months reviewed", str(period.get("monthsReviewed", ""))),
        ("Suppliers count", str(totals.get("suppliersCount", 0))),
        ("# of bills", str(totals.get("billsCount", 0))),
        ("Bills amount", f"{totals.get('billsAmount', 0):,.2f}"),
        ("# of payments", str(totals.get("paymentsCount", 0))),
        ("Payments amount", f"{totals.get('paymentsAmount', 0):,.2f}"),
        ("# of expenses", str(totals.get("directCostsCount", 0))),
        ("Expenses amount", f"{totals.get('directCostsAmount', 0):,.2f}"),
    ]
    pulls = [
        (
            p["dataType"],
            p["connectionId"],
            p["datasetId"],
            parse_datetime(p["completed"]) if p.get("completed") else None,
        )
        for p in report.pulls
    ]
    return Cover(title, company.name, str(company.id), created, pulls, notes)


_TALLY_COLUMNS = (
    ("# of bills", "billsCount", Kind.INTEGER),
    ("# of bills outstanding", "billsOutstandingCount", Kind.INTEGER),
    ("Bills amount", "billsAmount", Kind.MONEY),
    ("Bills outstanding amount", "billsOutstandingAmount", Kind.MONEY),
    ("% bills outstanding (by amount)", "billsOutstandingPercentageByAmount", Kind.PERCENT),
    ("# of bills paid late", "billsPaidLateCount", Kind.INTEGER),
    ("Bills paid late amount", "billsPaidLateAmount", Kind.MONEY),
    ("% bills paid late (by amount)", "billsPaidLatePercentageByAmount", Kind.PERCENT),
    ("# of payments", "paymentsCount", Kind.INTEGER),
    ("Payments amount", "paymentsAmount", Kind.MONEY),
    ("Average payment amount", "averagePaymentAmount", Kind.MONEY),
    ("Average payment terms", "averageBillPaymentTermsWeighted", Kind.NUMBER),
    ("Average settlement period", "averageBillSettlementPeriodWeighted", Kind.NUMBER),
    ("# of expenses", "directCostsCount", Kind.INTEGER),
    ("Expenses amount", "directCostsAmount", Kind.MONEY),
)
METHOD_COLUMNS = (
    ("Payment method", "biggestCountPaymentMethod", Kind.TEXT),
    ("# of suppliers", "suppliersCount", Kind.INTEGER),
    ("% of all suppliers", "percentageSuppliersByCount", Kind.PERCENT),
    ("% of all bills (by #)", "percentageBillsByCount", Kind.PERCENT),
    ("% of all bills (by amount)", "percentageBillsByAmount", Kind.PERCENT),
    *_TALLY_COLUMNS,
    ("% of all expenses (by #)", "directCostsPercentageByCount", Kind.PERCENT),
    ("% of all expenses (by amount)", "directCostsPercentageByAmount", Kind.PERCENT),
)
SUPPLIER_COLUMNS = (
    ("Supplier ID", "supplierId", Kind.TEXT),
    ("Supplier name", "supplierName", Kind.TEXT),
    ("Most common payment method", "biggestCountPaymentMethod", Kind.TEXT),
    ("Biggest spend payment method", "biggestSpendPaymentMethod", Kind.TEXT),
    ("Imported date", "importedDate", Kind.DATETIME),
    ("Total spend", "totalSpend", Kind.MONEY),
    *_TALLY_COLUMNS,
    ("Most recent bill", "latestBilled", Kind.DATE),
    ("Common payment terms days", "commonPaymentTermsDays", Kind.INTEGER),
    ("Most recent expense", "latestDirectCostBilled", Kind.DATE),
    ("Contact name", "contactName", Kind.TEXT),
    ("Email address", "emailAddress", Kind.TEXT),
    ("Phone number", "phoneNumber", Kind.TEXT),
    ("Tax number", "taxNumber", Kind.TEXT),
)
SUMMARY_COLUMNS = (
    ("Supplier name", "supplierName", Kind.TEXT),
    ("Total spend", "totalSpend", Kind.MONEY),
    ("Most common payment method", "biggestCountPaymentMethod", Kind.TEXT),
    ("Spend not usually on card", "nonCardSpend", Kind.MONEY),
    ("Average payment terms", "averageBillPaymentTermsWeighted", Kind.NUMBER),
    ("Average settlement period", "averageBillSettlementPeriodWeighted", Kind.NUMBER),
    ("Email address", "emailAddress", Kind.TEXT),
)


def _sheet(name: str, columns: tuple[tuple[str, str, Kind], ...], rows: list[dict[str, Any]]) -> Sheet:
    return Sheet(
        name,
        [Column(header, kind) for header, _, kind in columns],
        [[_cell(row.get(key), kind) for _, key, kind in columns] for row in rows],
    )


def _cell(value: Any, kind: Kind) -> Any:
    # Percentages are stored as percents (12.5); Excel's format wants the fraction.
    return value / 100 if kind is Kind.PERCENT and isinstance(value, int | float) else value


async def spend_analysis(report: Report, company: Company, created: datetime) -> IO[bytes]:
    """The workbook: a cover (company, period, totals, pulls), spend by payment method and by supplier."""
    result: dict[str, Any] = report.result or {}
    return await workbooks.write(
        _cover("Spend analysis", report, company, created),
        [
            _sheet("Spend Analysis", METHOD_COLUMNS, result.get("paymentMethods") or []),
            _sheet("Supplier Analysis", SUPPLIER_COLUMNS, result.get("suppliers") or []),
        ],
    )


async def spend_summary(report: Report, company: Company, created: datetime) -> IO[bytes]:
    """One page of the top suppliers by spend, with what of it is not yet on card (the card opportunity):
    the spend of a supplier not usually paid by card."""
    result: dict[str, Any] = report.result or {}
    top = [
        {
            **row,
            "nonCardSpend": 0
            if row.get("biggestCountPaymentMethod") in CARD_METHODS
            else row.get("totalSpend"),
        }
        for row in (result.get("suppliers") or [])[:SUMMARY_SUPPLIERS]
    ]
    return await workbooks.write(
        _cover("Spend summary", report, company, created), [_sheet("Top suppliers", SUMMARY_COLUMNS, top)]
    )


FILES = (BundledFile("SpendAnalysis.xlsx", spend_analysis), BundledFile("SpendSummary.xlsx", spend_summary))
