"""The financial summary's figures, per period, from the categorized profit and loss and balance sheet.

Pure: two `EnhancedFinancialReport` documents in, plain values out. Every figure carries where it came
from: a base figure (revenue, cost of sales, current assets, ...) the accounts it summed, each with its
category path and balance, and the rule (`BASE_FIGURES`) that picked them; a derived one (margins, ratios,
EBITDA) its formula and the figures it used. Amounts are taken as the statements give them: income and
expenses, assets, liabilities and equity each positive in their own direction.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Levels = tuple[str, ...]


@dataclass(frozen=True)
class BaseFigure:
    """A figure summed from accounts: those of `statement` whose category lies under one of `under` (paths of
    the standard taxonomy, `lending.categories.taxonomy`)."""

    name: str
    statement: str  # "profitAndLoss" | "balanceSheet"
    under: tuple[Levels, ...]

    def picks(self, levels: Levels) -> bool:
        return any(levels[: len(path)] == path for path in self.under)

    @property
    def rule(self) -> str:
        return "accounts under " + " or ".join(".".join(path) for path in self.under)


_PNL, _BS = "profitAndLoss", "balanceSheet"

BASE_FIGURES: tuple[BaseFigure, ...] = (
    BaseFigure("revenue", _PNL, (("Income", "Revenue"),)),
    BaseFigure("totalIncome", _PNL, (("Income",),)),
    BaseFigure("costOfSales", _PNL, (("Expense", "CostOfSales"),)),
    BaseFigure("totalExpenses", _PNL, (("Expense",),)),
    BaseFigure(
        "depreciationAndAmortization",
        _PNL,
        (
            ("Expense", "Operating", "NonCash", "Depreciation"),
            ("Expense", "Operating", "NonCash", "Amortization"),
        ),
    ),
    BaseFigure("interestExpense", _PNL, (("Expense", "NonOperating", "Interest"),)),
    BaseFigure("taxExpense", _PNL, (("Expense", "NonOperating", "Taxes"),)),
    BaseFigure("totalAssets", _BS, (("Asset",),)),
    BaseFigure("intangibleAssets", _BS, (("Asset", "NonCurrent", "IntangibleAssets"),)),
    BaseFigure("currentAssets", _BS, (("Asset", "Current"),)),
    BaseFigure("inventory", _BS, (("Asset", "Current", "Inventory"),)),
    BaseFigure("accountsReceivable", _BS, (("Asset", "Current", "Receivables", "AccountsReceivables"),)),
    BaseFigure("cash", _BS, (("Asset", "Current", "Bank"), ("Asset", "Current", "Cash"))),
    BaseFigure("totalLiabilities", _BS, (("Liability",),)),
    BaseFigure("currentLiabilities", _BS, (("Liability", "Current"),)),
    BaseFigure("accountsPayable", _BS, (("Liability", "Current", "AccountsPayable"),)),
    BaseFigure("currentDebt", _BS, (("Liability", "Current", "Debt"),)),
    BaseFigure("equity", _BS, (("Equity",),)),
)


@dataclass(frozen=True)
class DerivedFigure:
    name: str
    formula: str
    inputs: tuple[str, ...]
    compute: Callable[..., float | None]


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _percent(numerator: float, denominator: float) -> float | None:
    ratio = _ratio(numerator, denominator)
    return None if ratio is None else ratio * 100


DERIVED_FIGURES: tuple[DerivedFigure, ...] = (
    DerivedFigure("grossProfit", "revenue - costOfSales", ("revenue", "costOfSales"), lambda r, c: r - c),
    DerivedFigure("grossMargin", "grossProfit / revenue × 100", ("grossProfit", "revenue"), _percent),
    DerivedFigure(
        "netIncome", "totalIncome - totalExpenses", ("totalIncome", "totalExpenses"), lambda i, e: i - e
    ),
    DerivedFigure("netMargin", "netIncome / revenue × 100", ("netIncome", "revenue"), _percent),
    DerivedFigure(
        "ebitda",
        "netIncome + interestExpense + taxExpense + depreciationAndAmortization",
        ("netIncome", "interestExpense", "taxExpense", "depreciationAndAmortization"),
        lambda n, i, t, d: n + i + t + d,
    ),
    DerivedFigure(
        "workingCapital",
        "currentAssets - currentLiabilities",
        ("currentAssets", "currentLiabilities"),
        lambda a, li: a - li,
    ),
    DerivedFigure(
        "currentRatio", "currentAssets / currentLiabilities", ("currentAssets", "currentLiabilities"), _ratio
    ),
    DerivedFigure(
        "quickRatio",
        "(currentAssets - inventory) / currentLiabilities",
        ("currentAssets", "inventory", "currentLiabilities"),
        lambda a, inv, li: _ratio(a - inv, li),
    ),
    DerivedFigure(
        "debtServiceCoverageRatio",
        "ebitda / (interestExpense + currentDebt × periodMonths / 12)",
        ("ebitda", "interestExpense", "currentDebt", "periodMonths"),
        lambda e, i, d, m: _ratio(e, i + d * m / 12),
    ),
    DerivedFigure(
        "daysSalesOutstanding",
        "accountsReceivable / revenue × periodDays",
        ("accountsReceivable", "revenue", "periodDays"),
        lambda ar, r, days: None if r == 0 else ar / r * days,
    ),
    DerivedFigure(
        "daysPayablesOutstanding",
        "accountsPayable / costOfSales × periodDays",
        ("accountsPayable", "costOfSales", "periodDays"),
        lambda ap, c, days: None if c == 0 else ap / c * days,
    ),
)

# Growth against the period before, for these figures.
GROWTH_OF = ("revenue", "grossProfit", "netIncome", "ebitda")


def levels_of(item: Mapping[str, Any]) -> Levels:
    category = item.get("accountCategory") or {}
    return tuple(
        str(level.get("levelName")) for level in category.get("levels") or [] if level.get("levelName")
    )


def period_date(item: Mapping[str, Any]) -> str:
    """A statement item's period end, as a day (`2025-03-31`)."""
    return str(item.get("date") or "")[:10]


