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

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import RunningServer
from tests.test_push import money, wait_for_push

TAG = uuid.uuid4().hex[:8]


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


class BillPayApp:
    """What the demo app keeps: the company it made, its connection, and how it calls the API."""

    def __init__(self, api: httpx.Client, company_id: str, connection_id: str) -> None:
        self.api = api
        self.company_id = company_id
        self.data = f"/companies/{company_id}/data"
        # Connection-scoped types (bank accounts) are read under the connection.
        self.connection_data = f"/companies/{company_id}/connections/{connection_id}/data"
        self.push = f"/companies/{company_id}/connections/{connection_id}/push"
        self.options = f"/companies/{company_id}/connections/{connection_id}/options"

    def pushed(self, answer: httpx.Response) -> dict[str, Any]:
        """A push answered Pending at once, then polled until it ended."""
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Pending", answer.text
        return wait_for_push(self.api, self.company_id, answer.json()["pushOperationKey"])

    @staticmethod
    def written_id(done: dict[str, Any]) -> str:
        """The id of the record a push operation wrote, from its `changes`."""
        (change,) = done["changes"]
        return change["recordRef"]["id"]

    def refresh(self, *data_types: str) -> None:
        """Bring the read API up to date: a push queues a pull of its own type; the app asks for the others
        it shows (a bill payment changes its bill and its bank account too)."""
        for data_type in data_types:
            queued = self.api.post(f"{self.data}/queue/{data_type}")
            assert queued.status_code == 200, queued.text
        wait_for_pulls(self.api, self.company_id)

    def read(self, data_type: str, record_id: str) -> dict[str, Any]:
        base = self.connection_data if data_type == "bankAccounts" else self.data
        answer = self.api.get(f"{base}/{data_type}/{record_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def current_account(self) -> dict[str, Any]:
        banks = read_all(self.api, f"{self.connection_data}/bankAccounts")
        return next(b for b in banks if b["accountName"] == "Business Current Account")

    def record_bill(self, bill: dict[str, Any]) -> str:
        done = self.pushed(self.api.post(f"{self.push}/bills", json=bill))
        assert done["status"] == "Success" and done["dataType"] == "bills", done
        wait_for_pulls(self.api, self.company_id)
        return self.written_id(done)

    def pay(self, bill: dict[str, Any], bank_account_id: str, amount: float) -> dict[str, Any]:
        """Pay `amount` of a bill from a bank account: Codat's bill payment of one bill."""
        payment = {
            "supplierRef": {"id": bill["supplierRef"]["id"]},
            "accountRef": {"id": bank_account_id},
            "totalAmount": amount,
            "currency": bill["currency"],
            "date": today(),
            "reference": f"BILLPAY-{TAG}",
            "lines": [{"amount": amount, "links": [{"type": "Bill", "id": bill["id"], "amount": -amount}]}],
        }
        return self.pushed(self.api.post(f"{self.push}/billPayments", json=payment))


@pytest.fixture(scope="module")
def app(server: RunningServer) -> Iterator[BillPayApp]:
    """A company made and linked to the Accounting Sandbox, its first pulls done, as the demo starts."""
    with server.client() as api:
        company = api.post("/companies", json={"name": f"Bill Pay Demo {TAG}"})
        assert company.status_code == 200, company.text
        company_id = company.json()["id"]
        connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=10)
    with server.client() as api:
        yield BillPayApp(api, company_id, connection["id"])


def test_a_bill_created_then_paid_in_full_reads_paid(app: BillPayApp) -> None:
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
    paid = app.pay(bill, bank["id"], 144)
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


def test_a_partial_payment_then_its_delete(app: BillPayApp) -> None:
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
