"""Updates and deletes on the Accounting Sandbox, and its receivables: versions of invoices, credit notes,
customers and suppliers, deleted invoices and journal entries, payments on account and credit notes allocated
to invoices; each leaves books that hang together (`check_coherence`), and an incremental pull after it
brings exactly what changed (deleted ids included).

Pure Python over the in-memory platform store (`tests/support/sandbox_writes.py`); the last test pushes over
HTTP to the real server (its worker, PostgreSQL's platform store) and reads back through the read API.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ledgerlink.connectors.base import RecordNotFound
from ledgerlink.records.registry import Operation
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.push_operations import wait_for_push
from tests.support.sandbox_books import cents, check_coherence
from tests.support.sandbox_writes import Company, assert_incremental, invoice, journal_entry, later, payment


def items(errors: list[dict[str, str]]) -> set[str]:
    return {e["itemId"] for e in errors}


def tick() -> datetime:
    """A moment strictly between two writes (the Sandbox's clock counts whole seconds)."""
    time.sleep(1.1)
    moment = datetime.now(UTC)
    time.sleep(1.1)
    return moment


def same_books(after: dict, unwritten: dict, statements: tuple[str, ...]) -> None:
    """The statements, and every account's balance, as if nothing had been written (the accounts' modified
    dates say they changed)."""
    for data_type in statements:
        assert without_zero_lines(after[data_type]) == without_zero_lines(unwritten[data_type]), data_type
    assert {a["id"]: a["currentBalance"] for a in after["chartOfAccounts"].values()} == {
        a["id"]: a["currentBalance"] for a in unwritten["chartOfAccounts"].values()
    }


def without_zero_lines(report: Any) -> Any:
    """A statement without the 0.00 lines of accounts nothing is left posted to: an account a deleted record
    was the first to post to keeps its line in every period (the Sandbox shows every account ever posted to,
    and an incremental pull relies on that set only growing), which books never written to do not have."""
    if isinstance(report, dict):
        out = {key: without_zero_lines(value) for key, value in report.items()}
        if isinstance(out.get("items"), list):
            out["items"] = [
                item
                for item in out["items"]
                if not (isinstance(item, dict) and item.get("accountId") and not item.get("value"))
                or item.get("items")
            ]
        return out
    if isinstance(report, list):
        return [without_zero_lines(item) for item in report]
    return report


def net_profit(snapshot: dict, month: str) -> int:
    return cents(snapshot["profitAndLoss"][month]["netProfit"])


def balance(snapshot: dict, company: Company, key: str) -> int:
    return cents(snapshot["chartOfAccounts"][company.account(key)["id"]]["currentBalance"])


def credit_note(company: Company, customer: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "customerRef": {"id": customer},
        "issueDate": company.today,
        "lineItems": [
            {
                "description": "Refund of consulting",
                "unitAmount": amount,
                "accountRef": company.account("sales_services"),
                "taxRateRef": {"id": company.books.tax_ids[0]},
            }
        ],
        **extra,
    }


def allocation(customer: str, invoice_id: str, note_id: str, amount: float) -> dict[str, Any]:
    """Codat's credit note used to pay an invoice: a payment of 0 whose line links both."""
    return {
        "customerRef": {"id": customer},
        "date": datetime.now(UTC).date().isoformat(),
        "totalAmount": 0,
        "lines": [
            {
                "amount": 0,
                "links": [
                    {"type": "Invoice", "id": invoice_id, "amount": -amount},
                    {"type": "CreditNote", "id": note_id, "amount": amount},
                ],
            }
        ],
    }


def test_an_updated_invoice_is_reposted_and_keeps_its_payments() -> None:
    company = Company()
    customer = company.customer(company.snapshot(later()))
    sold = company.push("invoices", invoice(company, customer, invoiceNumber="INV-V1"))
    paid = company.push("payments", payment(company, customer, sold["id"], 100))
    before_moment = tick()
    before = company.snapshot(before_moment)
    # The new version is for 100.00 more (on a line without tax), and backdated to last month.
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=3)).date().isoformat()
    bigger = invoice(company, customer, invoiceNumber="INV-V2", issueDate=last_month)
    bigger["lineItems"][1]["unitAmount"] = 112.5
    updated = company.update("invoices", sold["id"], bigger)
    assert updated["id"] == sold["id"] and updated["invoiceNumber"] == "INV-V2"
    assert cents(updated["totalAmount"]) == cents(sold["totalAmount"]) + 10000
    assert cents(updated["amountDue"]) == cents(updated["totalAmount"]) - 10000
    assert [a["payment"]["id"] for a in updated["paymentAllocations"]] == [paid["id"]]

    as_of = later()
    after = assert_incremental(company, before, before_moment, as_of)
    check_coherence(after)
    ours = after["invoices"][sold["id"]]
    assert ours["invoiceNumber"] == "INV-V2" and ours["status"] == "PartiallyPaid"
    update_row = company.store.rows[-1]
    assert ours["sourceModifiedDate"] == company.books.ts(company.books.simulated_t(update_row.written_at))
    # Re-posted: the first version's journal entry is gone from this month, the new one posts in last month.
    posted = [e for e in after["journalEntries"].values() if e.get("recordRef", {}).get("id") == sold["id"]]
    assert len(posted) == 1 and posted[0]["id"] not in before["journalEntries"]
    assert posted[0]["postedOn"].startswith(last_month)
    unwritten = company.snapshot(as_of, written=False)
    this_month, previous_month = company.today[:7], last_month[:7]
    assert net_profit(after, this_month) == net_profit(unwritten, this_month)
    assert net_profit(after, previous_month) - net_profit(unwritten, previous_month) == 31250 + 10000
    assert balance(after, company, "ar") - balance(unwritten, company, "ar") == 37250 + 10000 - 10000
    # A pull as of before the update still sees the first version.
    assert company.snapshot(before_moment)["invoices"][sold["id"]]["invoiceNumber"] == "INV-V1"


