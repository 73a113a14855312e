"""The words a statement line, a ledger posting or a commerce transaction uses for borrowing, and for the
interest on it.

Who the lender is comes from the bank categorization (`lending.bank_categories`: its lenders and the
counterparty it cleans from a description); these words are the second sign, for a line that names no lender
it knows ("LOAN REPAYMENT 4432", "HSBC BUSINESS LOAN") and for texts that are not bank lines.
"""

from __future__ import annotations

import re

LOAN_WORDS = (
    r"loans?",
    r"lending",
    r"borrowings?",
    r"draw\s*down",
    r"bounce\s*back",
    r"bbl",
    r"cbils",
    r"mortgage",
    r"(?:merchant\s+)?cash\s+advance",
    r"working\s+capital",
    r"capital\s+repayment",
)
# Words that make a line to a lender its interest rather than a repayment of what was borrowed.
INTEREST_WORDS = (r"interest", r"int\s+chg", r"int\s+charge")
# Words of a loan line that say what happened, not who the lender is.
NOT_A_NAME = frozenset(
    (
        "loan",
        "loans",
        "repayment",
        "repayments",
        "drawdown",
        "interest",
        "advance",
        "capital",
        "business",
        "bank",
        "to",
        "from",
        "the",
    )
)

_LOAN = re.compile(rf"\b(?:{'|'.join(LOAN_WORDS)})\b", re.IGNORECASE)
_INTEREST = re.compile(rf"\b(?:{'|'.join(INTEREST_WORDS)})\b", re.IGNORECASE)


def loan_word_in(text: str) -> str | None:
    """The first loan word in `text` (lower case), if any."""
    found = _LOAN.search(text)
    return found.group(0).lower() if found else None


def says_interest(text: str) -> bool:
    return _INTEREST.search(text) is not None
