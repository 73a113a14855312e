"""The figures of Codat's commerce metrics, from a commerce connection's orders, as Codat's Lending docs
("Sales overview: metrics") define them:

- revenue: the sum over the orders' lines of `quantity * unitPrice` (refund lines, with negative quantities,
  count as they stand); growth: `(b - a) / a * 100` against the period before;
- orders: their count, the sum of their `totalAmount`, and the average (value / count);
- refunds: the orders with a non-zero `totalRefund`, the sum of what they refunded (a positive amount, as
  Codat's example shows it), and the refund rate (refunded orders / orders, a ratio as in Codat's example);
- customer retention: of the customers ordering in a period, the existing ones (who ordered before it) and
  the new; retention rate = existing / the customers who ordered in the period before, repeat rate =
  existing / all, both as percentages;
- lifetime value: what the customers who ordered by the end of a period spent up to then (their orders'
  `totalAmount`), per customer: the revenue a customer has brought so far, on average.

An order belongs to the period of the day it was created (UTC); deleted orders do not count, guests (no
`customerRef`) count in every figure but the customer ones. PostgreSQL reads each order once and gives back
one sum per creation day, customer and currency; the periods are laid over those sums here. Money is
`numeric` in SQL and `Decimal` here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import DateTime, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.data import reads
from ledgerlink.kit.auth import Principal
from ledgerlink.lending.commerce_metrics.periods import PeriodSettings
from ledgerlink.records import registry

# One row per creation day, customer and currency of the orders created up to the report's end.
_ORDERS = text(
    """
    SELECT (o.record_date AT TIME ZONE 'UTC')::date AS day,
           o.j -> 'customerRef' ->> 'id' AS customer_id,
           o.j ->> 'currency' AS currency,
           count(*) AS orders,
           sum(coalesce((
               SELECT sum((l ->> 'quantity')::numeric * (l ->> 'unitPrice')::numeric)
               FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(o.j -> 'orderLineItems') = 'array'
                        THEN o.j -> 'orderLineItems' ELSE '[]'::jsonb END) AS l
               WHERE jsonb_typeof(l -> 'quantity') = 'number' AND jsonb_typeof(l -> 'unitPrice') = 'number'
           ), 0)) AS revenue,
           sum(CASE WHEN jsonb_typeof(o.j -> 'totalAmount') = 'number'
                    THEN (o.j ->> 'totalAmount')::numeric ELSE 0 END) AS value,
           count(*) FILTER (WHERE jsonb_typeof(o.j -> 'totalRefund') = 'number'
                              AND (o.j ->> 'totalRefund')::numeric <> 0) AS refunds,
           sum(CASE WHEN jsonb_typeof(o.j -> 'totalRefund') = 'number'
                    THEN abs((o.j ->> 'totalRefund')::numeric) ELSE 0 END) AS refunded
    FROM (
        SELECT r.record_date, r.data::jsonb AS j
        FROM records r
        WHERE r.connection_id = :connection AND r.data_type = 'commerce-orders' AND NOT r.is_deleted
          AND r.record_date < :end_moment
        OFFSET 0  -- a fence: PostgreSQL would otherwise inline `j` and parse the record at every use
    ) AS o
    WHERE (o.j -> 'metadata' -> 'isDeleted') IS DISTINCT FROM 'true'::jsonb
    GROUP BY 1, 2, 3
    """
).bindparams(bindparam("connection", type_=Uuid), bindparam("end_moment", type_=DateTime(timezone=True)))


@dataclass
class PeriodFigures:
    """What the orders of one period add up to."""

    orders: int = 0
    revenue: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    refunds: int = 0
    refunded: Decimal = Decimal(0)
    customers: set[str] = field(default_factory=set)
    new_customers: set[str] = field(default_factory=set)
    # Customers who had ordered by the period's end, and what they had spent up to then.
    customers_to_date: int = 0
    customer_spend_to_date: Decimal = Decimal(0)

    @property
    def existing_customers(self) -> int:
        return len(self.customers - self.new_customers)


@dataclass(frozen=True)
class Figures:
    """The periods' figures (the one before the first at index 0) and the currency they are in."""

    periods: list[PeriodFigures]
    currency: str | None


async def figures(
    session: AsyncSession, principal: Principal, company_id: str, connection_id: str, settings: PeriodSettings
) -> Figures:
    """The figures of the connection's orders; the read API's 404 (unknown company or connection) or its
    400/409 (a connection that is not a commerce one, or has never pulled its orders)."""
    src = await reads.source(
        session, principal, registry.BY_KEY["commerce-orders"], company_id, connection_id
    )
    end_moment = datetime.combine(settings.spans[-1].end + timedelta(days=1), time(), UTC)
    rows = (await session.execute(_ORDERS, {"connection": src.connection_id, "end_moment": end_moment})).all()
    found = [PeriodFigures() for _ in settings.spans]
    currencies: Counter[str] = Counter()
    first_order: dict[str, date] = {}
    spend: dict[int, dict[str, Decimal]] = {}
    for row in sorted(rows, key=lambda r: r.day):
        if row.customer_id is not None:
            first_order.setdefault(row.customer_id, row.day)
        n = settings.index_of(row.day)
        if row.customer_id is not None:
            # Spend before the first period counts towards every period's lifetime value.
            by_customer = spend.setdefault(0 if n is None else n, {})
            by_customer[row.customer_id] = by_customer.get(row.customer_id, Decimal(0)) + row.value
        if n is None:
            continue
        if row.currency:
            currencies[row.currency] += row.orders
        period = found[n]
        period.orders += row.orders
        period.revenue += row.revenue
        period.value += row.value
        period.refunds += row.refunds
        period.refunded += row.refunded
        if row.customer_id is not None:
            period.customers.add(row.customer_id)
            if first_order[row.customer_id] >= settings.spans[n].start:
                period.new_customers.add(row.customer_id)
    customers: set[str] = set()
    spent = Decimal(0)
    for n, period in enumerate(found):
        for customer, amount in spend.get(n, {}).items():
            customers.add(customer)
            spent += amount
        period.customers_to_date, period.customer_spend_to_date = len(customers), spent
    currency = currencies.most_common(1)[0][0] if currencies else None
    return Figures(found, currency)
