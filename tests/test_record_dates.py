"""A stored record's date (`records.record_date`, what `query=` and `orderBy` on a type's date use) is its
date property read exactly as `query=` reads a date (`kit.query.parse_datetime`), or NULL where that refuses
it. The store reads the usual shapes without `parse_datetime`'s preparation, for speed: this holds it to the
same answers over every shape of date text, and over text that is no date."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.kit.query import parse_datetime
from ledgerlink.records.store import _record_date

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


NULL = struct.pack(">i", -1)


def timestamptz(moment: datetime) -> bytes:
    """A timestamptz field of COPY's binary format: length 8, then microseconds since 2000-01-01 UTC."""
    since = moment - EPOCH
    return struct.pack(">iq", 8, (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds)


def as_query_reads_it(value: str) -> bytes:
    """The field `query=` would compare, or NULL where it refuses the date."""
    try:
        return timestamptz(parse_datetime(value))
    except (ValueError, OverflowError):
        return NULL


digits = st.text(st.sampled_from("0123456789"), min_size=1, max_size=3)
piece = st.one_of(
    digits,
    st.sampled_from(["-", ":", "T", "t", " ", "Z", "z", "+", ".", ",", "W", "\u0663", "\n"]),
    st.text(max_size=2),
)
dates = st.dates(min_value=datetime(1, 1, 1).date(), max_value=datetime(9999, 12, 31).date())
times = st.times()
zones = st.sampled_from(["", "Z", "z", "+00:00", "-05:30", "+14:00", "+0100", "+01", " "])
fractions = st.sampled_from(["", ".1", ".123456", ".1234567", ",5"])


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    day = draw(dates).isoformat()
    if draw(st.booleans()):
        return day + draw(st.sampled_from(["", " ", "Z", "T"]))
    moment = draw(times)
    clock = moment.strftime(draw(st.sampled_from(["%H:%M:%S", "%H:%M", "%H", "%H%M%S"])))
    separator = draw(st.sampled_from(["T", " ", "t", "_"]))
    return day + separator + clock + draw(fractions) + draw(zones)


@settings(max_examples=2_000, deadline=None)
@given(st.one_of(date_texts(), st.lists(piece, max_size=12).map("".join)))
def test_a_stored_date_is_the_date_query_reads(value: str) -> None:
    assert _record_date(value) == as_query_reads_it(value), value


def test_the_shapes_platforms_write() -> None:
    for value, expected in [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-02-29T10:00:00.9999999Z", datetime(2024, 2, 29, 10, 0, 0, 999999, UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024-03-01T23:30:00+02:00", datetime(2024, 3, 1, 21, 30, tzinfo=UTC)),
        ("2024-03-01T23:30:00", datetime(2024, 3, 1, 23, 30, tzinfo=UTC)),
    ]:
        assert _record_date(value) == timestamptz(expected), value
    for value in ("20240229", "2024-01-02T10", "today", "", "2024-13-01"):
        assert _record_date(value) == NULL, value
