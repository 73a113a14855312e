"""Aged debtors and creditors, and reconciled invoices, through `codat-lending` on the real server: on a
linked Accounting Sandbox (with the Banking Sandbox beside it). Every figure is recomputed here from the read
API's records, independently of how the server works it out."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from codat_lending.models.errors import ErrorMessage, SDKError

from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.receivables import (
    CREDITORS,
    DEBTORS,
    aged,
    check_ageing,
    day_of,
    expected,
    owed_on,
    reported,
)
from tests.support.server import RunningServer


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


@pytest.mark.parametrize("report", [DEBTORS, CREDITORS], ids=["debtors", "creditors"])
def test_aged_totals_equal_open_amounts_recomputed_from_the_read_api(lending, books, report) -> None:
    # The dates chosen put open documents in more than one period.
    assert len(check_ageing(lending, books, report)) > 1
    # The Sandbox's books have something overdue in every one of Codat's default periods, today.
    today = reported(aged(lending, report, books["company"]), report)
    assert {period for _, _, period, _ in today} == {0, 1, 2, 3}


def test_a_document_paid_after_the_report_date_still_shows(lending, books) -> None:
    paid = [
        i
        for i in books["invoices"]
        if i["status"] == "Paid"
        and i["paymentAllocations"]
        and day_of(i["paidOnDate"]) > day_of(i["issueDate"])
    ]
    assert paid
    invoice = paid[0]
    report_date = day_of(invoice["paidOnDate"])  # paid on the report date: after the report's cut
    answer = aged(lending, DEBTORS, books["company"], report_date=report_date, number_of_periods=12)
    shown = reported(answer, DEBTORS)
    customer = invoice["customerRef"]["id"]
    age = (report_date - day_of(invoice["issueDate"])).days
    key = (customer, invoice["currency"], min((age - 1) // 30, 11), "Invoices")
    # What was paid on or after the report date was still owed on it (earlier part payments were not).
    paid_later = -sum(
        (
            Decimal(str(a["allocation"]["totalAmount"]))
            for a in invoice["paymentAllocations"]
            if day_of(a["allocation"]["allocatedOnDate"]) >= report_date
        ),
        Decimal(0),
    )
    assert paid_later > 0 and shown[key] >= paid_later
    assert owed_on(invoice, report_date) == paid_later
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
