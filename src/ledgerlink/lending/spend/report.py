"""The `spendAnalysis` report type: registered with the reports engine, generated from the books of the
company's accounting connections (suppliers, bills, bill payments, direct costs, with the payment methods,
accounts and the bank lines, the books' and the banks', that say how each was paid) over the twelve months to
the day it was asked for.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.reports.kinds import ReportFailed, ReportKind
from ledgerlink.lending.reports.models import Report
from ledgerlink.lending.spend.analysis import Period, SpendAnalysis, day_of, money
from ledgerlink.lending.spend.bank import CREDIT, BankEvidence, cents
from ledgerlink.lending.spend.methods import PaidThrough, infer
from ledgerlink.records.models import Record

NAME = "spendAnalysis"
# What a report reads; the documents are what it cannot be made without.
DOCUMENTS = ("bills", "billPayments", "directCosts")
# The books' and the banks' bank lines say how a payment left (`bank.py`).
BANK = ("bankAccounts", "bankTransactions", "banking-accounts", "banking-transactions")
DATA_TYPES = ("suppliers", *DOCUMENTS, "paymentMethods", "chartOfAccounts", *BANK)
# Records read from the database at a time: a company of a million documents streams through in these.
BATCH = 2_000


async def generate(session: AsyncSession, report: Report) -> dict[str, Any]:
    """The spend analysis, stored as the report's result (its parts are paged from it)."""
    connections = sorted(
        {uuid.UUID(pull["connectionId"]) for pull in report.pulls if pull["dataType"] in DOCUMENTS}, key=str
    )
    if not connections:
        raise ReportFailed(
            "The spend analysis is worked out from the company's bills, bill payments and direct costs, and "
            "no accounting connection of it has completed a pull of them: link an accounting platform and "
            "let its first pulls complete."
        )
    suppliers: dict[str, dict[str, Any]] = {}
    for connection_id in connections:
        async for record in _records(session, connection_id, "suppliers"):
            suppliers[str(record.get("id"))] = record
    analysis = SpendAnalysis(Period.year_to(report.requested_at.date()), suppliers)
    bank = await BankEvidence.read(session, report.company_id, await _payment_amounts(session, connections))
    for connection_id in connections:
        books = await _payment_books(session, connection_id, bank)
        # Direct costs first: most name their bank line, which a bill payment of that amount must not take.
        async for cost in _records(session, connection_id, "directCosts"):
            analysis.add_direct_cost(cost, infer(books.cost_paid_through(cost)))
        async for payment in _records(session, connection_id, "billPayments"):
            analysis.add_payment(payment, infer(books.paid_through(payment)))
    for connection_id in connections:
        async for bill in _records(session, connection_id, "bills"):
            analysis.add_bill(bill)
    return analysis.result()


