"""A bank description cleaned down to the words that say who and what: `CARD PAYMENT TO TESCO STORES 3172 ON
12 MAR` → `card payment to tesco stores on`, and a counterparty's name read off what is left.

Bank descriptions carry a lot that says nothing about the category and changes on every line: card numbers
(`XXXX1234`), references (`REF 88213`, `INV-0042`, `m86SDGpQr3`), dates (`12/03`, `12MAR24`, `ON 12 MAR`),
store and terminal numbers, amounts. They are taken out so that rules match on words, the same business reads
the same on every line (which is what makes `engine`'s cache work), and the counterparty's name can be read
off what is left.

Cleaning runs on every line, so it is one translation (punctuation to spaces) and one pass over the
words: a word with two or more digits is a reference, a number, a date or a masked card (`88213`, `12`,
`03apr24`, `xxxx1234`, `k2zlmnpqr2`); one digit among letters is part of a name (`o2`, `parcel2go`); a
month's abbreviation is a date's; a word of x's is a mask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# ASCII punctuation but `&` and `'` separates words (a translation table: faster than an expression).
_SEPARATORS = str.maketrans(dict.fromkeys('!"#$%()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r', " "))
_DIGITS = str.maketrans("", "", "0123456789")
_MONTH_WORDS = "jan feb mar apr may jun jul aug sep sept oct nov dec"
_MONTHS = frozenset(_MONTH_WORDS.split())
# Words with digits that are names, not references.
_NAMED_NUMBERS = frozenset({"401k", "1password"})


def _kept(word: str) -> str | None:
    """A word that is not all letters, as it is kept (`joe's`, `o2`), or None (a number, a reference)."""
    digits = len(word) - len(word.translate(_DIGITS))
    if digits:
        return word if word in _NAMED_NUMBERS or (digits == 1 and len(word) > 1) else None
    return word.strip("'") or None


# A document's number with its prefix (`PI-240109-001`, `EXP-230214-001`): the prefix is no word either.
_DOCUMENT_NUMBER = re.compile(r"\b(?:pi|exp|rec|po|cn|crn|so|bill)-\d[\w/-]*")


def clean(description: str) -> str:
    """The description casefolded, its references, dates, numbers and punctuation taken out, its words
    separated by single spaces."""
    text = description.casefold()
    if "-" in text:
        text = _DOCUMENT_NUMBER.sub(" ", text)
    kept = []
    for word in text.translate(_SEPARATORS).split():
        if word.isalpha():
            # Most words: kept unless a month's abbreviation or a mask of x's.
            if word not in _MONTHS and word.strip("x"):
                kept.append(word)
        else:
            other = _kept(word)
            if other:
                kept.append(other)
    return " ".join(kept)


# Words a bank puts around the counterparty's name: the rail, the direction, the card scheme. Taken off the
# front and back when the counterparty is read off a description no rule named.
_RAIL = """
    card payment purchase pos visa debit credit mastercard mc contactless cnt cd chip pin online ecom direct
    dd standing order so faster payments payment fpi fpo fps bacs bgc giro chaps sepa ach ppd
    ccd web tel transfer tfr trf to from by via received sent paid in out bill bp mobile banking
    internet pmt pymt deposit withdrawal wdl recurring apple pay google gbp usd eur uk gb us ltd on at
    the a for of and ref dr cr d s o remittance settlement payout
    payouts collections receipt advice thank you autopay
"""
RAIL_WORDS = frozenset(_RAIL.split())
# Company suffixes kept on a counterparty's name (`Bright Ideas Ltd`), spelt as people write them.
_SUFFIXES = {"ltd": "Ltd", "limited": "Limited", "llc": "LLC", "inc": "Inc", "plc": "plc", "llp": "LLP"}
# Words written in capitals inside a name.
_CAPITALS = {"uk": "UK", "us": "US", "usa": "USA", "gb": "GB", "eu": "EU", "hmrc": "HMRC", "irs": "IRS"}


def counterparty(words: str, matched: Iterable[tuple[int, int]] = ()) -> str | None:
    """A name read off a cleaned description: what is left once the words around it are taken off either
    end (the rail's, and those of the `matched` spans: the kind of payment a rule read), title-cased, at
    most five words. Words inside the name stay (`faster payment to prime software uk ltd` → `Prime
    Software UK Ltd`, though `software` is a rule's word)."""
    spans = tuple(matched)
    tokens = []
    at = 0
    for token in words.split():
        start = words.index(token, at)
        at = start + len(token)
        noise = token in RAIL_WORDS or any(s <= start and at <= e for s, e in spans)
        tokens.append((token, noise))
    while tokens and tokens[0][1]:
        tokens.pop(0)
    while tokens and tokens[-1][1] and tokens[-1][0] not in _SUFFIXES:
        tokens.pop()
    names = [token for token, _ in tokens[:5]]
    if not names:
        return None
    return " ".join(_SUFFIXES.get(t) or _CAPITALS.get(t) or (t[:1].upper() + t[1:]) for t in names)
