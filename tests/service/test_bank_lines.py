"""A company's bank accounts and lines from its banks and its books (`ledgerlink.lending.bank_lines`), over
hand-written records: both sources in one shape, the order lines stream in, what is not a line (pending,
deleted, malformed), a books line taking its account's currency, and the filters."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending import bank_lines
from ledgerlink.lending.bank_lines import BankAccountRef, BankLine
from ledgerlink.records.models import Record, RecordCount
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio


async def write(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *records: dict[str, Any]
) -> None:
    """Records as a pull leaves them: a bank's removed record is stored deleted."""
    now = utcnow()
    for record in records:
        posted = record.get("postedDate")
        session.add(
            Record(
                connection_id=connection_id,
                data_type=data_type,
                record_id=record["id"],
                data={k: v for k, v in record.items() if k != "removed"},
                content_hash=0,
                modified_date=now,
                record_date=datetime.fromisoformat(posted + "+00:00") if posted else None,
                is_deleted=bool(record.get("removed")),
            )
        )
    session.add(
        RecordCount(connection_id=connection_id, data_type=data_type, visible=len(records), synced_at=now)
    )
    await session.flush()


def bank_txn(id_: str, account: str, posted: str | None, amount: float, **more: Any) -> dict[str, Any]:
    record = {"id": id_, "accountId": account, "amount": amount, "currency": "GBP", "description": id_}
    if posted:
        record["postedDate"] = posted
    return {**record, **more}


def books_txn(id_: str, account: str, cleared: str, amount: float, **more: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "accountId": account,
        "clearedOnDate": cleared,
        "amount": amount,
        "description": id_,
        **more,
    }


async def a_company(session: AsyncSession, principal: Principal) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    company, (bank, books) = await company_with(
        session, principal.client_id, ("qhnd", "Linked"), ("mqjo", "Linked")
    )
    await write(
        session,
        bank.id,
        "banking-accounts",
        {
            "id": "cur",
            "name": "Business Current Account",
            "currency": "GBP",
            "balance": {"current": 1234.56, "available": 1200},
            "identifiers": {"type": "Depository", "iban": "GB29NWBK60161331926819", "number": "31926819"},
        },
        {"id": "sav", "name": "Savings", "currency": "GBP", "balance": {"current": 10}, "identifiers": {}},
    )
    await write(
        session,
        bank.id,
        "banking-transactions",
        bank_txn("t3", "sav", "2024-03-02T08:00:00", 500, description="Transfer from current account"),
        bank_txn("t2", "cur", "2024-03-02T08:00:00", -500, description="Transfer to savings"),
        bank_txn(
            "t1",
            "cur",
            "2024-03-01T09:30:00",
            -12.5,
            description="Card payment to Tesco",
            merchantName="Tesco",
            transactionCategoryRef={"id": "c9", "name": "Meals & Entertainment"},
        ),
        bank_txn("t0", "cur", "2024-03-02T07:00:00", 99.99),
        bank_txn("pending", "cur", None, -3, authorizedDate="2024-03-03T10:00:00"),
        bank_txn("dropped", "cur", "2024-03-01T00:00:00", -4, removed=True),
        bank_txn("no-amount", "cur", "2024-03-01T00:00:00", "lots"),  # type: ignore[arg-type]
    )
    await write(
        session,
        books.id,
        "bankAccounts",
        {
            "id": "ba-1",
            "accountName": "Current",
            "currency": "GBP",
            "sortCode": "60-16-13",
            "accountNumber": "31926819",
            "balance": 1100,
        },
        {"id": "ba-2", "accountName": "Old", "currency": "USD", "metadata": {"isDeleted": True}},
    )
    await write(
        session,
        books.id,
        "bankTransactions",
        books_txn("bt-2", "ba-1", "2024-03-05T00:00:00", 20),
        books_txn("bt-1", "ba-1", "2024-02-28T00:00:00", -12.5, description="TESCO"),
        books_txn("bt-x", "ba-1", "2024-02-27T00:00:00", -1, metadata={"isDeleted": True}),
    )
    return company.id, bank.id, books.id


