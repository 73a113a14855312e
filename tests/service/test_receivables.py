"""Aged reports and reconciled invoices over hand-written books (`ledgerlink.lending.receivables.ageing`,
`ledgerlink.lending.receivables.reconciliation`): the cases a Sandbox rarely shows at once — a payment
either side of the report date, void, draft and deleted documents, credit notes, two currencies,
allocations without dates, contacts known only by their records, exact decimal sums, what makes a report
available, and a bank's transactions matched to a payment."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.receivables import ageing, reconciliation
from ledgerlink.lending.receivables.ageing import CREDITORS, DEBTORS, AgeingSettings
from tests.support.rows import company_with, records

pytestmark = pytest.mark.anyio

REPORT_DATE = date(2024, 6, 30)


async def write(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *written: dict[str, Any]
) -> None:
    """Records as a pull would leave them (a deleted one flagged), and the type's count."""
    await records(session, connection_id, data_type, *written, dated_by=("issueDate", "postedDate"))


def allocation(payment_id: str, amount: str, when: str | None, *, sign: int = -1) -> dict[str, Any]:
    allocated: dict[str, Any] = {"totalAmount": sign * float(amount), "currency": "GBP", "currencyRate": 1}
    if when:
        allocated["allocatedOnDate"] = when
    return {"payment": {"id": payment_id, "totalAmount": -sign * float(amount)}, "allocation": allocated}


def invoice(id_: str, issued: str, total: str, due: str, *allocations: dict[str, Any], **more: Any) -> dict:
    return {
        "id": id_,
        "invoiceNumber": id_.upper(),
        "customerRef": {"id": "cust-1", "companyName": "Acme Ltd"},
        "issueDate": issued,
        "currency": "GBP",
        "totalAmount": float(total),
        "amountDue": float(due),
        "status": "Submitted",
        "paymentAllocations": list(allocations),
        **more,
    }


def owed(report: dict[str, Any]) -> dict[tuple[str, str, int, str], float]:
    return {
        (contact["customerId"], currency["currency"], n, detail["name"]): detail["amount"]
        for contact in report["data"]
        for currency in contact["agedCurrencyOutstanding"]
        for n, period in enumerate(currency["agedOutstandingAmounts"])
        for detail in period["details"]
    }


