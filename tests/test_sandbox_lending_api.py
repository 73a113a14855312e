"""The Accounting Sandbox's books for Lending end to end: a Sandbox linked through the real server, pulled by
the worker into PostgreSQL, and read with the official `codat-lending` SDK as a lender's client reads them
(the chart's hard and archived accounts, bill credit notes, remittances, payments in parts, overdue bills)."""

from __future__ import annotations

from datetime import UTC, datetime

from codat_lending import CodatLending

from tests.support.pulls import link_sandbox, wait_for_pulls

PAGE = {"page_size": 2000}


def test_lending_reads_the_sandbox_books_through_the_sdk(api, lending: CodatLending) -> None:
    # Scale 2: any company (its id is drawn at creation) has a dozen bill credit notes, not a handful.
    company_id, _connection = link_sandbox(api, "Lending Books Ltd", {"scale": 2})
    pulls = wait_for_pulls(api, company_id, at_least=20)
    assert {p["dataType"]: p["status"] for p in pulls}["billCreditNotes"] == "Complete"
    company = {"company_id": company_id, **PAGE}

    accounts = lending.financial_statements.accounts.list(request=company).results
    by_name = {a.name: a for a in accounts}
    assert len(accounts) >= 80
    assert {"Sundries", "Director's Account", "Suspense Account", "Loan Repayments"} <= set(by_name)
    assert {a.name for a in accounts if a.status.value == "Archived"} == {
        "Building Society Account",
        "Sales - Old Price List",
    }
    assert by_name["Director's Account"].current_balance < 0  # owed to the director

    bills = {b.id: b for b in lending.accounts_payable.bills.list(request=company).results}
    notes = lending.accounts_payable.bill_credit_notes.list(request=company).results
    bill_payments = lending.accounts_payable.bill_payments.list(request=company).results
    assert notes and all(n.supplier_ref.id for n in notes)
    # An allocated bill credit note is a bill payment of 0 linking the bill and the note.
    allocations = [p for p in bill_payments if p.total_amount == 0]
    assert allocations
    for payment in allocations:
        links = {link.type: link.id for line in payment.lines for link in line.links}
        assert links["Bill"] in bills and links["CreditNote"] in {n.id for n in notes}

    # Remittances (one payment, several documents) and documents paid in parts, to customers and suppliers.
    payments = lending.accounts_receivable.payments.list(request=company).results
    for paid in (payments, bill_payments):
        assert any(
            len(p.lines) > 1 and len({link.id for ln in p.lines for link in ln.links}) > 1 for p in paid
        )
    invoices = lending.accounts_receivable.invoices.list(request=company).results
    assert any(i.status.value == "PartiallyPaid" for i in invoices)

    # Bills overdue today by more than 90 days, still owed.
    today = datetime.now(UTC).date()
    assert any(
        b.amount_due > 0 and (today - datetime.fromisoformat(b.due_date[:10]).date()).days > 90
        for b in bills.values()
        if b.status.value != "Void"
    )
