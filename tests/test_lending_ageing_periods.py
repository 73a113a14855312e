"""The aged reports' periods (pure): Codat's defaults, where each period starts and ends, which period a
document's issue date falls in, and the parameters refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.receivables.ageing import AgeingSettings, Period

REPORT_DATE = date(2023, 5, 2)


def test_defaults_are_codat_s_four_periods_of_thirty_days_up_to_today() -> None:
    settings = AgeingSettings.of(None, None, None)
    assert (settings.number_of_periods, settings.period_length_days) == (4, 30)
    assert settings.report_date <= date.today() + timedelta(days=1)


def test_periods_newest_first_the_last_open_ended() -> None:
    # Codat's own example: two periods of 30 days up to 2023-05-02.
    assert AgeingSettings(REPORT_DATE, 2, 30).periods() == [
        Period(date(2023, 4, 2), date(2023, 5, 2)),
        Period(date(1, 1, 1), date(2023, 4, 2)),
    ]
    assert AgeingSettings(REPORT_DATE, 1, 30).periods() == [Period(date(1, 1, 1), REPORT_DATE)]


def test_which_period_an_issue_date_falls_in() -> None:
    settings = AgeingSettings(REPORT_DATE, 3, 30)
    assert settings.period_of(REPORT_DATE) is None  # the report is up to, not including, its date
    assert settings.period_of(REPORT_DATE + timedelta(days=5)) is None
    assert settings.period_of(REPORT_DATE - timedelta(days=1)) == 0
    assert settings.period_of(REPORT_DATE - timedelta(days=30)) == 0  # the first period's first day
    assert settings.period_of(REPORT_DATE - timedelta(days=31)) == 1
    assert settings.period_of(REPORT_DATE - timedelta(days=60)) == 1
    assert settings.period_of(REPORT_DATE - timedelta(days=61)) == 2
    assert settings.period_of(date(1990, 1, 1)) == 2  # the oldest period takes everything older


@given(
    issued=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    periods=st.integers(1, 24),
    length=st.integers(1, 400),
)
def test_a_document_falls_in_the_one_period_whose_dates_hold_its_issue_date(
    issued: date, periods: int, length: int
) -> None:
    settings = AgeingSettings(REPORT_DATE, periods, length)
    holding = [n for n, p in enumerate(settings.periods()) if p.from_date <= issued < p.to_date]
    assert holding == ([] if issued >= REPORT_DATE else [settings.period_of(issued)])


@pytest.mark.parametrize(
    ("report_date", "periods", "length", "message"),
    [
        (None, 0, None, "numberOfPeriods must be between 1 and 120."),
        (None, 121, None, "numberOfPeriods must be between 1 and 120."),
        (None, None, 0, "periodLengthDays must be between 1 and 3650."),
        (None, None, -30, "periodLengthDays must be between 1 and 3650."),
        (
            date(1, 3, 1),
            12,
            30,
            "The periods requested begin before the year 1: use fewer or shorter periods.",
        ),
    ],
)
def test_out_of_range_parameters_are_refused(
    report_date: date | None, periods: int | None, length: int | None, message: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        AgeingSettings.of(report_date, periods, length)
    assert refused.value.message == message