async def test_the_report_is_the_books_on_the_report_date(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    await write(
        session,
        books.id,
        "invoices",
        # 100 paid 30 before the report date and 70 on it: 70 was still owed.
        invoice(
            "inv-1",
            "2024-06-01T00:00:00",
            "100",
            "0",
            allocation("p1", "30", "2024-06-10T00:00:00"),
            allocation("p2", "70", "2024-06-30T00:00:00"),
            status="Paid",
        ),
        # Issued on the report date: not on it. The day before: in the first period.
        invoice("inv-2", "2024-06-30T00:00:00", "50", "50"),
        invoice("inv-3", "2024-06-29T00:00:00", "0.1", "0.1"),
        invoice("inv-4", "2024-06-29T00:00:00", "0.2", "0.2"),
        # Void, draft and deleted documents are not owed.
        invoice("inv-5", "2024-05-01T00:00:00", "40", "0", status="Void"),
        invoice("inv-6", "2024-05-01T00:00:00", "40", "40", status="Draft"),
        invoice("inv-7", "2024-05-01T00:00:00", "40", "40", metadata={"isDeleted": True}),
        # Another currency; and a platform whose allocations carry no date: its amountDue stands.
        invoice("inv-8", "2024-03-01T00:00:00", "900", "900", currency="EUR"),
        invoice("inv-9", "2024-01-15T00:00:00", "500", "200", allocation("p9", "300", None)),
        # A customer known by its record only, and a document with no customer at all.
        invoice("inv-10", "2024-06-20T00:00:00", "10", "10", customerRef={"id": "cust-2"}),
        invoice("inv-11", "2024-06-20T00:00:00", "5", "5", customerRef=None),
    )
    await write(
        session,
        books.id,
        "creditNotes",
        # Open on the report date (applied a week later): it counts against what the customer owes.
        {
            "id": "cn-1",
            "customerRef": {"id": "cust-1", "companyName": "Acme Ltd"},
            "issueDate": "2024-06-15T00:00:00",
            "currency": "GBP",
            "totalAmount": 25.0,
            "remainingCredit": 0.0,
            "status": "Paid",
            "paymentAllocations": [allocation("inv-x", "25", "2024-07-07T00:00:00", sign=1)],
        },
    )
    await write(session, books.id, "customers", {"id": "cust-2", "customerName": "Bolt plc"})
    report = await ageing.aged_report(
        session, principal, str(company.id), DEBTORS, AgeingSettings(REPORT_DATE, 3, 30)
    )
    assert owed(report) == {
        ("", "GBP", 0, "Invoices"): 5.0,
        ("cust-1", "EUR", 2, "Invoices"): 900.0,
        ("cust-1", "GBP", 0, "Invoices"): 70.3,  # 70 + 0.1 + 0.2, exactly
        ("cust-1", "GBP", 0, "CreditNotes"): -25.0,
        ("cust-1", "GBP", 2, "Invoices"): 200.0,
        ("cust-2", "GBP", 0, "Invoices"): 10.0,
    }
    names = {contact["customerId"]: contact["customerName"] for contact in report["data"]}
    assert names == {"": None, "cust-1": "Acme Ltd", "cust-2": "Bolt plc"}
    (acme,) = [c for c in report["data"] if c["customerId"] == "cust-1"]
    assert [c["currency"] for c in acme["agedCurrencyOutstanding"]] == ["EUR", "GBP"]
    gbp = acme["agedCurrencyOutstanding"][1]["agedOutstandingAmounts"]
    assert [(p["fromDate"], p["toDate"], p["amount"]) for p in gbp] == [
        ("2024-05-31T00:00:00", "2024-06-30T00:00:00", 45.3),
        ("2024-05-01T00:00:00", "2024-05-31T00:00:00", 0.0),
        ("0001-01-01T00:00:00", "2024-05-01T00:00:00", 200.0),
    ]
    assert gbp[1]["details"] == [] and report["reportDate"] == "2024-06-30T00:00:00"

    # A day later inv-1 is paid; the credit note is still open until 7 July.
    later = owed(
        await ageing.aged_report(
            session, principal, str(company.id), DEBTORS, AgeingSettings(date(2024, 7, 1), 3, 30)
        )
    )
    assert later[("cust-1", "GBP", 0, "Invoices")] == 50.3  # inv-2 (50) now in, inv-1 out


async def test_available_needs_the_report_s_types_pulled_on_a_linked_connection(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    company_id = str(company.id)
    assert await ageing.is_available(session, principal, company_id, DEBTORS) is False
    await write(session, books.id, "invoices", invoice("inv-1", "2024-06-01T00:00:00", "1", "1"))
    # The Sandbox provides credit notes too: the report waits for them.
    assert await ageing.is_available(session, principal, company_id, DEBTORS) is False
    await write(session, books.id, "creditNotes")
    assert await ageing.is_available(session, principal, company_id, DEBTORS) is True
    # Bills alone do not make the creditors' report of a platform that has bill credit notes too.
    assert await ageing.is_available(session, principal, company_id, CREDITORS) is False
    await write(session, books.id, "bills")
    assert await ageing.is_available(session, principal, company_id, CREDITORS) is False
    await write(session, books.id, "billCreditNotes")
    assert await ageing.is_available(session, principal, company_id, CREDITORS) is True
    books.status = "Unlinked"
    await session.flush()
    assert await ageing.is_available(session, principal, company_id, DEBTORS) is False


async def test_a_bank_s_transaction_evidences_the_payment(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books, bank) = await company_with(
        session, principal.client_id, ("mqjo", "Linked"), ("qhnd", "Linked"), name="Matched Ltd"
    )
    await write(
        session,
        books.id,
        "invoices",
        invoice(
            "inv-1",
            "2024-06-01T00:00:00",
            "150",
            "0",
            allocation("pay-1", "120", "2024-06-10T00:00:00"),
            allocation("cn-1", "30", "2024-06-05T00:00:00"),
            status="Paid",
        ),
    )
    await write(
        session,
        books.id,
        "payments",
        # One transfer paid this invoice and another: the bank shows the whole of it.
        {"id": "pay-1", "totalAmount": 200.0, "date": "2024-06-10T00:00:00", "currency": "GBP", "lines": []},
    )
    await write(session, books.id, "creditNotes", {"id": "cn-1", "issueDate": "2024-06-04T00:00:00"})
    await write(session, bank.id, "banking-accounts", {"id": "acc-1", "name": "Business Current"})
    await write(
        session,
        bank.id,
        "banking-transactions",
        {
            "id": "bt-1",
            "accountId": "acc-1",
            "postedDate": "2024-06-11T00:00:00",
            "amount": 200.0,
            "currency": "GBP",
            "description": "ACME LTD INV-1",
        },
        {
            "id": "bt-2",
            "accountId": "acc-1",
            "postedDate": "2024-06-11T00:00:00",
            "amount": 120.0,
            "currency": "GBP",
            "description": "INV-1",
        },
        {
            "id": "bt-3",
            "accountId": "acc-1",
            "postedDate": "2024-06-30T00:00:00",
            "amount": 200.0,
            "currency": "GBP",
            "description": "INV-1",
        },
    )
    answer = await reconciliation.enhanced_invoices(
        session, principal, str(company.id), PageParams(1, 10, None, None)
    )
    assert answer["reportInfo"]["companyName"] == "Matched Ltd" and answer["reportInfo"]["totalResults"] == 1
    (item,) = answer["reportItems"]
    paid, credited = item["payments"]
    assert (paid["paymentType"], paid["amount"], credited["paymentType"], credited["amount"]) == (
        "payments",
        120.0,
        "creditNotes",
        30.0,
    )
    (ref,) = paid["bankingTransactionRefs"]
    assert (ref["id"], ref["dataConnectionId"], ref["accountName"], ref["amount"]) == (
        "bt-1",
        str(bank.id),
        "Business Current",
        200.0,
    )
    assert ref["matchScore"] == 0.8688  # amount, a day later, names the invoice; no account in the books
    assert ref["matchReasons"] == [
        "amount 200.0 equals the payment's",
        "cleared 1 day after",
        "description names INV-1",
    ]
    assert credited["bankingTransactionRefs"] == []
