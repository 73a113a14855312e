"""The credit model's financial summary: Codat's `FinancialSummary` (the books' closed date and the
accounting score, each with its reasons) and ledgerlink's figures per period, from the categorized
statements. Pure.

Codat does not publish how it estimates either, so the rules are ledgerlink's, stated here and in
docs/api-compatibility.md:
- **Books closed date**: the end of the most recent month, before the month the report is generated in,
  whose books look closed: revenue and expenses booked, and a balance sheet that balances (assets equal
  liabilities plus equity, to the cent). Each later month not taken says why.
- **Accounting score**: 100, less a fixed deduction per finding (`DEDUCTIONS`) in the latest period's
  balance sheet and across the months' profit and loss; each finding is a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ledgerlink.lending.credit_model.figures import (
    add_growth,
    by_period,
    levels_of,
    month_name,
    period_figures,
)

TOLERANCE = 0.01
DEDUCTIONS = {
    "unbalanced": 20,
    "negativeTangibleAssets": 15,
    "negativeReceivables": 10,
    "negativePayables": 10,
    "uncategorized": 10,
    "missingMonths": 10,
}


def financial_summary(
    profit_and_loss: Mapping[str, Any], balance_sheet: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    """Codat's FinancialSummary and, as ledgerlink's own `periods`, the figures of each month in the
    statements (most recent first)."""
    pnl_periods, bs_periods = by_period(profit_and_loss), by_period(balance_sheet)
    ends = sorted({*pnl_periods, *bs_periods} - {""}, reverse=True)
    periods = [
        {
            "date": end,
            "periodMonths": 1,
            "figures": period_figures(end, 1, pnl_periods.get(end, []), bs_periods.get(end, [])),
        }
        for end in ends
    ]
    add_growth(periods)
    currency = (profit_and_loss.get("reportInfo") or {}).get("currency") or (
        balance_sheet.get("reportInfo") or {}
    ).get("currency")
    return {
        "booksClosedDate": books_closed(periods, today),
        "accountingScore": accounting_score(periods, [*pnl_periods.values(), *bs_periods.values()]),
        "currency": currency,
        "periods": periods,
    }


def _value(period: Mapping[str, Any], name: str) -> float:
    value = period["figures"][name]["value"]
    return 0.0 if value is None else float(value)


def _imbalance(period: Mapping[str, Any]) -> float:
    return _value(period, "totalAssets") - _value(period, "totalLiabilities") - _value(period, "equity")


def books_closed(periods: list[dict[str, Any]], today: date) -> dict[str, Any]:
    reasons: list[str] = []
    for period in periods:
        end = period["date"]
        month = month_name(end)
        if end[:7] >= today.isoformat()[:7]:
            reasons.append(f"{month} is the month the report was generated in: its books are still open")
            continue
        missing = [
            what
            for what, figure in (("revenue", "revenue"), ("expenses", "totalExpenses"))
            if _value(period, figure) == 0
        ]
        if missing:
            reasons.append(f"No {' or '.join(missing)} booked for {month}")
            continue
        if abs(_imbalance(period)) > TOLERANCE:
            reasons.append(f"The balance sheet does not balance at the end of {month}")
            continue
        return {"date": f"{end}T00:00:00Z", "reason": reasons}
    reasons.append("No month in the books looks closed")
    return {"date": None, "reason": reasons}


def accounting_score(
    periods: list[dict[str, Any]], statements: list[list[Mapping[str, Any]]]
) -> dict[str, Any]:
    if not periods:
        return {"score": 0, "reason": ["The books have no profit and loss or balance sheet to score."]}
    findings: list[tuple[str, str]] = []
    latest = periods[0]
    if abs(_imbalance(latest)) > TOLERANCE:
        findings.append(("unbalanced", "Balance sheet is unbalanced."))
    tangible = _value(latest, "totalAssets") - _value(latest, "intangibleAssets")
    if latest["figures"]["totalAssets"]["accounts"] and tangible < 0:
        findings.append(("negativeTangibleAssets", "Negative Tangible Assets on Balance Sheet"))
    if _value(latest, "accountsReceivable") < 0:
        findings.append(("negativeReceivables", "Negative Accounts Receivable on Balance Sheet"))
    if _value(latest, "accountsPayable") < 0:
        findings.append(("negativePayables", "Negative Accounts Payable on Balance Sheet"))
    uncategorized = {
        str(item.get("accountId")) for items in statements for item in items if not levels_of(item)
    }
    if uncategorized:
        count = len(uncategorized)
        findings.append(
            ("uncategorized", f"{count} account{' has' if count == 1 else 's have'} no category.")
        )
    empty = [
        month_name(p["date"])
        for p in periods[1:]
        if _value(p, "revenue") == 0 and _value(p, "totalExpenses") == 0
    ]
    if empty:
        findings.append(("missingMonths", f"Nothing is booked for {', '.join(empty)}."))
    score = max(0, 100 - sum(DEDUCTIONS[key] for key, _ in findings))
    return {"score": score, "reason": [reason for _, reason in findings]}
