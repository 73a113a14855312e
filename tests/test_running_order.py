"""`in_running_order` (tests/support/sandbox_api.py) puts an account's bank transactions back in the order of
their running balances, which the coherence checks of the Sandbox's books rely on. The read API orders them
by id, so within a day the order has to be found from the balances alone."""

from __future__ import annotations

from typing import Any

from tests.support.sandbox_api import in_running_order


def txn(name: str, day: int, amount: float, balance: float) -> dict[str, Any]:
    return {"id": name, "clearedOnDate": f"2025-01-{day:02d}T00:00:00", "amount": amount, "balance": balance}


def names(transactions: list[dict[str, Any]]) -> list[str]:
    return [t["id"] for t in transactions]


def test_a_day_whose_lines_net_to_nothing_is_ordered_so_every_balance_chains() -> None:
    # Two orders start from 100.00: the payout first (then nothing follows 105.00), or the refund and its
    # reversal first. Taking the first line that fits, as this helper once did, chose the payout and broke
    # the chain; CI's property test then reported an off running balance the Sandbox had not written.
    read = [
        txn("a", 1, 100.0, 100.0),
        txn("payout", 2, 5.0, 105.0),
        txn("refund", 2, 2.0, 102.0),
        txn("reversal", 2, -2.0, 100.0),
        txn("fee", 3, -1.0, 104.0),
    ]
    assert names(in_running_order(read)) == ["a", "refund", "reversal", "payout", "fee"]


def test_the_first_day_may_start_from_any_of_its_lines() -> None:
    read = [txn("second", 1, -5.39, 94.61), txn("third", 1, 5.39, 100.0), txn("first", 1, 0.0, 100.0)]
    ordered = in_running_order(read)
    balances = [round(t["balance"] * 100) for t in ordered]
    openings = [round((t["balance"] - t["amount"]) * 100) for t in ordered]
    assert openings[1:] == balances[:-1]


def test_a_day_that_chains_in_no_order_is_returned_as_read() -> None:
    read = [txn("x", 1, 1.0, 1.0), txn("y", 2, 1.0, 7.0), txn("z", 2, 1.0, 9.0)]
    assert names(in_running_order(read)) == ["x", "y", "z"]
