"""Liabilities through the server, its worker and Codat's `codat-lending` SDK, on a company linked to the
Accounting and Banking Sandboxes: the loan found in the bank and the loan found in the books are the
Sandbox's loan (`connectors.sandbox.story.loans`: lender, drawdown, every repayment, and, from the books,
interest and the outstanding balance), nothing else is reported as a loan (the Sandboxes' rent, payroll,
HMRC and subscriptions recur too), and Codat's errors: a source the company has no connection to, a bad
`sourceType`, an unknown company; the liabilities reports stay out of Codat's list of reports."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from codat_lending import CodatLending
from codat_lending.models.errors import ErrorMessage
from sqlalchemy import text

from ledgerlink.connectors.sandbox import story
from tests.support.pulls import read_all
from tests.support.server import RunningServer

LOANS = "/companies/{}/reports/liabilities/loans"


@pytest.fixture(scope="module")
def business(server: RunningServer) -> dict[str, str]:
    """A company whose Accounting and Banking Sandboxes are linked (a report waits for the pulls of what it
    reads, so their first pulls need not have ended)."""
    with server.client() as api:
        company_id = api.post("/companies", json={"name": "Loans Found Ltd"}).json()["id"]
        found = {"company": company_id}
        for key, name in (("mqjo", "books"), ("qhnd", "bank")):
            connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": key}).json()
            linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
            assert linked.json()["status"] == "Linked", linked.text
            found[name] = connection["id"]
    return found


def answered(ask: Callable[[], Any], timeout: float = 90) -> Any:
    """Codat's way: generate, then poll the `GET` until it answers 200 (404 while it is being generated)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return ask()
        except ErrorMessage as error:
            assert error.status_code == 404 and "still being generated" in error.body, error.body
        assert time.monotonic() < deadline, "the loan report is still being generated"
        time.sleep(0.2)


def truth(
    db: Any, api: httpx.Client, company_id: str, connection_id: str, data_type: str
) -> story.SandboxLoan:
    """The Sandbox's loan as the connection's last completed pull of `data_type` saw it."""
    linked_at = db.execute(
        text("SELECT linked_at FROM connections WHERE id = :id"), {"id": connection_id}
    ).scalar_one()
    pulls = [
        p
        for p in read_all(api, f"/companies/{company_id}/data/history")
        if p["dataType"] == data_type and p["status"] == "Complete" and p["connectionId"] == connection_id
    ]
    as_of = datetime.fromisoformat(max(p["completed"] for p in pulls).replace("Z", "+00:00"))
    (loan,) = story.loans(company_id, linked_at, as_of)
    return loan


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def test_the_loan_in_the_bank_is_the_sandboxes_loan_and_nothing_else_is(
    api: httpx.Client, db: Any, lending: CodatLending, business: dict[str, str]
) -> None:
    company_id = business["company"]
    assert (
        lending.liabilities.generate_loan_summary(
            request={"company_id": company_id, "source_type": "banking"}
        )
        is None
    )
    summary = answered(
        lambda: lending.liabilities.get_loan_summary(
            request={"company_id": company_id, "source_type": "banking"}
        )
    )
    loan = truth(db, api, company_id, business["bank"], "banking-transactions")
    repayments = [r for r in loan.repayments if r.bank_transaction_id is not None]

    assert summary.report_info.report_name == "LoanSummaryReport"
    assert summary.report_info.company_name == "Loans Found Ltd"
    (item,) = summary.report_items  # (one loan: no rent, payroll, HMRC or subscription taken for one)
    assert item.lender == loan.lender
    assert day(item.start_date) == loan.drawdown_date
    assert item.total_drawdowns == loan.drawdown_amount
    assert item.total_repayments == sum(r.amount for r in repayments)
    # (the bank cannot separate interest from principal, so a loan whose repayments with interest exceed the
    # drawdown reads as repaid, never as a negative balance)
    assert item.balance == max(Decimal(0), loan.drawdown_amount - sum(r.amount for r in repayments))
    assert (
        item.record_ref.integration_type == "Banking"
        and item.record_ref.record_ref_type == "banking-accounts"
    )
    assert item.record_ref.data_connection_id == business["bank"]
    raw = api.get(LOANS.format(company_id), params={"sourceType": "banking"}).json()["reportItems"][0]
    assert raw["recurringRepayment"] == {"amount": float(loan.repayment_amount), "frequency": "Monthly"}
    assert raw["confidence"] > 0.9 and raw["transactionCount"] == len(repayments) + 1

    listed = lending.liabilities.list_loan_transactions(
        request={"company_id": company_id, "source_type": "banking"}
    )
    assert listed.report_info.report_name == "BankingLoanTransactions"
    assert listed.report_info.total_results == len(listed.report_items) == len(repayments) + 1
    moves = {(t.loan_transaction_type, t.item_ref.id): t for t in listed.report_items}
    drawdown = moves[("Investment", loan.drawdown_bank_transaction_id)]
    assert drawdown.amount == loan.drawdown_amount and day(drawdown.date_) == loan.drawdown_date
    assert drawdown.loan_ref.id == item.record_ref.id and drawdown.item_ref.type == "banking-transactions"
    for repayment in repayments:
        found = moves[("Repayment", repayment.bank_transaction_id)]
        assert found.amount == -repayment.amount and found.lender == loan.lender
    # Another page, as ledgerlink pages any list.
    page = api.get(
        f"{LOANS.format(company_id)}/transactions", params={"sourceType": "banking", "page": 2, "pageSize": 5}
    ).json()
    assert page["reportInfo"]["pageNumber"] == 2 and len(page["reportItems"]) == 5


