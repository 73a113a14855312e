"""Writes to the Accounting Sandbox, in pure Python: what a create is checked against, and how written records
join the books every pull computes (coherent, incremental, retried without duplicates).

The platform store is an in-memory one here (`tests/support/sandbox_writes.py`); `tests/test_push.py` runs
the same through the server and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ledgerlink.connectors.sandbox.books import AC
from tests.support.sandbox_books import apply, cents, check_coherence
from tests.support.sandbox_writes import (
    Company,
    assert_incremental,
    invoice,
    journal_entry,
    later,
    payment,
)


@pytest.fixture(scope="module")
def written() -> tuple[Company, dict[str, dict], dict[str, dict]]:
    """A company with one of each kind of write, and full snapshots with and without them (same moment)."""
    company = Company()
    before = company.snapshot(later())
    customer = company.customer(before)
    company.push(
        "suppliers",
        {
            "supplierName": "Written Supplies Ltd",
            "emailAddress": "ap@written.example",
            "addresses": [{"type": "Billing", "line1": "1 High Street", "city": "Leeds"}],
        },
    )
    company.push("journalEntries", journal_entry(company, "office", "sales_services", 250.25))
    company.push("journalEntries", journal_entry(company, "bank_current", "sundry_income", 40))
    sold = company.push("invoices", invoice(company, customer))
    company.push("payments", payment(company, customer, sold["id"], 100))
    company.push("payments", payment(company, customer, sold["id"], cents(sold["totalAmount"]) / 100 - 100))
    as_of = later()
    return company, company.snapshot(as_of), company.snapshot(as_of, written=False)


def test_written_records_join_coherent_books(written) -> None:
    company, books, generated = written
    check_coherence(books)
    new = {data_type: set(books[data_type]) - set(generated[data_type]) for data_type in books}
    assert {k: len(v) for k, v in new.items() if v} == {
        "suppliers": 1,
        "journalEntries": 5,
        "invoices": 1,
        "payments": 2,
        "bankTransactions": 3,
    }
    (sold,) = (books["invoices"][i] for i in new["invoices"])
    assert sold["totalAmount"] == 372.5 and sold["totalTaxAmount"] == 60  # 3 x 100 at 20%, 12.50 at no VAT
    assert (
        sold["amountDue"] == 0 and sold["status"] == "Paid" and sold["paidOnDate"].startswith(company.today)
    )
    assert len(sold["paymentAllocations"]) == 2
    (supplier,) = (books["suppliers"][i] for i in new["suppliers"])
    assert supplier["supplierName"] == "Written Supplies Ltd" and supplier["status"] == "Active"
    assert supplier["addresses"][0]["city"] == "Leeds"

    # Account balances moved by exactly what was posted.
    moved = {
        a: cents(books["chartOfAccounts"][a]["currentBalance"])
        - cents(generated["chartOfAccounts"][a]["currentBalance"])
        for a in books["chartOfAccounts"]
    }
    ids = company.books.account_ids
    expected = {
        ids[AC["office"]]: 25025,
        ids[AC["sales_services"]]: -25025 - 30000,
        ids[AC["bank_current"]]: 4000 + 37250,
        ids[AC["sundry_income"]]: -4000 - 1250,
        ids[AC["vat"]]: -6000,
        ids[AC["ar"]]: 0,  # invoiced and paid
    }
    assert {a: v for a, v in moved.items() if v} == {a: v for a, v in expected.items() if v}
    month = max(books["balanceSheet"])
    profit = books["profitAndLoss"][month]["netProfit"] - generated["profitAndLoss"][month]["netProfit"]
    assert round(profit, 2) == round(-250.25 + 250.25 + 300 + 40 + 12.5, 2)


def test_pulls_without_writes_are_what_they_were() -> None:
    company = Company()
    moment = later()
    for data_type in ("journalEntries", "chartOfAccounts", "bankTransactions", "invoices", "balanceSheet"):
        assert company.pull(data_type, moment) == company.pull(data_type, moment, written=False)


def test_incremental_pulls_see_writes_when_they_are_written() -> None:
    company = Company()
    first_moment = datetime.now(UTC) - timedelta(seconds=1)
    first = company.snapshot(first_moment)
    customer = company.customer(first)
    company.push("journalEntries", journal_entry(company, "marketing", "sales_products", 99.99))
    sold = company.push("invoices", invoice(company, customer))
    company.push("payments", payment(company, customer, sold["id"], 50))
    company.push("suppliers", {"supplierName": "Later Supplies Ltd"})
    second_moment = later()
    assert_incremental(company, first, first_moment, second_moment)
    # Written records come with the pull after they were written, dated when they were written.
    changed, _ = company.pull("invoices", second_moment, since=first_moment)
    (ours,) = [i for i in changed if i["id"] == sold["id"]]
    assert ours["amountDue"] == sold["totalAmount"] - 50 and ours["status"] == "PartiallyPaid"
    # (The Sandbox's clock counts whole seconds and runs up to a second behind: the payment's second.)
    paid_at = next(row.written_at for row in company.store.rows if row.data_type == "payments")
    assert ours["sourceModifiedDate"] == company.books.ts(company.books.simulated_t(paid_at))
    # And not again after that.
    assert all(i["id"] != sold["id"] for i in company.pull("invoices", later(120), since=second_moment)[0])


def test_an_account_first_posted_to_after_the_last_pull_is_a_new_line_of_every_period() -> None:
    """Statements show the accounts posted to: an account's first posting adds its line (0.0 where the period
    has none) to every period, so an incremental pull brings them all, not only the period written to."""
    company = Company()
    first_moment = datetime.now(UTC) - timedelta(seconds=1)
    first = company.snapshot(first_moment)
    cleaning = company.account("cleaning")["id"]
    lines = [i["accountId"] for p in first["profitAndLoss"].values() for i in p["expenses"]["items"]]
    assert cleaning not in lines
    company.push("journalEntries", journal_entry(company, "cleaning", "bank_current", 45))
    second_moment = later()
    second = company.snapshot(second_moment)
    for data_type in ("profitAndLoss", "balanceSheet"):
        changes, _ = company.pull(data_type, second_moment, since=first_moment)
        assert {c["id"] for c in changes} == set(second[data_type]), data_type
        assert apply(first[data_type], changes, []) == second[data_type], data_type
    for period in second["profitAndLoss"].values():
        (line,) = [i for i in period["expenses"]["items"] if i["accountId"] == cleaning]
        assert line["value"] == (45 if period["id"] == company.today[:7] else 0)


def test_a_record_written_in_the_second_of_the_last_pull_comes_with_the_next() -> None:
    """The Sandbox's clock counts whole seconds: a payment written a microsecond after a pull's moment is in
    that moment's second, and the next incremental pull, even one within the same second, still brings it and
    the invoice it pays (through the server, `tests/test_push.py` pulls invoices right after such a push)."""
    company = Company()
    customer = company.customer(company.snapshot(later()))
    sold = company.push("invoices", invoice(company, customer))
    moment = datetime.now(UTC)
    assert any(i["id"] == sold["id"] for i in company.pull("invoices", moment)[0])
    paid = company.push("payments", payment(company, customer, sold["id"], 50))
    row = company.store.rows[-1]
    company.store.rows[-1] = dataclasses.replace(row, written_at=moment + timedelta(microseconds=1))
    for as_of in (moment + timedelta(microseconds=2), later()):
        payments, _ = company.pull("payments", as_of, since=moment)
        assert [p["id"] for p in payments] == [paid["id"]], as_of
        (ours,) = [i for i in company.pull("invoices", as_of, since=moment)[0] if i["id"] == sold["id"]]
        assert cents(ours["amountDue"]) == cents(sold["totalAmount"]) - 5000


def test_a_retried_push_returns_the_record_written_the_first_time() -> None:
    company = Company()
    key = str(uuid.uuid4())
    first = company.push("journalEntries", journal_entry(company, "rent", "sundry_income", 10), key=key)
    again = company.push("journalEntries", journal_entry(company, "rent", "sundry_income", 10), key=key)
    assert first == again and len(company.store.rows) == 1
    other = company.push("journalEntries", journal_entry(company, "rent", "sundry_income", 10))
    assert other["id"] != first["id"] and len(company.store.rows) == 2


def items(errors: list[dict[str, str]]) -> set[str]:
    return {error["itemId"] for error in errors}


def company_with_archived_customer() -> Company:
    """A company one of whose customers is archived by now (most have one; a few do not yet)."""
    while True:
        company = Company()
        if any(c["status"] == "Archived" for c in company.pull("customers", later())[0]):
            return company


def test_creates_are_checked_like_a_platform_would() -> None:
    company = company_with_archived_customer()
    snapshot = company.snapshot(later())
    customer, archived = company.customer(snapshot), company.customer(snapshot, archived=True)
    other_customer = next(
        c
        for c in snapshot["customers"]
        if c not in (customer, archived) and snapshot["customers"][c]["status"] == "Active"
    )
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

    # Journal entries.
    entry = journal_entry(company, "office", "sales_services", 10)
    errors = company.rejected(
        "journalEntries",
        {
            **entry,
            "journalLines": [
                {"netAmount": 10, "accountRef": {"id": "no-such-account"}},
                entry["journalLines"][1],
            ],
        },
    )
    assert items(errors) == {"journalLines.0.accountRef.id"} and "No account" in errors[0]["message"]
    assert errors[0]["validatorName"] == "JournalEntry"
    unbalanced = {
        **entry,
        "journalLines": [entry["journalLines"][0], {**entry["journalLines"][1], "netAmount": -9}],
    }
    assert items(company.rejected("journalEntries", unbalanced)) == {"journalLines"}
    retained = {
        **entry,
        "journalLines": [
            entry["journalLines"][0],
            {"netAmount": -10, "accountRef": company.account("retained")},
        ],
    }
    assert items(company.rejected("journalEntries", retained)) == {"journalLines.1.accountRef.id"}
    assert items(company.rejected("journalEntries", {**entry, "postedOn": tomorrow})) == {"postedOn"}
    assert items(company.rejected("journalEntries", {**entry, "postedOn": "1990-01-01"})) == {"postedOn"}
    euro = {
        **entry,
        "journalLines": [{**entry["journalLines"][0], "currency": "EUR"}, entry["journalLines"][1]],
    }
    assert items(company.rejected("journalEntries", euro)) == {"journalLines.0.currency"}
    assert items(company.rejected("journalEntries", {**entry, "journalRef": {"id": "x"}})) == {
        "journalRef.id"
    }
    penny = {
        **entry,
        "journalLines": [
            {**entry["journalLines"][0], "netAmount": 10.001},
            {**entry["journalLines"][1], "netAmount": -10.001},
        ],
    }
    assert items(company.rejected("journalEntries", penny)) == {
        "journalLines.0.netAmount",
        "journalLines.1.netAmount",
    }

    # Invoices.
    assert items(company.rejected("invoices", invoice(company, "nobody"))) == {"customerRef.id"}
    refused = company.rejected("invoices", invoice(company, archived))
    assert items(refused) == {"customerRef.id"} and "archived" in refused[0]["message"]
    bank_line = invoice(company, customer)
    bank_line["lineItems"][1]["accountRef"] = company.account("bank_savings")
    assert items(company.rejected("invoices", bank_line)) == {"lineItems.1.accountRef.id"}
    assert items(company.rejected("invoices", invoice(company, customer, totalAmount=1))) == {"totalAmount"}
    assert items(company.rejected("invoices", invoice(company, customer, status="Draft"))) == {"status"}
    assert items(company.rejected("invoices", invoice(company, customer, currency="USD"))) == {"currency"}
    wrong_tax = invoice(company, customer)
    wrong_tax["lineItems"][0]["taxRateRef"] = {"id": "no-such-rate"}
    wrong_tax["lineItems"][0]["subTotal"] = 299
    assert items(company.rejected("invoices", wrong_tax)) == {"lineItems.0.taxRateRef.id"}
    sub_total = invoice(company, customer)
    sub_total["lineItems"][0]["subTotal"] = 299
    assert items(company.rejected("invoices", sub_total)) == {"lineItems.0.subTotal"}
    assert items(company.rejected("invoices", invoice(company, customer, dueDate="2000-01-01"))) == {
        "dueDate"
    }

    # Payments.
    sold = company.push("invoices", invoice(company, customer, invoiceNumber="INV-CHECKS-1"))
    assert items(company.rejected("invoices", invoice(company, customer, invoiceNumber="INV-CHECKS-1"))) == {
        "invoiceNumber"
    }
    too_much = company.rejected("payments", payment(company, customer, sold["id"], 1000))
    assert items(too_much) == {"lines"} and "owed 372.50" in too_much[0]["message"]
    generated = next(iter(snapshot["invoices"]))
    refused = company.rejected("payments", payment(company, customer, generated, 10))
    assert items(refused) == {"lines.0.links.0.id"} and "not created through the API" in refused[0]["message"]
    assert items(company.rejected("payments", payment(company, other_customer, sold["id"], 10))) == {
        "lines.0.links.0.id"
    }
    not_bank = payment(company, customer, sold["id"], 10, accountRef=company.account("sales_products"))
    assert items(company.rejected("payments", not_bank)) == {"accountRef.id"}
    assert items(
        company.rejected("payments", payment(company, customer, sold["id"], 10, totalAmount=11))
    ) == {"totalAmount"}
    positive = payment(company, customer, sold["id"], 10)
    positive["lines"][0]["links"][0]["amount"] = 10
    assert "lines.0.links.0.amount" in items(company.rejected("payments", positive))
    refund = payment(company, customer, sold["id"], 10)
    refund["lines"][0]["links"][0]["type"] = "Refund"
    assert items(company.rejected("payments", refund)) == {"lines.0.links.0.type"}
    # Nothing refused was kept: one invoice.
    assert [row.data_type for row in company.store.rows] == ["invoices"]

    # Suppliers.
    existing = next(iter(snapshot["suppliers"].values()))["supplierName"]
    assert items(company.rejected("suppliers", {"supplierName": existing.upper()})) == {"supplierName"}
    company.push("suppliers", {"supplierName": "Only Once Ltd"})
    assert items(company.rejected("suppliers", {"supplierName": "only once ltd"})) == {"supplierName"}
    assert items(company.rejected("suppliers", {"supplierName": "X", "defaultCurrency": "EUR"})) == {
        "defaultCurrency"
    }


def test_payments_are_listed_in_the_day_they_are_dated() -> None:
    """A backdated invoice posts to its own month; its bank transaction clears when it was written."""
    company = Company()
    snapshot = company.snapshot(later())
    customer = company.customer(snapshot)
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=3)).date().isoformat()
    sold = company.push("invoices", {**invoice(company, customer), "issueDate": last_month})
    paid = company.push("payments", {**payment(company, customer, sold["id"], 50), "date": last_month})
    after = company.snapshot(later())
    check_coherence(after)
    assert sold["issueDate"].startswith(last_month) and paid["date"].startswith(last_month)
    (txn,) = [t for t in after["bankTransactions"].values() if t["id"] not in snapshot["bankTransactions"]]
    assert txn["clearedOnDate"].startswith(company.today) and txn["amount"] == 50
    month = last_month[:7]
    assert after["profitAndLoss"][month]["netProfit"] != snapshot["profitAndLoss"][month]["netProfit"]
