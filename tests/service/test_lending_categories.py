"""Account categorization's service: a company's accounts of every accounting connection, categorized."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.events.models import Event
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, Conflict
from ledgerlink.lending.categories import service, statements
from ledgerlink.lending.categories.models import CategoryChange, ConfirmedCategory
from ledgerlink.records.models import Record, RecordCount
from ledgerlink.records.store import SINGLE_RECORD_ID
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio


def stored(
    connection_id: uuid.UUID, data_type: str, record_id: str, data: dict[str, Any], **more: Any
) -> Record:
    return Record(
        connection_id=connection_id,
        data_type=data_type,
        record_id=record_id,
        data={"id": record_id, **data},
        content_hash=hash(repr(sorted(data.items()))),
        modified_date=utcnow(),
        record_date=None,
        **more,
    )


async def test_accounts_of_every_accounting_connection_are_categorized_with_the_company_s_country(
    session: AsyncSession, principal: Principal
) -> None:
    company, (xero, sandbox, bank) = await company_with(
        session, principal.client_id, ("gbol", "Linked"), ("mqjo", "Linked"), ("qhnd", "Linked")
    )
    session.add_all(
        [
            stored(
                xero.id,
                "chartOfAccounts",
                "x-1",
                {
                    "name": "Zqx",
                    "nominalCode": "820",
                    "type": "Liability",
                    "fullyQualifiedCategory": "Liability.Current",
                },
            ),
            stored(xero.id, "company", SINGLE_RECORD_ID, {"addresses": [{"country": "Australia"}]}),
            stored(
                sandbox.id,
                "chartOfAccounts",
                "s-1",
                {"name": "Petty Cash", "nominalCode": "1230", "type": "Asset"},
            ),
            stored(sandbox.id, "chartOfAccounts", "s-2", {"name": "Gone"}, is_deleted=True),
            stored(sandbox.id, "company", SINGLE_RECORD_ID, {"baseCurrency": "GBP"}),
            # A banking connection's records are no chart of accounts.
            stored(bank.id, "chartOfAccounts", "b-1", {"name": "Sales"}),
        ]
    )
    await session.flush()

    found = await service.categorized_accounts(session, company.id)

    by_id = {a.account_id: a for a in found}
    assert set(by_id) == {"x-1", "s-1"}
    assert by_id["x-1"].connection_id == xero.id
    assert by_id["x-1"].path == ("Liability", "Current", "Taxes", "SalesTaxPayable")
    assert "Xero default chart" in by_id["x-1"].reason
    assert by_id["s-1"].path == ("Asset", "Current", "Cash")
    assert by_id["s-1"].status == "Suggested" and by_id["s-1"].nominal_code == "1230"
    assert all(level.confidence is not None for a in found for level in a.levels)


async def test_a_company_without_accounts_has_none(session: AsyncSession, principal: Principal) -> None:
    company, _ = await company_with(session, principal.client_id, ("mqjo", "PendingAuth"))
    assert await service.categorized_accounts(session, company.id) == []


async def test_a_confirmed_category_wins_is_audited_and_emits_one_event(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    session.add_all(
        [
            stored(books.id, "chartOfAccounts", "a-1", {"name": "Rent", "type": "Expense"}),
            stored(books.id, "chartOfAccounts", "a-2", {"name": "Sales", "type": "Income"}),
        ]
    )
    await session.flush()
    actor = service.Actor("ApiKey", principal.client_id, principal.api_key_id)
    equipment = ("Expense", "Operating", "Leases", "EquipmentRentLease")

    (rent,) = await service.confirm(
        session,
        company,
        books,
        [service.Confirmation("a-1", equipment, "Hire of the van, not premises.")],
        actor,
    )

    assert rent.status == "Confirmed" and rent.path == equipment
    assert all(level.confidence is None for level in rent.levels)
    assert rent.reason == "Hire of the van, not premises."
    assert rent.suggestion.path == ("Expense", "Operating", "Leases", "BuildingRentLease")
    changes, total = await service.changes(session, books.id, offset=0, limit=10)
    assert total == 1
    (change,) = changes
    assert (change.actor, change.client_id, change.api_key_id) == (
        "ApiKey",
        principal.client_id,
        principal.api_key_id,
    )
    assert (change.from_status, change.from_levels, change.to_levels) == (
        "Suggested",
        ["Expense", "Operating", "Leases", "BuildingRentLease"],
        list(equipment),
    )
    events = (
        await session.scalars(
            select(Event).where(Event.company_id == company.id, Event.event_type == service.UPDATED)
        )
    ).all()
    assert len(events) == 1 and events[0].payload["DataConnectionId"] == str(books.id)

    # The same again changes nothing and says nothing; unsetting goes back to the suggestion, audited.
    await service.confirm(
        session,
        company,
        books,
        [service.Confirmation("a-1", equipment, "Hire of the van, not premises.")],
        actor,
    )
    (unset,) = await service.confirm(session, company, books, [service.Confirmation("a-1", None)], actor)
    assert unset.status == "Suggested" and unset.path == rent.suggestion.path
    changes, total = await service.changes(session, books.id, offset=0, limit=10)
    assert total == 2 and changes[0].from_status == "Confirmed" and changes[0].to_levels is None


async def test_one_bad_confirmation_stores_nothing(session: AsyncSession, principal: Principal) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    session.add(stored(books.id, "chartOfAccounts", "a-1", {"name": "Rent", "type": "Expense"}))
    await session.flush()
    actor = service.Actor("ApiKey", principal.client_id, principal.api_key_id)
    batch = [
        service.Confirmation("a-1", ("Expense", "Operating"), item="categories.0"),
        service.Confirmation("a-1", ("Expense", "Nonsense"), item="categories.1"),
        service.Confirmation("zz", ("Income",), item="categories.2"),
    ]
    with pytest.raises(BadRequest) as raised:
        await service.confirm(session, company, books, batch, actor)
    items = {item["itemId"] for item in raised.value.validation_errors or []}
    assert items == {"categories.1.accountRef.id", "categories.1.confirmed", "categories.2.accountRef.id"}
    assert await session.scalar(select(func.count()).select_from(ConfirmedCategory)) == 0
    assert await session.scalar(select(func.count()).select_from(CategoryChange)) == 0


def month(record_id: str, **parts: Any) -> dict[str, Any]:
    """A stored month of a profit and loss: each part a line of account lines (`(id, name, value)`)."""
    body: dict[str, Any] = {
        "currency": "GBP",
        "fromDate": f"{record_id}-01T00:00:00",
        "toDate": f"{record_id}-28T00:00:00",
    }
    for part in ("income", "costOfSales", "expenses", "otherIncome", "otherExpenses"):
        rows = parts.get(part, [])
        items = [{"accountId": i, "name": n, "value": v, "items": []} for i, n, v in rows]
        body[part] = {"name": part, "value": round(sum(v for _, _, v in rows), 2), "items": items}
    return body


async def test_a_categorized_statement_keeps_every_line_on_its_part_s_side_and_adds_up(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    session.add_all(
        [
            stored(books.id, "chartOfAccounts", "rent", {"name": "Rent", "type": "Expense"}),
            # Typed as an asset by its platform, but it is on the profit and loss: its part decides.
            stored(books.id, "chartOfAccounts", "odd", {"name": "Motor vehicles", "type": "Asset"}),
            stored(
                books.id,
                "profitAndLoss",
                "2026-01",
                month(
                    "2026-01",
                    income=[("s", "Sales", 100.1)],
                    expenses=[("rent", "Rent", 0.1), ("odd", "Motor vehicles", 0.2)],
                ),
            ),
            stored(
                books.id,
                "profitAndLoss",
                "2026-02",
                month("2026-02", income=[("s", "Sales", 0.3)], expenses=[("rent", "Rent", 0.7)]),
            ),
            RecordCount(connection_id=books.id, data_type="profitAndLoss", visible=2, synced_at=utcnow()),
        ]
    )
    await session.flush()

    report = await statements.categorized_statement(
        session,
        str(company.id),
        kind="profitAndLoss",
        period_length=1,
        periods_to_compare=2,
        start_month=None,
    )

    assert report["reportInfo"]["reportName"] == "EnhancedProfitAndLossAccounts"
    assert report["reportItems"][0]["date"].startswith("2026-01")
    by_account = {(i["date"][:7], i.get("accountId")): i for i in report["reportItems"]}
    odd = by_account[("2026-01", "odd")]["accountCategory"]["levels"]
    assert [lvl["levelName"] for lvl in odd][:2] == ["Expense", "Operating"]
    totals = statements.totals(report)
    assert totals["2026-01-28T00:00:00"] == {("Income",): Decimal("100.1"), ("Expense",): Decimal("0.3")}
    assert totals["2026-02-28T00:00:00"] == {("Income",): Decimal("0.3"), ("Expense",): Decimal("0.7")}


async def test_a_statement_never_synced_is_a_conflict(session: AsyncSession, principal: Principal) -> None:
    company, _ = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    with pytest.raises(Conflict):
        await statements.categorized_statement(
            session, company.id, kind="balanceSheet", period_length=1, periods_to_compare=1, start_month=None
        )
