"""How the Portal shows a record's values to a person: property names in words, money with its currency and
that currency's decimals, calendar dates as dates, and instants as `<time>` elements that `portal.js` shows in
the viewer's time zone (their UTC text stays without JavaScript).

What a property is comes from the data type's schema (`records.registry.query_properties`): a number is money
unless its name says it is a rate, a percentage or a quantity; a `DATETIME` is a date or an instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ledgerlink.kit.query import JsonProperty, Kind

# ISO 4217 minor units of the currencies that do not have two.
NO_MINOR_UNITS = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
THREE_MINOR_UNITS = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
MINOR_UNITS = {**dict.fromkeys(NO_MINOR_UNITS, 0), **dict.fromkeys(THREE_MINOR_UNITS, 3)}
# Numbers that are not money (`currencyRate`, `discountPercentage`, `quantity`, `effectiveTaxRate`).
NOT_MONEY = re.compile(r"(rate|percentage|quantity|count|number)$", re.IGNORECASE)
# Where a record says its currency: its own property, or (a bank transaction, a bank balance) its account's.
CURRENCY_PROPERTIES = ("currency", "currencyCode", "baseCurrency")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[-_.]+")
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    INSTANT = "instant"


@dataclass(frozen=True)
class Cell:
    """A value as shown: its text, what kind of value it is (numbers align right), and for an instant the ISO
    moment a `<time datetime>` carries."""

    text: str
    kind: CellKind = CellKind.TEXT
    moment: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (CellKind.NUMBER, CellKind.MONEY)


def words(name: str) -> str:
    """A property's name as a heading: `amountDue` → `Amount due`, `metadata.isDeleted` → `Metadata is
    deleted`."""
    text = " ".join(part.lower() for part in _WORD_BREAK.split(name) if part)
    return text[:1].upper() + text[1:]


def currency_of(record: dict[str, Any]) -> str | None:
    for name in CURRENCY_PROPERTIES:
        value = record.get(name)
        if isinstance(value, str) and len(value) == 3:
            return value.upper()
    return None


def money(value: float, currency: str | None) -> str:
    """`1349.1` in GBP → `1,349.10 GBP`: the currency's own decimals, always all of them."""
    places = MINOR_UNITS.get(currency or "", 2)
    text = f"{value:,.{places}f}"
    return f"{text} {currency}" if currency else text


def moment(text: str) -> Cell:
    """A Codat date: a calendar date when it has no time of day (`2024-01-05T00:00:00` is a date in the
    business's books, the same in every time zone), an instant in UTC when it has an offset, else the time
    of day the platform gave (local to the business)."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return Cell(text)
    if _OFFSET.search(text) and parsed.tzinfo is not None:
        utc = parsed.astimezone(UTC)
        return Cell(f"{utc:%Y-%m-%d %H:%M:%S} UTC", CellKind.INSTANT, utc.isoformat())
    if (parsed.hour, parsed.minute, parsed.second, parsed.microsecond) == (0, 0, 0, 0):
        return Cell(f"{parsed:%Y-%m-%d}", CellKind.DATE)
    return Cell(f"{parsed:%Y-%m-%d %H:%M}", CellKind.DATE)


def is_money(name: str, kind: Kind | None) -> bool:
    return kind is Kind.NUMBER and not NOT_MONEY.search(name.rsplit(".", 1)[-1])


def cell(name: str, value: Any, prop: JsonProperty | None, currency: str | None) -> Cell:
    """One property's value, shown as what its schema says it is."""
    kind = prop.kind if prop is not None else None
    if value is None or value == "":
        return Cell("")
    if isinstance(value, bool):
        return Cell("yes" if value else "no")
    if isinstance(value, int | float):
        if is_money(name, kind):
            return Cell(money(value, currency), CellKind.MONEY)
        return Cell(f"{value:,}", CellKind.NUMBER)
    if isinstance(value, str) and kind is Kind.DATETIME:
        return moment(value)
    if isinstance(value, str):
        return Cell(value)
    return Cell(str(value))
