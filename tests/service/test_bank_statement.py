"""The categorized bank statement's rules over hand-written records: generating writes one row per line (an
analyst's category winning, a retry replacing what an attempt wrote, every account with its totals, one the
lines name without an account record too), a company without bank transactions pulled cannot have one, and
a transaction's category override (checked before anything is stored, audited, a no-op when unchanged,
unset back to the rules')."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections.models import Connection
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.lending.bank_statement import overrides, report
from ledgerlink.lending.bank_statement.models import (
    StatementAccount,
    StatementTransaction,
    TransactionCategoryChange,
)
from ledgerlink.lending.bank_statement.recurrence import Recurrence, group_of, is_recurring, recurring_of
from ledgerlink.lending.categories.service import Actor
from ledgerlink.lending.reports.kinds import ReportFailed
from ledgerlink.lending.reports.models import Report
from tests.service.test_bank_lines import bank_txn, write
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

PULLED = [{"dataType": "banking-transactions", "connectionId": "x", "datasetId": "y", "completed": None}]


async def a_bank(session: AsyncSession, principal: Principal) -> tuple[uuid.UUID, Connection]:
    company, (bank,) = await company_with(session, principal.client_id, ("qhnd", "Linked"))
    await write(
        session,
        bank.id,
        "banking-accounts",
        {"id": "cur", "name": "Current", "currency": "GBP", "balance": {"current": 10}},
        {"id": "empty", "name": "Savings", "currency": "GBP", "balance": {"current": 0}},
    )
    await write(
        session,
        bank.id,
        "banking-transactions",
        bank_txn("t1", "cur", "2026-11-02T00:00:00", 250.0, description="STRIPE PAYMENTS UK PAYOUT"),
        bank_txn("t2", "cur", "2026-11-03T00:00:00", -40.5, description="HMRC VAT"),
        bank_txn("t3", "cur", None, -9.99, description="PENDING CARD PAYMENT"),
        bank_txn("t4", "gone", "2026-11-04T00:00:00", -3.0, description="FEE"),
    )
    return company.id, bank


def a_report(company_id: uuid.UUID, pulls: list[dict[str, Any]]) -> Report:
    now = utcnow()
    return Report(
        id=uuid.uuid4(), company_id=company_id, type=report.NAME, status="InProgress",
        requested_at=now, updated_at=now, pulls=pulls, attempts=1,
    )  # fmt: skip


async def test_generating_writes_a_row_per_line_and_the_accounts_with_their_totals(
    session: AsyncSession, principal: Principal
) -> None:
    company_id, bank = await a_bank(session, principal)
    actor = Actor("ApiKey", principal.client_id, principal.api_key_id)
    await overrides.confirm(
        session, bank, "cur", "t2", ("Liability", "Current", "Taxes"), "VAT return", actor
    )
    made = a_report(company_id, PULLED)
    session.add(made)
    await session.flush()
    await report.generate(session, made)
    result = await report.generate(session, made)  # (a retry replaces what an attempt wrote)
    assert result == {"transactions": 3, "accounts": 3, "overridden": 1, "recurring": []}
    rows = (
        await session.scalars(
            select(StatementTransaction)
            .where(StatementTransaction.report_id == made.id)
            .order_by(StatementTransaction.position)
        )
    ).all()
    assert [(r.position, r.transaction_id) for r in rows] == [(0, "t1"), (1, "t2"), (2, "t4")]
    t1, t2, _ = rows
    assert t1.status == "Suggested" and t1.levels[0] == "Income" and 0 <= t1.confidence <= 100
    assert t2.levels == ["Liability", "Current", "Taxes"] and t2.status == "Confirmed"
    assert t2.confidence is None and t2.reason == "VAT return" and t2.account_name == "Current"
    accounts = {
        a.account_id: a
        for a in await session.scalars(select(StatementAccount).where(StatementAccount.report_id == made.id))
    }
    assert set(accounts) == {"cur", "empty", "gone"}
    cur = accounts["cur"]
    assert (cur.transactions, cur.money_in, cur.money_out) == (2, Decimal("250.0"), Decimal("40.5"))
    assert accounts["empty"].transactions == 0
    assert accounts["gone"].name is None and accounts["gone"].transactions == 1


async def test_no_bank_transactions_pulled_is_no_statement(
    session: AsyncSession, principal: Principal
) -> None:
    company_id, _ = await a_bank(session, principal)
    with pytest.raises(ReportFailed, match="no banking connection"):
        await report.generate(session, a_report(company_id, []))


async def test_an_override_is_checked_audited_and_unset(session: AsyncSession, principal: Principal) -> None:
    _, bank = await a_bank(session, principal)
    actor = Actor("ApiKey", principal.client_id, principal.api_key_id)

    async def changes() -> int:
        return await session.scalar(select(func.count()).select_from(TransactionCategoryChange)) or 0

    with pytest.raises(BadRequest) as refused:
        await overrides.confirm(session, bank, "cur", "t1", ("Income", "Nonsense"), None, actor)
    assert refused.value.validation_errors[0]["itemId"] == "confirmed.levels"
    with pytest.raises(NotFound):
        await overrides.confirm(session, bank, "cur", "t3", ("Income",), None, actor)  # (pending: no line)
    assert await changes() == 0

    before = await overrides.category_of(session, bank, "cur", "t1")
    assert before.status == "Suggested" and before.confidence is not None
    done = await overrides.confirm(session, bank, "cur", "t1", ("Income", "Revenue"), "Sales", actor)
    assert (done.status, done.levels, done.reason, done.confidence) == (
        "Confirmed",
        ("Income", "Revenue"),
        "Sales",
        None,
    )
    again = await overrides.confirm(session, bank, "cur", "t1", ("Income", "Revenue"), "Sales", actor)
    assert again.status == "Confirmed" and await changes() == 1  # (unchanged: no second audit row)
    unset = await overrides.confirm(session, bank, "cur", "t1", None, None, actor)
    assert unset.status == "Suggested" and unset.levels == before.levels
    (latest, first), total = await overrides.changes(session, bank.id)
    assert total == 2 and latest.to_levels is None and first.to_levels == ["Income", "Revenue"]
    assert first.from_status == "Suggested" and first.from_levels == list(before.levels)
    assert first.actor == "ApiKey" and first.api_key_id == principal.api_key_id


async def test_a_counterparty_paid_alike_in_three_months_recurs() -> None:
    seen = Recurrence()
    rent = group_of("c", "cur", "Landlord Ltd", Decimal("-1200"))
    shop = group_of("c", "cur", "Tesco", Decimal("-10"))
    for month, (rent_paid, shopped) in enumerate(((-1200, -12.5), (-1250, -80), (-1200, -31)), start=1):
        seen.add(rent, date(2026, month, 1), Decimal(rent_paid))
        seen.add(shop, date(2026, month, 3), Decimal(shopped))
        seen.add(shop, date(2026, month, 17), Decimal(shopped))
    seen.add(
        group_of("c", "cur", "Landlord Ltd", Decimal("500")), date(2026, 4, 2), Decimal("500")
    )  # (money in)
    assert seen.recurring() == [["c", "cur", "Landlord Ltd", "out"]]
    recurring = recurring_of({"recurring": seen.recurring()})
    assert is_recurring(recurring, "c", "cur", "Landlord Ltd", Decimal("-1200")) is True
    assert is_recurring(recurring, "c", "cur", "Landlord Ltd", Decimal("500")) is False
    assert is_recurring(recurring, "c", "cur", "Tesco", Decimal("-12.5")) is False
    assert is_recurring(recurring, "c", "cur", None, Decimal("-12.5")) is None
