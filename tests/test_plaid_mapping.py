"""Plaid's records → Codat's banking records, field by field: for each data type a Plaid record (the spec's
own examples) and the exact standardized record it becomes, valid against Codat's schema; then the rules
that need their own cases (signs, credit accounts, overdrafts, pending transactions, codes, currencies)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import jsonschema_rs
import pytest

from ledgerlink.connectors.plaid import mapping
from ledgerlink.records import fields
from tests.support.fakes.plaid import spec_example

INSTITUTION = {"id": "ins_109512", "name": "Houndstooth Bank"}


def valid(data_type: str, record: dict[str, Any]) -> dict[str, Any]:
    validator = jsonschema_rs.validator_for(fields.record_schema(data_type))
    errors = [str(error) for error in validator.iter_errors(record)]
    assert not errors, errors
    return record


@pytest.fixture(scope="module")
def accounts() -> dict[str, dict[str, Any]]:
    return {a["account_id"]: a for a in spec_example("/accounts/balance/get")["accounts"]}


@pytest.fixture(scope="module")
def transactions() -> dict[str, dict[str, Any]]:
    synced = spec_example("/transactions/sync")
    return {t["transaction_id"]: t for t in synced["added"] + synced["modified"]}


def test_a_depository_account(accounts: dict[str, dict[str, Any]]) -> None:
    raw = accounts["BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"]
    assert valid("banking-accounts", mapping.account(raw, INSTITUTION)) == {
        "id": "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp",
        "name": "Plaid Gold Standard 0% Interest Checking",
        "informalName": "Plaid Checking",
        "holder": None,
        "type": "Debit",
        "balance": {"available": 100, "current": 110, "limit": None},
        "identifiers": {
            "type": "Depository",
            "subtype": "checking",
            "number": None,
            "bankCode": None,
            "iban": None,
            "bic": None,
            "maskedAccountNumber": "0000",
        },
        "currency": "USD",
        "institution": {"id": "ins_109512", "name": "Houndstooth Bank"},
    }


def test_a_credit_card_and_a_loan_are_credit_accounts(accounts: dict[str, dict[str, Any]]) -> None:
    card = valid("banking-accounts", mapping.account(accounts["dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK"], {}))
    assert card["type"] == "Credit" and card["identifiers"]["type"] == "Credit"
    # Money owed stays positive (a Credit account's positive balance is a liability); so does its limit.
    assert card["balance"] == {"available": None, "current": 410, "limit": 2000}
    assert card["name"] == "Plaid Diamond 12.5% APR Interest Credit Card" and card["institution"] == {}
    loan = valid("banking-accounts", mapping.account(accounts["Pp1Vpkl9w8sajvK6oEEKtr7vZxBnGpf7LxxLE"], {}))
    assert loan["type"] == "Credit" and loan["identifiers"]["type"] == "Loan"
    # No official name: the account's own.
    assert loan["name"] == "Plaid Student Loan" and loan["informalName"] == "Plaid Student Loan"


def test_an_overdraft_becomes_a_negative_minimum_balance(accounts: dict[str, dict[str, Any]]) -> None:
    raw = copy.deepcopy(accounts["BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"])
    raw["balances"].update(limit=500, current=None, last_updated_datetime="2024-03-01T09:30:00.000Z")
    raw["balances"]["iso_currency_code"] = None
    raw["balances"]["unofficial_currency_code"] = "USDC"
    record = valid("banking-accounts", mapping.account(raw, INSTITUTION))
    # No current balance from the bank: the available one stands in (Codat requires one).
    assert record["balance"] == {"available": 100, "current": 100, "limit": -500}
    assert record["currency"] == "USDC"
    assert record["sourceModifiedDate"] == "2024-03-01T09:30:00Z"


def test_an_account_balance(accounts: dict[str, dict[str, Any]]) -> None:
    raw = accounts["BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"]
    assert valid("banking-accountBalances", mapping.account_balance(raw, date(2024, 3, 5))) == {
        "accountId": "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp",
        "balance": {"available": 100, "current": 110, "limit": None},
        "date": "2024-03-05T00:00:00Z",
    }


def test_a_posted_transaction(transactions: dict[str, dict[str, Any]]) -> None:
    raw = transactions["lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje"]
    assert valid("banking-transactions", mapping.transaction(raw)) == {
        "id": "lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje",
        "accountId": "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp",
        "description": "PURCHASE WM SUPERCENTER #1700",
        # Plaid's positive amount is money out: Codat's is negative.
        "amount": -72.1,
        "currency": "USD",
        "authorizedDate": "2023-09-22T10:34:50Z",
        "postedDate": "2023-09-24T11:01:01Z",
        "code": "Purchase",
        "merchantName": "Walmart",
        "transactionCategoryRef": {"id": "GENERAL_MERCHANDISE_SUPERSTORES", "name": "Superstores"},
    }


def test_a_pending_transaction_has_no_posted_date(transactions: dict[str, dict[str, Any]]) -> None:
    raw = transactions["yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0"]
    assert valid("banking-transactions", mapping.transaction(raw)) == {
        "id": "yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0",
        "accountId": "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp",
        "description": "Dd Doordash Burgerkin",
        "amount": -28.34,
        "currency": "USD",
        "authorizedDate": "2023-09-27T08:01:58Z",
        "code": "Purchase",
        "merchantName": "Burger King",
        "transactionCategoryRef": {"id": "FOOD_AND_DRINK_FAST_FOOD", "name": "Fast food"},
    }


def test_money_in_dates_only_and_the_accounts_currency(transactions: dict[str, dict[str, Any]]) -> None:
    raw = copy.deepcopy(transactions["lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje"])
    raw.update(
        amount=-1500.0,
        name="ACME CORP PAYROLL",
        merchant_name=None,
        datetime=None,
        authorized_datetime=None,
        authorized_date=None,
        date="2024-02-29",
        iso_currency_code=None,
        unofficial_currency_code=None,
        payment_channel="other",
        personal_finance_category={"primary": "INCOME", "detailed": "INCOME_WAGES"},
    )
    record = valid("banking-transactions", mapping.transaction(raw, {raw["account_id"]: "USD"}))
    assert record["amount"] == 1500.0 and record["code"] == "Credit"
    assert record["postedDate"] == "2024-02-29T00:00:00Z" and "authorizedDate" not in record
    assert record["currency"] == "USD" and record["merchantName"] is None
    assert record["transactionCategoryRef"] == {"id": "INCOME_WAGES", "name": "Wages"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"transaction_code": "bank charge"}, "Fee"),
        ({"transaction_code": "direct debit"}, "DirectDebit"),
        ({"transaction_code": "standing order"}, "StandingOrder"),
        ({"transaction_code": "atm"}, "Cash"),
        ({"transaction_code": "refund"}, "Credit"),
        ({"check_number": "1042"}, "Cheque"),
        (
            {"personal_finance_category": {"primary": "TRANSFER_OUT", "detailed": "TRANSFER_OUT_SAVINGS"}},
            "Transfer",
        ),
        ({"personal_finance_category": {"primary": "BANK_FEES", "detailed": "BANK_FEES_ATM_FEES"}}, "Fee"),
        ({"payment_channel": "other", "personal_finance_category": None}, "Unknown"),
    ],
)
def test_transaction_codes(
    transactions: dict[str, dict[str, Any]], changes: dict[str, Any], code: str
) -> None:
    raw = {**copy.deepcopy(transactions["lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje"]), **changes}
    assert valid("banking-transactions", mapping.transaction(raw))["code"] == code


def test_a_transactions_categories(transactions: dict[str, dict[str, Any]]) -> None:
    raw = transactions["yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0"]
    categories = [valid("banking-transactionCategories", c) for c in mapping.categories(raw)]
    assert categories == [
        {
            "id": "FOOD_AND_DRINK",
            "name": "Food and drink",
            "parentId": None,
            "hasChildren": True,
            "status": "Active",
        },
        {
            "id": "FOOD_AND_DRINK_FAST_FOOD",
            "name": "Fast food",
            "parentId": "FOOD_AND_DRINK",
            "hasChildren": False,
            "status": "Active",
        },
    ]
    assert mapping.categories({**raw, "personal_finance_category": None}) == []


def test_every_example_in_the_spec_maps_to_a_valid_record() -> None:
    for path in (
        "/accounts/get",
        "/accounts/balance/get",
        "/auth/get",
        "/identity/get",
        "/transactions/sync",
    ):
        for raw in spec_example(path)["accounts"]:
            valid("banking-accounts", mapping.account(raw, INSTITUTION))
            valid("banking-accountBalances", mapping.account_balance(raw, date(2024, 1, 1)))
    for path in ("/transactions/sync", "/transactions/get"):
        example = spec_example(path)
        for raw in example.get("transactions") or example["added"] + example["modified"]:
            valid("banking-transactions", mapping.transaction(raw))
            for category in mapping.categories(raw):
                valid("banking-transactionCategories", category)
