"""Aged debtors and creditors, and reconciled invoices, through `codat-lending` on the real server: on a
linked Accounting Sandbox (with the Banking Sandbox beside it). Every figure is recomputed here from the read
API's records, independently of how the server works it out."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from codat_lending import CodatLending
from codat_lending.models import shared
from codat_lending.models.errors import ErrorMessage, SDKError

from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer

# (report, its document types and detail names, the contact's ref and the report's key for it)
DEBTORS = ("agedDebtor", {"invoices": "Invoices", "creditNotes": "CreditNotes"}, "customerRef", "customerId")
CREDITORS = (
    "agedCreditor",
    {"bills": "Bills", "billCreditNotes": "BillCreditNotes"},
    "supplierRef",
    "supplierId",
)
Owed = dict[tuple[str, str | None, int, str], Decimal]


@pytest.fixture(scope="module")
def lending(server: RunningServer) -> CodatLending:
    return CodatLending(security=shared.Security(auth_header=server.auth_header), server_url=server.base_url)


@pytest.fixture(scope="module")
def books(server: RunningServer) -> dict[str, Any]:
    """A company with the Accounting Sandbox and the Banking Sandbox linked and pulled, and its documents as
    the read API lists them."""
    with server.client() as api:
        company_id, accounting = link_sandbox(api, "Receivables Books Ltd")
        bank = api.post(f"/companies/{company_id}/connections", json={"platformKey": "qhnd"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{bank['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=14)
        documents = {}
        for data_type in ("invoices", "creditNotes", "bills", "billCreditNotes"):
            answer = api.get(f"/companies/{company_id}/data/{data_type}", params={"pageSize": 1})
            documents[data_type] = (
                read_all(api, f"/companies/{company_id}/data/{data_type}")
                if answer.status_code == 200
                else []
            )
    return {"company": company_id, "accounting": accounting, "bank": bank["id"], **documents}


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _allocation_day(allocation: dict[str, Any]) -> date | None:
    when = allocation["allocation"].get("allocatedOnDate") or allocation["payment"].get("paidOnDate")
    return _day(when) if when else None


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
            age = (report_date - _day(document["issueDate"])).days
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


@pytest.mark.parametrize("report", [DEBTORS, CREDITORS], ids=["debtors", "creditors"])
def test_aged_totals_equal_open_amounts_recomputed_from_the_read_api(lending, books, report) -> None:
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
    issued = sorted(_day(d["issueDate"]) for d in documents)
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
    # The dates chosen put open documents in more than one period.
    assert len(periods_seen) > 1


def test_a_document_paid_after_the_report_date_still_shows(lending, books) -> None:
    paid = [
        i
        for i in books["invoices"]
        if i["status"] == "Paid" and i["paymentAllocations"] and _day(i["paidOnDate"]) > _day(i["issueDate"])
    ]
    assert paid
    invoice = paid[0]
    report_date = _day(invoice["paidOnDate"])  # paid on the report date: after the report's cut
    answer = aged(lending, DEBTORS, books["company"], report_date=report_date, number_of_periods=12)
    shown = reported(answer, DEBTORS)
    customer = invoice["customerRef"]["id"]
    age = (report_date - _day(invoice["issueDate"])).days
    key = (customer, invoice["currency"], min((age - 1) // 30, 11), "Invoices")
    assert shown[key] >= Decimal(str(invoice["totalAmount"])) > 0
    # The day after, it is paid: it no longer counts.
    later = reported(
        aged(lending, DEBTORS, books["company"], report_date=report_date + timedelta(days=1)), DEBTORS
    )
    assert later == expected(books, DEBTORS, report_date + timedelta(days=1), 4, 30)


def test_available_when_the_books_are_pulled(lending, books, server) -> None:
    reports = lending.accounts_receivable.reports
    company_id = books["company"]
    assert reports.is_aged_debtors_available(request={"company_id": company_id}) is True
    assert reports.is_aged_creditors_available(request={"company_id": company_id}) is True
    with server.client() as api:
        only_bank, _ = link_sandbox(api, "Receivables Only A Bank", key="qhnd")
        assert api.get(f"/companies/{only_bank}/reports/agedDebtor/available").json() is False
        # Not available, so the report itself says why: the data set has not been requested.
        answer = api.get(f"/companies/{only_bank}/reports/agedDebtor")
        assert answer.status_code == 409 and answer.json()["statusCode"] == 409
        missing = api.get("/companies/00000000-0000-4000-8000-000000000000/reports/agedCreditor/available")
        assert missing.status_code == 404 and missing.json()["statusCode"] == 404
    with pytest.raises(ErrorMessage) as raised:
        reports.get_aged_debtors(request={"company_id": "00000000-0000-4000-8000-000000000000"})
    assert raised.value.status_code == 404


def test_bad_parameters_are_codat_400s(lending, books, server) -> None:
    company_id = books["company"]
    for params in ({"number_of_periods": 0}, {"period_length_days": -1}, {"number_of_periods": 100_000}):
        with pytest.raises(SDKError) as raised:
            aged(lending, DEBTORS, company_id, **params)
        assert raised.value.status_code == 400, params
    with server.client() as api:
        for query in (
            {"reportDate": "yesterday"},
            {"numberOfPeriods": "four"},
            {"periodLengthDays": "1.5"},
            {"reportDate": "0001-02-01", "numberOfPeriods": 12},
        ):
            answer = api.get(f"/companies/{company_id}/reports/agedCreditor", params=query)
            body = answer.json()
            assert answer.status_code == 400 and body["statusCode"] == 400 and body["error"], query


def test_reconciled_invoices_match_payments_to_the_bank(lending, books, server) -> None:
    company_id = books["company"]
    invoices = {i["id"]: i for i in books["invoices"]}
    with server.client() as api:
        payments = {p["id"]: p for p in read_all(api, f"/companies/{company_id}/data/payments")}
        bank_lines = {
            t["id"]: t
            for account in read_all(
                api, f"/companies/{company_id}/connections/{books['accounting']}/data/bankAccounts"
            )
            for t in read_all(
                api,
                f"/companies/{company_id}/connections/{books['accounting']}/data/bankAccounts/{account['id']}"
                "/bankTransactions",
            )
        }
    invoices_api = lending.accounts_receivable.invoices
    first = invoices_api.list_reconciled(request={"company_id": company_id, "page_size": 50})
    info = first.report_info
    assert (info.page_number, info.page_size, info.total_results) == (1, 50, len(invoices))
    assert info.company_name == "Receivables Books Ltd" and info.report_name == "Invoices report"
    items, page = list(first.report_items), 1
    while len(items) < info.total_results:
        page += 1
        items += invoices_api.list_reconciled(
            request={"company_id": company_id, "page_size": 50, "page": page}
        ).report_items
    assert [item.id for item in items] == [i["id"] for i in books["invoices"]]  # the read API's order

    matched = 0
    for item in items:
        invoice = invoices[item.id]
        assert (item.invoice_number, item.status, item.amount_due) == (
            invoice["invoiceNumber"],
            invoice["status"],
            Decimal(str(invoice["amountDue"])),
        )
        allocated = {a["payment"]["id"]: a for a in invoice["paymentAllocations"]}
        assert [p.id for p in item.payments] == list(allocated)
        for payment in item.payments:
            # Every payment shown is allocated to this invoice, for the amount allocated.
            assert payment.amount == -Decimal(str(allocated[payment.id]["allocation"]["totalAmount"]))
            for ref in payment.banking_transaction_refs:
                matched += 1
                assert payment.payment_type == "payments"
                # The bank transaction carries the money of the payment it is evidence for.
                assert ref.amount == Decimal(str(payments[payment.id]["totalAmount"]))
                if ref.data_connection_id == books["accounting"]:
                    assert Decimal(str(bank_lines[ref.id]["amount"])) == ref.amount
    assert matched, "the Sandbox's payments land in its bank accounts"

    raw = (
        server.client()
        .get(f"/companies/{company_id}/reports/enhancedInvoices", params={"pageSize": 200})
        .json()
    )
    refs = [r for item in raw["reportItems"] for p in item["payments"] for r in p["bankingTransactionRefs"]]
    assert refs and all(0 <= r["matchScore"] <= 1 and r["matchReasons"] for r in refs)
    # The Sandbox's bank lines name the invoice and clear the day it is paid, into the account paid into.
    assert max(r["matchScore"] for r in refs) == 1
    used = [(r["dataConnectionId"], r["id"]) for r in refs]
    assert len(used) == len(set(used)) or _same_payment(raw, used)


def _same_payment(raw: dict, used: list[tuple[str, str]]) -> bool:
    """A bank transaction appears twice only for one payment allocated to two invoices of the page."""
    by_transaction: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in raw["reportItems"]:
        for payment in item["payments"]:
            for ref in payment["bankingTransactionRefs"]:
                by_transaction[(ref["dataConnectionId"], ref["id"])].add(payment["id"])
    return all(len(payments) == 1 for payments in by_transaction.values())


def test_reconciled_invoices_take_a_query_and_refuse_bad_paging(lending, books, server) -> None:
    company_id = books["company"]
    paid = [i for i in books["invoices"] if i["status"] == "Paid"]
    answer = lending.accounts_receivable.invoices.list_reconciled(
        request={"company_id": company_id, "query": "status=Paid", "page_size": 5}
    )
    assert answer.report_info.total_results == len(paid)
    assert [item.id for item in answer.report_items] == [i["id"] for i in paid[:5]]
    with server.client() as api:
        for params in ({"page": 0}, {"pageSize": 5001}, {"query": "(status=Paid"}, {"query": "status"}):
            refused = api.get(f"/companies/{company_id}/reports/enhancedInvoices", params=params)
            assert refused.status_code == 400 and refused.json()["statusCode"] == 400, params
        missing = api.get(f"/companies/{uuid.uuid4()}/reports/enhancedInvoices")
        assert missing.status_code == 404
        only_bank, _ = link_sandbox(api, "Reconciled Only A Bank", key="qhnd")
        assert api.get(f"/companies/{only_bank}/reports/enhancedInvoices").status_code == 409
