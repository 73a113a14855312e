"""Reconciled invoices: each invoice with the payments allocated to it and the bank transactions those
payments landed in (Codat's `GET /companies/{companyId}/reports/enhancedInvoices`).

An invoice marked paid in the books is only as good as the money behind it, so each payment that moved money
is looked for in the bank: the books' own bank transactions (`bankAccounts/{accountId}/bankTransactions`) and
those of the company's Banking connections (`banking-transactions`). A bank transaction is a match when its
amount is the payment's to the cent and it cleared within `WINDOW_DAYS` of the payment; how good a match is
comes from the evidence (`score`, pure): the amount, how close the dates are, whether the description names
the invoice or the payment's reference, and whether it is the bank account the books say the payment went
into. Each match carries its score in [0, 1] and the reasons (`matchScore`, `matchReasons`: ledgerlink's,
beside Codat's fields). A bank transaction is evidence for one payment only: the payments of a page take
their best matches first (`assign`), so one transfer never proves two payments.

Invoices are paged and filtered (`query=`) exactly as the read API pages them, by the same statement; the
payments and bank transactions of a page are read in one statement each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import Date, Numeric, String, and_, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.connections.models import Connection
from ledgerlink.connectors.codat_shapes import timestamp
from ledgerlink.data import reads
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.pagination import PageParams
from ledgerlink.records import registry
from ledgerlink.records.models import Record, RecordCount

REPORT_NAME = "Invoices report"
# How far from a payment's date its bank transaction may clear (card and transfer settlement, weekends).
WINDOW_DAYS = 7
# Weights of the evidence; they add up to 1.
AMOUNT_WEIGHT = Decimal("0.5")
DATE_WEIGHT = Decimal("0.25")
REFERENCE_WEIGHT = Decimal("0.15")
ACCOUNT_WEIGHT = Decimal("0.1")
# A reference shorter than this says too little to be looked for in a description.
MIN_REFERENCE = 3


# ------------------------------------------------------------------------------------- matching (pure)
@dataclass(frozen=True)
class BankTransaction:
    """A bank transaction from either source, in the fields matching reads."""

    id: str
    connection_id: str
    account_id: str | None
    account_name: str | None
    day: date
    description: str
    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class Payment:
    """A payment that moved money, as the books record it."""

    id: str
    day: date
    amount: Decimal  # the money received, as the bank would show it
    currency: str | None
    account_id: str | None  # the bank account the books say it was paid into
    references: tuple[str, ...]  # the invoices' numbers and the payment's reference


@dataclass(frozen=True)
class Match:
    payment_id: str
    transaction: BankTransaction
    score: Decimal
    reasons: tuple[str, ...]


def score(payment: Payment, transaction: BankTransaction) -> Match | None:
    """How well `transaction` evidences `payment`, or None when it cannot be it (another amount or
    currency, or too far from the payment's date)."""
    if transaction.amount != payment.amount:
        return None
    if payment.currency and transaction.currency and payment.currency != transaction.currency:
        return None
    days = (transaction.day - payment.day).days
    if abs(days) > WINDOW_DAYS:
        return None
    reasons = [f"amount {transaction.amount} equals the payment's"]
    total = AMOUNT_WEIGHT + DATE_WEIGHT * (1 - Decimal(abs(days)) / (WINDOW_DAYS + 1))
    if days == 0:
        reasons.append("cleared on the day of the payment")
    else:
        reasons.append(
            f"cleared {abs(days)} day{'s' if abs(days) > 1 else ''} {'after' if days > 0 else 'before'}"
        )
    description = transaction.description.casefold()
    named = [r for r in payment.references if len(r) >= MIN_REFERENCE and r.casefold() in description]
    if named:
        total += REFERENCE_WEIGHT
        reasons.append(f"description names {named[0]}")
    if payment.account_id is not None and payment.account_id == transaction.account_id:
        total += ACCOUNT_WEIGHT
        reasons.append("the bank account the books say it was paid into")
    return Match(payment.id, transaction, total.quantize(Decimal("0.0001")), tuple(reasons))


def assign(payments: Iterable[Payment], transactions: Sequence[BankTransaction]) -> dict[str, Match]:
    """Each payment's best match, a bank transaction going to one payment only: the strongest pairs are
    taken first (ties by date closeness then ids, so the answer never depends on the order read)."""
    candidates = [
        match for payment in payments for t in transactions if (match := score(payment, t)) is not None
    ]
    candidates.sort(key=lambda m: (-m.score, m.payment_id, m.transaction.connection_id, m.transaction.id))
    chosen: dict[str, Match] = {}
    used: set[tuple[str, str]] = set()
    for match in candidates:
        key = (match.transaction.connection_id, match.transaction.id)
        if match.payment_id in chosen or key in used:
            continue
        chosen[match.payment_id] = match
        used.add(key)
    return chosen


# ------------------------------------------------------------------------------------------ reading
def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


async def _records(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Record.record_id, cast(Record.data, String)).where(
            Record.connection_id == connection_id,
            Record.data_type == data_type,
            Record.record_id.in_(wanted),
            Record.is_deleted.is_(False),
        )
    )
    return {record_id: orjson.loads(data) for record_id, data in rows}