def test_the_loan_in_the_books_is_the_sandboxes_loan_with_its_interest_and_balance(
    api: httpx.Client, db: Any, lending: CodatLending, business: dict[str, str]
) -> None:
    company_id = business["company"]
    lending.liabilities.generate_loan_transactions(
        request={"company_id": company_id, "source_type": "accounting"}
    )
    listed = answered(
        lambda: lending.liabilities.list_loan_transactions(
            request={"company_id": company_id, "source_type": "accounting"}
        )
    )
    summary = lending.liabilities.get_loan_summary(
        request={"company_id": company_id, "source_type": "accounting"}
    )
    loan = truth(db, api, company_id, business["books"], "journalEntries")

    (item,) = summary.report_items
    assert item.lender == loan.lender
    assert item.record_ref.id == loan.books_loan_account_id and item.record_ref.record_ref_type == "accounts"
    assert item.total_drawdowns == loan.drawdown_amount
    assert item.total_repayments == sum(r.amount for r in loan.repayments)
    assert item.balance == loan.outstanding
    assert listed.report_info.report_name == "AccountingLoanTransactions"
    by_kind: dict[str, list[tuple[date, Decimal]]] = {}
    for t in listed.report_items:
        assert t.loan_ref.id == loan.books_loan_account_id and t.loan_ref.type == "chartOfAccount"
        assert t.item_ref.type == "journalEntry"
        by_kind.setdefault(t.loan_transaction_type, []).append((day(t.date_), money(t.amount)))
    assert by_kind["Investment"] == [(loan.drawdown_date, loan.drawdown_amount)]
    assert sorted(by_kind["Repayment"]) == [(r.date, -r.capital) for r in loan.repayments]
    assert sorted(by_kind["Interest"]) == [(r.date, -r.interest) for r in loan.repayments if r.interest]
    assert set(by_kind) == {"Investment", "Repayment", "Interest"}


def test_errors_and_the_list_of_reports(
    api: httpx.Client, lending: CodatLending, business: dict[str, str]
) -> None:
    company_id = business["company"]
    # No commerce connection: the report ends in error, and the GET says why.
    lending.liabilities.generate_loan_summary(request={"company_id": company_id, "source_type": "commerce"})
    deadline = time.monotonic() + 60
    while True:
        answer = api.get(LOANS.format(company_id), params={"sourceType": "commerce"})
        assert answer.status_code == 404, answer.text
        if "could not be generated" in answer.json()["error"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "no commerce connection of it has completed a pull" in answer.json()["error"]

    for params in ({}, {"sourceType": "payroll"}):
        for method in ("GET", "POST"):
            refused = api.request(method, LOANS.format(company_id), params=params)
            assert refused.status_code == 400 and "sourceType" in refused.json()["error"], refused.text
    with pytest.raises(ErrorMessage) as unknown:
        lending.liabilities.get_loan_summary(
            request={"company_id": str(uuid.uuid4()), "source_type": "banking"}
        )
    assert unknown.value.status_code == 404
    # Codat's list of reports (and its SDK's model) knows only its `reportType`s: the liabilities reports
    # are not in it, nor are they asked for by type.
    reports = lending.manage_reports.list_reports(request={"company_id": company_id})
    assert reports.total_results == 0 and not reports.results
    listed = api.get(f"/companies/{company_id}/reports/loans.banking/latest/status")
    assert listed.status_code == 400
