"""Time as the API shows it: UTC, ISO-8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, overload

# `isoformat`'s precisions: "auto" is microseconds when there are any, else whole seconds.
TimeSpec = Literal["auto", "seconds", "milliseconds", "microseconds"]


def utcnow() -> datetime:
    """Now, to the millisecond: the precision the API shows, so a time read back compares equal to itself."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@overload
def iso(moment: datetime, *, timespec: TimeSpec = "milliseconds") -> str: ...
@overload
def iso(moment: None, *, timespec: TimeSpec = "milliseconds") -> None: ...
@overload
def iso(moment: datetime | None, *, timespec: TimeSpec = "milliseconds") -> str | None: ...
def iso(moment: datetime | None, *, timespec: TimeSpec = "milliseconds") -> str | None:
    """A moment in UTC with `Z`, to the millisecond. A few values keep `timespec="auto"` (microseconds when
    there are any, else none), the spelling they had before this was the one place: connection errors'
    `erroredOnUtc`/`resolvedOnUtc`, Sync for Commerce's dates, rate limits' reset and a declared platform's
    `since` parameter, so what clients and platforms already hold and compare is spelt as before."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
