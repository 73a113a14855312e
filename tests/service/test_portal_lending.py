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
from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.categories import service
from ledgerlink.lending.excel.models import ExcelWorkbook
from ledgerlink.lending.receivables.ageing import AgeingSettings
from ledgerlink.lending.reports.models import Report
from ledgerlink.portal import lending, lending_bank
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


async def test_a_bank_statement_is_summed_per_category_level_and_payment_provider_for_each_account(
    session: AsyncSession, principal: Principal
) -> None:
    company, (bank,) = await company_with(session, principal.client_id, ("qhnd", "Linked"))
    now = utcnow()
    report = Report(
        id=uuid.uuid4(),
        company_id=company.id,
        type="categorizedBankStatement",
        status="Complete",
        requested_at=now,
        updated_at=now,
        pulls=[],
        result={"transactions": 5, "accounts": 2},
    )
    session.add(report)
    await session.flush()
    for position, account_id in enumerate(("current", "savings")):
        session.add(
            StatementAccount(
                report_id=report.id,
                position=position,
                source="Banking",
                connection_id=bank.id,
                platform_key="qhnd",
                platform_name="Banking Sandbox",
                account_id=account_id,
                name=account_id.title(),
                provider=None,
                account_type=None,
                currency="GBP",
                balance=None,
                identifiers=None,
                transactions=0,
                money_in=Decimal(0),
                money_out=Decimal(0),
            )
        )
    lines = (
        ("current", "10.10", "Income.Revenue", "Stripe"),
        ("current", "0.05", "Income.Revenue", "Stripe"),
        ("current", "-0.15", "Income.Revenue", "Stripe"),  # a refund through the processor
        ("current", "-99.99", "Expense.Operating.Rent", None),
        ("current", "-1.00", "Expense.Operating.Rent.Office", "GoCardless"),  # deeper: counted in Rent
    )
    for position, (account_id, amount, path, provider) in enumerate(lines):
        session.add(
            StatementTransaction(
                report_id=report.id,
                position=position,
                source="Banking",
                connection_id=bank.id,
                account_id=account_id,
                account_name=None,
                transaction_id=f"t-{position}",
                date=date(2026, 11, position + 1),
                amount=Decimal(amount),
                currency="GBP",
                description="",
                levels=path.split("."),
                status="Suggested",
                confidence=Decimal(80),
                reason="A rule.",
                counterparty=None,
                payment_provider=provider,
                modified_date=None,
            )
        )
    await session.flush()

    current, savings = await lending_bank.account_categories(session, report)

    assert [(row.path, row.transactions, row.money_in, row.money_out) for row in current.categories] == [
        # The category that moved the most money first, each followed by the levels beneath it.
        (("Expense",), 2, Decimal(0), Decimal("100.99")),
        (("Expense", "Operating"), 2, Decimal(0), Decimal("100.99")),
        (("Expense", "Operating", "Rent"), 2, Decimal(0), Decimal("100.99")),
        (("Income",), 3, Decimal("10.15"), Decimal("0.15")),
        (("Income", "Revenue"), 3, Decimal("10.15"), Decimal("0.15")),
    ]
    assert [row.depth for row in current.categories] == [0, 1, 2, 0, 1]
    assert current.categories[3].net == Decimal("10.00") and current.categories[1].label == "Operating"
    assert [(p.path, p.transactions, p.net) for p in current.providers] == [
        (("Stripe",), 3, Decimal("10.00")),
        (("GoCardless",), 1, Decimal("-1.00")),
    ]
    assert savings.account.account_id == "savings" and savings.categories == () and savings.providers == ()
