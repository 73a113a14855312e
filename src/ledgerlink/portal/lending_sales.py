"""The Lending tab's sales section: a merchant's revenue, orders, refunds, customer retention and lifetime
value per period, for each of the company's commerce connections.

The figures are the API's: one read of the orders (`commerce_metrics.metrics.figures`, what the endpoints
call) laid out as Codat's five `CommerceReport`s (`commerce_metrics.report.report`), then read back here as
a table per report and a chart of its main figures. One thing is shown differently: Codat's refund rate is a
ratio (0.06, as its example has it) under a measure it calls a percentage; the page shows it as 6.00%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.commerce_metrics.metrics import Figures
from ledgerlink.lending.commerce_metrics.periods import PeriodSettings, PeriodUnit
from ledgerlink.lending.commerce_metrics.report import REPORTS, report
from ledgerlink.portal import charts
from ledgerlink.records.registry import SourceType

# What the form starts with: the last twelve calendar months up to today.
DEFAULT_UNIT, DEFAULT_LENGTH, DEFAULT_PERIODS = PeriodUnit.MONTH, 1, 12
RATIO_AS_PERCENTAGE = frozenset({"Refund rate"})


@dataclass(frozen=True)
class Charted:
    """Which of a report's metrics its chart draws, and whether as lines (a rate, a running figure: read as a
    trend) or as columns (what each period holds)."""

    metrics: tuple[str, ...]
    axis_title: str
    lines: bool = False


CHARTED = {
    "revenue": Charted(("Revenue",), "Revenue"),
    "orders": Charted(("Number of orders",), "Orders"),
    "refunds": Charted(("Value of refunds",), "Refunded"),
    "customerRetention": Charted(("Retention rate", "Repeat rate"), "Rate", lines=True),
    "lifetimeValue": Charted(("Lifetime value",), "Per customer", lines=True),
}


@dataclass(frozen=True)
class MetricRow:
    """One metric's values per period, in its unit: a currency code, `%`, or empty for a count."""

    name: str
    unit: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class SalesReport:
    """One commerce metrics report for the page: its periods (first and last day, and a short label) and a
    row per metric, with the chart of its main figures."""

    name: str
    title: str
    spans: tuple[tuple[str, str], ...]
    labels: tuple[str, ...]
    rows: tuple[MetricRow, ...]
    chart: Markup


def sales_settings(report_date: str, unit: str, length: str, periods: str) -> PeriodSettings:
    """The periods from the page's form (empty fields: the last twelve months up to today), checked as the
    API checks its parameters; a value it would refuse is a 400 saying which."""
    try:
        chosen = PeriodUnit(unit) if unit.strip() else DEFAULT_UNIT
    except ValueError:
        known = ", ".join(u.value for u in PeriodUnit)
        raise BadRequest(f"The period unit must be one of {known}.") from None
    numbers = []
    asked = (("period length", length, DEFAULT_LENGTH), ("number of periods", periods, DEFAULT_PERIODS))
    for name, raw, default in asked:
        try:
            numbers.append(int(raw) if raw.strip() else default)
        except ValueError:
            raise BadRequest(f"The {name} must be a whole number.") from None
    day = report_date.strip() or utcnow().date().isoformat()
    return PeriodSettings.of(day, chosen, numbers[0], numbers[1])


def commerce_connections(company: Company) -> list[Connection]:
    """The company's connections to commerce platforms, oldest first."""
    found = []
    for connection in company.connections:
        connector = connectors.get(connection.integration_key)
        if connector is not None and connector.info.source_type is SourceType.COMMERCE:
            found.append(connection)
    return sorted(found, key=lambda c: (c.created_at, c.id))


def period_label(start: date, end: date, unit: PeriodUnit, length: int) -> str:
    """A period as the chart's axis names it: `Mar 2026` for a month, `2026` for a year, else its first
    day."""
    if length == 1 and unit is PeriodUnit.MONTH:
        return start.strftime("%b %Y")
    if length == 1 and unit is PeriodUnit.YEAR:
        return str(start.year)
    return start.isoformat()


def _unit(measure: Mapping[str, Any], metric: str) -> str:
    if measure["type"] == "percentage" or metric in RATIO_AS_PERCENTAGE:
        return "%"
    return str(measure.get("units") or "") if measure["type"] == "currency" else ""


def sales_view(answer: Mapping[str, Any], settings: PeriodSettings, chart_id: str) -> SalesReport:
    """A `CommerceReport` (with display names) as rows of figures per period and its chart."""
    periods = answer["dimensions"][0]["items"]
    names = [item["value"] for item in answer["dimensions"][1]["items"]]
    measures = {measure["index"]: measure for measure in answer["measures"]}
    values: dict[str, list[Decimal]] = {name: [] for name in names}
    units: dict[str, str] = {}
    for period in answer["reportData"]:
        for component in period["components"]:
            name = names[component["item"]]
            shown = component["measures"][0]
            value = Decimal(str(shown["value"]))
            values[name].append(value * 100 if name in RATIO_AS_PERCENTAGE else value)
            units[name] = _unit(measures[shown["index"]], name)
    rows = tuple(MetricRow(name, units.get(name, ""), tuple(values[name])) for name in names)
    spans = tuple((str(p["start"]), str(p["end"])) for p in periods)
    labels = tuple(
        period_label(date.fromisoformat(start), date.fromisoformat(end), settings.unit, settings.length)
        for start, end in spans
    )
    name, title = answer["reportInfo"]["name"], answer["reportInfo"]["displayName"]
    kind = next(k for k in REPORTS if k.info_name == name)
    charted = CHARTED[kind.name]
    drawn = [row for row in rows if row.name in charted.metrics]
    unit = drawn[0].unit
    chart = charts.period_chart(
        chart_id,
        f"{title} per period",
        labels,
        [charts.PeriodSeries(row.name, row.values) for row in drawn],
        unit=unit,
        axis_title=f"{charted.axis_title} ({unit})" if unit and unit != "%" else charted.axis_title,
        lines=charted.lines,
    )
    return SalesReport(kind.name, title, spans, labels, rows, chart)


def sales_reports(found: Figures, settings: PeriodSettings, prefix: str) -> list[SalesReport]:
    """The five commerce metrics reports of one connection's figures, as the API answers them."""
    return [
        sales_view(report(kind, settings, found, True), settings, f"{prefix}-{kind.name}-chart")
        for kind in REPORTS
    ]


def figure(value: Decimal, unit: str) -> str:
    """A figure as the tables show it: money and rates to the cent, counts whole."""
    if unit == "%":
        return f"{value:,.2f}%"
    return f"{value:,.0f}" if not unit else f"{value:,.2f}"
