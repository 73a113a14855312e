"""What the company's Lending page shows, read from the Lending API's own services and laid out for people:
the categorized statements as a tree of categories with totals per period, an account's category history,
the aged reports' periods with totals per currency, and each Excel report's latest request and workbook.

The figures are the API's (`categorized_statement`, `aged_report`): nothing here recomputes them, it only
groups and adds up what they answer, in `Decimal`, so the page's totals are the API's to the cent.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.categories import taxonomy
from ledgerlink.lending.categories.service import CategorizedAccount
from ledgerlink.lending.excel.models import ExcelWorkbook
from ledgerlink.lending.receivables.ageing import AgeingSettings

# The order a statement's top levels are shown in (its parts' order in the plain statement).
TOP_ORDER = {"profitAndLoss": ("Income", "Expense"), "balanceSheet": ("Asset", "Liability", "Equity")}
RESHUFFLED = (
    "Suggested again within {top}, the part of the statement the line is in (the account's own suggestion, "
    "{path}, belongs to another part)."
)


@dataclass(frozen=True)
class StatementRow:
    """One row of a categorized statement: a category with the totals beneath it, or an account's line."""

    is_category: bool
    depth: int
    name: str
    amounts: tuple[Decimal, ...]
    path: tuple[str, ...]
    # The line's account in the chart of accounts (None for a category, or a line naming no known account).
    account: CategorizedAccount | None = None
    # The account's status and, for a suggestion, the deepest level's confidence (a percentage).
    status: str = ""
    confidence: float | None = None
    reason: str = ""

    @property
    def label(self) -> str:
        """A category's name for people (`Other income` for `OtherIncome`); an account's own name."""
        category = taxonomy.lookup(self.path) if self.is_category else None
        return category.display_name if category is not None else self.name


@dataclass(frozen=True)
class StatementView:
    """A categorized statement for the page: its period ends (oldest first) and its rows in tree order."""

    kind: str
    periods: tuple[str, ...]
    rows: tuple[StatementRow, ...]
    currency: str | None

    def total(self, top: str) -> tuple[Decimal, ...]:
        """The top level's totals per period (zero where the statement has none)."""
        found = next((row for row in self.rows if row.depth == 0 and row.name == top), None)
        return found.amounts if found is not None else tuple(Decimal(0) for _ in self.periods)


@dataclass
class _Line:
    name: str
    path: tuple[str, ...]
    status: str
    confidence: float | None
    account: CategorizedAccount | None
    amounts: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


@dataclass
class _Node:
    name: str
    path: tuple[str, ...]
    lines: list[_Line] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)

    def totals(self, periods: Sequence[str]) -> tuple[Decimal, ...]:
        own = [sum((line.amounts[p] for line in self.lines), Decimal(0)) for p in periods]
        for child in self.children.values():
            own = [a + b for a, b in zip(own, child.totals(periods), strict=True)]
        return tuple(own)


def _reason(line: _Line) -> str:
    account = line.account
    if account is None:
        return "No account in the chart of accounts has this line's id: suggested from its name."
    if line.status == "Suggested" and account.path != line.path:
        return RESHUFFLED.format(top=line.path[0], path=" › ".join(account.path) or "none")
    return account.reason


def statement_view(
    kind: str, report: Mapping[str, Any], accounts: Sequence[CategorizedAccount]
) -> StatementView:
    """Codat's `EnhancedFinancialReport` grouped by category level: each category's totals per period, and
    under it the accounts placed there, each with its status, confidence and why (`accounts` are the
    company's categorized accounts, for the reasons)."""
    by_id = {a.account_id: a for a in accounts}
    periods = tuple(sorted({str(item["date"])[:10] for item in report["reportItems"]}))
    lines: dict[tuple[str, tuple[str, ...]], _Line] = {}
    for item in report["reportItems"]:
        levels = item["accountCategory"]["levels"]
        path = tuple(level["levelName"] for level in levels)
        key = (str(item.get("accountId") or item.get("accountName")), path)
        line = lines.get(key)
        if line is None:
            confidence = levels[-1].get("confidence") if levels else None
            status = item["accountCategory"]["status"]
            account = by_id.get(str(item.get("accountId")))
            line = lines[key] = _Line(item.get("accountName") or "", path, status, confidence, account)
        line.amounts[str(item["date"])[:10]] += Decimal(str(item["balance"]))
    root = _Node("", ())
    for line in lines.values():
        node = root
        for depth, name in enumerate(line.path):
            node = node.children.setdefault(name, _Node(name, line.path[: depth + 1]))
        node.lines.append(line)
    order = {name: n for n, name in enumerate(TOP_ORDER[kind])}
    tops = sorted(root.children.values(), key=lambda n: (order.get(n.name, len(order)), n.name))
    rows: list[StatementRow] = []
    for top in tops:
        _walk(top, 0, periods, rows)
    currency = (report.get("reportInfo") or {}).get("currency")
    return StatementView(kind, periods, tuple(rows), currency)


