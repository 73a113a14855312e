"""The `enhancedFinancials` Excel report: the categorized profit and loss and balance sheet, month by month
for the last 24 months in the books, exactly as `GET .../reports/enhancedProfitAndLoss/accounts` and
`.../enhancedBalanceSheet/accounts` answer them (`lending.categories.statements`), one row per account and
month with its five category levels, and the totals per category (levels 1 and 2) an underwriter reads."""

from __future__ import annotations

from typing import Any

from ledgerlink.data.statements import MAX_PERIODS
from ledgerlink.kit.errors import Conflict, NotFound
from ledgerlink.lending.categories.statements import categorized_statement, totals
from ledgerlink.lending.excel.kinds import Built, ExcelReportType, Reading
from ledgerlink.lending.workbooks import Column, Kind, Sheet

LEVELS = 5
STATEMENTS = (("profitAndLoss", "Profit and loss"), ("balanceSheet", "Balance sheet"))
ITEM_COLUMNS = (
    Column("Period end", Kind.DATE),
    Column("Account ID"),
    Column("Account name", width=36),
    *(Column(f"Level {n}") for n in range(1, LEVELS + 1)),
    Column("Status", width=11),
    Column("Balance", Kind.MONEY),
)
TOTAL_COLUMNS = (
    Column("Statement", width=16),
    Column("Period end", Kind.DATE),
    Column("Level 1"),
    Column("Level 2"),
    Column("Total", Kind.MONEY),
)


async def build(reading: Reading) -> Built:
    sheets, sources, notes = [], [], []
    category_totals: list[tuple[Any, ...]] = []
    for kind, title in STATEMENTS:
        try:
            src = await reading.source(kind)
        except (NotFound, Conflict) as error:
            raise Conflict(f"The company's {kind} cannot be read ({error.message}): pull it first.") from None
        sources.append(src)
        report = await categorized_statement(
            reading.session,
            reading.company.id,
            kind=kind,
            period_length=1,
            periods_to_compare=MAX_PERIODS,
            start_month=None,
        )
        sheets.append(Sheet(title, ITEM_COLUMNS, [_item_row(item) for item in report["reportItems"]]))
        for period_end, by_path in sorted(totals(report, depth=2).items()):
            for path, total in sorted(by_path.items()):
                category_totals.append((title, period_end, *_padded(path, 2), float(total)))
        currency = report["reportInfo"].get("currency")
        if currency:
            notes.append((f"{title} currency", str(currency)))
    sheets.append(Sheet("Category totals", TOTAL_COLUMNS, category_totals))
    accounts = await reading.source_if_pulled("chartOfAccounts")
    if accounts is not None:
        sources.append(accounts)
    notes.append(("Periods", f"Monthly, the latest {MAX_PERIODS} months in the books"))
    return Built("Enhanced financials", sheets, sources, notes)


def _item_row(item: dict[str, Any]) -> tuple[Any, ...]:
    category = item.get("accountCategory") or {}
    levels = [level.get("levelName") for level in category.get("levels") or []]
    return (
        item.get("date"),
        item.get("accountId"),
        item.get("accountName"),
        *_padded(levels, LEVELS),
        category.get("status"),
        item.get("balance"),
    )


def _padded(values: Any, length: int) -> list[Any]:
    values = list(values)[:length]
    return values + [None] * (length - len(values))


ENHANCED_FINANCIALS = ExcelReportType("enhancedFinancials", "Enhanced financials", build)
