"""Commerce metrics through `codat-lending` on the real server, on a company linked to the Commerce Sandbox:
every figure is recomputed here from the orders the read API lists, independently of the server's SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from codat_lending import CodatLending
from codat_lending.models.errors import ErrorMessage

from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def shop(server: RunningServer) -> dict[str, Any]:
    """A company with the Commerce Sandbox linked and pulled, and its orders as the read API lists them."""
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, "Commerce Metrics Shop Ltd", key="aiwb")
        wait_for_pulls(api, company_id, at_least=5)
        orders = read_all(api, f"/companies/{company_id}/connections/{connection_id}/data/commerce-orders")
    assert len(orders) > 1000
    return {"company": company_id, "connection": connection_id, "orders": orders}


def _day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).date()


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _report(lending: CodatLending, operation: str, shop: dict[str, Any], **params: Any) -> dict[str, Any]:
    group = lending.sales.reports if operation in ("get_orders", "get_refunds") else lending.sales.metrics
    request = {"company_id": shop["company"], "connection_id": shop["connection"], **params}
    return getattr(group, operation)(request=request).to_dict()


# The metrics dimension's items in Codat's documented order (the SDK's model keeps only their indexes).
ITEMS = {
    "revenue": ["Revenue", "Revenue growth"],
    "orders": ["Number of orders", "Total value", "Average order value"],
    "refunds": ["Number of refunds", "Value of refunds", "Refund rate"],
    "customer_retention": [
        "Existing customers",
        "New customers",
        "Total customers",
        "Retention rate",
        "Repeat rate",
    ],
    "lifetime_value": ["Lifetime value"],
}


def _values(report: dict[str, Any]) -> list[dict[str, float]]:
    """Per period (in order), each metric's value by its name."""
    names = ITEMS[report["reportInfo"]["name"]]
    assert [item["index"] for item in report["dimensions"][1]["items"]] == list(range(len(names)))
    return [
        {names[c["item"]]: c["measures"][0]["value"] for c in period["components"]}
        for period in report["reportData"]
    ]


def _month_spans(report_date: date, count: int) -> list[tuple[date, date]]:
    """`count` calendar months, oldest first, the last holding `report_date` (worked out month by month)."""
    spans, end = [], report_date
    while len(spans) < count:
        start = end.replace(day=1)
        next_month = (start + timedelta(days=32)).replace(day=1)
        spans.append((start, next_month - timedelta(days=1)))
        end = start - timedelta(days=1)
    return spans[::-1]


def _week_spans(report_date: date, weeks: int, count: int) -> list[tuple[date, date]]:
    sunday = report_date + timedelta(days=6 - report_date.weekday())
    return [
        (sunday - timedelta(days=7 * weeks * (k + 1) - 1), sunday - timedelta(days=7 * weeks * k))
        for k in reversed(range(count))
    ]


