"""The credit model's financial summary, in pure Python: figures per period traced to the accounts and
categories they were summed from, the books' closed date and the accounting score with their reasons."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledgerlink.lending.credit_model.summary import financial_summary


def item(day: str, account: str, balance: float, *levels: str) -> dict[str, Any]:
    return {
        "date": f"{day}T00:00:00",
        "balance": balance,
        "accountId": account.lower().replace(" ", "-"),
        "accountName": account,
        "accountCategory": {
            "status": "Suggested",
            "levels": [{"levelName": level, "confidence": 0.9} for level in levels],
        },
    }


def statement(*items: dict[str, Any]) -> dict[str, Any]:
    return {"reportInfo": {"currency": "GBP"}, "reportItems": list(items)}


def month(
    day: str, revenue: float, *, balanced: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One month of books: a P&L and a balance sheet whose figures are easy to check by hand."""
    pnl = [
        item(day, "Sales", revenue, "Income", "Revenue", "Services"),
        item(day, "Interest received", 10, "Income", "OtherIncome", "InterestIncome"),
        item(day, "Purchases", revenue * 0.4, "Expense", "CostOfSales", "Inventory"),
        item(day, "Wages", 200, "Expense", "Operating", "Personnel", "Wages"),
        item(day, "Depreciation", 50, "Expense", "Operating", "NonCash", "Depreciation"),
        item(day, "Loan interest", 20, "Expense", "NonOperating", "Interest"),
        item(day, "Corporation tax", 30, "Expense", "NonOperating", "Taxes", "CorporationTaxes"),
    ]
    bs = [
        item(day, "Bank", 1000, "Asset", "Current", "Bank"),
        item(day, "Debtors", 600, "Asset", "Current", "Receivables", "AccountsReceivables"),
        item(day, "Stock", 400, "Asset", "Current", "Inventory"),
        item(day, "Vans", 2000, "Asset", "NonCurrent", "PropertyPlantEquipment", "Vehicles"),
        item(day, "Creditors", 300, "Liability", "Current", "AccountsPayable"),
        item(day, "Loan due this year", 1200, "Liability", "Current", "Debt", "LoansPayable"),
        item(day, "Long loan", 1000, "Liability", "NonCurrent", "LongTermDebt", "LoansPayable"),
        item(day, "Retained earnings", 1500 if balanced else 1400, "Equity", "RetainedEarnings"),
    ]
    return pnl, bs


def books(*months: tuple[str, float]) -> tuple[dict[str, Any], dict[str, Any]]:
    pnl: list[dict[str, Any]] = []
    bs: list[dict[str, Any]] = []
    for day, revenue in months:
        p, b = month(day, revenue)
        pnl += p
        bs += b
    return statement(*pnl), statement(*bs)


def test_every_figure_of_a_month_and_where_it_came_from() -> None:
    pnl, bs = books(("2026-10-31", 1000), ("2026-09-30", 800))
    summary = financial_summary(pnl, bs, today=date(2026, 12, 6))
    latest, before = summary["periods"]
    assert latest["date"] == "2026-10-31" and before["date"] == "2026-09-30"
    figures = {name: figure["value"] for name, figure in latest["figures"].items()}
    assert figures["revenue"] == 1000 and figures["totalIncome"] == 1010
    assert figures["costOfSales"] == 400 and figures["grossProfit"] == 600 and figures["grossMargin"] == 60
    # Expenses: 400 + 200 + 50 + 20 + 30 = 700; net 1010 - 700 = 310.
    assert figures["netIncome"] == 310 and figures["netMargin"] == 31
    assert figures["ebitda"] == 310 + 20 + 30 + 50
    assert figures["workingCapital"] == 2000 - 1500
    assert figures["currentRatio"] == pytest.approx(2000 / 1500, abs=0.01)
    assert figures["quickRatio"] == pytest.approx(1600 / 1500, abs=0.01)
    assert figures["debtServiceCoverageRatio"] == pytest.approx(410 / (20 + 1200 / 12), abs=0.01)
    assert figures["daysSalesOutstanding"] == pytest.approx(600 / 1000 * 31, abs=0.01)
    assert figures["daysPayablesOutstanding"] == pytest.approx(300 / 400 * 31, abs=0.01)
    assert figures["revenueGrowth"] == 25.0
    # A base figure lists the accounts it summed, with their categories; a derived one its formula and inputs.
    revenue = latest["figures"]["revenue"]
    assert revenue["statement"] == "profitAndLoss" and revenue["rule"] == "accounts under Income.Revenue"
    assert revenue["accounts"] == [
        {
            "accountId": "sales",
            "accountName": "Sales",
            "category": "Income.Revenue.Services",
            "balance": 1000.0,
        }
    ]
    margin = latest["figures"]["grossMargin"]
    assert margin["formula"] == "grossProfit / revenue × 100"
    assert margin["inputs"] == {"grossProfit": 600, "revenue": 1000}
    # The oldest period has nothing to grow from.
    assert "revenueGrowth" not in before["figures"]
    assert summary["currency"] == "GBP"


def test_the_books_closed_date_skips_open_and_unbalanced_months_saying_why() -> None:
    pnl, bs = books(("2026-12-31", 900), ("2026-11-30", 1000), ("2026-10-31", 1000), ("2026-09-30", 700))
    # November does not balance; October is closed.
    bs["reportItems"] = [
        {**row, "balance": 1400}
        if row["date"].startswith("2026-11-30") and row["accountName"] == "Retained earnings"
        else row
        for row in bs["reportItems"]
    ]
    closed = financial_summary(pnl, bs, today=date(2026, 12, 6))["booksClosedDate"]
    assert closed["date"] == "2026-10-31T00:00:00Z"
    assert closed["reason"] == [
        "December 2026 is the month the report was generated in: its books are still open",
        "The balance sheet does not balance at the end of November 2026",
    ]


def test_the_accounting_score_deducts_per_finding_with_its_reason() -> None:
    pnl, bs = books(("2026-10-31", 1000))
    assert financial_summary(pnl, bs, today=date(2026, 12, 6))["accountingScore"] == {
        "score": 100,
        "reason": [],
    }
    bs["reportItems"] = [
        {**row, "balance": -600} if row["accountName"] == "Debtors" else row for row in bs["reportItems"]
    ]
    pnl["reportItems"].append({**item("2026-10-31", "Sundries", 5), "accountCategory": {"levels": []}})
    score = financial_summary(pnl, bs, today=date(2026, 12, 6))["accountingScore"]
    assert score == {
        "score": 100 - 20 - 10 - 10,
        "reason": [
            "Balance sheet is unbalanced.",
            "Negative Accounts Receivable on Balance Sheet",
            "1 account has no category.",
        ],
    }


def test_books_with_nothing_in_them_say_so() -> None:
    summary = financial_summary(statement(), statement(), today=date(2026, 12, 6))
    assert summary["periods"] == []
    assert summary["booksClosedDate"] == {"date": None, "reason": ["No month in the books looks closed"]}
    assert summary["accountingScore"]["score"] == 0
