"""The period arithmetic of the commerce metrics reports (pure: no server, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.commerce_metrics.periods import Period, PeriodSettings, PeriodUnit, parse_report_date


def _spans(settings: PeriodSettings) -> list[tuple[str, str]]:
    return [(p.start.isoformat(), p.end.isoformat()) for p in settings.periods()]


def test_months_are_whole_calendar_months_ending_with_the_report_dates() -> None:
    settings = PeriodSettings.of("2024-03-05", PeriodUnit.MONTH, 2, 3)
    assert _spans(settings) == [
        ("2023-10-01", "2023-11-30"),
        ("2023-12-01", "2024-01-31"),  # across the year end
        ("2024-02-01", "2024-03-31"),  # a leap February, and the report date's full month
    ]
    assert settings.previous() == Period(date(2023, 8, 1), date(2023, 9, 30))


def test_years_weeks_and_days() -> None:
    assert _spans(PeriodSettings.of("2023-06-30", PeriodUnit.YEAR, 2, 2)) == [
        ("2020-01-01", "2021-12-31"),
        ("2022-01-01", "2023-12-31"),
    ]
    # 2024-03-10 is a Sunday: its week is the one it closes.
    for report_date in ("2024-03-04", "2024-03-10"):
        assert _spans(PeriodSettings.of(report_date, PeriodUnit.WEEK, 1, 2)) == [
            ("2024-02-26", "2024-03-03"),
            ("2024-03-04", "2024-03-10"),
        ]
    assert _spans(PeriodSettings.of("2024-03-01", PeriodUnit.DAY, 1, 2)) == [
        ("2024-02-29", "2024-02-29"),
        ("2024-03-01", "2024-03-01"),
    ]


def test_which_period_holds_a_day() -> None:
    settings = PeriodSettings.of("2024-03-05", PeriodUnit.MONTH, 1, 2)  # previous: January; then Feb, Mar
    assert settings.index_of(date(2023, 12, 31)) is None
    assert settings.index_of(date(2024, 1, 1)) == 0
    assert settings.index_of(date(2024, 2, 1)) == 1
    assert settings.index_of(date(2024, 2, 29)) == 1
    assert settings.index_of(date(2024, 3, 31)) == 2
    assert settings.index_of(date(2024, 4, 1)) is None


def test_report_dates_in_either_written_form() -> None:
    assert parse_report_date("2020-09-29") == parse_report_date("29-09-2020") == date(2020, 9, 29)
    for bad in ("2020/09/29", "29-13-2020", "", "yesterday"):
        with pytest.raises(BadRequest, match="reportDate"):
            parse_report_date(bad)


def test_periods_must_end_before_the_end_of_the_calendar() -> None:
    with pytest.raises(BadRequest, match="calendar"):
        PeriodSettings.of("9999-12-30", PeriodUnit.MONTH, 1, 1)
    assert _spans(PeriodSettings.of("9999-12-30", PeriodUnit.DAY, 1, 1)) == [("9999-12-30", "9999-12-30")]


@pytest.mark.parametrize(
    ("unit", "length", "count", "named"),
    [
        (PeriodUnit.MONTH, 1, 0, "numberOfPeriods"),
        (PeriodUnit.MONTH, 1, 121, "numberOfPeriods"),
        (PeriodUnit.DAY, 0, 1, "periodLength"),
        (PeriodUnit.DAY, 367, 1, "periodLength"),
        (PeriodUnit.YEAR, 100, 100, "calendar"),
        (PeriodUnit.DAY, 366, 120, "calendar"),
    ],
)
def test_out_of_range_is_a_400_naming_the_parameter(unit, length, count, named) -> None:
    with pytest.raises(BadRequest, match=named):
        PeriodSettings.of("0100-01-01", unit, length, count)
