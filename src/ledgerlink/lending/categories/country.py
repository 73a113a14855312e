"""A company's country as the categorization rules want it (ISO 3166 alpha-2), from its `companyInfo`.

The platforms write the country as a name (`United Kingdom`), an alpha-2 or an alpha-3 code; when no
address has one, the base currency of a single-country currency says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_NAMES: Mapping[str, str] = {
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "gbr": "GB",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "australia": "AU",
    "aus": "AU",
    "new zealand": "NZ",
    "nzl": "NZ",
    "canada": "CA",
    "can": "CA",
    "ireland": "IE",
    "irl": "IE",
    "france": "FR",
    "fra": "FR",
    "germany": "DE",
    "deu": "DE",
    "spain": "ES",
    "esp": "ES",
    "netherlands": "NL",
    "nld": "NL",
    "belgium": "BE",
    "bel": "BE",
    "switzerland": "CH",
    "che": "CH",
    "austria": "AT",
    "aut": "AT",
    "mexico": "MX",
    "mex": "MX",
}
_CURRENCIES: Mapping[str, str] = {
    "GBP": "GB",
    "USD": "US",
    "AUD": "AU",
    "NZD": "NZ",
    "CAD": "CA",
    "CHF": "CH",
    "MXN": "MX",
}


def of_company(company_info: Mapping[str, Any] | None) -> str | None:
    """The alpha-2 code of the company's country, or None when its info says nothing usable."""
    if not company_info:
        return None
    for address in company_info.get("addresses") or []:
        named = (address or {}).get("country")
        if isinstance(named, str) and named.strip():
            text = named.strip()
            if len(text) == 2 and text.isalpha():
                return text.upper()
            code = _NAMES.get(text.lower())
            if code is not None:
                return code
    currency = company_info.get("baseCurrency")
    return _CURRENCIES.get(currency) if isinstance(currency, str) else None
