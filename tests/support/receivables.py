"""Aged reports and reconciled invoices recomputed from the read API's records, independently of how the
server works them out: what `tests/test_lending_receivables*.py` compare the Lending reports against."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from codat_lending import CodatLending

# (report, its document types and detail names, the contact's ref and the report's key for it)
DEBTORS = ("agedDebtor", {"invoices": "Invoices", "creditNotes": "CreditNotes"}, "customerRef", "customerId")
CREDITORS = (
    "agedCreditor",
    {"bills": "Bills", "billCreditNotes": "BillCreditNotes"},
    "supplierRef",
    "supplierId",
)
Owed = dict[tuple[str, str | None, int, str], Decimal]


def day_of(value: str) -> date:
    return date.fromisoformat(value[:10])


def _allocation_day(allocation: dict[str, Any]) -> date | None:
    when = allocation["allocation"].get("allocatedOnDate") or allocation["payment"].get("paidOnDate")
    return day_of(when) if when else None


def owed_on(document: dict[str, Any], report_date: date) -> Decimal:
    """What a document had outstanding on the report date, from its total and the allocations made before
    it (the server anchors on `amountDue` and undoes later ones instead: the two agree only if the books do).
    Invoices and bills positive, credit notes negative."""
    total = Decimal(str(document["totalAmount"]))
    before = sum(
        (
            Decimal(str(a["allocation"]["totalAmount"]))
            for a in document.get("paymentAllocations", [])
            if (_allocation_day(a) or date.min) < report_date
        ),
        Decimal(0),
    )
    if "remainingCredit" in document:  # a credit note: its allocations use up its credit
        return -(total - before)
    return total + before


def expected(books: dict[str, Any], report: tuple, report_date: date, periods: int, length: int) -> Owed:
    """(contact id, currency, period index, detail) -> amount, from the read API's documents."""
    _, details, contact_ref, _ = report
    found: Owed = defaultdict(Decimal)
    for data_type, detail in details.items():
        for document in books[data_type]:
            if document["status"] in ("Void", "Draft") or document.get("metadata", {}).get("isDeleted"):
                continue
            age = (report_date - day_of(document["issueDate"])).days
            owed = owed_on(document, report_date)
            if age < 1 or owed == 0:
                continue
            period = min((age - 1) // length, periods - 1)
            found[(document[contact_ref]["id"], document.get("currency"), period, detail)] += owed
    return {key: amount for key, amount in found.items() if amount}


def reported(answer: Any, report: tuple) -> Owed:
    _, _, _, id_key = report
    found: Owed = {}
    for contact in answer.data:
        contact_id = getattr(contact, "customer_id" if id_key == "customerId" else "supplier_id")
        for currency in contact.aged_currency_outstanding:
            for n, period in enumerate(currency.aged_outstanding_amounts):
                assert period.amount == sum((d.amount for d in period.details), Decimal(0))
                for detail in period.details:
                    if detail.amount:
                        found[(contact_id, currency.currency, n, detail.name)] = detail.amount
    return found


def aged(lending: CodatLending, report: tuple, company_id: str, **params: Any) -> Any:
    get = lending.accounts_receivable.reports
    method = get.get_aged_debtors if report[0] == "agedDebtor" else get.get_aged_creditors
    return method(request={"company_id": company_id, **params})


def check_ageing(lending: CodatLending, books: dict[str, Any], report: tuple) -> set[int]:
    """The aged report against the read API's documents (`books`: the company and its documents by type),
    for a report date after every document and for several earlier ones and period settings; returns the
    periods that held an amount."""
    company_id = books["company"]
    details = report[1]
    documents = [d for data_type in details for d in books[data_type]]
    assert any(d["amountDue"] if "amountDue" in d else d["remainingCredit"] for d in documents)
    # Coherent books: each document's allocations account for what it no longer owes.
    for document in documents:
        if document["status"] != "Void":
            assert owed_on(document, date.max) == Decimal(
                str(document.get("amountDue", -document.get("remainingCredit", 0)))
            ), document["id"]

    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    # For a report date after every document: exactly the open amounts the read API shows today.
    answer = aged(lending, report, company_id, report_date=tomorrow)
    assert answer.report_date.startswith(tomorrow.isoformat())
    total = sum((amount for amount in reported(answer, report).values()), Decimal(0))
    open_now = sum(
        (
            Decimal(str(d["amountDue"] if "amountDue" in d else -d["remainingCredit"]))
            for d in documents
            if d["status"] not in ("Void", "Draft")
        ),
        Decimal(0),
    )
    assert total == open_now

    # Several report dates and bucket settings, each period's figures as the read API's records give them.
    issued = sorted(day_of(d["issueDate"]) for d in documents)
    middle = issued[len(issued) // 2]
    periods_seen: set[int] = set()
    for report_date, periods, length in (
        (tomorrow, 4, 30),
        (middle, 4, 30),
        (middle + timedelta(days=3), 6, 7),
        (issued[-1], 1, 90),
        (issued[0] + timedelta(days=40), 3, 15),
    ):
        answer = aged(
            lending,
            report,
            company_id,
            report_date=report_date,
            number_of_periods=periods,
            period_length_days=length,
        )
        shown = reported(answer, report)
        assert shown == expected(books, report, report_date, periods, length), report_date
        periods_seen |= {period for _, _, period, _ in shown}
        (contact, *_) = answer.data or [None]
        if contact is not None:
            (first, *_) = contact.aged_currency_outstanding
            bounds = [(p.from_date[:10], p.to_date[:10]) for p in first.aged_outstanding_amounts]
            assert len(bounds) == periods and bounds[0][1] == report_date.isoformat()
            assert bounds[-1][0] == "0001-01-01"
            assert all(newer[0] == older[1] for newer, older in itertools.pairwise(bounds))
    return periods_seen


def lending_sdk(server: Any) -> CodatLending:
    from codat_lending.models import shared

    return CodatLending(security=shared.Security(auth_header=server.auth_header), server_url=server.base_url)
