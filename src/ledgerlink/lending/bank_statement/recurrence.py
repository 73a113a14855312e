"""Which transactions recur (Codat's `isRecurring`): money to or from the same counterparty, on the same
account and in the same direction, in at least `MONTHS` different calendar months, its amounts within
`SPREAD` of each other (rent, a subscription, a loan repayment, wages; not the weekly shop, whose amounts
vary). A transaction without a recognised counterparty is not judged (`isRecurring` null).

Counted while the statement's lines stream (`Recurrence.add`: memory per counterparty, not per line); the
recurring groups are kept in the report's result and a transaction's flag is read off them when it is
served, so the rows are written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

MONTHS = 3
# The largest amount of a recurring group at most this many times its smallest.
SPREAD = Decimal("1.25")

# (connection id, account id, counterparty, "in" | "out")
Group = tuple[str, str, str, str]


def group_of(connection_id: Any, account_id: str, counterparty: str | None, amount: Decimal) -> Group | None:
    if not counterparty:
        return None
    return (str(connection_id), account_id, counterparty, "in" if amount >= 0 else "out")


@dataclass
class _Seen:
    months: set[int] = field(default_factory=set)
    smallest: Decimal | None = None
    largest: Decimal = Decimal(0)


@dataclass
class Recurrence:
    groups: dict[Group, _Seen] = field(default_factory=dict)

    def add(self, group: Group | None, day: date, amount: Decimal) -> None:
        if group is None:
            return
        seen = self.groups.setdefault(group, _Seen())
        seen.months.add(day.year * 12 + day.month)
        size = abs(amount)
        seen.smallest = size if seen.smallest is None else min(seen.smallest, size)
        seen.largest = max(seen.largest, size)

    def recurring(self) -> list[list[str]]:
        """The recurring groups, for the report's result (JSON), in a stable order."""
        return sorted(
            list(group)
            for group, seen in self.groups.items()
            if len(seen.months) >= MONTHS and seen.smallest and seen.largest <= seen.smallest * SPREAD
        )


def is_recurring(
    recurring: frozenset[Group],
    connection_id: Any,
    account_id: str,
    counterparty: str | None,
    amount: Decimal,
) -> bool | None:
    group = group_of(connection_id, account_id, counterparty, amount)
    return None if group is None else group in recurring


def recurring_of(result: dict[str, Any] | None) -> frozenset[Group]:
    """A report's recurring groups, from its stored result."""
    return frozenset(tuple(group) for group in (result or {}).get("recurring", []))
