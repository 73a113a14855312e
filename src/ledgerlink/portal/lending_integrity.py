"""The Lending tab's data integrity section: how far the company's books agree with its bank, as the data
integrity API answers it, per bank account and month, and the lines either side could not match.

Every figure is one of the API's own answers (`integrity.service`: `status`, `summaries` with `query=`,
`details`): an account's match rate in a month is the summary of the bank's lines that `query=` selects
(`connectionId`, `accountId` and the month's dates), so the chart and its table say what a lender's
`GET .../dataIntegrity/summaries?query=...` would. A month without bank lines has no rate (not 0%).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.integrity import service as integrity
from ledgerlink.lending.integrity.service import DataType
from ledgerlink.portal import charts

MONTHS = 12
# The unmatched lines listed on each side (the API pages them all).
UNMATCHED_SHOWN = 25
ACCOUNTS_READ = 100


@dataclass(frozen=True)
class MonthRate:
    """One account's bank lines in one month, and how many of them (and how much money) the books match."""

    lines: int
    matched: int
    by_amount: Decimal | None
    by_count: Decimal | None


@dataclass(frozen=True)
class AccountRates:
    """A bank account (its match in the books, if any) and its months' rates, oldest first."""

    connection_id: str
    account_id: str
    name: str
    currency: str | None
    books_account: str | None
    months: tuple[MonthRate, ...]


@dataclass(frozen=True)
class SideSummary:
    """One side's lines in one currency: matched and not, by count and by amount."""

    side: str
    currency: str | None
    total: int
    unmatched: int
    by_count: Decimal
    by_amount: Decimal
    unmatched_amount: Decimal


@dataclass(frozen=True)
class IntegrityView:
    """The last matching run's status, and once it is complete, the rates and what is unmatched."""

    status: str
    message: str
    last_matched: str | None
    months: tuple[tuple[date, date], ...] = ()
    labels: tuple[str, ...] = ()
    accounts: tuple[AccountRates, ...] = ()
    chart: Markup | None = None
    sides: tuple[SideSummary, ...] = ()
    unmatched: tuple[tuple[str, int, tuple[dict[str, Any], ...]], ...] = ()


def _months(last: date) -> tuple[tuple[date, date], ...]:
    """`MONTHS` calendar months, oldest first, the last holding `last`."""
    spans = []
    year, month = last.year, last.month
    for _ in range(MONTHS):
        spans.append((date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(spans))


def _escaped(value: str) -> str:
    return quote(value, safe="")


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


async def _rate(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    account: dict[str, Any],
    span: tuple[date, date],
) -> MonthRate:
    start, end = span
    answer = await integrity.summaries(
        session,
        principal,
        company_id,
        DataType.BANKING_TRANSACTIONS,
        "&&".join(
            (
                f"connectionId={_escaped(account['connectionId'])}",
                f"accountId={_escaped(account['id'])}",
                f"date>={start.isoformat()}",
                f"date<{(end + timedelta(days=1)).isoformat()}",
            )
        ),
    )
    if not answer["summaries"]:
        return MonthRate(0, 0, None, None)
    # An account's lines are in its currency; should a line be in another, the account's own are the rate.
    summary = max(
        answer["summaries"],
        key=lambda s: (s["byAmount"].get("currency") == account.get("currency"), int(s["byCount"]["total"])),
    )
    return MonthRate(
        int(summary["byCount"]["total"]),
        int(summary["byCount"]["matched"]),
        _decimal(summary["byAmount"]["matchPercentage"]),
        _decimal(summary["byCount"]["matchPercentage"]),
    )


def _label(span: tuple[date, date]) -> str:
    return span[0].strftime("%b %Y")


async def _sides(session: AsyncSession, principal: Principal, company_id: str) -> list[SideSummary]:
    found = []
    for side, data_type in (
        ("Bank", DataType.BANKING_TRANSACTIONS),
        ("Books", DataType.ACCOUNT_TRANSACTIONS),
    ):
        answer = await integrity.summaries(session, principal, company_id, data_type, None)
        for summary in answer["summaries"]:
            by_count, by_amount = summary["byCount"], summary["byAmount"]
            found.append(
                SideSummary(
                    side,
                    by_amount.get("currency"),
                    int(by_count["total"]),
                    int(by_count["unmatched"]),
                    _decimal(by_count["matchPercentage"]),
                    _decimal(by_amount["matchPercentage"]),
                    _decimal(by_amount["unmatched"]),
                )
            )
    return found


async def _unmatched(
    session: AsyncSession, principal: Principal, company_id: str
) -> list[tuple[str, int, tuple[dict[str, Any], ...]]]:
    """Each side's unmatched lines, the latest first: the first `UNMATCHED_SHOWN`, and how many in all."""
    found = []
    for side, data_type in (
        ("Bank", DataType.BANKING_TRANSACTIONS),
        ("Books", DataType.ACCOUNT_TRANSACTIONS),
    ):
        params = PageParams(1, UNMATCHED_SHOWN, "matched=false", "-date")
        lines, total = await integrity.details(session, principal, company_id, data_type, params)
        found.append((side, total, tuple(lines)))
    return found


async def integrity_view(session: AsyncSession, principal: Principal, company_id: str) -> IntegrityView:
    """The section's figures, from the data integrity service as its endpoints answer them."""
    state = await integrity.status(session, principal, company_id, DataType.BANKING_TRANSACTIONS)
    info = state["metadata"][0]["statusInfo"]
    shown = IntegrityView(info["currentStatus"], info.get("statusMessage") or "", info.get("lastMatched"))
    if info["currentStatus"] != "Complete":
        return shown
    latest = [str(item["dates"]["maxDate"])[:10] for item in state["metadata"] if item.get("dates")]
    if not latest:
        sides = tuple(await _sides(session, principal, company_id))
        return IntegrityView(shown.status, shown.message, shown.last_matched, sides=sides)
    months = _months(date.fromisoformat(max(latest)))
    accounts, _ = await integrity.details(
        session, principal, company_id, DataType.BANKING_ACCOUNTS, PageParams(1, ACCOUNTS_READ, None, None)
    )
    rates = []
    for account in accounts:
        matches = account.get("matches") or []
        rates.append(
            AccountRates(
                account["connectionId"],
                account["id"],
                account.get("description") or account["id"],
                account.get("currency"),
                (matches[0].get("description") or matches[0]["id"]) if matches else None,
                tuple([await _rate(session, principal, company_id, account, span) for span in months]),
            )
        )
    labels = tuple(_label(span) for span in months)
    chart = charts.period_chart(
        "integrity-chart",
        "Bank lines matched in the books, per account and month",
        labels,
        [charts.PeriodSeries(a.name, tuple(m.by_amount for m in a.months)) for a in rates],
        unit="%",
        axis_title="Matched by amount (%)",
        lines=True,
    )
    return IntegrityView(
        shown.status,
        shown.message,
        shown.last_matched,
        months,
        labels,
        tuple(rates),
        chart,
        tuple(await _sides(session, principal, company_id)),
        tuple(await _unmatched(session, principal, company_id)),
    )
