"""How a payment was made, inferred from the books as Codat's Spend Insights describes it: the platform's own
payment method first, then the paying account's name and kind, then what the bank line it went out as says
(its type, its description), then the words of the payment's note and reference; Unknown when nothing says.
Pure, and the rules are tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class PaymentMethod(StrEnum):
    """Codat's payment method types (`PaymentMethodAnalysis.biggestCountPaymentMethod`), in its order."""

    UNKNOWN = "Unknown"
    CASH = "Cash"
    CHECK = "Check"
    CREDIT_CARD = "CreditCard"
    DEBIT_CARD = "DebitCard"
    BANK_TRANSFER = "BankTransfer"
    OTHER = "Other"


_M = PaymentMethod
_TYPES = frozenset(m.value for m in PaymentMethod)

# Words naming a way to pay, as a payment method's name, an account's name or a note may use them: whole
# words, case-insensitive, the first table row that matches wins (so "credit card" before "card").
KEYWORDS: tuple[tuple[PaymentMethod, tuple[str, ...]], ...] = (
    (
        _M.CREDIT_CARD,
        (
            "credit card",
            "creditcard",
            "amex",
            "american express",
            "barclaycard",
            "mastercard",
            "visa credit",
            "corporate card",
            "company card",
            "charge card",
            "capital one",
        ),
    ),
    (
        _M.DEBIT_CARD,
        (
            "debit card",
            "visa debit",
            "card payment",
            "card purchase",
            "contactless",
            "pos",
            "point of sale",
            "maestro",
            "card",
        ),
    ),
    (_M.CHECK, ("cheque", "cheques", "check", "checks", "chq")),
    (_M.CASH, ("petty cash", "cash", "atm")),
    (
        _M.BANK_TRANSFER,
        (
            "bank transfer",
            "transfer",
            "bacs",
            "faster payment",
            "faster payments",
            "fps",
            "chaps",
            "sepa",
            "ach",
            "wire",
            "direct debit",
            "dd",
            "standing order",
            "eft",
            "online banking",
        ),
    ),
)
_PATTERNS = tuple(
    (
        method,
        re.compile(
            r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        ),
    )
    for method, words in KEYWORDS
)

# The bank's own type of the line a payment went out as: the books' `bankTransactions.transactionType` or a
# bank's `banking-transactions.code` (a card purchase on a credit card account is caught before, by the
# account's type).
BANK_TRANSACTION_TYPES: dict[str, PaymentMethod] = {
    "Pos": _M.DEBIT_CARD,
    "Purchase": _M.DEBIT_CARD,
    "Check": _M.CHECK,
    "Cheque": _M.CHECK,
    "Atm": _M.CASH,
    "Cash": _M.CASH,
    "Xfer": _M.BANK_TRANSFER,
    "Transfer": _M.BANK_TRANSFER,
    "Payment": _M.BANK_TRANSFER,
    "DirectDebit": _M.BANK_TRANSFER,
    "StandingOrder": _M.BANK_TRANSFER,
    "RepeatPmt": _M.BANK_TRANSFER,
    "DirectDep": _M.BANK_TRANSFER,
}

# What kind of account paid, from its Codat category (`fullyQualifiedCategory`'s first two levels and the
# rest) or a bank account's `accountType`: a card account is a card payment, a cash account cash, and a bank
# account, when nothing else says, a bank transfer.
ACCOUNT_KINDS: tuple[tuple[str, PaymentMethod], ...] = (
    ("Liability.Current.CreditCard", _M.CREDIT_CARD),
    ("Asset.Current.Cash", _M.CASH),
)
BANK_ACCOUNT_TYPES = {"Credit": _M.CREDIT_CARD}


@dataclass(frozen=True)
class PaidThrough:
    """What the books say about how one payment was made."""

    method_type: str | None = None  # the platform's payment method's `type` (`paymentMethods`)
    method_name: str | None = None
    account_name: str | None = None
    account_category: str | None = None  # the paying account's `fullyQualifiedCategory`
    bank_account_type: str | None = None  # its `bankAccounts.accountType` (`Debit`, `Credit`), when a bank's
    is_bank_account: bool = False
    bank_transaction_type: str | None = None
    bank_text: str = ""  # the bank line's description and merchant
    text: str = ""  # the payment's note and reference


@dataclass(frozen=True)
class Inferred:
    method: PaymentMethod
    reason: str


def keyword_method(text: str | None) -> PaymentMethod | None:
    """The payment method a text names, or None."""
    if not text:
        return None
    for method, pattern in _PATTERNS:
        if pattern.search(text):
            return method
    return None


def infer(paid: PaidThrough) -> Inferred:
    """The payment method of one payment and the rule that said so (Codat's order of evidence)."""
    if paid.method_type is not None and paid.method_type in _TYPES and paid.method_type != _M.UNKNOWN:
        return Inferred(PaymentMethod(paid.method_type), "the platform's payment method type")
    if (named := keyword_method(paid.method_name)) is not None:
        return Inferred(named, "the platform's payment method name")
    if (named := keyword_method(paid.account_name)) is not None and named is not _M.BANK_TRANSFER:
        return Inferred(named, "the paying account's name")
    for prefix, method in ACCOUNT_KINDS:
        if paid.account_category and paid.account_category.startswith(prefix):
            return Inferred(method, "the paying account's category")
    if paid.bank_account_type in BANK_ACCOUNT_TYPES:
        return Inferred(BANK_ACCOUNT_TYPES[paid.bank_account_type], "the paying bank account's type")
    if paid.bank_transaction_type in BANK_TRANSACTION_TYPES:
        return Inferred(BANK_TRANSACTION_TYPES[paid.bank_transaction_type], "the bank transaction's type")
    if (named := keyword_method(paid.bank_text)) is not None:
        return Inferred(named, "the bank transaction's description")
    if (named := keyword_method(paid.text)) is not None:
        return Inferred(named, "the payment's note or reference")
    if paid.is_bank_account or (paid.account_category or "").startswith("Asset.Current.Bank"):
        return Inferred(_M.BANK_TRANSFER, "paid from a bank account")
    return Inferred(_M.UNKNOWN, "nothing in the books says how it was paid")
