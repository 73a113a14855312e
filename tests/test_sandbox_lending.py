"""The Accounting Sandbox's books as Lending reads them: a UK company's chart of accounts with accounts that
are hard to categorize, receivables and payables overdue in every ageing bucket, partial payments and credit
notes (pure Python, no server; the pulls and their cache are `test_sandbox_accounting`'s)."""

from __future__ import annotations

import re

from ledgerlink.connectors.sandbox.books import ACCOUNTS, ARCHIVED, HARD_TO_CATEGORIZE
from tests.support.sandbox_books import cents
from tests.test_sandbox_accounting import snapshot

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
