"""Codat's loan writeback on the Accounting Sandbox, end to end: a lender records a loan in its borrower's
books through `codat-lending`'s `loan_writeback` operations (`tests/support/loan_writeback.py`), against the
real server, its worker and PostgreSQL; the books read back through the read API then carry the loan.

After a drawdown of 10,000.00 and two repayments (1,000.00 principal each, with 125.50 and 110.25 of
interest): the loan's bank account (a `Credit` account: a liability) owes 8,000.00 on the balance sheet, the
business's current account moved by the deposit less the repayments (7,764.25) and by nothing else the
writeback did, and the interest (235.75) is an expense in profit and loss. Every balance sheet still balances.
(The Xero and QuickBooks fakes run the same writeback in their own tests.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from codat_lending import CodatLending

from tests.support.loan_writeback import LoanWriteback, wait_for_create, write_back_loan
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.sandbox_books import cents
from tests.support.server import RunningServer

TAG = uuid.uuid4().hex[:8]
TODAY = datetime.now(UTC).date()
AMOUNT = Decimal("10000.00")
REPAYMENTS = [
    (TODAY - timedelta(days=3), Decimal("1000.00"), Decimal("125.50")),
    (TODAY, Decimal("1000.00"), Decimal("110.25")),
]
# What the books read after the writeback refers to: pulled again once the writes are in.
READ_AFTER = ("chartOfAccounts", "bankAccounts", "bankTransactions", "transfers", "directCosts", "suppliers")
STATEMENTS = ("balanceSheet", "profitAndLoss")


def statements(api: httpx.Client, company_id: str, kind: str) -> list[dict[str, Any]]:
    """The last three months of a statement, most recent first."""
    answer = api.get(
        f"/companies/{company_id}/data/financials/{kind}", params={"periodLength": 1, "periodsToCompare": 3}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["reports"]


def bank_lines(api: httpx.Client, connection: str, account_id: str) -> dict[str, dict[str, Any]]:
    return {
        line["id"]: line for line in read_all(api, f"{connection}/bankAccounts/{account_id}/bankTransactions")
    }


def balance(api: httpx.Client, connection: str, account_id: str) -> int:
    answer = api.get(f"{connection}/bankAccounts/{account_id}")
    assert answer.status_code == 200, answer.text
    return cents(answer.json()["balance"])


def line_of(report_part: dict[str, Any], account_id: str) -> int | None:
    """The value (in pence) of an account's line anywhere in a statement's part, or None."""
    for item in report_part.get("items", []):
        if item.get("accountId") == account_id:
            return cents(item["value"])
        found = line_of(item, account_id)
        if found is not None:
            return found
    return None


@pytest.fixture(scope="module")
def loan(server: RunningServer, lending: CodatLending) -> Iterator[dict[str, Any]]:
    """A linked Sandbox company, its current account before the writeback, the writeback, and its books
    read again afterwards."""
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, f"Loan Writeback {TAG} Ltd")
        wait_for_pulls(api, company_id, at_least=10)
        accounts = {a["name"]: a for a in read_all(api, f"/companies/{company_id}/data/accounts")}
        business = accounts["Business Current Account"]["id"]
        connection = f"/companies/{company_id}/connections/{connection_id}/data"
        before = bank_lines(api, connection, business)
        before_balance = balance(api, connection, business)

        written = write_back_loan(
            lending,
            company_id,
            connection_id,
            business_bank_account_id=business,
            amount=AMOUNT,
            drawdown_date=TODAY - timedelta(days=7),
            repayments=REPAYMENTS,
            lender=f"Ledgerlink Capital {TAG}",
        )
        wait_for_pulls(api, company_id)
        for data_type in (*READ_AFTER, *STATEMENTS):
            queued = api.post(f"/companies/{company_id}/data/queue/{data_type}")
            assert queued.status_code == 200, queued.text
        wait_for_pulls(api, company_id)
        yield {
            "api_company": company_id,
            "connection": connection_id,
            "business": business,
            "before": before,
            "before_balance": before_balance,
            "written": written,
            "after": bank_lines(api, connection, business),
            "after_balance": balance(api, connection, business),
            "loan": api.get(f"{connection}/bankAccounts/{written.loan_account_id}").json(),
            "loan_lines": bank_lines(api, connection, written.loan_account_id),
            "accounts": {a["id"]: a for a in read_all(api, f"/companies/{company_id}/data/accounts")},
            "balanceSheet": statements(api, company_id, "balanceSheet"),
            "profitAndLoss": statements(api, company_id, "profitAndLoss"),
            "transfers": {t["id"]: t for t in read_all(api, f"{connection}/transfers")},
            "directCosts": {d["id"]: d for d in read_all(api, f"{connection}/directCosts")},
        }


def test_the_writeback_creates_what_the_guide_configures(loan, server) -> None:
    written: LoanWriteback = loan["written"]
    assert len(written.push_operation_keys) == 3 + 1 + 2 + 2  # configure, deposit, repayments, interest
    account = loan["loan"]
    assert account["accountType"] == "Credit" and account["accountName"] == f"Ledgerlink Capital {TAG} loan"
    assert account["balance"] == -8000  # owed to the lender: a credit balance
    with server.client() as api:
        supplier = api.get(f"/companies/{loan['api_company']}/data/suppliers/{written.lender_supplier_id}")
        assert supplier.json()["supplierName"] == f"Ledgerlink Capital {TAG}"
    chart = loan["accounts"]
    loan_account, expense = chart[written.loan_account_id], chart[written.expense_account_id]
    assert loan_account["type"] == "Liability" and loan_account["isBankAccount"] is True
    assert loan_account["currentBalance"] == -8000
    assert expense["type"] == "Expense" and expense["currentBalance"] == 235.75
    assert expense["fullyQualifiedCategory"] == "Expense.Other.InterestAndFees"

    deposit = loan["transfers"][written.deposit_transfer_id]
    assert deposit["from"]["accountRef"]["id"] == written.loan_account_id
    assert deposit["to"]["accountRef"]["id"] == loan["business"] and deposit["to"]["amount"] == 10000
    assert deposit["date"][:10] == (TODAY - timedelta(days=7)).isoformat()
    for transfer_id, (day, principal, interest) in zip(
        written.repayment_transfer_ids, REPAYMENTS, strict=True
    ):
        repayment = loan["transfers"][transfer_id]
        assert repayment["from"]["accountRef"]["id"] == loan["business"]
        assert repayment["to"]["accountRef"]["id"] == written.loan_account_id
        assert Decimal(str(repayment["from"]["amount"])) == principal + interest
        assert repayment["date"][:10] == day.isoformat()
    for cost_id, (_day, _principal, interest) in zip(
        written.interest_direct_cost_ids, REPAYMENTS, strict=True
    ):
        cost = loan["directCosts"][cost_id]
        assert Decimal(str(cost["totalAmount"])) == interest
        assert cost["contactRef"]["id"] == written.lender_supplier_id
        assert cost["lineItems"][0]["accountRef"]["id"] == written.expense_account_id
        (allocation,) = cost["paymentAllocations"]
        assert allocation["payment"]["accountRef"]["id"] == written.loan_account_id


def test_the_balance_sheet_shows_the_loan_and_still_balances(loan) -> None:
    written: LoanWriteback = loan["written"]
    latest = loan["balanceSheet"][0]
    # The loan is a liability: the drawdown less the principal repaid.
    assert line_of(latest["liabilities"], written.loan_account_id) == 800000
    assert line_of(latest["assets"], written.loan_account_id) is None
    for report in loan["balanceSheet"]:
        assets, liabilities, equity = (cents(report[k]["value"]) for k in ("assets", "liabilities", "equity"))
        assert assets - liabilities == equity == cents(report["netAssets"]), report["date"]


def test_the_business_bank_moved_by_the_deposit_less_the_repayments(loan) -> None:
    written: LoanWriteback = loan["written"]
    new = {i: line for i, line in loan["after"].items() if i not in loan["before"]}
    # The transfers' own lines on the current account: +10,000.00, then each repayment out.
    ours = sorted(
        cents(line["amount"]) for line in new.values() if "Ledgerlink Capital" in line["description"]
    )
    assert ours == sorted([1000000, -112550, -111025])
    assert sum(ours) == 1000000 - 112550 - 111025
    # Everything that moved the balance between the two reads is a new line (the Sandbox's own trade goes
    # on while the test runs): the writeback moved it by exactly its lines.
    assert loan["after_balance"] - loan["before_balance"] == sum(
        cents(line["amount"]) for line in new.values()
    )
    # The loan account's statement: the deposit out, the repayments in, the interest charged to it.
    loan_lines = sorted(cents(line["amount"]) for line in loan["loan_lines"].values())
    assert loan_lines == sorted([-1000000, 112550, 111025, -12550, -11025])
    assert sum(loan_lines) == -800000
    assert all(line["accountId"] == written.loan_account_id for line in loan["loan_lines"].values())


def test_the_interest_is_an_expense_in_profit_and_loss(loan) -> None:
    written: LoanWriteback = loan["written"]
    interest = [
        line_of(report["otherExpenses"], written.expense_account_id) or 0 for report in loan["profitAndLoss"]
    ]
    assert sum(interest) == 12550 + 11025
    # Days before the month's start belong to the month before.
    by_month: dict[str, int] = {}
    for day, _principal, paid in REPAYMENTS:
        by_month[day.isoformat()[:7]] = by_month.get(day.isoformat()[:7], 0) + cents(float(paid))
    for report in loan["profitAndLoss"]:
        month = report["fromDate"][:7]
        assert (line_of(report["otherExpenses"], written.expense_account_id) or 0) == by_month.get(month, 0)


def test_a_drawdown_is_dated_no_later_than_today_in_the_books(loan, lending) -> None:
    """A date after today in the books is refused, the push failing with the field named."""
    written: LoanWriteback = loan["written"]
    ids = {"company_id": loan["api_company"], "connection_id": loan["connection"]}
    answer = lending.loan_writeback.transfers.create(
        request={
            **ids,
            "accounting_transfer": {
                "date": (TODAY + timedelta(days=30)).isoformat(),
                "from": {"accountRef": {"id": written.loan_account_id}, "amount": 5},
                "to": {"accountRef": {"id": loan["business"]}, "amount": 5},
            },
        }
    )
    done = wait_for_create(lending, loan["api_company"], answer.push_operation_key)
    assert done["status"] == "Failed" and done["statusCode"] == 400, done
    (error,) = done["validation"]["errors"]
    assert error["itemId"] == "date" and "after today" in error["message"]
