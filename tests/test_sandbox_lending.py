"""The Accounting Sandbox's books as Lending reads them: a UK company's chart of accounts with accounts that
are hard to categorize, receivables and payables overdue in every ageing bucket, partial payments and credit
notes (pure Python, no server: `support/sandbox_pulls.py`'s pulls)."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import pytest

from ledgerlink.connectors.sandbox.books import ACCOUNTS, ARCHIVED, HARD_TO_CATEGORIZE
from tests.support.sandbox_books import cents
from tests.support.sandbox_pulls import LINKED, OTHER_COMPANY, at, collect, snapshot

THIRD_COMPANY = uuid.UUID("00000000-0000-4000-8000-000000000001")
CODAT_TYPES = {"Asset", "Liability", "Equity", "Income", "Expense"}


def test_chart_of_accounts_is_a_uk_companys_with_hard_accounts() -> None:
    snap = snapshot(37.5)
    accounts = list(snap["chartOfAccounts"].values())
    assert len(accounts) == len(ACCOUNTS) >= 80
    codes = [a["nominalCode"] for a in accounts]
    names = [a["name"] for a in accounts]
    assert len(set(codes)) == len(codes) and all(re.fullmatch(r"\d{4}", code) for code in codes)
    assert len(set(names)) == len(names)
    for account in accounts:
        assert account["type"] in CODAT_TYPES
        assert account["fullyQualifiedCategory"].startswith(account["type"] + ".")
        assert account["fullyQualifiedName"] == f"{account['fullyQualifiedCategory']}.{account['name']}"
        assert account["currency"] == "GBP"
        assert account["isBankAccount"] == (account["id"] in snap["bankAccounts"])
    assert sum(a["isBankAccount"] for a in accounts) == 2
    # Sage's layout: the code's range says what an account is, except for the hard ones.
    by_key = {key: accounts[i] for i, (key, *_rest) in enumerate(ACCOUNTS)}
    ranges = {"0": "Asset", "1": "Asset", "2": "Liability", "3": "Equity", "4": "Income"}
    for key, account in by_key.items():
        expected = ranges.get(account["nominalCode"][0], "Expense")
        assert account["type"] == expected or key in HARD_TO_CATEGORIZE, account

    archived = [a for a in accounts if a["status"] == "Archived"]
    assert {a["name"] for a in archived} == {ACCOUNTS[i][2] for i in ARCHIVED} and len(archived) == 2
    assert all(a["currentBalance"] == 0 for a in archived)
    assert all(a["status"] == "Active" for a in accounts if a not in archived)

    # The hard accounts are in the chart, and those the books post to have balances of the right sign.
    assert {
        "Sundries",
        "Director's Account",
        "Suspense Account",
        "Clearing Account",
        "Loan Repayments",
    } <= set(names)
    assert set(HARD_TO_CATEGORIZE) <= set(by_key)
    assert cents(by_key["sundries"]["currentBalance"]) > 0  # an expense
    assert cents(by_key["directors_account"]["currentBalance"]) < 0  # owed to the director
    assert cents(by_key["suspense"]["currentBalance"]) > 0


def test_statements_show_the_accounts_with_postings() -> None:
    snap = snapshot(37.5)
    posted = {
        line["accountRef"]["id"]
        for entry in snap["journalEntries"].values()
        for line in entry["journalLines"]
    }
    by_name = {a["name"]: a["id"] for a in snap["chartOfAccounts"].values()}
    for sheet in snap["balanceSheet"].values():
        shown = {
            i["accountId"]
            for part in ("assets", "liabilities")
            for g in sheet[part]["items"]
            for i in g["items"]
        }
        shown |= {i["accountId"] for i in sheet["equity"]["items"]}
        assert shown - {by_name["Retained Earnings"]} <= posted
    balance_sheet_accounts = {
        a["id"] for a in snap["chartOfAccounts"].values() if a["type"] in ("Asset", "Liability", "Equity")
    }
    assert posted & balance_sheet_accounts <= shown
    for pl in snap["profitAndLoss"].values():
        lines = {
            i["accountId"]
            for part in ("income", "costOfSales", "expenses", "otherIncome", "otherExpenses")
            for i in pl[part]["items"]
        }
        assert lines == posted - balance_sheet_accounts
        assert by_name["Sundries"] in lines and by_name["Rent Income"] not in lines


# ------------------------------------------------------------------------------------------------ ageing
def ageing(documents: Iterable[dict], on: date) -> dict[str, list[dict]]:
    """Documents still owed on `on`, by how many days overdue (Codat's aged reports' 30-day buckets)."""
    buckets: dict[str, list[dict]] = defaultdict(list)
    for doc in documents:
        if doc["status"] == "Void" or cents(doc["amountDue"]) == 0:
            continue
        overdue = (on - date.fromisoformat(doc["dueDate"][:10])).days
        bucket = next((name for name, last in BUCKETS if overdue <= last), "91+")
        buckets[bucket].append(doc)
    return buckets


BUCKETS = (("current", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90))


@pytest.mark.parametrize("days", [0, 37.5, 200])
def test_receivables_and_payables_are_overdue_in_every_bucket(days: float) -> None:
    on = (LINKED + timedelta(days=days)).date()
    books = {"_": snapshot(days)}
    for company in (OTHER_COMPANY, THIRD_COMPANY):
        books[str(company)] = {
            kind: {r["id"]: r for r in collect(kind, at(days), company=company)[0]}
            for kind in ("invoices", "bills")
        }
    for company, snap in books.items():
        for kind in ("invoices", "bills"):
            buckets = ageing(snap[kind].values(), on)
            sizes = {name: len(docs) for name, docs in buckets.items()}
            assert set(sizes) == {"current", "1-30", "31-60", "61-90", "91+"}, (company, kind, sizes)
            # Overdue ones partly paid: one document paid in parts, still owed.
            overdue = [doc for name, docs in buckets.items() if name != "current" for doc in docs]
            assert any(doc["status"] == "PartiallyPaid" for doc in overdue), (company, kind)


def test_payments_in_parts_and_credit_notes() -> None:
    snap = snapshot(37.5)
    payments = {**snap["payments"], **snap["billPayments"]}
    for kind in ("invoices", "bills"):
        in_parts = 0
        for doc in snap[kind].values():
            paid = [a for a in doc["paymentAllocations"] if payments[a["payment"]["id"]]["totalAmount"] != 0]
            if len(paid) < 2:
                continue
            in_parts += 1
            # Each part is a payment of its own, linked to the document for what it paid of it.
            for allocation in paid:
                payment = payments[allocation["payment"]["id"]]
                links = [
                    link for line in payment["lines"] for link in line["links"] if link["id"] == doc["id"]
                ]
                assert sum(cents(link["amount"]) for link in links) == -cents(payment["totalAmount"])
                assert abs(cents(allocation["allocation"]["totalAmount"])) == cents(payment["totalAmount"])
            parts = sum(abs(cents(a["allocation"]["totalAmount"])) for a in doc["paymentAllocations"])
            assert parts + cents(doc["amountDue"]) == cents(doc["totalAmount"])
        assert in_parts >= 10, kind

    for notes, kind, payments, contact_key, link_type in (
        ("creditNotes", "invoices", "payments", "customerRef", "Invoice"),
        ("billCreditNotes", "bills", "billPayments", "supplierRef", "Bill"),
    ):
        allocated = [n for n in snap[notes].values() if n["paymentAllocations"]]
        unallocated = [n for n in snap[notes].values() if not n["paymentAllocations"]]
        assert allocated and unallocated, notes
        for note in allocated:
            assert (
                note["status"] == "Paid" and cents(note["remainingCredit"]) == 0 and "allocatedOnDate" in note
            )
            allocation = snap[payments][note["paymentAllocations"][0]["payment"]["id"]]
            assert allocation["totalAmount"] == 0 and allocation[contact_key] == note[contact_key]
            linked = {link["type"]: link["id"] for line in allocation["lines"] for link in line["links"]}
            assert linked["CreditNote"] == note["id"]
            document = snap[kind][linked[link_type]]
            assert any(a["payment"]["id"] == allocation["id"] for a in document["paymentAllocations"])
        by_number = {d.get("invoiceNumber", d.get("reference")): d for d in snap[kind].values()}
        for note in unallocated:
            # Credit held on account: nothing of it used, its document settled regardless.
            assert note["status"] == "Submitted" and note["remainingCredit"] == note["totalAmount"]
            document = by_number.get(note["note"].rsplit(" ", 1)[-1])
            if document is not None:
                assert document[contact_key]["id"] == note[contact_key]["id"]
                assert all(a["payment"]["id"] != note["id"] for a in document["paymentAllocations"])


def test_bank_transactions_quote_the_document_or_only_name_the_contact() -> None:
    snap = snapshot(37.5)
    transactions = list(snap["bankTransactions"].values())
    names = {c["id"]: c["customerName"] for c in snap["customers"].values()}
    names.update({s["id"]: s["supplierName"] for s in snap["suppliers"].values()})
    for kind, payments, prefix in (
        ("invoices", snap["payments"], "Faster Payment from "),
        ("bills", snap["billPayments"], "Faster Payment to "),
    ):
        numbers = {doc["id"]: doc.get("invoiceNumber", doc.get("reference")) for doc in snap[kind].values()}
        quoted = unquoted = 0
        for payment in payments.values():
            if payment["totalAmount"] == 0:
                continue  # a credit note's allocation: no money moves
            contact = payment.get("customerRef", payment.get("supplierRef"))["id"]
            document = payment["lines"][0]["links"][0]["id"]
            amount = cents(payment["totalAmount"]) * (1 if kind == "invoices" else -1)
            same = [
                t
                for t in transactions
                if cents(t["amount"]) == amount and t["clearedOnDate"][:10] == payment["date"][:10]
            ]
            if any(numbers[document] in t["description"] for t in same):
                quoted += 1
            else:
                # Matched by amount and date only: the description names the contact, not the document.
                assert any(t["description"] == prefix + names[contact] for t in same), payment
                unquoted += 1
        assert quoted > 4 * unquoted > 0, (kind, quoted, unquoted)


def test_remittances_pay_several_documents_of_one_contact() -> None:
    snap = snapshot(37.5)
    entries = {e["recordRef"]["id"]: e for e in snap["journalEntries"].values() if "recordRef" in e}
    transactions = {
        (t["clearedOnDate"][:10], cents(t["amount"])): t for t in snap["bankTransactions"].values()
    }
    for kind, payments, contact_key, sign in (
        ("invoices", snap["payments"], "customerRef", 1),
        ("bills", snap["billPayments"], "supplierRef", -1),
    ):
        documents = snap[kind]
        remittances = [p for p in payments.values() if len(p["lines"]) > 1]
        assert len(remittances) >= 5, kind
        for payment in remittances:
            total = cents(payment["totalAmount"])
            parts = {}
            for line in payment["lines"]:
                (link,) = line["links"]
                document = documents[link["id"]]
                assert document[contact_key]["id"] == payment[contact_key]["id"]
                (allocation,) = [
                    a for a in document["paymentAllocations"] if a["payment"]["id"] == payment["id"]
                ]
                assert abs(cents(allocation["allocation"]["totalAmount"])) == cents(line["amount"])
                assert abs(cents(allocation["payment"]["totalAmount"])) == total
                parts[link["id"]] = cents(line["amount"])
            assert len(parts) == len(payment["lines"]) and sum(parts.values()) == total
            # One bank transaction for the whole payment, one journal entry settling each document.
            transaction = transactions[(payment["date"][:10], sign * total)]
            if transaction["description"].startswith("Payment"):
                assert all(
                    documents[d].get("invoiceNumber", documents[d].get("reference"))
                    in transaction["description"]
                    for d in parts
                )
            control = [line for line in entries[payment["id"]]["journalLines"] if "contactRef" in line]
            assert sorted(-sign * cents(line["netAmount"]) for line in control) == sorted(parts.values())
