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

# ASCII punctuation but `&` and `'` separates words (a translation table: faster than an expression).
_SEPARATORS = str.maketrans(dict.fromkeys('!"#$%()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r', " "))
_DIGITS = str.maketrans("", "", "0123456789")
_MONTH_WORDS = "jan feb mar apr may jun jul aug sep sept oct nov dec"
_MONTHS = frozenset(_MONTH_WORDS.split())
# Words with digits that are names, not references.
_NAMED_NUMBERS = frozenset({"401k", "1password"})


def _kept(word: str) -> bool:
    if word.isalpha():
        return word not in _MONTHS and word.strip("x") != ""
    digits = len(word) - len(word.translate(_DIGITS))
    if digits:
        return word in _NAMED_NUMBERS or (digits == 1 and len(word) > 1)
    return word.strip("'") != ""


def clean(description: str) -> str:
    """The description casefolded, its references, dates, numbers and punctuation taken out, its words
    separated by single spaces."""
    words = description.casefold().translate(_SEPARATORS).split()
    return " ".join(w.strip("'") for w in words if _kept(w))


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
