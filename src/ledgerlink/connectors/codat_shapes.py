"""Codat's shapes as every platform connector writes them: money, days and moments, refs, payment allocations
with Codat's signs, and the financial statements' months, lines and totals.

A platform's mapping module reads its own records and builds Codat's through these, so that two platforms
never spell one Codat shape two ways (and a fix to one is a fix to all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

# One of Codat's records, as a platform connector builds it (JSON object, its fields by Codat's names).
Record = dict[str, Any]


# ------------------------------------------------------------------------------------------ values
def without_none(record: Record) -> Record:
    """The record without its None fields: Codat leaves out what a platform does not provide."""
    return {key: value for key, value in record.items() if value is not None}


def money(value: Any) -> float:
    """An amount as Codat writes money: a JSON number, to 2 decimal places (missing is 0)."""
    return round(float(value or 0), 2)


def day(moment: date | None) -> str | None:
    """A day (a document's date): Codat writes it as midnight without a zone."""
    return moment.strftime("%Y-%m-%dT00:00:00") if moment else None


@overload
def timestamp(moment: datetime) -> str: ...
@overload
def timestamp(moment: datetime | None) -> str | None: ...
def timestamp(moment: datetime | None) -> str | None:
    """A moment in UTC to the second, as Codat writes modification dates (`2024-01-31T09:30:00Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def source_modified(mapped: Record, modified: str | None) -> Record:
    """A record as it was at the platform: not deleted, and when the platform last changed it (if it says)."""
    mapped["metadata"] = {"isDeleted": False}
    if modified:
        mapped["sourceModifiedDate"] = modified
    return mapped


# -------------------------------------------------------------------------------------------- refs
def ref(id_: Any, name: Any = None, name_key: str = "name") -> Record:
    """A reference to another record, `{id, name}` (`name_key` for refs that call it otherwise:
    `customerRef.companyName`, `supplierRef.supplierName`); what the platform leaves out is left out."""
    return without_none({"id": id_, name_key: name})


def record_ref(id_: str, data_type: str) -> Record:
    """A reference to a record of any data type, `{id, dataType}` (journal lines' tracking, a journal's
    source document)."""
    return {"id": id_, "dataType": data_type}


# --------------------------------------------------------------------------------- journal lines
def journal_line(
    net_amount: float,
    *,
    description: str | None = None,
    account_ref: Record | None = None,
    record_refs: Iterable[Record] = (),
    currency: str | None = None,
) -> Record:
    """One of a journal entry's `journalLines`: debits positive, credits negative; `record_refs` (each a
    `record_ref`) are what the line is tracked against."""
    refs = list(record_refs)
    return without_none(
        {
            "description": description,
            "netAmount": net_amount,
            "currency": currency,
            "accountRef": account_ref,
            "tracking": {"recordRefs": refs} if refs else None,
        }
    )


# ------------------------------------------------------------------------------ payment allocations
# Codat's signs for a document's `paymentAllocations[]`, by the document's data type: (payment.totalAmount,
# allocation.totalAmount). An invoice or a bill is settled by money paid towards it, so the payment is
# positive and its allocation negative (it reduces what is due: amountDue = totalAmount + sum of
# allocations). A credit note is used up by a refund or by being applied, money going the other way: the
# payment negative, the allocation positive (remainingCredit = totalAmount - sum of allocations). These are
# the signs of Codat's own examples (Accounting API, GET invoices, bills, creditNotes, billCreditNotes). A
# direct cost or income is paid as it is made, with nothing outstanding: both positive. (A signed amount is
# `sign * amount or 0.0`: never -0.0, which JSON would spell "-0.0".)
ALLOCATION_SIGNS: Mapping[str, tuple[int, int]] = {
    "invoices": (1, -1),
    "bills": (1, -1),
    "creditNotes": (-1, 1),
    "billCreditNotes": (-1, 1),
    "directCosts": (1, 1),
    "directIncomes": (1, 1),
}


def payment_allocation(
    document: str,
    *,
    payment_id: str,
    paid: float | None = None,
    allocated: float | None = None,
    currency: str | None = None,
    currency_rate: float | None = None,
    paid_on: str | None = None,
    allocated_on: str | None = None,
    note: str | None = None,
    reference: str | None = None,
    account_ref: Record | None = None,
    payment_currency_rate: float | None = None,
) -> Record:
    """One of a document's `paymentAllocations`: Codat's `{payment, allocation}` pair, with the signs of
    `ALLOCATION_SIGNS` for the document's data type (`document`). `paid` (the payment's total) and
    `allocated` (how much of it settles this document) are amounts, not yet signed; a platform that does
    not say them leaves them None and they are left out, as is the payment's own rate
    (`payment_currency_rate`) when the platform gives none."""
    payment_sign, allocation_sign = ALLOCATION_SIGNS[document]
    # Field by field rather than `without_none` of a whole record: the same record, without building a
    # second one, which the Accounting Sandbox (an allocation for every payment of every document it
    # yields) notices.
    payment: Record = {"id": payment_id}
    if note is not None:
        payment["note"] = note
    if reference is not None:
        payment["reference"] = reference
    if account_ref is not None:
        payment["accountRef"] = account_ref
    if currency is not None:
        payment["currency"] = currency
    if payment_currency_rate is not None:
        payment["currencyRate"] = payment_currency_rate
    if paid_on is not None:
        payment["paidOnDate"] = paid_on
    if paid is not None:
        payment["totalAmount"] = payment_sign * paid or 0.0
    allocation: Record = {}
    if currency is not None:
        allocation["currency"] = currency
    if currency_rate is not None:
        allocation["currencyRate"] = currency_rate
    if allocated_on is not None:
        allocation["allocatedOnDate"] = allocated_on
    if allocated is not None:
        allocation["totalAmount"] = allocation_sign * allocated or 0.0
    return {"payment": payment, "allocation": allocation}


# ------------------------------------------------------------------------------------ payment lines
# Codat's sign of a payment line's link, by the link's type: its amount is "the amount by which the
# balance of the linked entity is altered" (Accounting API, Payment and BillPayment `lines[].links[]`).
# Money paid towards an invoice, a bill or a journal, or paid on account, reduces what is outstanding:
# negative. A credit note applied or refunded is used up: positive. (A line's own amount is the money, as
# the platform says it: an invoice paid 100 is a line of 100 and a link of -100; a credit note applied
# to it, a line of -50 and a link of 50.)
LINK_SIGNS: Mapping[str, int] = {
    "Invoice": -1,
    "Bill": -1,
    "ManualJournal": -1,
    "PaymentOnAccount": -1,
    "Other": -1,
    "CreditNote": 1,
}


def payment_link(link_type: str, id_: str, amount: float, currency_rate: float | None = None) -> Record:
    """One of a payment line's `links`: `amount` (not yet signed) signed as `LINK_SIGNS` says."""
    link: Record = {"type": link_type, "id": id_, "amount": LINK_SIGNS[link_type] * amount or 0.0}
    if currency_rate is not None:
        link["currencyRate"] = currency_rate
    return link


