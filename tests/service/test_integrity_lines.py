"""A run reads the lines in SQL (`integrity/lines.py`) and matches them amount by amount as PostgreSQL sorts
them: these pin that it agrees with `lending.bank_lines` on what a line is (odd records included) and with
`matching.match_lines` over `bank_lines`' lines on what matches what (dense equal amounts, same-day ties)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso
from ledgerlink.lending.bank_lines import ACCOUNTING, BANKING, bank_lines
from ledgerlink.lending.integrity import matching, run
from ledgerlink.lending.integrity.models import IntegrityRecord
from tests.support.rows import company_with, records

pytestmark = pytest.mark.anyio


async def a_company(session: AsyncSession, principal: Principal) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    company, (bank, books) = await company_with(
        session, principal.client_id, ("qhnd", "Linked"), ("mqjo", "Linked")
    )
    await records(
        session,
        bank.id,
        "banking-accounts",
        {"id": "k", "name": "Current", "currency": "GBP", "identifiers": {"number": "30616281"}},
        {"id": "k-usd", "name": "Dollars", "currency": " USD ", "identifiers": {"number": "99990000"}},
    )
    await records(
        session,
        books.id,
        "bankAccounts",
        {"id": "b", "accountName": "Current", "currency": "GBP", "accountNumber": "30616281"},
        {"id": "b-none", "accountName": "No currency", "accountNumber": "55554444"},
    )
    return company.id, bank.id, books.id


async def stored_lines(
    session: AsyncSession, company_id: uuid.UUID
) -> dict[tuple[str, str], IntegrityRecord]:
    rows = await session.scalars(
        select(IntegrityRecord).where(
            IntegrityRecord.company_id == company_id,
            IntegrityRecord.data_type.in_([run.BANK_LINES, run.BOOKS_LINES]),
        )
    )
    return {(row.data_type, row.record_id): row for row in rows}


async def test_a_run_reads_the_lines_bank_lines_reads(session: AsyncSession, principal: Principal) -> None:
    company_id, bank_id, books_id = await a_company(session, principal)

    def bank(id_: str, posted: Any, amount: Any, **more: Any) -> dict[str, Any]:
        return {"id": id_, "accountId": "k", "postedDate": posted, "amount": amount} | more

    await records(
        session,
        bank_id,
        "banking-transactions",
        bank("k1", "2024-03-01T10:00:00Z", 100.0, currency="GBP", description="  Round pounds \t"),
        bank("k2", "2024-03-02", 12.5, description=None),
        bank("k3", "20240303", "12.50", currency=" "),
        bank("k4", "2024-02-30T00:00:00Z", 1),  # no such day: not a line
        bank("k5", "2024-W10-1", 1),  # a week date: not a line here (see lines.py)
        bank("k6", "2024-03-04", "NaN"),  # not a finite amount
        bank("k7", "2024-03-04", True),  # not an amount
        bank("k8", "2024-03-04", " -1.5e2 "),  # -150 (a match spells it so, bank_lines -1.5E+2)
        bank("k9", None, 5),  # pending: no posted date
        bank("k10", "2024-03-05", 0.1 + 0.2, currency="EUR"),
        bank("k11", "2024-03-05", 0.125),  # half a cent: rounded to even
        bank("k12", "2024-03-05", -0.135),
        bank("k13", "2024-03-05", 7, metadata={"isDeleted": True}),
        bank("k14", "2024-03-06", 3, accountId="k-usd"),
        bank("k15", "2024-03-06", 3, accountId=""),
        bank("k16", "2024-03-06", "1_000"),  # Python reads it; not a line here (see lines.py)
        {"id": "k17", "accountId": "k", "postedDate": 20240301, "amount": 1},
    )
    await records(
        session,
        books_id,
        "bankTransactions",
        {"id": "b1", "accountId": "b", "clearedOnDate": "2024-03-01T00:00:00", "amount": 100.0},
        {"id": "b2", "accountId": "b", "clearedOnDate": "2024-03-02", "amount": 12.5, "description": "x"},
        {"id": "b3", "accountId": "b-none", "clearedOnDate": "2024-03-02", "amount": -3},
        {
            "id": "b4",
            "accountId": "b-unlisted",
            "clearedOnDate": "2024-03-02",
            "amount": 4,
            "currency": "CHF",
        },
    )
    await run.match_company(session, company_id, None)
    stored = await stored_lines(session, company_id)

    expected = {}
    async for line in bank_lines(session, company_id):
        if line.transaction_id in {"k5", "k16"}:  # the two spellings lines.py leaves out, on purpose
            continue
        data_type = run.BANK_LINES if line.source == BANKING else run.BOOKS_LINES
        expected[(data_type, line.transaction_id)] = (
            str(line.connection_id),
            line.account_id,
            iso(run_midnight(line.date)),
            line.amount,
            line.currency or run.UNKNOWN_CURRENCY,
            line.description,
        )
    got = {
        key: (
            str(row.connection_id),
            row.account_id,
            iso(row.date),
            row.amount,
            row.currency,
            row.description,
        )
        for key, row in stored.items()
    }
    assert got == expected
    assert {key[1] for key in got} >= {"k1", "k3", "k8", "k10", "k11", "k14", "b3", "b4"}
    assert stored[(run.BANK_LINES, "k1")].matches == [
        {
            "id": "b1",
            "type": run.BOOKS_LINES,
            "connectionId": str(books_id),
            "date": "2024-03-01T00:00:00.000Z",
            "description": "",
            "amount": "100.0",
            "currency": "GBP",
        }
    ]
    assert stored[(run.BOOKS_LINES, "b2")].matches[0]["id"] in {"k2", "k3"}
    assert stored[(run.BANK_LINES, "k11")].amount == Decimal("0.125")


def run_midnight(day: Any) -> Any:
    from datetime import UTC, datetime, time

    return datetime.combine(day, time(), tzinfo=UTC)


async def test_a_run_matches_as_match_lines_does(session: AsyncSession, principal: Principal) -> None:
    """Hundreds of lines of a few amounts on a few days, alike descriptions: every tie the matcher breaks."""
    company_id, bank_id, books_id = await a_company(session, principal)
    chosen = random.Random(21)
    payees = ["Tesco", "Tesco Stores", "TESCO STORES 1234", "Sainsburys", "Amazon", "AMZN Mktp"]
    books, bank = [], []
    for n in range(400):
        day = 1 + chosen.randrange(20)
        amount = chosen.choice([-12.5, -12.5, -40.0, 99.99, -3.2])
        payee = chosen.choice(payees)
        if chosen.random() < 0.9:
            books.append(
                {
                    "id": f"b{chosen.randrange(10**6):06d}-{n}",
                    "accountId": "b",
                    "clearedOnDate": f"2024-03-{day:02d}T00:00:00",
                    "amount": amount,
                    "description": payee,
                }
            )
        if chosen.random() < 0.9:
            posted = min(28, day + chosen.randrange(4))
            bank.append(
                {
                    "id": f"k{chosen.randrange(10**6):06d}-{n}",
                    "accountId": "k",
                    "postedDate": f"2024-03-{posted:02d}T09:00:00Z",
                    "amount": amount if chosen.random() < 0.97 else amount + 1,
                    "currency": "GBP",
                    "description": chosen.choice(payees).upper(),
                }
            )
    await records(session, bank_id, "banking-transactions", *bank)
    await records(session, books_id, "bankTransactions", *books)
    await run.match_company(session, company_id, None)
    stored = await stored_lines(session, company_id)

    def entries(lines: list[Any]) -> list[matching.Line]:
        return [
            matching.Line(
                int((line.amount * 100).to_integral_value()), line.date.toordinal(), i, line.description
            )
            for i, line in enumerate(lines)
        ]

    books_lines = [line async for line in bank_lines(session, company_id, source=ACCOUNTING, account_id="b")]
    bank_lines_ = [line async for line in bank_lines(session, company_id, source=BANKING, account_id="k")]
    expected = {
        books_lines[b].transaction_id: bank_lines_[k].transaction_id
        for b, k in matching.match_lines(entries(books_lines), entries(bank_lines_))
    }
    got = {
        row.record_id: row.matches[0]["id"]
        for (data_type, _), row in stored.items()
        if data_type == run.BOOKS_LINES and row.matched
    }
    assert len(expected) > 250
    assert got == expected
