"""Codat's bill-pay demo, against ledgerlink: the calls its guide makes of Codat's API, over HTTP in Codat's
request shapes, through the real server, its worker and the Accounting Sandbox.

A business links its books; the app lists the suppliers and the bank accounts to pay from, records a bill,
asks `GET .../options/billPayments` what a bill payment takes, pays the bill with a bill payment (`POST
.../push/billPayments`), polls the push operation until it ends, and reads the bill back `Paid`, its payment
allocated to it and the bill payment listed. Then the partial payment (the bill `PartiallyPaid`, owed the
rest; paying more than that refused) and the bill payment deleted (`DELETE .../push/billPayments/{id}`: the
bill owed again, the bank's money back).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.pulls import read_all
from tests.support.push_operations import money
from tests.support.sandbox_push import SandboxPushes, linked_sandbox, today
from tests.support.server import RunningServer

TAG = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def app(server: RunningServer) -> Iterator[SandboxPushes]:
    """The demo's company, linked to the Accounting Sandbox, as the demo starts."""
    with linked_sandbox(server, f"Bill Pay Demo {TAG}") as app:
        yield app


def test_a_bill_created_then_paid_in_full_reads_paid(app: SandboxPushes) -> None:
    api = app.api
    # The app lists the suppliers to pay and the bank accounts to pay from.
    suppliers = api.get(f"{app.data}/suppliers", params={"query": "status=Active", "orderBy": "supplierName"})
    assert suppliers.status_code == 200 and suppliers.json()["results"], suppliers.text
    supplier = suppliers.json()["results"][0]
    bank = app.current_account()
    expenses = api.get(f"{app.data}/accounts", params={"query": "type=Expense", "pageSize": 500})
    expense = next(a for a in expenses.json()["results"] if a["name"] == "Office Supplies")
    tax_rate = next(t for t in read_all(api, f"{app.data}/taxRates") if t["name"] == "Standard 20%")

    # A bill from the supplier: 3 x 40.00 of office supplies at 20% VAT.
    line = {
        "description": "Printer paper",
        "unitAmount": 40,
        "quantity": 3,
        "accountRef": {"id": expense["id"]},
        "taxRateRef": {"id": tax_rate["id"]},
        "subTotal": 120,
        "taxAmount": 24,
        "totalAmount": 144,
    }
    bill_id = app.record_bill(
        {
            "reference": f"DEMO-{TAG}",
            "supplierRef": {"id": supplier["id"]},
            "issueDate": today(),
            "currency": "GBP",
            "status": "Open",
            "lineItems": [line],
            "subTotal": 120,
            "taxAmount": 24,
            "totalAmount": 144,
        }
    )
    bill = app.read("bills", bill_id)
    assert (bill["status"], money(bill["amountDue"]), bill["paymentAllocations"]) == ("Open", 14400, [])
    assert bill["supplierRef"]["id"] == supplier["id"] and bill["reference"] == f"DEMO-{TAG}"

    # What a bill payment takes, as the app asks before paying.
    options = api.get(f"{app.options}/billPayments")
    assert options.status_code == 200, options.text
    assert {"supplierRef", "accountRef", "totalAmount", "date", "lines"} <= set(options.json()["properties"])

    # Paid in full from the current account.
    paid = app.pay(bill, bank["id"], 144, f"BILLPAY-{TAG}")
    assert paid["status"] == "Success", paid
    payment_id = app.written_id(paid)
    app.refresh("bills")
    bill = app.read("bills", bill_id)
    assert (bill["status"], money(bill["amountDue"])) == ("Paid", 0)
    (allocation,) = bill["paymentAllocations"]
    assert (
        allocation["payment"]["id"] == payment_id and money(allocation["allocation"]["totalAmount"]) == -14400
    )
    assert allocation["payment"]["accountRef"]["id"] == bank["id"]
    listed = read_all(api, f"{app.data}/billPayments", query=f"id={payment_id}")
    assert [p["id"] for p in listed] == [payment_id] and listed[0]["reference"] == f"BILLPAY-{TAG}"
    (payment_line,) = listed[0]["lines"]
    assert payment_line["links"][0]["id"] == bill_id and money(payment_line["links"][0]["amount"]) == -14400


def test_a_partial_payment_then_its_delete(app: SandboxPushes) -> None:
    api = app.api
    supplier = api.get(f"{app.data}/suppliers", params={"query": "status=Active"}).json()["results"][-1]
    bank = app.current_account()
    account = next(a for a in read_all(api, f"{app.data}/accounts") if a["name"] == "Office Supplies")
    toner = {"description": "Toner", "unitAmount": 250, "quantity": 1, "accountRef": {"id": account["id"]}}
    bill_id = app.record_bill(
        {
            "supplierRef": {"id": supplier["id"]},
            "issueDate": today(),
            "currency": "GBP",
            "status": "Open",
            "lineItems": [toner],
            "subTotal": 250,
            "taxAmount": 0,
            "totalAmount": 250,
        }
    )
    app.refresh("bankAccounts")
    balance = money(app.read("bankAccounts", bank["id"])["balance"])

    # 100.00 of 250.00: partly paid, 150.00 still owed, 100.00 out of the bank.
    paid = app.pay(app.read("bills", bill_id), bank["id"], 100)
    assert paid["status"] == "Success", paid
    payment_id = app.written_id(paid)
    app.refresh("bills", "bankAccounts")
    bill = app.read("bills", bill_id)
    assert (bill["status"], money(bill["amountDue"])) == ("PartiallyPaid", 15000)
    assert money(app.read("bankAccounts", bank["id"])["balance"]) == balance - 10000
    # Paying more than is still owed is refused by the platform, naming the field.
    too_much = app.pay(bill, bank["id"], 200)
    assert too_much["status"] == "Failed" and too_much["statusCode"] == 400, too_much
    assert [e["itemId"] for e in too_much["validation"]["errors"]] == ["lines"]

    # The bill payment deleted: the bill is owed in full again, and the bank has its money back.
    deleted = app.pushed(api.delete(f"{app.push}/billPayments/{payment_id}"))
    assert deleted["status"] == "Success", deleted
    app.refresh("bills", "bankAccounts")
    bill = app.read("bills", bill_id)
    assert (bill["status"], money(bill["amountDue"]), bill["paymentAllocations"]) == ("Open", 25000, [])
    assert money(app.read("bankAccounts", bank["id"])["balance"]) == balance
    # Deleted records stay readable, flagged (Codat's `metadata.isDeleted`).
    gone = api.get(f"{app.data}/billPayments/{payment_id}")
    assert gone.status_code == 200 and gone.json()["metadata"]["isDeleted"] is True, gone.text