def test_an_update_must_still_cover_the_invoice_s_payments() -> None:
    company = Company()
    snapshot = company.snapshot(later())
    customer = company.customer(snapshot)
    other = next(
        c for c in snapshot["customers"] if c != customer and snapshot["customers"][c]["status"] == "Active"
    )
    sold = company.push("invoices", invoice(company, customer))
    company.push("payments", payment(company, customer, sold["id"], 300))
    smaller = invoice(company, customer)
    smaller["lineItems"] = smaller["lineItems"][1:]  # 12.50 left
    update = {"operation": Operation.UPDATE, "record_id": sold["id"]}
    assert items(company.rejected("invoices", smaller, **update)) == {"totalAmount"}
    assert items(company.rejected("invoices", invoice(company, other), **update)) == {"customerRef.id"}
    assert items(company.rejected("invoices", invoice(company, customer, status="Void"), **update)) == {
        "status"
    }
    # Only records written through the API are updated or deleted.
    generated = next(iter(snapshot["invoices"]))
    for record_id in (generated, "no-such-invoice"):
        with pytest.raises(RecordNotFound):
            company.update("invoices", record_id, invoice(company, customer))
        with pytest.raises(RecordNotFound):
            company.delete("invoices", record_id)
    # An invoice with payments is not deleted.
    assert items(company.rejected("invoices", {}, operation=Operation.DELETE, record_id=sold["id"])) == {
        "paymentAllocations"
    }
    assert [row.data_type for row in company.store.rows] == ["invoices", "payments"]
    # An update retried under its key writes one version, and answers the same.
    again = {"key": "update-once", "operation": Operation.UPDATE, "record_id": sold["id"]}
    first = company.push("invoices", invoice(company, customer, invoiceNumber="INV-ONCE"), **again)
    second = company.push("invoices", invoice(company, customer, invoiceNumber="INV-OTHER"), **again)
    assert first == second and second["invoiceNumber"] == "INV-ONCE"
    assert [row.data_type for row in company.store.rows] == ["invoices", "payments", "invoices"]


