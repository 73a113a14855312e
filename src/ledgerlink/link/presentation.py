"""How Link names things for a business: data types in plain words."""

from __future__ import annotations

import re

# Registry keys that carry their API's name as a prefix; the business sees the plain name.
_PREFIXES = ("banking-", "commerce-")
_SPECIAL = {"company": "Company information", "info": "Company information"}


def data_type_title(key: str) -> str:
    """`bankTransactions` → "Bank transactions"; `commerce-orders` → "Orders"."""
    for prefix in _PREFIXES:
        key = key.removeprefix(prefix)
    if key in _SPECIAL:
        return _SPECIAL[key]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).lower()
    return words[:1].upper() + words[1:]
