"""What the Sync Flow form proposes (`commerce.suggestions`, pure): accounts of the class that fits whose
names say what each choice is for, tax rates of the same percentage with the closest name, a customer and a
supplier named after the platform; never over a choice made, and nothing where the books have no answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledgerlink.commerce.configuration import DEFAULT_PAYMENTS, MerchantBooks, empty_selections
from ledgerlink.commerce.suggestions import fill


def account(
    account_id: str, name: str, account_type: str, category: str = "", **extra: Any
) -> dict[str, Any]:
    return {"id": account_id, "name": name, "type": account_type, "fullyQualifiedCategory": category, **extra}


def books(accounts: list[dict[str, Any]], **parts: Any) -> MerchantBooks:
    values: dict[str, Any] = {
        "company_name": "Books",
        "accounts": accounts,
        "tax_rates": [],
        "customers": [],
        "suppliers": [],
        "commerce_taxes": [],
        "payment_methods": [],
        "currency": "GBP",
        "country_code": "GB",
    }
    return MerchantBooks(**{**values, **parts})


NOW = datetime(2026, 1, 1, tzinfo=UTC)
CHART = [
    account("cash", "Petty Cash", "Asset", "Asset.Current.Cash"),
    account("savings", "Savings Account", "Asset", "Asset.Current.Bank"),
    account("current", "Business Account", "Asset", "Asset.Current.Bank"),
    account("paypal", "PayPal", "Asset", "Asset.Current"),
    account("ar", "Accounts Receivable", "Asset", "Asset.Current.AccountsReceivable"),
    account("vat", "VAT Control", "Liability", "Liability.Current.Tax"),
    account("commission", "Sales Commissions", "Expense", "Expense.Operating"),
    account("returns", "Sales Returns", "Income", "Income.Revenue"),
    account("interest", "Interest Income", "Income", "Income.Other"),
    account("old-sales", "Sales", "Income", "Income.Revenue", status="Archived"),
    account("revenue", "Revenue", "Income", "Income.Revenue"),
    account("legal", "Legal and Professional Fees", "Expense", "Expense.Operating"),
    account("merchant", "Merchant Fees", "Expense", "Expense.Operating"),
]


def test_accounts_are_proposed_by_name_within_the_class_each_choice_takes() -> None:
    proposed = fill(
        empty_selections(NOW),
        books(CHART, payment_methods=[{"id": "pp", "name": "PayPal"}, {"id": "card", "name": "Card"}]),
        "Shop",
    )
    # Not the archived "Sales", the "Sales Returns" (refunds) or an Expense named "Sales Commissions".
    assert proposed["sales"]["accounts"] == {"sales": "revenue", "salesTax": "vat", "refunds": "returns"}
    # A bank account that is not a savings account; PayPal's money to the account named after it; Card's to
    # the account for any other method (none proposed).
    assert proposed["payments"]["accounts"] == {DEFAULT_PAYMENTS: "current", "pp": "paypal"}
    # Merchant fees before anything else with "fees" in its name; never legal or professional fees.
    assert proposed["fees"]["accounts"] == {"fees": "merchant"}


def test_refunds_fall_back_to_the_sales_account_and_nothing_is_guessed_without_a_match() -> None:
    chart = [
        account("s", "Sales", "Income"),
        account("x", "Sundries", "Expense"),
        account("e", "Equity", "Equity"),
    ]
    proposed = fill(empty_selections(NOW), books(chart), "Shop")
    assert proposed["sales"]["accounts"] == {"sales": "s", "refunds": "s"}
    assert proposed["payments"]["accounts"] == {} and proposed["fees"]["accounts"] == {}
    assert proposed["sales"]["customerId"] is None and proposed["fees"]["supplierId"] is None


def test_a_choice_already_made_is_kept() -> None:
    chosen = empty_selections(NOW)
    chosen["sales"]["accounts"] = {"sales": "interest"}
    chosen["sales"]["taxRates"] = {"std": "zero"}
    rates = [
        {"id": "zero", "name": "Zero", "effectiveTaxRate": 0},
        {"id": "s", "name": "Standard", "effectiveTaxRate": 20},
    ]
    taxes = [{"id": "std", "name": "Standard", "rate": 0.2}]
    proposed = fill(chosen, books(CHART, tax_rates=rates, commerce_taxes=taxes), "Shop")
    assert proposed["sales"]["accounts"]["sales"] == "interest"
    assert proposed["sales"]["taxRates"] == {"std": "zero"}
    # The selections given are not changed in place.
    assert chosen["sales"]["accounts"] == {"sales": "interest"}


def test_tax_rates_match_by_percentage_then_name() -> None:
    rates = [
        {"id": "exempt", "name": "Exempt", "effectiveTaxRate": 0},
        {"id": "zero", "name": "Zero Rated Income", "effectiveTaxRate": 0},
        {"id": "std-old", "name": "Standard VAT", "effectiveTaxRate": 17.5},
        {"id": "std", "name": "20% (VAT on Income)", "effectiveTaxRate": 20},
        {"id": "gone", "name": "Reduced VAT", "effectiveTaxRate": 5, "status": "Archived"},
    ]
    taxes = [
        {"id": "a", "name": "Standard VAT", "rate": 0.2},
        {"id": "b", "name": "Zero-rated", "rate": 0},
        {"id": "c", "name": "Reduced VAT", "rate": 0.05},
        {"id": "d", "name": "Exempt"},
    ]
    proposed = fill(empty_selections(NOW), books([], tax_rates=rates, commerce_taxes=taxes), "Shop")
    # 20% though another rate shares the name; the zero rate with "zero" in its name; no active 5% rate;
    # without a percentage, by name alone.
    assert proposed["sales"]["taxRates"] == {"a": "std", "b": "zero", "d": "exempt"}


def test_a_customer_and_a_supplier_named_after_the_platform() -> None:
    customers = [{"id": "c1", "customerName": "Acme Ltd"}, {"id": "c2", "customerName": "Shopify Sales"}]
    suppliers = [{"id": "s1", "supplierName": "Office Depot"}, {"id": "s2", "supplierName": "Shopify Inc"}]
    proposed = fill(empty_selections(NOW), books([], customers=customers, suppliers=suppliers), "Shopify")
    assert proposed["sales"]["customerId"] == "c2" and proposed["fees"]["supplierId"] == "s2"
