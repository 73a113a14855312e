"""The periods of a commerce metrics report: Codat's `reportDate`, `periodUnit`, `periodLength` and
`numberOfPeriods`, checked and laid out as calendar date spans.

A report covers whole units: the last period ends at the end of the unit holding the report date (that day,
the Sunday of its ISO week, the end of its month or of its year: Codat's "the response will be provided for
the full month"), and each period is `periodLength` units long, the periods back to back before it. Periods
are listed oldest first, as a chart reads them; the period just before the first is worked out too, since
growth and retention compare a period with the one before it.
"""

from __future__ import annotations

import calendar
import enum
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from ledgerlink.kit.errors import BadRequest

# Codat documents no limits; these keep a report readable and its dates within the calendar.
MAX_PERIODS = 120
MAX_PERIOD_LENGTH = 366
# Codat's example writes `29-09-2020`; its other date parameters are ISO dates. Both are read.
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")


class PeriodUnit(enum.StrEnum):
    DAY = "Day"
    WEEK = "Week"
    MONTH = "Month"
    YEAR = "Year"


@dataclass(frozen=True)
class Period:
    """The days from `start` to `end`, both included (as Codat's `datespan` items write them)."""

    start: date
    end: date


def parse_report_date(value: str) -> date:
    """`reportDate` as ISO (`2022-12-31`) or as Codat's example writes it (`31-12-2022`); 400 otherwise."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise BadRequest(f"reportDate '{value}' is not a date: write it as yyyy-MM-dd (or dd-MM-yyyy).")


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class PeriodSettings:
    """Codat's period parameters, checked."""

    report_date: date
    unit: PeriodUnit
    length: int
    count: int

    @classmethod
    def of(cls, report_date: str, unit: PeriodUnit, length: int, count: int) -> PeriodSettings:
        """Raises `BadRequest` (Codat's 400, naming the parameter) for a value out of range."""
        if not 1 <= count <= MAX_PERIODS:
            raise BadRequest(f"numberOfPeriods must be between 1 and {MAX_PERIODS}.")
        if not 1 <= length <= MAX_PERIOD_LENGTH:
            raise BadRequest(f"periodLength must be between 1 and {MAX_PERIOD_LENGTH}.")
        settings = cls(parse_report_date(report_date), unit, length, count)
        try:
            # The day after the last is where the orders read stop: it must be in the calendar too.
            if settings.spans[-1].end == date.max:
                raise OverflowError
        except (ValueError, OverflowError):
            raise BadRequest(
                "The periods requested run outside the calendar: use fewer or shorter periods."
            ) from None
        return settings

    def periods(self) -> list[Period]:
        """`count` periods, oldest first, the last ending with the unit that holds the report date."""
        return self.spans[1:]

    def previous(self) -> Period:
        """The period just before the first one: what the first period's growth and retention compare with."""
        return self.spans[0]

    @cached_property
    def spans(self) -> list[Period]:
        """The period before the first, then the periods: back to back, oldest first."""
        n, length = self.count + 1, self.length
        if self.unit in (PeriodUnit.MONTH, PeriodUnit.YEAR):
            months = length * (12 if self.unit is PeriodUnit.YEAR else 1)
            last = _month_index(self.report_date)
            if self.unit is PeriodUnit.YEAR:
                last = self.report_date.year * 12 + 11
            return [
                Period(_month_start(last - (k + 1) * months + 1), _month_end(last - k * months))
                for k in reversed(range(n))
            ]
        days = length * (7 if self.unit is PeriodUnit.WEEK else 1)
        end = self.report_date
        if self.unit is PeriodUnit.WEEK:
            end += timedelta(days=6 - end.weekday())  # the Sunday closing its ISO week
        return [
            Period(end - timedelta(days=(k + 1) * days - 1), end - timedelta(days=k * days))
            for k in reversed(range(n))
        ]

    def index_of(self, day: date) -> int | None:
        """Which span (0 = the period before the first, 1 = the first, ...) holds `day`; None if none."""
        if not self.spans[0].start <= day <= self.spans[-1].end:
            return None
        return bisect_right(self._starts, day) - 1

    @cached_property
    def _starts(self) -> list[date]:
        return [span.start for span in self.spans]