class PaymentBooks:
    """A connection's records that say how a payment was made, by id (its payment methods and accounts), and
    the bank accounts and lines the company's payments went out by."""

    def __init__(
        self,
        connection_id: uuid.UUID,
        methods: dict[str, tuple[str | None, str | None]],
        accounts: dict[str, tuple[str | None, str | None]],
        bank: BankEvidence,
    ) -> None:
        self.connection_id, self.methods, self.accounts, self.bank = connection_id, methods, accounts, bank

    def paid_through(self, payment: dict[str, Any], bank_transaction_id: str | None = None) -> PaidThrough:
        """What the books (and the bank line it went out as) say about how a bill payment, or a direct cost's
        payment, was made."""
        method_id = _ref(payment.get("paymentMethodRef"))
        method_name, method_type = self.methods.get(method_id or "", (None, None))
        if method_name is None and isinstance(payment.get("paymentMethodRef"), dict):
            method_name = payment["paymentMethodRef"].get("name")
        account: dict[str, Any] = payment["accountRef"] if isinstance(payment.get("accountRef"), dict) else {}
        account_id = _ref(account) or ""
        account_name, category = self.accounts.get(account_id, (account.get("name"), None))
        amount = money(payment.get("totalAmount"))
        line = (
            self.bank.take(
                amount,
                day_of(payment.get("date") or payment.get("paidOnDate")),
                account_id=account_id,
                transaction_id=bank_transaction_id,
            )
            if amount > 0
            else None
        )
        paying = (self.connection_id, account_id)
        account_type = self.bank.account_types.get(paying)
        return PaidThrough(
            method_type=method_type,
            method_name=method_name,
            account_name=account_name or account.get("name"),
            account_category=category,
            bank_account_type=CREDIT if line is not None and line.credit_account else account_type,
            is_bank_account=paying in self.bank.account_types or line is not None,
            bank_transaction_type=line.kind if line is not None else None,
            bank_text=line.text if line is not None else "",
            text=" ".join(str(payment.get(key) or "") for key in ("note", "reference")).strip(),
        )

    def cost_paid_through(self, cost: dict[str, Any]) -> PaidThrough:
        """A direct cost is paid by its allocated payment: the books' bank transaction of that id, where the
        platform keeps one (the Sandbox and Xero's spend money do)."""
        allocations = [a for a in cost.get("paymentAllocations") or [] if isinstance(a, dict)]
        payment = (allocations[0].get("payment") or {}) if allocations else {}
        merged = {
            "totalAmount": cost.get("totalAmount"),
            "paidOnDate": cost.get("issueDate"),
            **payment,
            "note": payment.get("note") or cost.get("note"),
            "reference": payment.get("reference") or cost.get("reference"),
        }
        return self.paid_through(merged, _ref(payment))


async def _payment_books(session: AsyncSession, connection_id: uuid.UUID, bank: BankEvidence) -> PaymentBooks:
    methods = {
        row[0]: (row[1], row[2])
        for row in await _fields(session, connection_id, "paymentMethods", "name", "type")
    }
    accounts = {
        row[0]: (row[1], row[2])
        for row in await _fields(session, connection_id, "chartOfAccounts", "name", "fullyQualifiedCategory")
    }
    return PaymentBooks(connection_id, methods, accounts, bank)


async def _payment_amounts(session: AsyncSession, connections: list[uuid.UUID]) -> set[int]:
    """Every amount (in cents) of the books' bill payments and direct costs: the bank lines worth keeping."""
    amounts = set()
    for connection_id in connections:
        for data_type in ("billPayments", "directCosts"):
            for _, total in await _fields(session, connection_id, data_type, "totalAmount"):
                if (amount := money(total)) > 0:
                    amounts.add(cents(amount))
    return amounts


async def _fields(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *names: str
) -> list[tuple[Any, ...]]:
    """Some top-level text fields of every record of a type, by record id (without reading whole records)."""
    statement = select(Record.record_id, *(Record.data[name].as_string() for name in names)).where(
        Record.connection_id == connection_id, Record.data_type == data_type, Record.is_deleted.is_(False)
    )
    return [tuple(row) for row in (await session.execute(statement)).all()]


async def _records(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str
) -> AsyncIterator[dict[str, Any]]:
    """Every record of a type the read API shows, streamed in id order: a batch of rows per round trip, each
    record's text parsed by orjson (the driver's JSON parsing and a switch per row cost most of a report)."""
    statement = (
        select(cast(Record.data, Text))
        .where(
            Record.connection_id == connection_id, Record.data_type == data_type, Record.is_deleted.is_(False)
        )
        .order_by(Record.record_id)
    )
    result = await session.stream(statement, execution_options={"yield_per": BATCH})
    async for rows in result.partitions(BATCH):
        for (data,) in rows:
            yield orjson.loads(data)


def _ref(ref: Any) -> str | None:
    return str(ref["id"]) if isinstance(ref, dict) and ref.get("id") else None


SPEND_ANALYSIS = ReportKind(name=NAME, data_types=DATA_TYPES, generate=generate)
