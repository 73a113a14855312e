"""The names and words that point at a loan in a description: lenders (as tables, one line each) and the
words a lender's or a bank's statement line uses for lending.

A lender that only lends (Funding Circle, iwoca, Shopify Capital) is evidence of a loan by its name alone; a
high-street bank is not (its name is also on charges, card payments and transfers), so a bank's line counts
only with a loan word. Matching is by whole words, case-insensitive, over the description and the cleaned
counterparty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Lender:
    name: str
    # Whole-word spellings as they appear on statements (regular expressions, lower case).
    spellings: tuple[str, ...]
    # A lender whose name alone says "loan" (it does nothing else a business pays it for).
    lends_only: bool


LENDERS: tuple[Lender, ...] = (
    # Lenders to small businesses, online and alternative (UK, US).
    Lender("Funding Circle", (r"funding\s*circle",), True),
    Lender("iwoca", (r"iwoca",), True),
    Lender("YouLend", (r"you\s*lend",), True),
    Lender("Liberis", (r"liberis",), True),
    Lender("Esme Loans", (r"esme\s+loans?",), True),
    Lender("Fleximize", (r"fleximize",), True),
    Lender("Boost Capital", (r"boost\s+capital",), True),
    Lender("MarketFinance", (r"market\s*finance",), True),
    Lender("Nucleus Commercial Finance", (r"nucleus\s+(?:commercial\s+)?finance",), True),
    Lender("ThinCats", (r"thin\s*cats",), True),
    Lender("Uncapped", (r"uncapped",), True),
    Lender("Clearco", (r"clearco", r"clearbanc"), True),
    Lender("365 Business Finance", (r"365\s+(?:business\s+)?finance",), True),
    Lender("Bizcap", (r"bizcap",), True),
    Lender("British Business Bank", (r"british\s+business\s+bank",), True),
    Lender("OnDeck", (r"on\s*deck",), True),
    Lender("Kabbage", (r"kabbage",), True),
    Lender("Fundbox", (r"fundbox",), True),
    Lender("Credibly", (r"credibly",), True),
    Lender("BlueVine", (r"blue\s*vine",), True),
    Lender("SBA", (r"sba\s+(?:eidl|loan|pmt|payment)", r"eidl"), True),
    # Platforms' own lending, repaid from sales (commerce and payments platforms).
    Lender("Shopify Capital", (r"shopify\s+capital",), True),
    Lender("Amazon Lending", (r"amazon\s+lending",), True),
    Lender("PayPal Working Capital", (r"paypal\s+working\s+capital", r"paypal\s+business\s+loan"), True),
    Lender("Stripe Capital", (r"stripe\s+capital",), True),
    Lender("Square Capital", (r"square\s+(?:capital|loans?)",), True),
    Lender("eBay Seller Capital", (r"ebay\s+seller\s+capital",), True),
    Lender("SumUp Business Cash Advance", (r"sumup\s+(?:business\s+)?cash\s+advance",), True),
    # Banks and finance houses that lend among much else.
    Lender("Allica Bank", (r"allica",), False),
    Lender("OakNorth", (r"oak\s*north",), False),
    Lender("Shawbrook", (r"shawbrook",), False),
    Lender("Aldermore", (r"aldermore",), False),
    Lender("Close Brothers", (r"close\s+brothers",), False),
    Lender("Lombard", (r"lombard",), False),
    Lender("Metro Bank", (r"metro\s+bank",), False),
    Lender("Starling Bank", (r"starling",), False),
    Lender("Tide", (r"tide",), False),
    Lender("Barclays", (r"barclays",), False),
    Lender("HSBC", (r"hsbc",), False),
    Lender("Lloyds", (r"lloyds",), False),
    Lender("NatWest", (r"nat\s*west",), False),
    Lender("Royal Bank of Scotland", (r"rbs", r"royal\s+bank\s+of\s+scotland"), False),
    Lender("Santander", (r"santander",), False),
    Lender("TSB", (r"tsb",), False),
    Lender("Bank of Scotland", (r"bank\s+of\s+scotland",), False),
    Lender("Virgin Money", (r"virgin\s+money",), False),
    Lender("Handelsbanken", (r"handelsbanken",), False),
    Lender("Co-operative Bank", (r"co-?op(?:erative)?\s+bank",), False),
)

# Words a statement line or a ledger posting uses for borrowing (whole words, lower case).
LOAN_WORDS = (
    r"loans?",
    r"lending",
    r"borrowings?",
    r"draw\s*down",
    r"bounce\s*back",
    r"bbl",
    r"cbils",
    r"recovery\s+loan",
    r"mortgage",
    r"(?:merchant\s+)?cash\s+advance",
    r"working\s+capital",
    r"capital\s+repayment",
)
# Words that make a line to a lender its interest rather than a repayment of what was borrowed.
INTEREST_WORDS = (r"interest", r"int\s+chg", r"int\s+charge")

_LENDER_PATTERN = re.compile(
    "|".join(f"(?P<l{index}>\\b(?:{'|'.join(lender.spellings)})\\b)" for index, lender in enumerate(LENDERS)),
    re.IGNORECASE,
)
_LOAN_WORD_PATTERN = re.compile(rf"\b(?:{'|'.join(LOAN_WORDS)})\b", re.IGNORECASE)
_INTEREST_PATTERN = re.compile(rf"\b(?:{'|'.join(INTEREST_WORDS)})\b", re.IGNORECASE)


def lender_in(text: str) -> Lender | None:
    """The first lender `text` names, if any."""
    found = _LENDER_PATTERN.search(text)
    if found is None or found.lastgroup is None:
        return None
    return LENDERS[int(found.lastgroup[1:])]


def loan_word_in(text: str) -> str | None:
    """The first loan word in `text` (as written), if any."""
    found = _LOAN_WORD_PATTERN.search(text)
    return found.group(0) if found else None


def says_interest(text: str) -> bool:
    return _INTEREST_PATTERN.search(text) is not None