async def _bank_transactions(
    session: AsyncSession,
    accounting: uuid.UUID,
    banking: Sequence[uuid.UUID],
    payments: Sequence[Payment],
) -> list[BankTransaction]:
    """The bank transactions that could match the page's payments: of their amounts, within the window of
    their dates; from the books (`bankTransactions`, dated by `clearedOnDate`) and from the banks
    (`banking-transactions`, by `postedDate`)."""
    if not payments:
        return []
    amounts = sorted({p.amount for p in payments})
    first = min(p.day for p in payments) - timedelta(days=WINDOW_DAYS)
    last = max(p.day for p in payments) + timedelta(days=WINDOW_DAYS)
    in_books = and_(Record.connection_id == accounting, Record.data_type == "bankTransactions")
    in_banks = and_(
        Record.connection_id.in_(banking),
        Record.data_type == "banking-transactions",
        Record.record_date >= first,
        Record.record_date < last + timedelta(days=1),
    )
    # Each record parsed once: OFFSET is a fence PostgreSQL does not inline a subquery through, so `j` is
    # not parsed again at each of its uses below. (The books' transactions have no indexed date: all of the
    # connection's are read.)
    parsed = (
        select(Record.connection_id, Record.data_type, cast(Record.data, JSONB).label("j"))
        .where(Record.is_deleted.is_(False), or_(in_books, in_banks) if banking else in_books)
        .offset(0)
        .subquery()
    )
    j = parsed.c.j
    # CASE, so a value of another type reads as NULL rather than failing the cast.
    amount = case((func.jsonb_typeof(j["amount"]) == "number", cast(j["amount"].astext, Numeric)))
    cleared = j["clearedOnDate"].astext
    books_day = case((cleared.op("~")(r"^\d{4}-\d{2}-\d{2}"), cast(func.left(cleared, 10), Date)))
    rows = await session.execute(
        select(parsed.c.connection_id, parsed.c.data_type, cast(j, String)).where(
            amount.in_(amounts),
            or_(parsed.c.data_type != "bankTransactions", books_day.between(first, last)),
        )
    )
    found = [(connection_id, data_type, orjson.loads(data)) for connection_id, data_type, data in rows]
    names = await _account_names(session, accounting, banking, found)
    transactions = []
    for connection_id, data_type, data in found:
        from_books = data_type == "bankTransactions"
        when = _day(data.get("clearedOnDate") if from_books else data.get("postedDate"))
        value = _decimal(data.get("amount"))
        if when is None or value is None or not first <= when <= last:
            continue
        account_id = data.get("accountId")
        transactions.append(
            BankTransaction(
                id=str(data.get("id")),
                connection_id=str(connection_id),
                account_id=account_id,
                account_name=names.get((connection_id, account_id)),
                day=when,
                description=str(data.get("description") or ""),
                amount=value,
                currency=None if from_books else data.get("currency"),
            )
        )
    return transactions


