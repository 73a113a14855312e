"""Bank transaction categorization (`ledgerlink.lending.bank_categories`), pure: what a line's description,
direction and platform category make of it, and that every category named is one of the taxonomy's."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink.lending.bank_categories import CATEGORIES, BankClassification, classify
from ledgerlink.lending.bank_lines import BankLine
from ledgerlink.lending.categories import taxonomy


def line(description: str, amount: str, *, merchant: str | None = None, category: Any = None) -> BankLine:
    record = {"transactionCategoryRef": category} if isinstance(category, dict) else {}
    name = category.get("name") if isinstance(category, dict) else category
    return BankLine(
        source="Banking",
        connection_id=uuid.UUID(int=1),
        platform_key="qhnd",
        account_id="a",
        transaction_id="t",
        date=date(2024, 3, 1),
        amount=Decimal(amount),
        currency="GBP",
        description=description,
        merchant_name=merchant,
        platform_category=name,
        record=record,
    )


@pytest.mark.parametrize(
    ("description", "amount", "levels", "counterparty", "provider"),
    [
        ("CARD PAYMENT TO TESCO STORES 3172 ON 12 MAR", "-23.40", "Expense.Operating", "Tesco", None),
        ("STRIPE PAYMENTS UK LTD ST-A1B2C3D4E5", "1234.50", "Income.Revenue.Online", "Stripe", "Stripe"),
        ("PAYPAL *ADOBE SYSTEMS 35314369001", "-19.99", "Expense.Operating", "Adobe", "PayPal"),
        ("DD HMRC VAT 123456789", "-4211.00", "Liability.Current.Taxes.SalesTaxPayable", "HMRC", None),
        ("HMRC CUMBERNAULD PAYE 120PA00123456", "-2345", "Liability.Current.Personnel", "HMRC", None),
        ("FUNDING CIRCLE LTD LOAN REPAYMENT", "-812.55", "Liability.NonCurrent", "Funding Circle", None),
        ("Faster payment from Bright Ideas Ltd", "2500", "Income.Revenue", "Bright Ideas Ltd", None),
        ("Transfer to savings", "-1000", "Asset.Current.Bank", None, None),
        ("SUMUP PAYMENTS LIMITED", "310.22", "Income.Revenue.Retail", "SumUp", "SumUp"),
        ("AMAZON.CO.UK REFUND", "45.99", "Expense.Operating", "Amazon", None),
    ],
)
def test_rules(
    description: str, amount: str, levels: str, counterparty: str | None, provider: str | None
) -> None:
    found = classify(line(description, amount))
    assert found.levels[: len(levels.split("."))] == tuple(levels.split("."))
    assert (found.counterparty, found.payment_provider) == (counterparty, provider)
    assert 0 < found.confidence <= 1 and found.reason


@pytest.mark.parametrize(
    ("description", "amount", "counterparty"),
    [
        ("Faster payment to Prime Software UK Ltd ref PI-230201-001", "-25", "Prime Software UK Ltd"),
        ("Faster payment to Aisha Taylor ref Salary", "-1800", "Aisha Taylor"),
        ("BGC ALDERTON LTD REMITTANCE", "300", "Alderton Ltd"),
        ("Monthly account fee", "-5", None),
        ("Payment of PI-240109-001", "-40", None),
    ],
)
def test_the_counterparty_is_the_name_between_the_rail_and_the_reference(
    description: str, amount: str, counterparty: str | None
) -> None:
    assert classify(line(description, amount)).counterparty == counterparty


def test_the_direction_of_money_decides_what_a_provider_line_is() -> None:
    assert classify(line("STRIPE", "500")).levels[:2] == ("Income", "Revenue")
    assert classify(line("STRIPE", "-25")).levels == ("Expense", "CostOfSales", "MerchantFees")


def test_the_platform_category_confirms_or_decides() -> None:
    plain = classify(line("Card payment to Tesco", "-12"))
    confirmed = classify(line("Card payment to Tesco", "-12", category="Meals & Entertainment"))
    assert confirmed.levels == plain.levels and confirmed.confidence > plain.confidence
    assert "agrees" in confirmed.reason
    # Nothing in the words: Plaid's code decides.
    plaid = classify(line("ZX QWERTY", "-40", category={"id": "TRANSPORTATION_GAS", "name": "Gas"}))
    assert plaid.levels == ("Expense", "Operating", "Travel", "MotorVehicle")
    assert "platform" in plaid.reason


def test_with_nothing_recognised_the_direction_guesses_at_low_confidence() -> None:
    assert classify(line("Payment m86SDGpQr3", "-6905.44")) == BankClassification(
        ("Expense", "Operating"), 0.3, "money out that no rule recognised", None, None
    )
    assert classify(line("XQZ", "10")).levels == ("Income", "Revenue")


def test_deterministic_and_every_category_in_the_taxonomy() -> None:
    first = classify(line("SQ *BLUE BOTTLE COFFEE", "-4.50"))
    assert classify(line("SQ *BLUE BOTTLE COFFEE", "-4.50")) == first
    assert first.payment_provider == "Square"
    assert CATEGORIES == taxonomy.TAXONOMY
