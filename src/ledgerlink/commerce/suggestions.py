"""What the Sync Flow form proposes before a merchant has chosen anything: for each account it asks for, an
account of the class that fits whose name (or category) says what the choice is for; for each commerce tax
rate, the books' tax rate of the same percentage with the closest name; a customer and a supplier named after
the commerce platform. Only choices still unmade are filled, so a merchant's own choice always stands, and a
guess is only a starting point: the merchant sees every proposal in the form before saving it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ledgerlink.commerce.configuration import (
    DEFAULT_PAYMENTS,
    FEES_ROLE,
    PAYMENTS_TYPE,
    SALES_ROLES,
    MerchantBooks,
    account_options,
)


@dataclass(frozen=True)
class Hint:
    """How an account is recognised for a role: words its name or category may hold, best first (a word
    matches at the start of a word: "fee" matches "Fees"), and words that rule it out."""

    words: tuple[str, ...]
    avoid: tuple[str, ...] = ()


HINTS: dict[str, Hint] = {
    "sales": Hint(("sales", "revenue", "turnover", "income"), ("refund", "return", "discount", "interest")),
    "refunds": Hint(("refund", "return")),
    "salesTax": Hint(("sales tax", "vat", "gst", "tax")),
    FEES_ROLE.key: Hint(
        ("merchant fee", "processing fee", "payment fee", "card fee", "bank charge", "fee", "charge"),
        ("professional", "legal", "audit", "interest received"),
    ),
    DEFAULT_PAYMENTS: Hint(
        ("bank", "current account", "checking", "clearing", "undeposited"),
        ("saving", "receivable", "deposit account", "loan"),
    ),
}
# Where no account's name says "refunds", refunds reduce the sales account.
FALLBACK = {"refunds": "sales"}
# Names of a customer that stands for all of a shop's sales.
SALES_CUSTOMER_WORDS = ("cash sales", "online sales", "web sales", "shop sales", "retail customer")


def _contains(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}", text) is not None


def _best_account(options: list[dict[str, Any]], hint: Hint) -> str | None:
    """The option whose name holds the earliest of the hint's words (its category next), first by nominal
    code among equals; None when none does."""
    ranked = []
    for position, option in enumerate(options):
        name = (option.get("name") or "").lower()
        category = (option.get("classification") or "").replace(".", " ").lower()
        if any(_contains(name, word) for word in hint.avoid):
            continue
        for rank, word in enumerate(hint.words):
            if _contains(name, word) or _contains(category, word):
                ranked.append((rank, 0 if _contains(name, word) else 1, position, option["id"]))
                break
    return min(ranked)[3] if ranked else None


def _tokens(name: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", (name or "").lower()))


def _percent(rate: dict[str, Any]) -> float | None:
    value = rate.get("effectiveTaxRate", rate.get("totalTaxRate"))
    return float(value) if isinstance(value, int | float) else None


def _tax_rate(commerce_tax: dict[str, Any], tax_rates: list[dict[str, Any]]) -> str | None:
    """The books' tax rate of the commerce rate's percentage (Codat gives it as a fraction), the one sharing
    most words of its name first; without a percentage, the one sharing most words, if any."""
    fraction = commerce_tax.get("rate")
    percent = round(float(fraction) * 100, 4) if isinstance(fraction, int | float) else None
    words = _tokens(commerce_tax.get("name"))
    ranked = []
    for position, rate in enumerate(tax_rates):
        if rate.get("status", "Active") != "Active":
            continue
        shared = len(words & _tokens(rate.get("name")))
        books_percent = _percent(rate)
        if percent is not None and books_percent is not None:
            if round(books_percent, 4) != percent:
                continue
        elif shared == 0:
            continue
        ranked.append((-shared, position, rate["id"]))
    return min(ranked)[2] if ranked else None


def _named(records: Iterable[dict[str, Any]], name_field: str, words: tuple[str, ...]) -> str | None:
    for record in records:
        name = (record.get(name_field) or record.get("name") or "").lower()
        if any(_contains(name, word) for word in words):
            return str(record["id"])
    return None


def fill(selections: dict[str, Any], books: MerchantBooks, commerce_name: str) -> dict[str, Any]:
    """The selections with every unmade choice the books can answer proposed (a copy; nothing is stored)."""
    sales = {**selections["sales"], "accounts": dict(selections["sales"]["accounts"])}
    payments = {**selections["payments"], "accounts": dict(selections["payments"]["accounts"])}
    fees = {**selections["fees"], "accounts": dict(selections["fees"]["accounts"])}

    def propose(chosen: dict[str, Any], key: str, account_type: str) -> None:
        if chosen.get(key) is None:
            found = _best_account(account_options(books, account_type), HINTS[key])
            if found is None and key in FALLBACK:
                found = chosen.get(FALLBACK[key])
            if found is not None:
                chosen[key] = found

    for role in SALES_ROLES:
        propose(sales["accounts"], role.key, role.account_type)
    propose(payments["accounts"], DEFAULT_PAYMENTS, PAYMENTS_TYPE)
    propose(fees["accounts"], FEES_ROLE.key, FEES_ROLE.account_type)
    # A payment method gets its own account only when one is named after it (a "PayPal" account); otherwise
    # its money goes to the account for any other payment method.
    payment_accounts = account_options(books, PAYMENTS_TYPE)
    for method in books.payment_methods:
        name = (method.get("name") or "").lower()
        if name and payments["accounts"].get(method["id"]) is None:
            found = _best_account(payment_accounts, Hint((name,)))
            if found is not None and found != payments["accounts"].get(DEFAULT_PAYMENTS):
                payments["accounts"][method["id"]] = found
    rates = dict(sales["taxRates"])
    for commerce_tax in books.commerce_taxes:
        if rates.get(commerce_tax["id"]) is None:
            found = _tax_rate(commerce_tax, books.tax_rates)
            if found is not None:
                rates[commerce_tax["id"]] = found
    sales["taxRates"] = rates
    platform = commerce_name.lower()
    if sales["customerId"] is None:
        sales["customerId"] = _named(books.customers, "customerName", (platform, *SALES_CUSTOMER_WORDS))
    if fees["supplierId"] is None:
        fees["supplierId"] = _named(books.suppliers, "supplierName", (platform,))
    return {**selections, "sales": sales, "payments": payments, "fees": fees}