async def lines(session: AsyncSession, company_id: uuid.UUID, **filters: Any) -> list[BankLine]:
    return [line async for line in bank_lines.bank_lines(session, company_id, **filters)]


async def test_accounts_from_banks_and_books(session: AsyncSession, principal: Principal) -> None:
    company_id, bank_id, books_id = await a_company(session, principal)
    accounts = await bank_lines.bank_accounts(session, company_id)
    assert accounts[0] == BankAccountRef(
        source="Banking",
        connection_id=bank_id,
        platform_key="qhnd",
        account_id="cur",
        name="Business Current Account",
        currency="GBP",
        account_number="GB29NWBK60161331926819",
        balance=Decimal("1234.56"),
        record=accounts[0].record,
    )
    assert [(a.source, a.account_id, a.account_number, a.balance) for a in accounts[1:]] == [
        ("Banking", "sav", None, Decimal("10")),
        # The books' deleted account is not one.
        ("Accounting", "ba-1", "60-16-13 31926819", Decimal("1100")),
    ]
    assert accounts[2].connection_id == books_id and accounts[2].platform_key == "mqjo"
    only_books = await bank_lines.bank_accounts(session, company_id, source="Accounting")
    assert [a.account_id for a in only_books] == ["ba-1"]


async def test_lines_stream_in_connection_account_date_order(
    session: AsyncSession, principal: Principal
) -> None:
    company_id, bank_id, books_id = await a_company(session, principal)
    found = await lines(session, company_id)
    # Banks first, then books; per connection by account, date, id. Pending, deleted and malformed records
    # are not lines.
    assert [(line.source, line.account_id, line.transaction_id) for line in found] == [
        ("Banking", "cur", "t1"),
        ("Banking", "cur", "t0"),
        ("Banking", "cur", "t2"),
        ("Banking", "sav", "t3"),
        ("Accounting", "ba-1", "bt-1"),
        ("Accounting", "ba-1", "bt-2"),
    ]
    tesco = found[0]
    assert tesco == BankLine(
        source="Banking",
        connection_id=bank_id,
        platform_key="qhnd",
        account_id="cur",
        transaction_id="t1",
        date=date(2024, 3, 1),
        amount=Decimal("-12.5"),
        currency="GBP",
        description="Card payment to Tesco",
        merchant_name="Tesco",
        platform_category="Meals & Entertainment",
        record=tesco.record,
    )
    assert tesco.record["transactionCategoryRef"]["id"] == "c9"
    books = found[4]
    # A books line has no currency of its own: its account's; no merchant or platform category.
    assert (books.connection_id, books.date, books.amount, books.currency, books.description) == (
        books_id,
        date(2024, 2, 28),
        Decimal("-12.5"),
        "GBP",
        "TESCO",
    )
    assert books.merchant_name is None and books.platform_category is None


async def test_filters_and_small_batches(
    session: AsyncSession, principal: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, _, _ = await a_company(session, principal)
    # Fetched two rows at a time, the stream is the same.
    monkeypatch.setattr(bank_lines, "BATCH", 2)
    assert [line.transaction_id for line in await lines(session, company_id, source="Banking")] == [
        "t1",
        "t0",
        "t2",
        "t3",
    ]
    assert [line.transaction_id for line in await lines(session, company_id, account_id="ba-1")] == [
        "bt-1",
        "bt-2",
    ]
    assert await lines(session, company_id, account_id="nope") == []
    with pytest.raises(ValueError):
        await lines(session, company_id, source="Commerce")  # type: ignore[arg-type]


async def test_a_company_without_bank_data_has_no_lines(session: AsyncSession, principal: Principal) -> None:
    company, _ = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    assert await bank_lines.bank_accounts(session, company.id) == []
    assert await lines(session, company.id) == []
