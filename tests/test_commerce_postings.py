"""How commerce activity becomes journal entries, and which whole periods a sync covers (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledgerlink.commerce import postings
from ledgerlink.commerce.configuration import DEFAULT_PAYMENTS, empty_selections
from ledgerlink.commerce.runs import Period, period_end_before, periods
from ledgerlink.commerce.tasks import is_due

NAMES = postings.Names(accounts={}, tax_rates={"vat20": "Standard 20%"}, payment_methods={"card": "Card"})


def selections() -> dict:
    chosen = empty_selections(datetime(2026, 1, 1, tzinfo=UTC))
    chosen["sales"]["accounts"] = {"sales": "4000", "salesTax": "2200", "refunds": "4100"}
    chosen["sales"]["taxRates"] = {"std": "vat20"}
    chosen["payments"]["accounts"] = {DEFAULT_PAYMENTS: "1200", "card": "1210"}
    chosen["fees"]["accounts"] = {"fees": "6100"}
    return chosen


def order(order_id: str, *lines: tuple[float, float, int], payments: list[dict]) -> dict:
    return {
        "id": order_id,
        "orderLineItems": [
            {
                "quantity": qty,
                "totalAmount": total,
                "totalTaxAmount": tax,
                "taxes": [{"taxComponentRef": {"id": "std"}}],
            }
            for total, tax, qty in lines
        ],
        "payments": payments,
    }


def entry_for(activity: postings.Activity, chosen: dict | None = None):
    return postings.journal_entry(
        activity,
        chosen or selections(),
        period_start=date(2026, 3, 2),
        period_label="2026-03-02",
        currency="GBP",
        names=NAMES,
        title="Shop sales",
    )


def by_account(entry: dict) -> dict[str, int]:
    sums: dict[str, int] = {}
    for line in entry["journalLines"]:
        sums[line["accountRef"]["id"]] = sums.get(line["accountRef"]["id"], 0) + postings.cents(
            line["netAmount"]
        )
    return sums


def test_sales_refunds_and_fees_post_to_their_accounts_and_balance() -> None:
    activity = postings.Activity(
        orders=[
            order(
                "o1", (12.0, 2.0, 1), (6.0, 1.0, 2), payments=[{"id": "p1", "amount": 18.0, "status": "Paid"}]
            ),
            # A refund line (negative) is posted when the money goes back, not as a sale.
            order(
                "o2",
                (24.0, 4.0, 1),
                (-24.0, -4.0, -1),
                payments=[
                    {"id": "p2", "amount": 20.0, "status": "Paid"},
                    {"id": "p3", "amount": 4.0, "status": "Paid"},
                ],
            ),
            # Abandoned: never paid, never a sale.
            order("o3", (9.99, 1.66, 1), payments=[{"id": "p4", "amount": 9.99, "status": "Failed"}]),
        ],
        transactions=[
            {
                "type": "PaymentFee",
                "totalAmount": -0.45,
                "transactionSourceRef": {"id": "p1", "type": "Payment"},
            },
            {"type": "Refund", "totalAmount": -24.0, "transactionSourceRef": {"id": "o2", "type": "Order"}},
            {
                "type": "PaymentFeeRefund",
                "totalAmount": 0.05,
                "transactionSourceRef": {"id": "p1", "type": "Payment"},
            },
            {"type": "Payout", "totalAmount": -100.0},
        ],
        payment_methods={"p1": "card", "p2": "card", "p3": "giftcard"},
    )
    entry, totals = entry_for(activity)
    assert totals == postings.Totals(sales_net=3500, sales_tax=700, payments=4200, refunds=2400, fees=40)
    sums = by_account(entry)
    assert sums == {
        "4000": -3500,
        "2200": -700,
        "1210": 3800 - 2400 - 40,
        "1200": 400,
        "4100": 2400,
        "6100": 40,
    }
    assert sum(sums.values()) == 0
    assert entry["postedOn"] == "2026-03-02T00:00:00Z" and entry["description"] == "Shop sales 2026-03-02"
    assert any(line["description"] == "Sales tax 2026-03-02 (Standard 20%)" for line in entry["journalLines"])


def test_nothing_to_post_and_switched_off_parts() -> None:
    entry, totals = entry_for(postings.Activity())
    assert entry is None and totals.is_empty
    chosen = selections()
    chosen["fees"]["syncFees"] = False
    activity = postings.Activity(
        orders=[order("o1", (12.0, 2.0, 1), payments=[{"id": "p1", "amount": 12.0, "status": "Paid"}])],
        transactions=[
            {
                "type": "PaymentFee",
                "totalAmount": -0.37,
                "transactionSourceRef": {"id": "p1", "type": "Payment"},
            }
        ],
    )
    entry, totals = entry_for(activity, chosen)
    assert totals.fees == 0 and "6100" not in by_account(entry)


def test_activity_that_does_not_balance_is_refused() -> None:
    activity = postings.Activity(
        orders=[order("o1", (12.0, 2.0, 1), payments=[{"id": "p1", "amount": 10.0, "status": "Paid"}])]
    )
    with pytest.raises(postings.PostingUnbalanced, match=r"sales of 12\.00 against payments of 10\.00"):
        entry_for(activity)


def test_periods_are_whole_days_or_months_in_the_merchants_time_zone() -> None:
    london = ZoneInfo("Europe/London")
    found = periods(
        datetime(2026, 3, 28, 0, 0, tzinfo=UTC), datetime(2026, 3, 31, 12, 0, tzinfo=UTC), london, "Daily"
    )
    # The clocks go forward on 29 March: that day is 23 hours long, and still one period.
    assert [p.start for p in found] == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    # A start inside a day begins at the next whole day.
    assert periods(
        datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC), ZoneInfo("UTC"), "Daily"
    ) == [Period(date(2026, 3, 29), date(2026, 3, 30))]
    months = periods(
        datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC), ZoneInfo("UTC"), "Monthly"
    )
    assert months == [Period(date(2026, 2, 1), date(2026, 3, 1)), Period(date(2026, 3, 1), date(2026, 4, 1))]
    assert months[0].label == "2026-02-01 to 2026-02-28"
    assert period_end_before(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), ZoneInfo("Europe/Paris"), "Daily") == (
        datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    )


def test_schedules_are_due_once_a_day_or_month_after_the_sync_hour() -> None:
    chosen = selections()
    chosen["schedule"].update(
        frequency="Daily", syncHour=6, timeZone="Europe/Paris", startDate="2026-01-01T00:00:00Z"
    )
    morning = datetime(2026, 3, 2, 4, 59, tzinfo=UTC)  # 05:59 in Paris
    assert not is_due(chosen, None, morning)
    assert is_due(chosen, None, datetime(2026, 3, 2, 5, 0, tzinfo=UTC))
    assert not is_due(chosen, datetime(2026, 3, 2, 5, 0, tzinfo=UTC), datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    assert is_due(chosen, datetime(2026, 3, 2, 5, 0, tzinfo=UTC), datetime(2026, 3, 3, 5, 1, tzinfo=UTC))
    chosen["schedule"]["frequency"] = "Monthly"
    assert not is_due(chosen, datetime(2026, 3, 1, 5, 0, tzinfo=UTC), datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    assert is_due(chosen, datetime(2026, 3, 1, 5, 0, tzinfo=UTC), datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    chosen["schedule"]["startDate"] = "2027-01-01T00:00:00Z"
    assert not is_due(chosen, None, datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
