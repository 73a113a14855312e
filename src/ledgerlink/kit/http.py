"""Outbound HTTP conventions shared by connectors and webhook deliveries."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

# The longest wait a `Retry-After` is honoured for.
DAY_SECONDS = 86_400.0


def parse_retry_after(value: str | None, now: datetime, *, ceiling: float = DAY_SECONDS) -> float | None:
    """`Retry-After` as seconds from now (at most `ceiling`): delta-seconds or an HTTP date; None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), ceiling)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return min(max((moment - now).total_seconds(), 0.0), ceiling)
