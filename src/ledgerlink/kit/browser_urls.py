"""Web addresses a page sends a browser to or loads from (a client's logo, icon and redirect URLs): an
absolute https URL, or http on a loopback host (development)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_LENGTH = 2_000
RULE = "must be an absolute https URL (http only for localhost), such as https://example.com/done"
# Codat's redirect placeholders: `{companyId}`, `{statusCode}`, `{data.company.companyName}`, or any name a
# Link URL's query parameter fills. They may stand anywhere after the scheme (Codat's own example puts one
# in the host: `https://bobs-burgers.{countrySuffix}/{companyId}`).
PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_.\-]{1,100}\}")
# What a browser would read otherwise than it is written (spaces, quotes, backslashes, angle brackets)
# or what is left of a brace that is not a placeholder.
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\"<>\\^`{|}]")


def check(value: str) -> str:
    """`value` when a browser may be sent to it; a ValueError saying the rule otherwise."""
    if not value or len(value) > MAX_LENGTH or _UNSAFE.search(value):
        raise ValueError(RULE)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- a port that is not a number raises here
    except ValueError:
        raise ValueError(RULE) from None
    # `https://trusted.example@elsewhere.example` shows one host and goes to another.
    if not parts.hostname or "@" in parts.netloc:
        raise ValueError(RULE)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return value
    raise ValueError(RULE)


def check_template(template: str) -> str:
    """A redirect URL with placeholders: the rule holds with every placeholder standing for plain text."""
    check(PLACEHOLDER.sub("x", template))
    return template


def shown(value: str | None) -> str | None:
    """`value` if it keeps the rule, else None: what a page renders or redirects to, so that a value stored
    before the rule existed is never followed."""
    if not value:
        return None
    try:
        return check(value)
    except ValueError:
        return None


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