def test_deleted_records_leave_the_books_as_they_were() -> None:
    """An invoice and a journal entry through the bank, deleted: gone from their lists with their postings, a
    deleted id to the pull after, the statements as if never written; the bank keeps the deposit and adds its
    reversal."""
    company = Company()
    customer = company.customer(company.snapshot(later()))
    sold = company.push("invoices", invoice(company, customer))
    entry = company.push("journalEntries", journal_entry(company, "bank_current", "sundry_income", 40))
    first_moment = tick()
    first = company.snapshot(first_moment)
    assert sold["id"] in first["invoices"] and entry["id"] in first["journalEntries"]
    gone = company.delete("invoices", sold["id"])
    assert gone["id"] == sold["id"] and company.store.rows[-1].deleted
    company.delete("journalEntries", entry["id"])
    as_of = later()
    after = assert_incremental(company, first, first_moment, as_of)
    check_coherence(after)
    _, deleted = company.pull("invoices", as_of, since=first_moment)
    assert sold["id"] in deleted and sold["id"] not in after["invoices"]
    _, deleted = company.pull("journalEntries", as_of, since=first_moment)
    assert entry["id"] in deleted and entry["id"] not in after["journalEntries"]
    assert not any(e.get("recordRef", {}).get("id") == sold["id"] for e in after["journalEntries"].values())
    unwritten = company.snapshot(as_of, written=False)
    same_books(after, unwritten, ("balanceSheet", "profitAndLoss", "cashFlowStatement"))
    ours = [t for t in after["bankTransactions"].values() if t["id"] not in unwritten["bankTransactions"]]
    assert sorted(cents(t["amount"]) for t in ours) == [-4000, 4000]
    assert next(t for t in ours if cents(t["amount"]) < 0)["description"].startswith("Reversal")
    # The number is free again, and a delete of the deleted invoice finds nothing.
    company.push("invoices", invoice(company, customer, invoiceNumber=sold["invoiceNumber"]))
    with pytest.raises(RecordNotFound):
        company.delete("invoices", sold["id"])


def test_a_payment_on_account_is_held_unallocated() -> None:
    company = Company()
    before = company.snapshot(later())
    customer = company.customer(before)
    held = {
        "customerRef": {"id": customer},
        "accountRef": company.account("bank_current"),
        "date": company.today,
        "totalAmount": 75,
        "lines": [{"amount": 75, "links": [{"type": "PaymentOnAccount", "id": customer, "amount": -75}]}],
    }
    paid = company.push("payments", held)
    assert paid["lines"][0]["links"] == [
        {"type": "PaymentOnAccount", "id": customer, "amount": -75.0, "currencyRate": 1}
    ]
    as_of = later()
    after, unwritten = company.snapshot(as_of), company.snapshot(as_of, written=False)
    check_coherence(after)
    assert paid["id"] in after["payments"]
    assert balance(after, company, "bank_current") - balance(unwritten, company, "bank_current") == 7500
    assert balance(after, company, "ar") - balance(unwritten, company, "ar") == -7500
    # Refused: a second link beside it, another customer's account, a positive amount.
    crowded = {**held, "lines": [{"amount": 75, "links": [held["lines"][0]["links"][0]] * 2}]}
    assert "lines.0.links.0.type" in items(company.rejected("payments", crowded))
    other = {
        **held,
        "lines": [{"amount": 75, "links": [{"type": "PaymentOnAccount", "id": "x", "amount": -75}]}],
    }
    assert items(company.rejected("payments", other)) == {"lines.0.links.0.id"}
    positive = {**held, "lines": [{"amount": 75, "links": [{"type": "PaymentOnAccount", "amount": 75}]}]}
    assert items(company.rejected("payments", positive)) == {"lines.0.links.0.amount"}


def test_a_credit_note_allocated_to_an_invoice_reduces_what_is_owed() -> None:
    company = Company()
    first_moment = later(-1)
    first = company.snapshot(first_moment)
    customer = company.customer(first)
    sold = company.push("invoices", invoice(company, customer))
    note = company.push("creditNotes", credit_note(company, customer, 50, creditNoteNumber="CN-1"))
    assert cents(note["totalAmount"]) == 6000 and note["status"] == "Submitted"
    assert cents(note["remainingCredit"]) == 6000
    used = company.push("payments", allocation(customer, sold["id"], note["id"], 40))
    assert "accountRef" not in used and used["totalAmount"] == 0
    as_of = later()
    after = assert_incremental(company, first, first_moment, as_of)
    check_coherence(after)
    owed = after["invoices"][sold["id"]]
    assert cents(owed["amountDue"]) == cents(sold["totalAmount"]) - 4000 and owed["status"] == "PartiallyPaid"
    credit = after["creditNotes"][note["id"]]
    assert cents(credit["remainingCredit"]) == 2000 and credit["status"] == "Submitted"
    assert [a["payment"]["id"] for a in credit["paymentAllocations"]] == [used["id"]]
    # The credit note posts as an invoice reversed: income and VAT down, Accounts Receivable down.
    month = company.today[:7]
    unwritten = company.snapshot(as_of, written=False)
    assert net_profit(after, month) - net_profit(unwritten, month) == 31250 - 5000

    # Updated: still covering what it allocated; all of it used up, it is Paid.
    second_moment = tick()
    second = company.snapshot(second_moment)
    smaller = company.update("creditNotes", note["id"], credit_note(company, customer, 33.33))
    assert smaller["creditNoteNumber"] == "CN-1" and cents(smaller["totalAmount"]) == 4000
    third = assert_incremental(company, second, second_moment, later())
    check_coherence(third)
    credit = third["creditNotes"][note["id"]]
    assert (
        cents(credit["remainingCredit"]) == 0 and credit["status"] == "Paid" and "allocatedOnDate" in credit
    )
    update = {"operation": Operation.UPDATE, "record_id": note["id"]}
    assert items(company.rejected("creditNotes", credit_note(company, customer, 10), **update)) == {
        "totalAmount"
    }
    # More than is left on the note, or owed on the invoice, is refused.
    too_much = company.rejected("payments", allocation(customer, sold["id"], note["id"], 1))
    assert items(too_much) == {"lines"} and "credit left of 0.00" in too_much[0]["message"]


