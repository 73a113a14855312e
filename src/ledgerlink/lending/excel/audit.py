"""The `audit` Excel report: signs that a company's books are inaccurate or out of date, as Codat's Audit
report describes them, computed from the records themselves over the three years to the month it is made.

- Record updates: per data type and month, how many documents are dated in the month, and how many of those
  were changed in the books after the month had ended (back-dated edits move figures a lender already read),
  with the latest change; per data type, how current its records are.
- Profit and loss trends: each month's statement (exactly the read API's, one month a period) with its
  margins and its change on the month before.
- The cover lists the data types the report could not analyse because the books do not have them
  (Codat's `UnAnalyzedDataTypes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from ledgerlink.data.reads import ReadSource
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.query import parse_datetime
from ledgerlink.lending.excel.kinds import Built, ExcelReportType, Reading
from ledgerlink.lending.workbooks import Column, Kind, Sheet
from ledgerlink.records.models import Record

# The data types Codat's Audit report analyses, in its order.
AUDITED_TYPES = (
    "invoices",
    "creditNotes",
    "payments",
    "salesOrders",
    "purchaseOrders",
    "bills",
    "billPayments",
    "billCreditNotes",
)
WINDOW_MONTHS = 36
# The read API assembles at most this many periods at once.
_PERIODS_PER_READ = 24

UPDATES_COLUMNS = (
    Column("Data type"),
    Column("Month", Kind.DATE),
    Column("Records dated in month", Kind.INTEGER),
    Column("Changed after month end", Kind.INTEGER),
    Column("Share changed after month end", Kind.PERCENT),
    Column("Latest change", Kind.DATETIME),
)
CURRENCY_COLUMNS = (
    Column("Data type"),
    Column("Records in window", Kind.INTEGER),
    Column("Earliest dated", Kind.DATE),
    Column("Latest dated", Kind.DATE),
    Column("Latest change in the books", Kind.DATETIME),
    Column("Pulled", Kind.DATETIME),
)
TREND_COLUMNS = (
    Column("Month", Kind.DATE),
    Column("Income", Kind.MONEY),
    Column("Cost of sales", Kind.MONEY),
    Column("Gross profit", Kind.MONEY),
    Column("Expenses", Kind.MONEY),
    Column("Net operating profit", Kind.MONEY),
    Column("Other income", Kind.MONEY),
    Column("Other expenses", Kind.MONEY),
    Column("Net profit", Kind.MONEY),
    Column("Gross margin", Kind.PERCENT),
    Column("Net margin", Kind.PERCENT),
    Column("Income change on previous month", Kind.PERCENT),
)


@dataclass
class _Month:
    dated: int = 0
    changed_after: int = 0
    latest_change: datetime | None = None


def month_index(moment: date | datetime) -> int:
    return moment.year * 12 + moment.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


async def build(reading: Reading) -> Built:
    now = utcnow()
    first_month = month_index(now) - WINDOW_MONTHS + 1
    analysed: list[tuple[str, ReadSource]] = []
    unanalysed: list[str] = []
    for key in AUDITED_TYPES:
        src = await reading.source_if_pulled(key)
        if src is None:
            unanalysed.append(key)
        else:
            analysed.append((key, src))
    updates, currency = [], []
    for key, src in analysed:
        months = await _months(reading, src, first_month)
        for index in sorted(months):
            month = months[index]
            share = month.changed_after / month.dated if month.dated else None
            updates.append(
                (key, month_start(index), month.dated, month.changed_after, share, month.latest_change)
            )
        changes = [m.latest_change for m in months.values() if m.latest_change is not None]
        currency.append(
            (
                key,
                sum(m.dated for m in months.values()),
                month_start(min(months)) if months else None,
                month_start(max(months)) if months else None,
                max(changes) if changes else None,
                src.synced_at,
            )
        )
    sources = [src for _, src in analysed]
    sheets = [
        Sheet("Record updates", UPDATES_COLUMNS, updates),
        Sheet("Data currency", CURRENCY_COLUMNS, currency),
    ]
    profit_and_loss = await reading.source_if_pulled("profitAndLoss")
    if profit_and_loss is None:
        unanalysed.insert(0, "profitAndLoss")
    else:
        sources.append(profit_and_loss)
        monthly = await _monthly_statements(reading, profit_and_loss, first_month, month_index(now))
        sheets.append(Sheet("Profit and loss trends", TREND_COLUMNS, _trend_rows(monthly)))
    notes = [
        (
            "Months covered",
            f"{month_start(first_month).isoformat()} to {month_start(month_index(now)).isoformat()}",
        ),
        ("Analysed data types", ", ".join(key for key, _ in analysed) or "none"),
        ("UnAnalyzedDataTypes", ", ".join(unanalysed) or "none"),
    ]
    return Built("Audit report", sheets, sources, notes)


async def _months(reading: Reading, src: ReadSource, first_month: int) -> dict[int, _Month]:
    """Per month of a document's own date (the type's dated property), from the window's first month."""
    statement = select(Record.record_date, Record.data["sourceModifiedDate"].as_string()).where(
        Record.connection_id == src.connection_id,
        Record.data_type == src.data_type.key,
        Record.is_deleted.is_(False),
        Record.record_date >= datetime.combine(month_start(first_month), datetime.min.time(), UTC),
    )
    months: dict[int, _Month] = {}
    rows = await reading.session.stream(statement.execution_options(yield_per=5_000))
    async for dated, changed_text in rows:
        index = month_index(dated)
        month = months.setdefault(index, _Month())
        month.dated += 1
        changed = _moment(changed_text)
        if changed is None:
            continue
        if month_index(changed) > index:
            month.changed_after += 1
        if month.latest_change is None or changed > month.latest_change:
            month.latest_change = changed
    return months


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_datetime(text)
    except ValueError:
        return None


async def _monthly_statements(
    reading: Reading, src: ReadSource, first_month: int, last_month: int
) -> list[dict[str, Any]]:
    """Each month's profit and loss in the window, oldest first, read as the API reads them."""
    reports: list[dict[str, Any]] = []
    newest = last_month
    while newest >= first_month:
        periods = min(_PERIODS_PER_READ, newest - first_month + 1)
        statement = await reading.statement(src, 1, periods, month_start(newest).isoformat())
        reports.extend(statement["reports"])
        newest -= periods
    return sorted(reports, key=lambda report: str(report.get("fromDate", "")))


def _value(report: dict[str, Any], key: str) -> float:
    part = report.get(key)
    value = part.get("value") if isinstance(part, dict) else part
    return float(value) if isinstance(value, int | float) else 0.0


def _trend_rows(reports: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    previous_income: float | None = None
    for report in reports:
        income = _value(report, "income")
        change = (income - previous_income) / abs(previous_income) if previous_income else None
        rows.append(
            (
                report.get("fromDate"),
                income,
                _value(report, "costOfSales"),
                _value(report, "grossProfit"),
                _value(report, "expenses"),
                _value(report, "netOperatingProfit"),
                _value(report, "otherIncome"),
                _value(report, "otherExpenses"),
                _value(report, "netProfit"),
                _value(report, "grossProfit") / income if income else None,
                _value(report, "netProfit") / income if income else None,
                change,
            )
        )
        previous_income = income
    return rows


AUDIT = ExcelReportType("audit", "Audit report", build)
