"""Finding loans in movements of money (`lending.liabilities.detection`, pure): the shape of a loan without a
name (weekly and quarterly schedules, near-constant amounts), what is not one (irregular payments after a
refund, a customer paying in often), the bounds on what is watched, and the same answer every time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ledgerlink.lending.liabilities.detection import (
    MAX_DRAWDOWNS,
    MAX_REPAYMENTS,
    FoundLoan,
    Movement,
    MovementLoans,
)

START = date(2024, 1, 8)


def movement(n: int, on: date, amount: float | str, description: str, **more: str) -> Movement:
    return Movement(
        "conn",
        "acc",
        f"t{n:05d}",
        "banking-transactions",
        on,
        Decimal(str(amount)),
        "GBP",
        description,
        **more,
    )


def found(*movements: Movement) -> list[FoundLoan]:
    finder = MovementLoans()
    for m in sorted(movements, key=lambda m: (m.date, m.item_id)):
        finder.add(m)
    return finder.loans(account_type="banking-accounts")


def schedule(days: int, count: int, amount: str, description: str, *, first: int = 1) -> list[Movement]:
    return [
        movement(first + k, START + timedelta(days=days * (k + 1)), amount, description) for k in range(count)
    ]


def test_a_loan_by_its_shape_weekly_or_quarterly_with_amounts_a_little_apart() -> None:
    for days, frequency in ((7, "Weekly"), (91, "Quarterly")):
        drawn = movement(0, START, 12000, "NORTHERN TRUST FINANCE")
        repaid = schedule(days, 8, "-1000", "NORTHERN TRUST FINANCE")
        repaid[3] = movement(4, repaid[3].date, "-1030.00", "NORTHERN TRUST FINANCE")  # (3% apart: near)
        (loan,) = found(drawn, *repaid)
        assert loan.frequency == frequency and loan.recurring_amount == Decimal(1000)
        assert loan.total_drawdowns == 12000 and loan.total_repayments == Decimal("8030.00")


def test_not_a_loan_irregular_amounts_or_intervals_or_a_small_inflow() -> None:
    refund = movement(0, START, 5000, "OFFICE WORLD")
    purchases = [
        movement(k + 1, START + timedelta(days=30 * (k + 1)), -(100 + 97 * k), "OFFICE WORLD")
        for k in range(8)
    ]
    assert found(refund, *purchases) == []
    scattered = [
        movement(k + 1, START + timedelta(days=d), "-500", "ACME LTD") for k, d in enumerate((3, 40, 45, 120))
    ]
    assert found(movement(0, START, 8000, "ACME LTD"), *scattered) == []
    # A payment in too small for a drawdown of those repayments (3 of them at least).
    assert found(movement(0, START, 1200, "SMALL CO"), *schedule(30, 6, "-500", "SMALL CO")) == []


def test_those_paying_in_or_paid_again_and_again_stop_being_watched() -> None:
    customer = [
        movement(k, START + timedelta(days=7 * k), 2000, "BIG CLIENT") for k in range(MAX_DRAWDOWNS + 1)
    ]
    later = schedule(30, 6, "-300", "BIG CLIENT", first=100)
    assert found(*customer, *later) == []
    finder = MovementLoans()
    finder.add(movement(0, START, 3000, "CASH AND CARRY"))  # (a refund from a supplier)
    for k in range(MAX_REPAYMENTS + 5):
        finder.add(movement(k + 1, START + timedelta(days=1 + k // 3), "-20", "CASH AND CARRY"))
    assert finder._watched == {} and finder.loans(account_type="banking-accounts") == []


def test_a_named_loan_needs_no_shape_and_the_answer_is_the_same_every_time() -> None:
    lines = [
        movement(0, START, 25000, "ZEPHYR LENDING DRAWDOWN"),
        movement(1, START + timedelta(days=45), "-1800", "ZEPHYR LENDING"),
        movement(2, START + timedelta(days=46), "-75", "ZEPHYR LENDING INTEREST"),
    ]
    first, again = found(*lines), found(*lines)
    assert first == again
    (loan,) = first
    assert [m.type for m in loan.movements] == ["Investment", "Repayment", "Interest"]
    assert loan.total_repayments == Decimal(1875) and loan.balance == Decimal(23200)
    assert loan.frequency is None and loan.lender == "ZEPHYR LENDING"