def _walk(node: _Node, depth: int, periods: Sequence[str], rows: list[StatementRow]) -> None:
    rows.append(StatementRow(True, depth, node.name, node.totals(periods), node.path))
    for line in sorted(node.lines, key=lambda line: line.name.lower()):
        rows.append(
            StatementRow(
                False,
                depth + 1,
                line.name,
                tuple(line.amounts[p] for p in periods),
                line.path,
                line.account,
                line.status,
                line.confidence,
                _reason(line),
            )
        )
    for child in sorted(node.children.values(), key=lambda child: child.name):
        _walk(child, depth + 1, periods, rows)


def category_choices() -> list[tuple[str, list[taxonomy.Category]]]:
    """The taxonomy's categories to pick from, grouped by top level, in the tree's order."""
    grouped: dict[str, list[taxonomy.Category]] = {}
    for category in taxonomy.TAXONOMY:
        grouped.setdefault(category.path[0], []).append(category)
    return list(grouped.items())


# ------------------------------------------------------------------------------------------- aged reports
@dataclass(frozen=True)
class AgedContact:
    name: str
    currency: str | None
    amounts: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))


@dataclass(frozen=True)
class AgeingView:
    """An aged report for the page: its periods' labels (newest first, as Codat lists them), the totals per
    currency and period, and a row per contact and currency."""

    report_date: str
    labels: tuple[str, ...]
    totals: dict[str | None, tuple[Decimal, ...]]
    contacts: tuple[AgedContact, ...]


def period_labels(settings: AgeingSettings) -> tuple[str, ...]:
    """`1–30 days`, `31–60 days`, …, `Over 90 days`: how long ago the documents of each period were issued."""
    length, count = settings.period_length_days, settings.number_of_periods
    labels = [f"{n * length + 1}–{(n + 1) * length} days" for n in range(count - 1)]
    labels.append(f"Over {(count - 1) * length} days" if count > 1 else "All")
    return tuple(labels)


def ageing_view(report: Mapping[str, Any], settings: AgeingSettings, name_key: str) -> AgeingView:
    """Codat's aged debtor or creditor report (`name_key`: `customerName` or `supplierName`) as totals per
    currency and period, and one row per contact and currency, largest total first."""
    count = settings.number_of_periods
    totals: dict[str | None, list[Decimal]] = {}
    contacts = []
    for contact in report["data"]:
        for outstanding in contact["agedCurrencyOutstanding"]:
            currency = outstanding["currency"]
            amounts = tuple(Decimal(str(p["amount"])) for p in outstanding["agedOutstandingAmounts"])
            summed = totals.setdefault(currency, [Decimal(0)] * count)
            totals[currency] = [a + b for a, b in zip(summed, amounts, strict=True)]
            contacts.append(AgedContact(contact.get(name_key) or "(no contact)", currency, amounts))
    contacts.sort(key=lambda c: (-c.total, c.name))
    return AgeingView(
        str(report["reportDate"])[:10],
        period_labels(settings),
        {currency: tuple(amounts) for currency, amounts in sorted(totals.items(), key=lambda t: t[0] or "")},
        tuple(contacts),
    )


# ------------------------------------------------------------------------------------------- Excel reports
@dataclass(frozen=True)
class WorkbookState:
    """One Excel report type's latest request and latest workbook made (None when there is none)."""

    report_type: str
    display_name: str
    latest: ExcelWorkbook | None
    made: ExcelWorkbook | None


async def workbook_states(
    session: AsyncSession, company_id: uuid.UUID, types: Mapping[str, str]
) -> list[WorkbookState]:
    """For each report type (name to display name), its most recent request and most recent workbook."""
    rows = await session.scalars(
        select(ExcelWorkbook)
        .where(ExcelWorkbook.company_id == company_id)
        .order_by(ExcelWorkbook.queued_at.desc(), ExcelWorkbook.id)
    )
    latest: dict[str, ExcelWorkbook] = {}
    made: dict[str, ExcelWorkbook] = {}
    for row in rows:
        latest.setdefault(row.report_type, row)
        if row.reference is not None:
            known = made.get(row.report_type)
            if known is None or (row.finished_at or row.queued_at) > (known.finished_at or known.queued_at):
                made[row.report_type] = row
    return [WorkbookState(name, shown, latest.get(name), made.get(name)) for name, shown in types.items()]
