"""The credit model's workbook (`GET /companies/{companyId}/reports/creditModel/{reportId}/excel`): its
financial summary as an analyst opens it, made from the stored report (so it shows exactly the figures
`.../financialSummary` answers for that report, whenever it is downloaded).

Sheets: the summary (books closed date and accounting score, with their reasons), the figures (one row per
figure, one column per month, most recent first; money, ratios, days and percentages each formatted as
such), and the accounts behind each summed figure (with their category and balance)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.files.service import Download
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending import workbooks
from ledgerlink.lending.credit_model.service import complete_report
from ledgerlink.lending.excel.service import file_name
from ledgerlink.lending.workbooks import Column, Cover, Kind, Sheet, Typed

TITLE = "Credit model"
# How each figure reads (all others are amounts of money). Percentages are stored as percents (12.5).
RATIOS = frozenset({"currentRatio", "quickRatio", "debtServiceCoverageRatio"})
DAYS = frozenset({"daysSalesOutstanding", "daysPayablesOutstanding"})
PERCENTAGES = frozenset({"grossMargin", "netMargin"})

SUMMARY_COLUMNS = (
    Column("Measure", width=20),
    Column("Date", Kind.DATE),
    Column("Score", Kind.INTEGER),
    Column("Reasons", width=90),
)
ACCOUNT_COLUMNS = (
    Column("Period end", Kind.DATE),
    Column("Figure", width=26),
    Column("Account ID"),
    Column("Account name", width=36),
    Column("Category", width=48),
    Column("Balance", Kind.MONEY),
)


async def workbook(session: AsyncSession, principal: Principal, company_id: str, report_id: str) -> Download:
    """The workbook of a `Complete` credit model report (`latest`: the last one generated)."""
    report = await complete_report(session, principal, company_id, report_id)
    company = await companies.get(session, principal, company_id)
    assert report.result is not None
    summary: dict[str, Any] = report.result["financialSummary"]
    generated = utcnow()
    notes = [("Report ID", str(report.id)), ("Report generated (UTC)", str(report.updated_at.isoformat()))]
    if summary.get("currency"):
        notes.append(("Currency", str(summary["currency"])))
    pulls = workbooks.report_pulls(report.pulls)
    cover = Cover(TITLE, company.name, str(company.id), generated, pulls, notes)
    content = await workbooks.write(cover, sheets(summary))
    return Download(file_name(TITLE, company, generated), workbooks.MEDIA_TYPE, content)


def sheets(summary: dict[str, Any]) -> list[Sheet]:
    periods: list[dict[str, Any]] = summary.get("periods") or []
    books_closed = summary.get("booksClosedDate") or {}
    score = summary.get("accountingScore") or {}
    summary_rows = [
        ("Books closed date", books_closed.get("date"), None, "; ".join(books_closed.get("reason") or [])),
        ("Accounting score", None, score.get("score"), "; ".join(score.get("reason") or [])),
    ]
    names = list(dict.fromkeys(name for period in periods for name in period["figures"]))
    figure_columns = [
        Column("Figure", width=30),
        Column("How", width=60),
        *(Column(period["date"], Kind.NUMBER, width=14) for period in periods),
    ]
    figure_rows = []
    for name in names:
        first = next(p["figures"][name] for p in periods if name in p["figures"])
        how = first.get("formula") or first.get("rule")
        figure_rows.append((name, how, *(_typed(name, p["figures"].get(name, {})) for p in periods)))
    account_rows = [
        (period["date"], name, a.get("accountId"), a.get("accountName"), a.get("category"), a.get("balance"))
        for period in periods
        for name, figure in period["figures"].items()
        for a in figure.get("accounts") or []
    ]
    return [
        Sheet("Summary", SUMMARY_COLUMNS, summary_rows),
        Sheet("Figures", figure_columns, figure_rows),
        Sheet("Figure accounts", ACCOUNT_COLUMNS, account_rows),
    ]


def _typed(name: str, figure: dict[str, Any]) -> Typed:
    value = figure.get("value")
    if name in PERCENTAGES or name.endswith("Growth"):
        return Typed(None if value is None else value / 100, Kind.PERCENT)
    if name in RATIOS or name in DAYS:
        return Typed(value, Kind.NUMBER)
    return Typed(value, Kind.MONEY)