async def _account_names(
    session: AsyncSession,
    accounting: uuid.UUID,
    banking: Sequence[uuid.UUID],
    found: list[tuple[uuid.UUID, str, dict[str, Any]]],
) -> dict[tuple[uuid.UUID, Any], str]:
    """The names of the bank accounts the transactions are in (`accountName` in the books, `name` at a
    bank)."""
    wanted = {(c, d.get("accountId")) for c, _, d in found if isinstance(d.get("accountId"), str)}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Record.connection_id, Record.record_id, cast(Record.data, String)).where(
            or_(
                and_(Record.connection_id == accounting, Record.data_type == "bankAccounts"),
                and_(Record.connection_id.in_(banking), Record.data_type == "banking-accounts"),
            ),
            Record.record_id.in_(sorted({account for _, account in wanted})),
        )
    )
    names = {}
    for connection_id, record_id, data in rows:
        account = orjson.loads(data)
        name = account.get("accountName") or account.get("name")
        if isinstance(name, str):
            names[(connection_id, record_id)] = name
    return names


async def _banks(session: AsyncSession, company_id: uuid.UUID) -> list[uuid.UUID]:
    """The company's connections that have pulled bank transactions from a bank."""
    rows = await session.scalars(
        select(Connection.id)
        .join(RecordCount, RecordCount.connection_id == Connection.id)
        .where(Connection.company_id == company_id, RecordCount.data_type == "banking-transactions")
        .order_by(Connection.id)
    )
    return list(rows)


# ------------------------------------------------------------------------------------------- the report
def _payment_type(payment_id: str, payment: dict[str, Any] | None, credit_notes: set[str]) -> str:
    """What settled (part of) an invoice: a payment of money, or a credit note applied to it."""
    if payment_id in credit_notes:
        return "creditNotes"
    if payment is not None:
        links = [link for line in payment.get("lines") or [] for link in line.get("links") or []]
        if not _decimal(payment.get("totalAmount")) and any(
            link.get("type") == "CreditNote" for link in links
        ):
            return "creditNotes"
        return "payments"
    return "unknown"


def _money_moved(
    payment_id: str,
    payment: dict[str, Any] | None,
    allocation: dict[str, Any],
    invoices: Sequence[dict[str, Any]],
) -> Payment | None:
    """The payment as the bank would have seen it, when it moved money: its own record's total (one
    transfer may pay several invoices), its date, the account it went into, and what a remittance would quote
    (the numbers of the `invoices` it settles, its reference)."""
    paid = allocation.get("payment") or {}
    amount = _decimal((payment or {}).get("totalAmount"))
    if amount is None:
        amount = _decimal(paid.get("totalAmount"))
    when = _day((payment or {}).get("date") or paid.get("paidOnDate"))
    if not amount or when is None:
        return None
    account = (payment or {}).get("accountRef") or paid.get("accountRef") or {}
    references = tuple(
        r
        for r in (
            *(invoice.get("invoiceNumber") for invoice in invoices),
            (payment or {}).get("reference"),
            paid.get("reference"),
        )
        if isinstance(r, str) and r
    )
    return Payment(
        id=payment_id,
        day=when,
        amount=amount,
        currency=(payment or {}).get("currency") or invoices[0].get("currency"),
        account_id=account.get("id"),
        references=references,
    )


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _transaction_ref(match: Match) -> dict[str, Any]:
    t = match.transaction
    return {
        "id": t.id,
        "dataConnectionId": t.connection_id,
        "accountId": t.account_id,
        "accountName": t.account_name,
        "date": f"{t.day.isoformat()}T00:00:00",
        "description": t.description,
        "amount": float(t.amount),
        "matchScore": float(match.score),
        "matchReasons": list(match.reasons),
    }


