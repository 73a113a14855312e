"""A bank description cleaned down to the words that say who and what: `CARD PAYMENT TO TESCO STORES 3172 ON
12 MAR` → `card payment to tesco stores on`... → `tesco stores` once the rail's words are taken off.

Bank descriptions carry a lot that says nothing about the category and changes on every line: card numbers
(`XXXX1234`, `*1234`), references (`REF 88213`, `INV-0042`, `m86SDGpQr3`), dates (`12/03`, `12MAR24`,
`ON 12 MAR`), store and terminal numbers, amounts, currencies' exchange notes. They are taken out so that
rules match on words, the same business reads the same on every line (which is what makes `engine`'s cache
work), and the counterparty's name can be read off what is left.
"""

from __future__ import annotations

import re

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# Replaced by a space, in this order, on the casefolded description.
_NOISE = tuple(
    re.compile(pattern)
    for pattern in (
        # Masked card and account numbers: xxxx1234, ****1234, *1234, x1234, card ending 1234.
        r"(?:x{2,}|\*{2,})\s?\d{2,}|\*\d{3,}\b|\bx\d{4}\b|\bending\s+\d+",
        # Dates: 12/03, 12-03-2024, 2024-03-12, 12.03.24, 12mar, 12 mar 24, mar 12.
        r"\b\d{4}-\d{2}-\d{2}(?:t[\d:.]+z?)?\b",
        r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b",
        rf"\b\d{{1,2}}\s?(?:{_MONTHS})[a-z]*\s?(?:\d{{2,4}})?\b",
        rf"\bon\s+(?:{_MONTHS})[a-z]*\s+\d{{1,2}}\b",
        # Times: 14:32, 1432hrs.
        r"\b\d{1,2}:\d{2}(?::\d{2})?\b",
        # Amounts and exchange notes: 12.50, gbp 12.50, @ 1.1623, rate 1.16.
        r"[@]\s?\d[\d.,]*|\b(?:rate|fx rate)\s?\d[\d.,]*|\b\d+[.,]\d{2}\b",
        # Labels whose value is a reference: ref 88213, ref: abc-123, inv 0042, no. 12.
        r"\b(?:ref|reference|inv|invoice|no|id|trace|txn|auth|mandate|seq)\b\s?[:#.]?\s?[a-z]*\d[\w-]*",
        # UUIDs and long hex.
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        # Any token with three or more digits, or letters and digits mixed in six or more characters.
        r"\b(?=[\w-]*\d)(?:[\w-]*\d[\w-]*\d[\w-]*\d[\w-]*|(?=[\w-]*[a-z])[\w-]{6,})\b",
        # Punctuation (kept: & and ' inside names).
        r"[^\w&']+|_",
        r"(?<!\w)'|'(?!\w)",
    )
)
_SPACES = re.compile(r"\s+")


def clean(description: str) -> str:
    """The description casefolded, its references, dates, numbers and punctuation taken out, its words
    separated by single spaces."""
    text = description.casefold()
    for pattern in _NOISE:
        text = pattern.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# Words a bank puts around the counterparty's name: the rail, the direction, the card scheme. Taken off the
# front and back when the counterparty is read off a description no rule named.
_RAIL = """
    card payment purchase pos visa debit credit mastercard mc contactless cnt cd chip pin online ecom direct
    dd d/d standing order so s/o faster payments payment fpi fpo fps bacs bgc giro chaps sepa ach ppd
    ccd web tel transfer tfr trf to from by via received sent paid in out bill bp mobile banking
    internet pmt pymt deposit withdrawal wdl recurring apple pay google gbp usd eur uk gb us ltd on at
    the a for of and ref dr cr d s o
"""
RAIL_WORDS = frozenset(_RAIL.split())
# Company suffixes kept on a counterparty's name (`Bright Ideas Ltd`), spelt as people write them.
_SUFFIXES = {"ltd": "Ltd", "limited": "Limited", "llc": "LLC", "inc": "Inc", "plc": "plc", "llp": "LLP"}


def counterparty(words: str) -> str | None:
    """A name read off a cleaned description no rule recognised: the words left once the rail's are taken
    off either end, title-cased, at most four of them (`faster payment from bright ideas ltd` → `Bright
    Ideas Ltd`)."""
    tokens = words.split()
    while tokens and tokens[0] in RAIL_WORDS:
        tokens.pop(0)
    while tokens and tokens[-1] in RAIL_WORDS and tokens[-1] not in _SUFFIXES:
        tokens.pop()
    tokens = tokens[:4]
    if not tokens or all(t in RAIL_WORDS for t in tokens):
        return None
    return " ".join(_SUFFIXES.get(t) or (t[:1].upper() + t[1:]) for t in tokens)