def by_period(statement: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    periods: dict[str, list[Mapping[str, Any]]] = {}
    for item in statement.get("reportItems") or []:
        periods.setdefault(period_date(item), []).append(item)
    return periods


def _accounts(items: Iterable[Mapping[str, Any]]) -> list[tuple[Levels, dict[str, Any]]]:
    """Each statement item as a figure lists it, with its category path (read once per item)."""
    return [
        (
            levels,
            {
                "accountId": item.get("accountId"),
                "accountName": item.get("accountName"),
                "category": ".".join(levels),
                "balance": float(item.get("balance") or 0),
            },
        )
        for item in items
        for levels in (levels_of(item),)
    ]


def _base(figure: BaseFigure, items: list[tuple[Levels, dict[str, Any]]]) -> dict[str, Any]:
    accounts = [account for levels, account in items if figure.picks(levels)]
    return {
        "value": round(sum(account["balance"] for account in accounts), 2),
        "statement": figure.statement,
        "rule": figure.rule,
        "accounts": accounts,
    }


def _days(end: str, months: int) -> int:
    year, month = int(end[:4]), int(end[5:7])
    days = 0
    for _ in range(months):
        days += calendar.monthrange(year, month)[1]
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days


def period_figures(
    end: str, months: int, profit_and_loss: list[Mapping[str, Any]], balance_sheet: list[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Every figure of one period (ending on `end`, `months` long), each with where it came from."""
    statements = {"profitAndLoss": _accounts(profit_and_loss), "balanceSheet": _accounts(balance_sheet)}
    figures: dict[str, dict[str, Any]] = {
        figure.name: _base(figure, statements[figure.statement]) for figure in BASE_FIGURES
    }
    values: dict[str, float | None] = {name: figure["value"] for name, figure in figures.items()}
    values["periodMonths"], values["periodDays"] = months, _days(end, months)
    for derived in DERIVED_FIGURES:
        inputs = [values[name] for name in derived.inputs]
        value = None if any(v is None for v in inputs) else derived.compute(*inputs)
        values[derived.name] = value
        figures[derived.name] = {
            "value": None if value is None else round(value, 2),
            "formula": derived.formula,
            "inputs": {name: values[name] for name in derived.inputs},
        }
    return figures


def add_growth(periods: list[dict[str, Any]]) -> None:
    """Each period's growth against the one before it (periods most recent first), in percent."""
    for current, previous in itertools.pairwise(periods):
        for name in GROWTH_OF:
            now, before = current["figures"][name]["value"], previous["figures"][name]["value"]
            growth = None if now is None or not before else (now - before) / abs(before) * 100
            current["figures"][f"{name}Growth"] = {
                "value": None if growth is None else round(growth, 2),
                "formula": f"({name} - previous {name}) / |previous {name}| × 100",
                "inputs": {name: now, f"previous {name}": before, "previousPeriod": previous["date"]},
            }


def month_name(day: str) -> str:
    moment = date.fromisoformat(day)
    return f"{calendar.month_name[moment.month]} {moment.year}"
