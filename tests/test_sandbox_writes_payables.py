"""The Accounting Sandbox's payables written through the API: bills, bill credit notes, bill payments and
purchase orders.

In pure Python first (an in-memory platform store, as `tests/test_sandbox_writes.py`): what each create posts
(a bill moves expenses, VAT and Accounts Payable; a bill payment the bank and Accounts Payable; a credit note
the bill reversed; a purchase order nothing), how a bill's `amountDue`, status and allocations follow the
bill payments and credit notes allocated to it, incremental pulls, and every refusal, one validation item per
field. Then through the real server, its worker and PostgreSQL: each create over HTTP in Codat's request
shape, read back through the read API and the statements. Codat's bill-pay demo is
`tests/test_bill_pay_demo.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerlink.connectors.base import RecordNotFound
from ledgerlink.records.registry import Operation
from tests.support.pulls import read_all
from tests.support.push_operations import money, wait_for_push
from tests.support.sandbox_books import cents, check_coherence
from tests.support.sandbox_push import SandboxPushes, linked_sandbox
from tests.support.sandbox_writes import Company, assert_incremental, later
from tests.support.server import RunningServer
from tests.test_sandbox_writes import items


def supplier_of(snapshot: dict[str, dict[str, dict]], *, archived: bool = False) -> str:
    status = "Archived" if archived else "Active"
    return next(s["id"] for s in snapshot["suppliers"].values() if s["status"] == status)


def line(company: Company, account: str, unit: float, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "description": f"{account} x {quantity}",
        "unitAmount": unit,
        "quantity": quantity,
        "accountRef": company.account(account),
        "taxRateRef": {"id": company.books.tax_ids[0]},  # Standard 20%
        **extra,
    }


def bill(company: Company, supplier: str, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "supplierRef": {"id": supplier},
        "issueDate": company.today,
        "status": "Open",
        "lineItems": list(lines) or [line(company, "office", 50, 2), line(company, "marketing", 100)],
        **extra,
    }


def credit_note(company: Company, supplier: str, unit: float = 10, **extra: Any) -> dict[str, Any]:
    return {
        "supplierRef": {"id": supplier},
        "issueDate": company.today,
        "lineItems": [line(company, "office", unit)],
        **extra,
    }


def bill_payment(company: Company, supplier: str, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "supplierRef": {"id": supplier},
        "accountRef": company.account("bank_current"),
        "date": company.today,
        "totalAmount": sum(one["amount"] for one in lines),
        "lines": list(lines),
        **extra,
    }


def paying(bill_id: str, amount: float) -> dict[str, Any]:
    return {"amount": amount, "links": [{"type": "Bill", "id": bill_id, "amount": -amount}]}


def using(bill_id: str, credit_note_id: str, amount: float) -> dict[str, Any]:
    return {
        "amount": 0,
        "links": [
            {"type": "Bill", "id": bill_id, "amount": -amount},
            {"type": "CreditNote", "id": credit_note_id, "amount": amount},
        ],
    }


def on_account(supplier: str, amount: float) -> dict[str, Any]:
    return {"amount": amount, "links": [{"type": "PaymentOnAccount", "id": supplier, "amount": 0}]}


def moved(after: dict, before: dict, company: Company) -> dict[str, int]:
    """Pence each account's balance moved, by the books' account keys."""
    keys = {account_id: key for key, account_id in ((k, company.account(k)["id"]) for k in ACCOUNT_KEYS)}
    out = {}
    for account_id, account in after["chartOfAccounts"].items():
        change = cents(account["currentBalance"]) - cents(
            before["chartOfAccounts"][account_id]["currentBalance"]
        )
        if change:
            out[keys.get(account_id, account_id)] = change
    return out


UPDATE, DELETE = Operation.UPDATE, Operation.DELETE
ACCOUNT_KEYS = ("office", "marketing", "vat", "ap", "bank_current", "bank_savings")


@pytest.fixture(scope="module")
def payables() -> tuple[Company, dict[str, dict], dict[str, dict], dict[str, dict[str, Any]]]:
    """A company with a purchase order, two bills (one billed from the order), a credit note, a bill payment
    paying one bill in part and using the credit note on it, and a payment on account; snapshots with and
    without them (same moment)."""
    company = Company()
    before = company.snapshot(later())
    supplier = supplier_of(before)
    out: dict[str, Any] = {"supplier": supplier}
    out["order"] = company.push(
        "purchaseOrders",
        {
            "supplierRef": {"id": supplier},
            "issueDate": company.today,
            "expectedDeliveryDate": (datetime.now(UTC) + timedelta(days=10)).date().isoformat(),
            "purchaseOrderNumber": "PO-PAYABLES-1",
            "lineItems": [line(company, "office", 50, 2)],
            "totalAmount": 120,
        },
    )
    out["bill"] = company.push(  # 2 x 50 + 100, at 20%: 240
        "bills",
        bill(company, supplier, reference="BILL-PAYABLES-1", purchaseOrderRefs=[{"id": out["order"]["id"]}]),
    )
    out["other"] = company.push("bills", bill(company, supplier, line(company, "office", 25)))  # 30
    out["note"] = company.push("billCreditNotes", credit_note(company, supplier))  # 12
    out["payment"] = company.push(
        "billPayments",
        bill_payment(
            company, supplier, paying(out["bill"]["id"], 100), using(out["bill"]["id"], out["note"]["id"], 12)
        ),
    )
    out["account"] = company.push("billPayments", bill_payment(company, supplier, on_account(supplier, 15)))
    as_of = later()
    return company, company.snapshot(as_of), company.snapshot(as_of, written=False), out


def test_payables_join_coherent_books(payables) -> None:
    company, books, generated, out = payables
    check_coherence(books)
    new = {data_type: set(books[data_type]) - set(generated[data_type]) for data_type in books}
    assert {k: len(v) for k, v in new.items() if v} == {
        "purchaseOrders": 1,
        "bills": 2,
        "billCreditNotes": 1,
        "billPayments": 2,
        "journalEntries": 5,  # the bills, the credit note, the payments
        "bankTransactions": 2,
    }
    # The bill: 240.00, paid 100.00 from the bank and 12.00 by the credit note.
    paid = books["bills"][out["bill"]["id"]]
    assert (cents(paid["totalAmount"]), cents(paid["amountDue"]), paid["status"]) == (
        24000,
        12800,
        "PartiallyPaid",
    )
    assert paid["reference"] == "BILL-PAYABLES-1" and paid["purchaseOrderRefs"][0]["id"] == out["order"]["id"]
    assert [
        (a["payment"]["id"], cents(a["payment"]["totalAmount"]), cents(a["allocation"]["totalAmount"]))
        for a in paid["paymentAllocations"]
    ] == [(out["payment"]["id"], 10000, -10000), (out["payment"]["id"], 0, -1200)]
    assert (
        paid["paymentAllocations"][0]["payment"]["accountRef"]["id"] == company.account("bank_current")["id"]
    )
    assert [line["lineNumber"] for line in paid["lineItems"]] == ["1", "2"]
    other = books["bills"][out["other"]["id"]]
    assert (cents(other["amountDue"]), other["status"], other["paymentAllocations"]) == (3000, "Open", [])
    note = books["billCreditNotes"][out["note"]["id"]]
    assert (cents(note["remainingCredit"]), note["status"]) == (0, "Paid")
    assert note["paymentAllocations"][0]["payment"]["id"] == out["payment"]["id"]
    order = books["purchaseOrders"][out["order"]["id"]]
    assert (order["status"], order["purchaseOrderNumber"], cents(order["totalAmount"])) == (
        "Open",
        "PO-PAYABLES-1",
        12000,
    )
    (account_line,) = books["billPayments"][out["account"]["id"]]["lines"]
    assert account_line["links"] == [
        {"type": "PaymentOnAccount", "id": out["supplier"], "amount": -15.0, "currencyRate": 1}
    ]

    # The ledger: the bills' expenses and VAT against Accounts Payable, the credit note reversing part of one,
    # the payments out of the bank into Accounts Payable; the purchase order nothing.
    assert moved(books, generated, company) == {
        "office": 10000 + 2500 - 1000,
        "marketing": 10000,
        "vat": 4000 + 500 - 200,
        "ap": -24000 - 3000 + 1200 + 10000 + 1500,
        "bank_current": -10000 - 1500,
    }
    month = company.today[:7]
    profit = books["profitAndLoss"][month]["netProfit"] - generated["profitAndLoss"][month]["netProfit"]
    assert round(profit, 2) == -215
    entries = [books["journalEntries"][i] for i in new["journalEntries"]]
    assert {e["recordRef"]["dataType"] for e in entries} == {"bills", "billCreditNotes", "billPayments"}
    (txn,) = [
        books["bankTransactions"][i]
        for i in new["bankTransactions"]
        if books["bankTransactions"][i]["amount"] == -100
    ]
    assert txn["transactionType"] == "Debit" and txn["clearedOnDate"].startswith(company.today)


def test_pulls_since_before_the_writes_bring_them() -> None:
    company = Company()
    first_moment = datetime.now(UTC) - timedelta(seconds=1)
    first = company.snapshot(first_moment)
    supplier = supplier_of(first)
    owed = company.push("bills", bill(company, supplier))
    note = company.push("billCreditNotes", credit_note(company, supplier))
    company.push(
        "billPayments",
        bill_payment(company, supplier, paying(owed["id"], 50), using(owed["id"], note["id"], 6)),
    )
    company.push(
        "purchaseOrders",
        {
            "supplierRef": {"id": supplier},
            "issueDate": company.today,
            "lineItems": [line(company, "office", 5)],
        },
    )
    second = assert_incremental(company, first, first_moment, later())
    assert second["bills"][owed["id"]]["status"] == "PartiallyPaid"


def company_with_archived_supplier() -> Company:
    """A company one of whose suppliers is archived by now (most have one; a few do not yet)."""
    while True:
        company = Company()
        if any(s["status"] == "Archived" for s in company.pull("suppliers", later())[0]):
            return company


def test_payable_creates_are_checked_like_a_platform_would() -> None:
    company = company_with_archived_supplier()
    snapshot = company.snapshot(later())
    supplier, archived = supplier_of(snapshot), supplier_of(snapshot, archived=True)
    other_supplier = next(
        s for s, r in snapshot["suppliers"].items() if r["status"] == "Active" and s != supplier
    )
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

    # Bills.
    refused = company.rejected("bills", bill(company, "nobody"))
    assert items(refused) == {"supplierRef.id"} and refused[0]["validatorName"] == "Bill"
    refused = company.rejected("bills", bill(company, archived))
    assert items(refused) == {"supplierRef.id"} and "archived" in refused[0]["message"]
    for account in ("ap", "bank_savings", "vat"):
        assert items(company.rejected("bills", bill(company, supplier, line(company, account, 10)))) == {
            "lineItems.0.accountRef.id"
        }
    assert items(company.rejected("bills", bill(company, supplier, line(company, "office", 10.001)))) == {
        "lineItems.0.unitAmount"
    }
    assert items(company.rejected("bills", bill(company, supplier, totalAmount=1, taxAmount=2))) == {
        "totalAmount",
        "taxAmount",
    }
    assert items(company.rejected("bills", bill(company, supplier, status="Paid"))) == {"status"}
    assert items(company.rejected("bills", bill(company, supplier, currency="EUR"))) == {"currency"}
    assert items(company.rejected("bills", bill(company, supplier, issueDate=tomorrow))) == {"issueDate"}
    assert items(company.rejected("bills", bill(company, supplier, dueDate="2000-01-01"))) == {"dueDate"}
    assert items(company.rejected("bills", bill(company, supplier, lineItems=[]))) == {"lineItems"}
    assert items(company.rejected("bills", bill(company, supplier, purchaseOrderRefs=[{"id": "x"}]))) == {
        "purchaseOrderRefs.0.id"
    }
    # Several fields wrong: one item each.
    assert items(company.rejected("bills", bill(company, "nobody", currency="EUR", issueDate="x"))) == {
        "supplierRef.id",
        "currency",
        "issueDate",
    }

    # Bill credit notes and purchase orders.
    assert items(company.rejected("billCreditNotes", credit_note(company, "nobody"))) == {"supplierRef.id"}
    assert items(company.rejected("billCreditNotes", credit_note(company, supplier, remainingCredit=1))) == {
        "remainingCredit"
    }
    assert items(company.rejected("billCreditNotes", credit_note(company, supplier, unit=0))) == {
        "totalAmount"
    }
    order = {
        "supplierRef": {"id": supplier},
        "issueDate": company.today,
        "lineItems": [line(company, "office", 5)],
    }
    assert items(company.rejected("purchaseOrders", {**order, "status": "Closed"})) == {"status"}
    assert items(company.rejected("purchaseOrders", {**order, "expectedDeliveryDate": "2001-01-01"})) == {
        "expectedDeliveryDate"
    }
    company.push("purchaseOrders", {**order, "purchaseOrderNumber": "PO-ONCE"})
    assert items(company.rejected("purchaseOrders", {**order, "purchaseOrderNumber": "PO-ONCE"})) == {
        "purchaseOrderNumber"
    }

    # Bill payments.
    owed = company.push("bills", bill(company, supplier))  # 240.00
    note = company.push("billCreditNotes", credit_note(company, supplier))  # 12.00
    too_much = company.rejected("billPayments", bill_payment(company, supplier, paying(owed["id"], 240.01)))
    assert items(too_much) == {"lines"} and "is owed 240.00" in too_much[0]["message"]
    credit = company.rejected(
        "billPayments", bill_payment(company, supplier, using(owed["id"], note["id"], 13))
    )
    assert items(credit) == {"lines"} and "credit left of 12.00" in credit[0]["message"]
    generated = next(iter(snapshot["bills"]))
    refused = company.rejected("billPayments", bill_payment(company, supplier, paying(generated, 10)))
    assert items(refused) == {"lines.0.links.0.id"} and "not created through the API" in refused[0]["message"]
    assert items(
        company.rejected("billPayments", bill_payment(company, other_supplier, paying(owed["id"], 10)))
    ) == {"lines.0.links.0.id"}
    not_bank = bill_payment(company, supplier, paying(owed["id"], 10), accountRef=company.account("office"))
    assert items(company.rejected("billPayments", not_bank)) == {"accountRef.id"}
    no_bank = bill_payment(company, supplier, paying(owed["id"], 10))
    del no_bank["accountRef"]
    assert items(company.rejected("billPayments", no_bank)) == {"accountRef.id"}
    assert items(
        company.rejected(
            "billPayments", bill_payment(company, supplier, paying(owed["id"], 10), totalAmount=11)
        )
    ) == {"totalAmount"}
    positive = bill_payment(company, supplier, paying(owed["id"], 10))
    positive["lines"][0]["links"][0]["amount"] = 10
    assert "lines.0.links.0.amount" in items(company.rejected("billPayments", positive))
    short = bill_payment(company, supplier, paying(owed["id"], 10))
    short["lines"][0]["amount"] = 9
    short["totalAmount"] = 9
    assert items(company.rejected("billPayments", short)) == {"lines.0.amount"}
    invoice_link = bill_payment(company, supplier, paying(owed["id"], 10))
    invoice_link["lines"][0]["links"][0]["type"] = "Invoice"
    assert items(company.rejected("billPayments", invoice_link)) == {"lines.0.links.0.type"}
    elsewhere = bill_payment(company, supplier, on_account(other_supplier, 10))
    assert items(company.rejected("billPayments", elsewhere)) == {"lines.0.links.0.id"}
    refund = bill_payment(company, supplier, on_account(supplier, -10))
    assert items(company.rejected("billPayments", refund)) >= {"lines.0.amount", "totalAmount"}
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    early = bill_payment(company, supplier, paying(owed["id"], 10), date=yesterday)
    assert items(company.rejected("billPayments", early)) == {"lines.0.links.0.id"}
    # Nothing refused was kept.
    assert [row.data_type for row in company.store.rows] == ["purchaseOrders", "bills", "billCreditNotes"]
    # What was refused for being too much goes through once it is not.
    company.push(
        "billPayments",
        bill_payment(company, supplier, paying(owed["id"], 228), using(owed["id"], note["id"], 12)),
    )
    assert company.pull("bills", later())[0][-1]["status"] == "Paid"


def test_updates_and_deletes_re_post_and_keep_the_books_coherent() -> None:
    company = Company()
    first_moment = datetime.now(UTC) - timedelta(seconds=1)
    first = company.snapshot(first_moment)
    supplier = supplier_of(first)
    other_supplier = next(
        s for s, r in first["suppliers"].items() if r["status"] == "Active" and s != supplier
    )
    sent = bill(company, supplier, reference="BILL-REVISED")
    owed = company.push("bills", sent)  # 240.00
    paid = company.push("billPayments", bill_payment(company, supplier, paying(owed["id"], 100)))
    note = company.push("billCreditNotes", credit_note(company, supplier, unit=20))  # 24.00
    order = company.push(
        "purchaseOrders",
        {
            "supplierRef": {"id": supplier},
            "issueDate": company.today,
            "lineItems": [line(company, "office", 5)],
        },
    )

    # A bill updated is the whole bill again: it re-posts (300.00 of office supplies, 360.00 with VAT) and
    # keeps what was paid off it.
    revised = company.update("bills", owed["id"], {**sent, "lineItems": [line(company, "office", 300)]})
    assert revised["id"] == owed["id"] and cents(revised["amountDue"]) == 26000
    assert revised["status"] == "PartiallyPaid" and revised["reference"] == "BILL-REVISED"
    # Not below what was paid, nor to another supplier while paid; not deleted while paid.
    assert items(
        company.rejected(
            "bills",
            {**sent, "lineItems": [line(company, "office", 50)]},
            operation=UPDATE,
            record_id=owed["id"],
        )
    ) == {"totalAmount"}
    assert items(
        company.rejected("bills", bill(company, other_supplier), operation=UPDATE, record_id=owed["id"])
    ) == {"supplierRef.id"}
    refused = company.rejected("bills", {}, operation=DELETE, record_id=owed["id"])
    assert items(refused) == {"id"} and paid["id"] in refused[0]["message"]
    # Only what was written through the API is updated or deleted.
    generated = next(iter(first["bills"]))
    for operation, record_id in ((UPDATE, generated), (UPDATE, "no-such-bill"), (DELETE, generated)):
        with pytest.raises(RecordNotFound):
            company.push(
                "bills", sent if operation is UPDATE else {}, operation=operation, record_id=record_id
            )

    middle = company.snapshot(later())
    check_coherence(middle)
    assert moved(middle, first, company) == {
        "office": 30000 - 2000,
        "vat": 6000 - 400,
        "ap": -36000 + 10000 + 2400,
        "bank_current": -10000,
    }

    # A bill payment deleted: the bill is owed in full again and the bank takes the money back (a reversal).
    company.delete("billPayments", paid["id"])
    with pytest.raises(RecordNotFound):
        company.delete("billPayments", paid["id"])
    # The credit note and the purchase order updated.
    company.update(
        "billCreditNotes",
        note["id"],
        credit_note(company, supplier, unit=10, billCreditNoteNumber="PC-REVISED"),
    )
    closed = company.update(
        "purchaseOrders",
        order["id"],
        {
            "supplierRef": {"id": supplier},
            "issueDate": company.today,
            "status": "Closed",
            "lineItems": [line(company, "office", 5)],
        },
    )
    assert closed["status"] == "Closed" and closed["purchaseOrderNumber"] == order["purchaseOrderNumber"]
    after_payment = company.snapshot(later())
    check_coherence(after_payment)
    reopened = after_payment["bills"][owed["id"]]
    assert (cents(reopened["amountDue"]), reopened["status"], reopened["paymentAllocations"]) == (
        36000,
        "Open",
        [],
    )
    assert paid["id"] not in after_payment["billPayments"]
    assert after_payment["billCreditNotes"][note["id"]]["billCreditNoteNumber"] == "PC-REVISED"
    assert moved(after_payment, first, company) == {
        "office": 30000 - 1000,
        "vat": 6000 - 200,
        "ap": -36000 + 1200,
    }

    # The bill deleted: gone, with its posting (a deleted id to a pull that had it).
    before_delete = datetime.now(UTC)
    company.delete("bills", owed["id"])
    last_moment = later()
    # An incremental pull from before it all brings the same books.
    last = assert_incremental(company, first, first_moment, last_moment)
    check_coherence(last)
    assert owed["id"] not in last["bills"]
    assert moved(last, first, company) == {"office": -1000, "vat": -200, "ap": 1200}
    changes, deleted = company.pull("bills", last_moment, since=before_delete)
    assert owed["id"] in deleted and all(bill["id"] != owed["id"] for bill in changes)


# --- through the real server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox(server: RunningServer) -> Iterator[SandboxPushes]:
    with linked_sandbox(server, f"Payables {uuid.uuid4().hex[:8]}") as sandbox:
        yield sandbox


def balances(sandbox: SandboxPushes, *names: str) -> dict[str, int]:
    """Pence in the named accounts, as the read API has them once accounts are pulled again."""
    sandbox.refresh("chartOfAccounts")
    accounts = {a["name"]: a for a in read_all(sandbox.api, f"{sandbox.data}/accounts")}
    return {name: round(accounts[name]["currentBalance"] * 100) for name in names}


def this_month(sandbox: SandboxPushes, statement: str) -> dict[str, Any]:
    sandbox.refresh(statement)
    answer = sandbox.api.get(
        f"{sandbox.data}/financials/{statement}", params={"periodLength": 1, "periodsToCompare": 1}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["reports"][0]


def test_every_payable_write_through_the_server(sandbox: SandboxPushes) -> None:
    api = sandbox.api
    accounts = {a["name"]: a["id"] for a in read_all(api, f"{sandbox.data}/accounts")}
    supplier = api.get(f"{sandbox.data}/suppliers", params={"query": "status=Active"}).json()["results"][0]
    bank = sandbox.current_account()
    day = datetime.now(UTC).date().isoformat()
    watched = ("Office Supplies", "VAT", "Accounts Payable", "Business Current Account")
    before = balances(sandbox, *watched)
    profit_before = this_month(sandbox, "profitAndLoss")["netProfit"]

    def push(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        done = sandbox.pushed(api.request(method, f"{sandbox.push}/{path}", json=body))
        assert done["status"] == "Success", done
        return done

    def office(unit: float) -> dict[str, Any]:
        return {
            "description": "Office",
            "unitAmount": unit,
            "quantity": 1,
            "accountRef": {"id": accounts["Office Supplies"]},
        }

    order_body = {
        "supplierRef": {"id": supplier["id"]},
        "issueDate": day,
        "currency": "GBP",
        "lineItems": [office(80)],
    }
    order_id = sandbox.written_id(push("POST", "purchaseOrders", order_body))
    bill_body = {
        "supplierRef": {"id": supplier["id"]},
        "issueDate": day,
        "currency": "GBP",
        "status": "Open",
        "purchaseOrderRefs": [{"id": order_id}],
        "lineItems": [
            {
                **office(80),
                "taxRateRef": {
                    "id": next(
                        t["id"]
                        for t in read_all(api, f"{sandbox.data}/taxRates")
                        if t["name"] == "Standard 20%"
                    )
                },
            }
        ],
    }
    bill_id = sandbox.written_id(push("POST", "bills", bill_body))  # 96.00
    note_body = {
        "supplierRef": {"id": supplier["id"]},
        "issueDate": day,
        "currency": "GBP",
        "lineItems": [office(6)],
    }
    note_id = sandbox.written_id(push("POST", "billCreditNotes", note_body))  # 6.00, no VAT
    payment_body = {
        "supplierRef": {"id": supplier["id"]},
        "accountRef": {"id": bank["id"]},
        "totalAmount": 40,
        "currency": "GBP",
        "date": day,
        "lines": [
            {"amount": 40, "links": [{"type": "Bill", "id": bill_id, "amount": -40}]},
            {
                "amount": 0,
                "links": [
                    {"type": "Bill", "id": bill_id, "amount": -6},
                    {"type": "CreditNote", "id": note_id, "amount": 6},
                ],
            },
        ],
    }
    payment_id = sandbox.written_id(push("POST", "billPayments", payment_body))
    on_account_id = sandbox.written_id(
        push(
            "POST",
            "billPayments",
            {
                **payment_body,
                "totalAmount": 10,
                "lines": [
                    {
                        "amount": 10,
                        "links": [{"type": "PaymentOnAccount", "id": supplier["id"], "amount": -10}],
                    }
                ],
            },
        )
    )

    # Read back: the bill partly paid in money and credit, the credit used up, the order listed.
    sandbox.refresh("bills", "billCreditNotes")
    bill = sandbox.read("bills", bill_id)
    assert (bill["status"], money(bill["amountDue"]), len(bill["paymentAllocations"])) == (
        "PartiallyPaid",
        5000,
        2,
    )
    assert bill["purchaseOrderRefs"][0]["id"] == order_id
    note = sandbox.read("billCreditNotes", note_id)
    assert (note["status"], money(note["remainingCredit"])) == ("Paid", 0)
    assert sandbox.read("purchaseOrders", order_id)["status"] == "Open"
    assert sandbox.read("billPayments", on_account_id)["lines"][0]["links"][0]["type"] == "PaymentOnAccount"
    # The ledger and the statements: expenses and VAT against Accounts Payable, the bank paid out.
    assert {k: v - before[k] for k, v in balances(sandbox, *watched).items()} == {
        "Office Supplies": 8000 - 600,
        "VAT": 1600,
        "Accounts Payable": -9600 + 600 + 4000 + 1000,
        "Business Current Account": -5000,
    }
    assert round(this_month(sandbox, "profitAndLoss")["netProfit"] - profit_before, 2) == -74
    sheet = this_month(sandbox, "balanceSheet")
    assert money(sheet["assets"]["value"]) - money(sheet["liabilities"]["value"]) == money(
        sheet["equity"]["value"]
    )

    # Updates: the bill re-posted at 120.00 + VAT, the credit note renumbered, the order closed.
    push(
        "PUT",
        f"bills/{bill_id}",
        {**bill_body, "lineItems": [{**bill_body["lineItems"][0], "unitAmount": 120}]},
    )
    push("PUT", f"billCreditNotes/{note_id}", {**note_body, "billCreditNoteNumber": "PC-SERVER-1"})
    push("PUT", f"purchaseOrders/{order_id}", {**order_body, "status": "Closed"})
    sandbox.refresh("bills", "billCreditNotes")
    assert money(sandbox.read("bills", bill_id)["amountDue"]) == 14400 - 4600
    assert sandbox.read("billCreditNotes", note_id)["billCreditNoteNumber"] == "PC-SERVER-1"
    assert sandbox.read("purchaseOrders", order_id)["status"] == "Closed"

    # A bill with payments is not deleted (the push fails with the platform's reason); its payment is.
    refused = sandbox.pushed(api.delete(f"{sandbox.push}/bills/{bill_id}"))
    assert refused["status"] == "Failed" and refused["validation"]["errors"][0]["itemId"] == "id", refused
    push("DELETE", f"billPayments/{payment_id}")
    push("DELETE", f"bills/{bill_id}")
    missing = sandbox.pushed(api.delete(f"{sandbox.push}/bills/{bill_id}"))
    assert missing["status"] == "Failed" and missing["statusCode"] == 404, missing
    sandbox.refresh("bills", "billCreditNotes")
    assert sandbox.read("bills", bill_id)["metadata"]["isDeleted"] is True
    assert money(sandbox.read("billCreditNotes", note_id)["remainingCredit"]) == 600
    # Only the credit note (held on account) and the payment on account are left in the ledger.
    assert {k: v - before[k] for k, v in balances(sandbox, *watched).items()} == {
        "Office Supplies": -600,
        "VAT": 0,
        "Accounts Payable": 600 + 1000,
        "Business Current Account": -1000,
    }


def test_refused_payable_writes_fail_with_codat_s_validation(sandbox: SandboxPushes) -> None:
    api = sandbox.api
    day = datetime.now(UTC).date().isoformat()
    account = next(
        a["id"] for a in read_all(api, f"{sandbox.data}/accounts") if a["name"] == "Accounts Payable"
    )
    line = {"description": "x", "unitAmount": 10, "quantity": 1, "accountRef": {"id": account}}
    cases = {
        "bills": (
            {"supplierRef": {"id": "nobody"}, "issueDate": day, "status": "Open", "lineItems": [line]},
            {"supplierRef.id", "lineItems.0.accountRef.id"},
        ),
        "billPayments": (
            {
                "supplierRef": {"id": "nobody"},
                "totalAmount": 5,
                "date": day,
                "lines": [{"amount": 5, "links": [{"type": "Bill", "id": "no-bill", "amount": -5}]}],
            },
            {"supplierRef.id", "lines.0.links.0.id", "accountRef.id"},
        ),
        "billCreditNotes": (
            {"supplierRef": {"id": "nobody"}, "issueDate": day, "lineItems": [line]},
            {"supplierRef.id", "lineItems.0.accountRef.id"},
        ),
        "purchaseOrders": (
            {"supplierRef": {"id": "nobody"}, "issueDate": day, "lineItems": [line]},
            {"supplierRef.id", "lineItems.0.accountRef.id"},
        ),
    }
    answers = {
        data_type: api.post(f"{sandbox.push}/{data_type}", json=body)
        for data_type, (body, _) in cases.items()
    }
    for data_type, answer in answers.items():
        assert answer.status_code == 200, answer.text
        done = wait_for_push(api, sandbox.company_id, answer.json()["pushOperationKey"])
        assert done["status"] == "Failed" and done["statusCode"] == 400, done
        assert {e["itemId"] for e in done["validation"]["errors"]} == cases[data_type][1], data_type