def _in(orders: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    return [o for o in orders if start <= _day(o["createdDate"]) <= end]


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _ratio(part: Decimal | int, whole: Decimal | int, scale: int = 1) -> float:
    return _cents(Decimal(part) * scale / Decimal(whole)) if whole else 0.0


MONTHLY = {"report_date": "", "period_length": 1, "number_of_periods": 12, "period_unit": "Month"}


def _monthly(shop: dict[str, Any]) -> dict[str, Any]:
    latest = max(_day(o["createdDate"]) for o in shop["orders"])
    return {**MONTHLY, "report_date": latest.isoformat()}


def test_revenue_per_month_equals_the_order_lines_summed(lending, shop) -> None:
    report = _report(lending, "get_revenue", shop, **_monthly(shop), include_display_names=True)
    assert report["reportInfo"] == {"name": "revenue", "displayName": "Revenue"}
    assert report["measures"][0] == {"displayName": "Value", "index": 0, "type": "currency", "units": "GBP"}
    first = report["reportData"][0]
    assert first["dimensionDisplayName"] == "Period" and first["itemDisplayName"] == "Period 0"
    assert first["components"][1]["itemDisplayName"] == "Revenue growth"
    spans = _month_spans(date.fromisoformat(_monthly(shop)["report_date"]), 13)
    before, spans = spans[0], spans[1:]

    def revenue(start: date, end: date) -> Decimal:
        return sum(
            (
                _money(line["quantity"]) * _money(line["unitPrice"])
                for o in _in(shop["orders"], start, end)
                for line in o["orderLineItems"]
            ),
            Decimal(0),
        )

    previous = revenue(*before)
    for (start, end), values in zip(spans, _values(report), strict=True):
        now = revenue(start, end)
        assert now > 0
        assert values["Revenue"] == _cents(now)
        assert values["Revenue growth"] == _ratio(now - previous, previous, 100)
        previous = now


def test_orders_and_refunds_per_week_equal_the_orders_counted(lending, shop) -> None:
    params = {**_monthly(shop), "period_unit": "Week", "period_length": 2, "number_of_periods": 10}
    orders = _report(lending, "get_orders", shop, **params)
    refunds = _report(lending, "get_refunds", shop, **params)
    spans = _week_spans(date.fromisoformat(params["report_date"]), 2, 10)
    assert "dimensionDisplayName" not in orders["reportData"][0]  # includeDisplayNames defaults to off
    refunded_somewhere = 0
    for (start, end), counted, refunded in zip(spans, _values(orders), _values(refunds), strict=True):
        found = _in(shop["orders"], start, end)
        value = sum((_money(o["totalAmount"]) for o in found), Decimal(0))
        assert counted["Number of orders"] == len(found) > 0
        assert counted["Total value"] == _cents(value)
        assert counted["Average order value"] == _ratio(value, len(found))
        back = [o for o in found if o.get("totalRefund")]
        refunded_somewhere += len(back)
        assert refunded["Number of refunds"] == len(back)
        assert refunded["Value of refunds"] == _cents(
            sum((-_money(o["totalRefund"]) for o in back), Decimal(0))
        )
        assert refunded["Refund rate"] == _ratio(len(back), len(found))
    assert refunded_somewhere > 0


def test_retention_and_lifetime_value_equal_an_independent_recomputation(lending, shop) -> None:
    params = _monthly(shop)
    retention = _values(_report(lending, "get_customer_retention", shop, **params))
    lifetime = _report(lending, "get_lifetime_value", shop, **params)
    spans = _month_spans(date.fromisoformat(params["report_date"]), 13)
    by_customer: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for o in shop["orders"]:
        if o.get("customerRef"):
            by_customer[o["customerRef"]["id"]].append((_day(o["createdDate"]), _money(o["totalAmount"])))
    bounds, spans = spans, spans[1:]

    def ordering(start: date, end: date) -> set[str]:
        return {c for c, orders in by_customer.items() if any(start <= d <= end for d, _ in orders)}

    for n, ((start, end), values, ltv) in enumerate(zip(spans, retention, _values(lifetime), strict=True)):
        active = ordering(start, end)
        existing = {c for c in active if min(d for d, _ in by_customer[c]) < start}
        assert values["Total customers"] == len(active) > 0
        assert values["Existing customers"] == len(existing)
        assert values["New customers"] == len(active - existing)
        assert values["Retention rate"] == _ratio(len(existing), len(ordering(*bounds[n])), 100)
        assert values["Repeat rate"] == _ratio(len(existing), len(active), 100)
        spent = [sum((a for d, a in orders if d <= end), Decimal(0)) for orders in by_customer.values()]
        known = [c for c, orders in by_customer.items() if min(d for d, _ in orders) <= end]
        assert ltv["Lifetime value"] == _ratio(sum(spent, Decimal(0)), len(known))
    # Customers come back: some are existing ones in the last period.
    assert retention[-1]["Existing customers"] > 0


def test_the_periods_are_the_whole_units_up_to_the_report_date(server, shop) -> None:
    """The period items' dates (which the SDK's model does not keep), read over HTTP."""
    base = f"/data/companies/{shop['company']}/connections/{shop['connection']}/assess/commerceMetrics"
    cases = [
        ({"periodUnit": "Month", "periodLength": 1, "numberOfPeriods": 3}, _month_spans(date(2024, 3, 5), 3)),
        (
            {"periodUnit": "Week", "periodLength": 2, "numberOfPeriods": 2},
            _week_spans(date(2024, 3, 5), 2, 2),
        ),
        (
            {"periodUnit": "Day", "periodLength": 3, "numberOfPeriods": 2},
            [(date(2024, 2, 28), date(2024, 3, 1)), (date(2024, 3, 2), date(2024, 3, 4))],
        ),
        (
            {"periodUnit": "Year", "periodLength": 1, "numberOfPeriods": 2},
            [(date(2022, 1, 1), date(2022, 12, 31)), (date(2023, 1, 1), date(2023, 12, 31))],
        ),
    ]
    with server.client() as api:
        for params, spans in cases:
            report_date = "2024-03-04" if params["periodUnit"] == "Day" else "05-03-2024"
            if params["periodUnit"] == "Year":
                report_date = "2023-06-30"
            answer = api.get(f"{base}/lifetimeValue", params={**params, "reportDate": report_date})
            assert answer.status_code == 200, answer.text
            items = answer.json()["dimensions"][0]["items"]
            assert [(i["index"], i["displayName"]) for i in items] == [
                (n, f"Period {n}") for n in range(len(spans))
            ]
            assert [(date.fromisoformat(i["start"]), date.fromisoformat(i["end"])) for i in items] == spans


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"report_date": "31/12/2022"}, "reportDate"),
        ({"number_of_periods": 0}, "numberOfPeriods"),
        ({"number_of_periods": 1000}, "numberOfPeriods"),
        ({"period_length": 0}, "periodLength"),
        ({"report_date": "0001-01-15", "number_of_periods": 3}, "calendar"),
    ],
)
def test_bad_parameters_are_codat_400s(lending, shop, params, named) -> None:
    with pytest.raises(ErrorMessage) as raised:
        _report(lending, "get_revenue", shop, **{**MONTHLY, "report_date": "2024-05-31", **params})
    assert raised.value.status_code == 400 and named in raised.value.data.error