def _allocations(invoice: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for allocation in invoice.get("paymentAllocations") or []:
        payment_id = (allocation.get("payment") or {}).get("id") if isinstance(allocation, dict) else None
        if isinstance(payment_id, str):
            found.append((payment_id, allocation))
    return found


async def enhanced_invoices(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> dict[str, Any]:
    """Codat's `EnhancedInvoicesReport`: a page of the company's invoices (as `GET .../data/invoices`
    pages them, `query=` included), each with its payments and the bank transactions they landed in."""
    src = await reads.source(session, principal, registry.BY_KEY["invoices"], company_id, None)
    company = await companies.get(session, principal, company_id)
    rows, total = await reads.page(session, src, params)
    invoices = [orjson.loads(row) for row in rows]
    allocated = [(invoice, payment_id, a) for invoice in invoices for payment_id, a in _allocations(invoice)]
    ids = {payment_id for _, payment_id, _ in allocated}
    payments = await _records(session, src.connection_id, "payments", ids)
    credit_notes = set(await _records(session, src.connection_id, "creditNotes", ids))
    customers = await _records(
        session,
        src.connection_id,
        "customers",
        [i["customerRef"]["id"] for i in invoices if isinstance((i.get("customerRef") or {}).get("id"), str)],
    )
    # Each payment that moved money once, with every invoice of the page it settles.
    settled: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for invoice, payment_id, allocation in allocated:
        if _payment_type(payment_id, payments.get(payment_id), credit_notes) == "payments":
            settled.setdefault(payment_id, (allocation, []))[1].append(invoice)
    moved = [
        money
        for payment_id, (allocation, paid) in settled.items()
        if (money := _money_moved(payment_id, payments.get(payment_id), allocation, paid)) is not None
    ]
    transactions = await _bank_transactions(
        session, src.connection_id, await _banks(session, company.id), moved
    )
    matches = assign(moved, transactions)
    items = [_item(invoice, payments, credit_notes, customers, matches) for invoice in invoices]
    return {
        "reportInfo": {
            "pageNumber": params.page,
            "pageSize": params.page_size,
            "totalResults": total,
            "reportName": REPORT_NAME,
            "companyName": company.name,
            "generatedDate": timestamp(utcnow()),
        },
        "reportItems": items,
    }


def _item(
    invoice: dict[str, Any],
    payments: dict[str, dict[str, Any]],
    credit_notes: set[str],
    customers: dict[str, dict[str, Any]],
    matches: dict[str, Match],
) -> dict[str, Any]:
    customer = invoice.get("customerRef") or {}
    customer_id = customer.get("id")
    name = customer.get("companyName") or (customers.get(str(customer_id)) or {}).get("customerName")
    item: dict[str, Any] = {
        "id": invoice.get("id"),
        "invoiceNumber": invoice.get("invoiceNumber"),
        "customerRef": {"id": customer_id, "customerName": name},
        "issueDate": invoice.get("issueDate"),
        "dueDate": invoice.get("dueDate"),
        "status": invoice.get("status"),
        "currency": invoice.get("currency"),
        "totalAmount": invoice.get("totalAmount"),
        "amountDue": invoice.get("amountDue"),
        "paidOnDate": invoice.get("paidOnDate"),
        "modifiedDate": invoice.get("modifiedDate"),
        "sourceModifiedDate": invoice.get("sourceModifiedDate"),
        "payments": [],
    }
    for payment_id, allocation in _allocations(invoice):
        paid = allocation.get("payment") or {}
        allocated = allocation.get("allocation") or {}
        amount = _decimal(allocated.get("totalAmount"))
        match = matches.get(payment_id)
        item["payments"].append(
            {
                "id": payment_id,
                "date": allocated.get("allocatedOnDate") or paid.get("paidOnDate"),
                "paymentType": _payment_type(payment_id, payments.get(payment_id), credit_notes),
                # What it settled of this invoice, positive (Codat's allocation reduces what is due).
                "amount": _amount(-amount if amount else amount),
                "currency": allocated.get("currency") or invoice.get("currency"),
                "currencyRate": allocated.get("currencyRate"),
                "bankingTransactionRefs": [] if match is None else [_transaction_ref(match)],
            }
        )
    return {key: value for key, value in item.items() if value is not None}