def payment_line(amount: float, links: list[Record], allocated_on: str | None) -> Record:
    """One of a payment's `lines`: the money it moves, the documents it settles (`payment_link`s), when."""
    return {"amount": amount, "links": links, "allocatedOnDate": allocated_on}


# ----------------------------------------------------------------------------- financial statements
# The statements' data types: a record per month, read from the platform's reports rather than its lists.
BALANCE_SHEET = "balanceSheet"
PROFIT_AND_LOSS = "profitAndLoss"
STATEMENT_TYPES = (BALANCE_SHEET, PROFIT_AND_LOSS)
# A platform's reports give up to this many month columns a call (Xero's and QuickBooks' alike).
REPORT_MONTHS_PER_CALL = 12


@dataclass(frozen=True)
class ReportColumn:
    """One month of a platform's report: where its values are in each row (`index`), and its dates."""

    index: int
    month: str  # YYYY-MM, the record's id
    from_date: str
    to_date: str

    @classmethod
    def of_month(cls, index: int, first: date) -> ReportColumn:
        return cls(
            index=index,
            month=f"{first.year:04d}-{first.month:02d}",
            from_date=f"{first.isoformat()}T00:00:00",
            to_date=f"{month_end(first).isoformat()}T00:00:00",
        )


# A platform's builder of one statement record from one report: (report, the month's column, currency).
Statement = Callable[[Record, ReportColumn, str | None], Record]


