"""Codat's `CommerceReport` for each commerce metrics report: its period dimension (index 0, a `datespan` per
period), its metrics dimension (index 1, one `string` item per metric), its measures, and per period one
component per metric carrying the measure that metric is expressed in (as Codat's examples show it).

`includeDisplayNames` adds the display names of dimension, item and measure to the report data, as Codat's
`CommerceReport` description says (off by default). Numbers are rounded to two places; a ratio over nothing
(growth from a period without revenue, retention after a period without customers) is 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerlink.lending.commerce_metrics.metrics import Figures, PeriodFigures
from ledgerlink.lending.commerce_metrics.periods import PeriodSettings

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Measure:
    display_name: str
    type: str  # `int`, `currency` or `percentage`
    units: str | None = None  # `%`; a currency measure's units are the orders' currency


@dataclass(frozen=True)
class Metric:
    """One item of the metrics dimension: its name, the measure (index) it is given in, and how it is worked
    out from a period's figures and the previous period's."""

    name: str
    measure: int
    value: Callable[[PeriodFigures, PeriodFigures], Decimal | int]


@dataclass(frozen=True)
class ReportKind:
    name: str  # the endpoint's last path segment
    info_name: str  # `reportInfo.name`
    display_name: str
    dimension: str
    measures: tuple[Measure, ...]
    metrics: tuple[Metric, ...]


def _ratio(part: Decimal | int, whole: Decimal | int, scale: Decimal = Decimal(1)) -> Decimal:
    return Decimal(part) * scale / Decimal(whole) if whole else Decimal(0)


def _growth(now: PeriodFigures, before: PeriodFigures) -> Decimal:
    return _ratio(now.revenue - before.revenue, before.revenue, _HUNDRED)


COUNT, VALUE, PERCENT = (
    Measure("Count", "int"),
    Measure("Value", "currency"),
    Measure("Percentage", "percentage", "%"),
)

REPORTS = (
    ReportKind(
        "revenue",
        "revenue",
        "Revenue",
        "Revenue metrics",
        (VALUE, Measure("Percentage change vs. previous period", "percentage", "%")),
        (Metric("Revenue", 0, lambda p, _: p.revenue), Metric("Revenue growth", 1, _growth)),
    ),
    ReportKind(
        "orders",
        "orders",
        "Orders",
        "Order metrics",
        (COUNT, VALUE),
        (
            Metric("Number of orders", 0, lambda p, _: p.orders),
            Metric("Total value", 1, lambda p, _: p.value),
            Metric("Average order value", 1, lambda p, _: _ratio(p.value, p.orders)),
        ),
    ),
    ReportKind(
        "refunds",
        "refunds",
        "Refunds",
        "Refund metrics",
        (COUNT, VALUE, PERCENT),
        (
            Metric("Number of refunds", 0, lambda p, _: p.refunds),
            Metric("Value of refunds", 1, lambda p, _: p.refunded),
            Metric("Refund rate", 2, lambda p, _: _ratio(p.refunds, p.orders)),
        ),
    ),
    ReportKind(
        "customerRetention",
        "customer_retention",
        "Customer Retention",
        "Customer retention metrics",
        (COUNT, Measure("Percentage", "percentage")),
        (
            Metric("Existing customers", 0, lambda p, _: p.existing_customers),
            Metric("New customers", 0, lambda p, _: len(p.new_customers)),
            Metric("Total customers", 0, lambda p, _: len(p.customers)),
            Metric(
                "Retention rate",
                1,
                lambda p, before: _ratio(p.existing_customers, len(before.customers), _HUNDRED),
            ),
            Metric("Repeat rate", 1, lambda p, _: _ratio(p.existing_customers, len(p.customers), _HUNDRED)),
        ),
    ),
    ReportKind(
        "lifetimeValue",
        "lifetime_value",
        "Lifetime Value",
        "Lifetime value metrics",
        (VALUE,),
        (Metric("Lifetime value", 0, lambda p, _: _ratio(p.customer_spend_to_date, p.customers_to_date)),),
    ),
)


def _number(value: Decimal | int) -> float | int:
    if isinstance(value, int):
        return value
    return float(value.quantize(_CENT)) or 0.0


def _measure_shape(measure: Measure, index: int, currency: str | None) -> dict[str, Any]:
    shape: dict[str, Any] = {"displayName": measure.display_name, "index": index, "type": measure.type}
    units = currency if measure.type == "currency" else measure.units
    if units is not None:
        shape["units"] = units
    return shape


def report(
    kind: ReportKind, settings: PeriodSettings, figures: Figures, display_names: bool
) -> dict[str, Any]:
    """The `CommerceReport` of one report kind over the settings' periods."""
    periods = settings.periods()

    def named(shape: dict[str, Any], **names: str) -> dict[str, Any]:
        return {**shape, **names} if display_names else shape

    data = []
    for n in range(len(periods)):
        now, before = figures.periods[n + 1], figures.periods[n]
        components = []
        for item, metric in enumerate(kind.metrics):
            measure = kind.measures[metric.measure]
            components.append(
                named(
                    {
                        "dimension": 1,
                        "item": item,
                        "measures": [
                            named(
                                {"index": metric.measure, "value": _number(metric.value(now, before))},
                                measureDisplayName=measure.display_name,
                            )
                        ],
                    },
                    dimensionDisplayName=kind.dimension,
                    itemDisplayName=metric.name,
                )
            )
        data.append(
            named(
                {"dimension": 0, "item": n, "components": components},
                dimensionDisplayName="Period",
                itemDisplayName=f"Period {n}",
            )
        )
    return {
        "reportInfo": {"name": kind.info_name, "displayName": kind.display_name},
        "dimensions": [
            {
                "index": 0,
                "displayName": "Period",
                "type": "datespan",
                "items": [
                    {
                        "index": n,
                        "displayName": f"Period {n}",
                        "start": period.start.isoformat(),
                        "end": period.end.isoformat(),
                    }
                    for n, period in enumerate(periods)
                ],
            },
            {
                "index": 1,
                "displayName": kind.dimension,
                "type": "string",
                "items": [{"index": n, "value": metric.name} for n, metric in enumerate(kind.metrics)],
            },
        ],
        "measures": [_measure_shape(m, n, figures.currency) for n, m in enumerate(kind.measures)],
        "reportData": data,
    }