def test_customers_are_created_and_updated() -> None:
    company = Company()
    first_moment = later(-1)
    first = company.snapshot(first_moment)
    made = company.push(
        "customers", {"customerName": "Written Customer Ltd", "emailAddress": "ar@written.example"}
    )
    assert made["status"] == "Active" and made["defaultCurrency"] == "GBP"
    sold = company.push("invoices", invoice(company, made["id"]))
    assert sold["customerRef"] == {"id": made["id"], "companyName": "Written Customer Ltd"}
    renamed = company.update("customers", made["id"], {"customerName": "Renamed Customer Ltd"})
    assert renamed["id"] == made["id"] and renamed["customerName"] == "Renamed Customer Ltd"
    after = assert_incremental(company, first, first_moment, later())
    check_coherence(after)
    assert after["customers"][made["id"]]["customerName"] == "Renamed Customer Ltd"
    # Names are unique among customers (the generated ones too); an archived customer takes no invoices.
    existing = next(iter(first["customers"].values()))["customerName"]
    assert items(company.rejected("customers", {"customerName": existing.lower()})) == {"customerName"}
    assert items(company.rejected("customers", {"customerName": "renamed customer ltd"})) == {"customerName"}
    company.update("customers", made["id"], {"customerName": "Renamed Customer Ltd", "status": "Archived"})
    assert items(company.rejected("invoices", invoice(company, made["id"]))) == {"customerRef.id"}
    assert items(company.rejected("customers", {"customerName": "X", "status": "Gone"})) == {"status"}


def test_suppliers_are_updated() -> None:
    company = Company()
    made = company.push("suppliers", {"supplierName": "First Name Ltd"})
    company.push("suppliers", {"supplierName": "Taken Name Ltd"})
    renamed = company.update("suppliers", made["id"], {"supplierName": "First Name Ltd", "phone": "0113 000"})
    assert renamed["phone"] == "0113 000"
    update = {"operation": Operation.UPDATE, "record_id": made["id"]}
    assert items(company.rejected("suppliers", {"supplierName": "taken name ltd"}, **update)) == {
        "supplierName"
    }
    after = company.snapshot(later())
    assert after["suppliers"][made["id"]]["phone"] == "0113 000"
    with pytest.raises(RecordNotFound):
        company.update("suppliers", next(iter(after["suppliers"])), {"supplierName": "Anything"})


# ----------------------------------------------------------------------------------------- through the server
def pushed(api: httpx.Client, company_id: str, connection_id: str, data_type: str, record: dict) -> str:
    """Push a create over HTTP in Codat's shape, wait for it to succeed, and return the record's id."""
    answer = api.post(f"/companies/{company_id}/connections/{connection_id}/push/{data_type}", json=record)
    assert answer.status_code == 200, answer.text
    done = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
    assert done["status"] == "Success", done
    return done["changes"][0]["recordRef"]["id"]


