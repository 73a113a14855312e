"""The Lending tab's reads: a categorized statement grouped by category with exact totals, an account's
category history, aged report totals per currency, and each Excel report's latest request and workbook."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.categories import service
from ledgerlink.lending.excel.models import ExcelWorkbook
from ledgerlink.lending.receivables.ageing import AgeingSettings
from ledgerlink.portal import lending
from ledgerlink.portal.pages.lending import ageing_settings
from ledgerlink.records.models import Record
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio


def item(
    account_id: str | None, name: str, day: str, balance: str, path: str, status: str = "Suggested"
) -> dict:
    levels = [{"levelName": level, "confidence": 80.0} for level in path.split(".")]
    found: dict[str, Any] = {
        "date": f"{day}T00:00:00",
        "balance": float(balance),
        "accountName": name,
        "accountCategory": {"status": status, "levels": levels},
    }
    if account_id is not None:
        found["accountId"] = account_id
    return found


def test_a_statement_is_grouped_by_category_with_totals_per_period_to_the_cent() -> None:
    report = {
        "reportInfo": {"currency": "GBP"},
        "reportItems": [
            item("rent", "Rent", "2026-10-31", "0.10", "Expense.Operating.Leases"),
            item("rent", "Rent", "2026-11-30", "0.20", "Expense.Operating.Leases"),
            item("fuel", "Fuel", "2026-11-30", "0.70", "Expense.Operating"),
            item("sales", "Sales", "2026-11-30", "100.01", "Income.Revenue"),
            item(None, "Rounding", "2026-10-31", "-0.01", "Expense"),
        ],
    }
    view = lending.statement_view("profitAndLoss", report, [])

    assert view.periods == ("2026-10-31", "2026-11-30") and view.currency == "GBP"
    shown = [(row.depth, row.name, row.amounts) for row in view.rows]
    zero = Decimal("0")
    assert shown == [
        (0, "Income", (zero, Decimal("100.01"))),
        (1, "Revenue", (zero, Decimal("100.01"))),
        (2, "Sales", (zero, Decimal("100.01"))),
        (0, "Expense", (Decimal("0.09"), Decimal("0.90"))),
        (1, "Rounding", (Decimal("-0.01"), zero)),
        (1, "Operating", (Decimal("0.10"), Decimal("0.90"))),
        (2, "Fuel", (zero, Decimal("0.70"))),
        (2, "Leases", (Decimal("0.10"), Decimal("0.20"))),
        (3, "Rent", (Decimal("0.10"), Decimal("0.20"))),
    ]
    assert view.total("Expense") == (Decimal("0.09"), Decimal("0.90"))
    assert view.total("Asset") == (zero, zero)
    rent = next(row for row in view.rows if row.name == "Rent")
    assert rent.status == "Suggested" and rent.confidence == 80.0 and not rent.is_category
    # A line whose account is not in the chart says so rather than borrowing another's reason.
    assert "No account" in next(row for row in view.rows if row.name == "Rounding").reason
    assert next(row for row in view.rows if row.path == ("Income", "Revenue")).label == "Revenue"


async def test_an_account_s_history_is_its_own_changes_newest_first(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    for account_id, name in (("a-1", "Rent"), ("a-2", "Fuel")):
        session.add(
            Record(
                connection_id=books.id,
                data_type="chartOfAccounts",
                record_id=account_id,
                data={"id": account_id, "name": name, "type": "Expense"},
                content_hash=hash(name),
                modified_date=utcnow(),
                record_date=None,
            )
        )
    await session.flush()
    portal = service.Actor("PortalOperator", principal.client_id, principal.api_key_id)
    leases = ("Expense", "Operating", "Leases")
    await service.confirm(session, company, books, [service.Confirmation("a-1", leases, "A lease.")], portal)
    await service.confirm(session, company, books, [service.Confirmation("a-2", leases, "Not mine.")], portal)
    await service.confirm(session, company, books, [service.Confirmation("a-1", None, "Undo.")], portal)

    history, _ = await service.changes(session, books.id, account_id="a-1")

    assert [(c.reason, c.to_levels, c.actor) for c in history] == [
        ("Undo.", None, "PortalOperator"),
        ("A lease.", list(leases), "PortalOperator"),
    ]
    assert (await service.changes(session, books.id, account_id="zz"))[0] == []
    accounts = await service.categorized_accounts(session, company.id)
    report = {
        "reportItems": [item("a-2", "Fuel", "2026-11-30", "5", "Expense.Operating.Leases", "Confirmed")]
    }
    (_, _, _, fuel) = lending.statement_view("profitAndLoss", report, accounts).rows
    assert fuel.reason == "Not mine." and fuel.status == "Confirmed"


def test_aged_totals_are_summed_per_currency_and_period() -> None:
    settings = AgeingSettings.of(date(2026, 12, 6), 3, 30)

    def contact(name: str, currency: str, *amounts: str) -> dict:
        periods = [{"amount": float(a)} for a in amounts]
        return {
            "customerName": name,
            "agedCurrencyOutstanding": [{"currency": currency, "agedOutstandingAmounts": periods}],
        }

    report = {
        "reportDate": "2026-12-06T00:00:00",
        "data": [
            contact("Ash", "GBP", "0.10", "0.20", "0"),
            contact("Birch", "GBP", "0.20", "-0.05", "1"),
            contact("Cedar", "EUR", "3", "0", "0"),
        ],
    }
    view = lending.ageing_view(report, settings, "customerName")

    assert view.labels == ("1–30 days", "31–60 days", "Over 60 days")
    assert view.totals == {
        "EUR": (Decimal("3"), Decimal("0"), Decimal("0")),
        "GBP": (Decimal("0.30"), Decimal("0.15"), Decimal("1")),
    }
    assert [(c.name, c.total) for c in view.contacts] == [
        ("Cedar", Decimal("3")),
        ("Birch", Decimal("1.15")),
        ("Ash", Decimal("0.30")),
    ]
    assert lending.period_labels(AgeingSettings.of(date(2026, 12, 6), 1, 30)) == ("All",)


async def test_each_report_type_shows_its_latest_request_and_latest_workbook(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    now = utcnow()
    key = principal.api_key_id or uuid.uuid4()

    def workbook(report_type: str, minutes: int, **more: Any) -> ExcelWorkbook:
        return ExcelWorkbook(
            company_id=company.id,
            report_type=report_type,
            api_key_id=key,
            queued_at=now - timedelta(minutes=minutes),
            **more,
        )

    made = workbook("audit", 10, in_progress=False, finished_at=now, reference="r-1", file_name="a.xlsx")
    running = workbook("audit", 1, in_progress=True)
    session.add_all([made, running])
    await session.flush()

    states = await lending.workbook_states(session, company.id, {"audit": "Audit", "enhancedInvoices": "Inv"})

    assert [(s.report_type, s.latest, s.made) for s in states] == [
        ("audit", running, made),
        ("enhancedInvoices", None, None),
    ]


def test_the_ageing_form_takes_codat_s_defaults_and_refuses_what_is_not_a_date_or_a_number() -> None:
    defaults = ageing_settings("", " ", "")
    assert (defaults.number_of_periods, defaults.period_length_days) == (4, 30)
    asked = ageing_settings("2026-10-31", "6", "15")
    assert asked == AgeingSettings(date(2026, 10, 31), 6, 15)
    for fields, told in (
        (("31/10/2026", "", ""), "is not a date"),
        (("", "four", ""), "number of periods must be a whole number"),
        (("", "", "1.5"), "period length must be a whole number"),
        (("", "121", ""), "between 1 and 120"),
    ):
        with pytest.raises(BadRequest, match=told):
            ageing_settings(*fields)