def month_start(day_: date, offset: int = 0) -> date:
    """The first day of the month `offset` months from `day_`'s."""
    index = day_.year * 12 + day_.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return month_start(first, 1) - timedelta(days=1)


def report_calls(as_of: datetime, months_to_sync: int) -> list[list[date]]:
    """The months a pull of statements reads (the current one and the `months_to_sync` - 1 before it, as of
    the pull's moment in UTC), newest first, cut into the calls that read them: `REPORT_MONTHS_PER_CALL`
    months each. Reports have no modification dates, so every pull reads them all; unchanged months are
    stored once (hashes)."""
    newest = as_of.astimezone(UTC).date()
    months = [month_start(newest, -back) for back in range(max(1, months_to_sync))]
    return [months[at : at + REPORT_MONTHS_PER_CALL] for at in range(0, len(months), REPORT_MONTHS_PER_CALL)]


def report_amount(value: Any) -> float:
    """A report cell's amount (text at both Xero and QuickBooks); an empty or unreadable cell is 0."""
    try:
        return round(float(value or 0), 2)
    except ValueError:
        return 0.0


def report_line(name: str, value: float, items: Iterable[Record]) -> Record:
    """Codat's `ReportLine` for a part of a statement: its name, value and the lines it is made of."""
    return {"name": name, "value": value, "items": list(items)}


def balance_sheet(
    column: ReportColumn, currency: str | None, assets: Record, liabilities: Record, equity: Record
) -> Record:
    """A month's balance sheet from its three parts (`report_line`s); net assets are computed."""
    return without_none(
        {
            "id": column.month,
            "currency": currency,
            "date": column.to_date,
            "assets": assets,
            "liabilities": liabilities,
            "netAssets": round(assets["value"] - liabilities["value"], 2),
            "equity": equity,
        }
    )


# The parts of a profit and loss statement, and the names Codat gives them.
PROFIT_AND_LOSS_PARTS: Mapping[str, str] = {
    "income": "Income",
    "costOfSales": "Cost of Sales",
    "expenses": "Expenses",
    "otherIncome": "Other Income",
    "otherExpenses": "Other Expenses",
}


def profit_and_loss(
    column: ReportColumn, currency: str | None, parts: Mapping[str, Record], basis: str = "Accrual"
) -> Record:
    """A month's profit and loss from its five parts (`PROFIT_AND_LOSS_PARTS`, each a `report_line` whose
    value is positive in Codat's sense); the totals are computed from the parts rather than read from the
    platform's report, so every platform's add up the same way."""
    gross = round(parts["income"]["value"] - parts["costOfSales"]["value"], 2)
    operating = round(gross - parts["expenses"]["value"], 2)
    other = round(parts["otherIncome"]["value"] - parts["otherExpenses"]["value"], 2)
    return without_none(
        {
            "id": column.month,
            "currency": currency,
            "reportBasis": basis,
            "fromDate": column.from_date,
            "toDate": column.to_date,
            "income": parts["income"],
            "costOfSales": parts["costOfSales"],
            "grossProfit": gross,
            "expenses": parts["expenses"],
            "netOperatingProfit": operating,
            "otherExpenses": parts["otherExpenses"],
            "otherIncome": parts["otherIncome"],
            "netOtherIncome": other,
            "netProfit": round(operating + other, 2),
        }
    )