def test_missing_or_unknown_parameters_and_ids(server, shop) -> None:
    base = f"/data/companies/{shop['company']}/connections/{shop['connection']}/assess/commerceMetrics"
    good = {"reportDate": "2024-05-31", "periodLength": 1, "numberOfPeriods": 2, "periodUnit": "Month"}
    with server.client() as api:
        for missing in good:
            answer = api.get(f"{base}/orders", params={k: v for k, v in good.items() if k != missing})
            assert answer.status_code == 400 and missing in answer.json()["error"], answer.text
        answer = api.get(f"{base}/orders", params={**good, "periodUnit": "Fortnight"})
        assert answer.status_code == 400 and "periodUnit" in answer.json()["error"]
        unknown = api.get(
            f"/data/companies/{UNKNOWN}/connections/{shop['connection']}/assess/commerceMetrics/revenue",
            params=good,
        )
        assert unknown.status_code == 404
        other = api.get(
            f"/data/companies/{shop['company']}/connections/{UNKNOWN}/assess/commerceMetrics/revenue",
            params=good,
        )
        assert other.status_code == 404
        books, accounting = link_sandbox(api, "Commerce Metrics Books Only")
        not_commerce = api.get(
            f"/data/companies/{books}/connections/{accounting}/assess/commerceMetrics/revenue", params=good
        )
        # As the read API answers for commerce orders on that connection: its platform has none.
        assert not_commerce.status_code == 404, not_commerce.text
        assert not_commerce.json()["error"] == "mqjo does not provide commerce-orders."
        # A Commerce Sandbox connection not yet linked has pulled nothing: the read API's 409.
        pending = api.post(f"/companies/{books}/connections", json={"platformKey": "aiwb"}).json()
        never = api.get(
            f"/data/companies/{books}/connections/{pending['id']}/assess/commerceMetrics/orders", params=good
        )
        assert never.status_code == 409 and never.json()["statusCode"] == 409, never.text