def test_updates_and_deletes_are_read_through_the_server(server, api) -> None:
    """Customers, invoices, credit notes and payments created, an invoice updated and a journal entry deleted,
    over HTTP in Codat's shapes; all read back through the read API after a pull, the books balanced."""
    company_id, connection_id = link_sandbox(api, "Receivables Writes Ltd")
    wait_for_pulls(api, company_id, at_least=10)
    data = f"/companies/{company_id}/data"
    accounts = {a["name"]: a["id"] for a in read_all(api, f"{data}/accounts")}
    today = datetime.now(UTC).date().isoformat()

    def ids(*args: Any) -> str:
        return pushed(api, company_id, connection_id, *args)

    customer = ids("customers", {"customerName": "Served Customer Ltd", "status": "Active"})
    line = {"description": "Work", "unitAmount": 200, "accountRef": {"id": accounts["Sales - Services"]}}
    sold = {"customerRef": {"id": customer}, "issueDate": today, "lineItems": [line]}
    invoice_id = ids("invoices", sold)
    note_id = ids("creditNotes", {**sold, "lineItems": [{**line, "unitAmount": 30}]})
    allocation_id = ids("payments", allocation(customer, invoice_id, note_id, 30))
    bank = {"id": accounts["Business Current Account"]}
    on_account = {
        "customerRef": {"id": customer},
        "accountRef": bank,
        "date": today,
        "totalAmount": 25,
        "lines": [{"amount": 25, "links": [{"type": "PaymentOnAccount", "id": customer, "amount": -25}]}],
    }
    held_id = ids("payments", on_account)
    entry = {
        "postedOn": today,
        "journalLines": [
            {"netAmount": 15, "accountRef": bank},
            {"netAmount": -15, "accountRef": {"id": accounts["Sundry Income"]}},
        ],
    }
    entry_id = ids("journalEntries", entry)
    wait_for_pulls(api, company_id)  # those the creates queued, which read the records before they change

    path = f"/companies/{company_id}/connections/{connection_id}/push"
    bigger = {**sold, "lineItems": [{**line, "unitAmount": 250}]}
    answer = api.put(f"{path}/invoices/{invoice_id}", json=bigger)
    assert answer.status_code == 200, answer.text
    done = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
    assert done["status"] == "Success", done
    updated = done["changes"][0]["recordRef"]
    assert updated["id"] == invoice_id and done["changes"][0]["type"] == "Modified"
    answer = api.delete(f"{path}/journalEntries/{entry_id}")
    assert answer.status_code == 200, answer.text
    done = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
    assert done["status"] == "Success" and done["changes"][0]["type"] == "Deleted", done
    # Refused: a delete of the invoice, which has a payment (its credit note's allocation).
    answer = api.delete(f"{path}/invoices/{invoice_id}")
    refused = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
    assert refused["status"] == "Failed", refused
    assert [e["itemId"] for e in refused["validation"]["errors"]] == ["paymentAllocations"]
    # A push queues a pull of its own type: what a payment changed in invoices and credit notes, and what
    # the update and delete changed, come with pulls of those.
    for data_type in ("invoices", "creditNotes", "journalEntries", "balanceSheet", "profitAndLoss"):
        queued = api.post(f"{data}/queue/{data_type}")
        assert queued.status_code == 200, queued.text
    wait_for_pulls(api, company_id)

    invoice_read = api.get(f"{data}/invoices/{invoice_id}").json()
    assert cents(invoice_read["totalAmount"]) == 25000 and cents(invoice_read["amountDue"]) == 22000
    assert [a["payment"]["id"] for a in invoice_read["paymentAllocations"]] == [allocation_id]
    assert invoice_read["customerRef"] == {"id": customer, "companyName": "Served Customer Ltd"}
    note_read = api.get(f"{data}/creditNotes/{note_id}").json()
    assert note_read["status"] == "Paid" and cents(note_read["remainingCredit"]) == 0
    held = api.get(f"{data}/payments/{held_id}").json()
    assert held["lines"][0]["links"][0]["type"] == "PaymentOnAccount"
    deleted = api.get(f"{data}/journalEntries/{entry_id}")
    assert deleted.status_code == 200 and deleted.json()["metadata"]["isDeleted"] is True, deleted.text
    entries = read_all(api, f"{data}/journalEntries", query=f"recordRef.id={invoice_id}")
    assert [e["metadata"]["isDeleted"] for e in entries].count(False) == 1
    sheet = api.get(f"{data}/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 2})
    for report in sheet.json()["reports"]:
        assets, liabilities, equity = (cents(report[k]["value"]) for k in ("assets", "liabilities", "equity"))
        assert assets - liabilities == equity, report["date"]
