"""Matching payments to bank transactions (pure): what makes a match, its score and reasons, and one bank
transaction evidencing one payment only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.lending.receivables.reconciliation import WINDOW_DAYS, BankTransaction, Payment, assign, score

PAID = date(2024, 3, 4)
PAYMENT = Payment(
    id="pay-1",
    day=PAID,
    amount=Decimal("120.50"),
    currency="GBP",
    account_id="acc-current",
    references=("INV-0042", "REF-9"),
)


def transaction(**changes: object) -> BankTransaction:
    fields: dict[str, object] = {
        "id": "bt-1",
        "connection_id": "books",
        "account_id": "acc-current",
        "account_name": "Current",
        "day": PAID,
        "description": "Payment for INV-0042",
        "amount": Decimal("120.50"),
        "currency": None,
    }
    fields.update(changes)
    return BankTransaction(**fields)  # type: ignore[arg-type]


def test_every_piece_of_evidence_gives_a_perfect_score() -> None:
    match = score(PAYMENT, transaction())
    assert match is not None and match.score == 1
    assert match.reasons == (
        "amount 120.50 equals the payment's",
        "cleared on the day of the payment",
        "description names INV-0042",
        "the bank account the books say it was paid into",
    )


def test_weaker_evidence_scores_less() -> None:
    later = score(
        PAYMENT, transaction(day=PAID + timedelta(days=3), description="FASTER PMT", account_id="x")
    )
    assert later is not None and later.score == Decimal("0.6562")  # 0.5 + 0.25 * (1 - 3/8), to 4 places
    assert later.reasons == ("amount 120.50 equals the payment's", "cleared 3 days after")
    before = score(PAYMENT, transaction(day=PAID - timedelta(days=1), description="ref-9 ACME LTD"))
    assert before is not None and "cleared 1 day before" in before.reasons
    assert "description names REF-9" in before.reasons


def test_what_cannot_be_the_payment_is_no_match() -> None:
    assert score(PAYMENT, transaction(amount=Decimal("120.49"))) is None
    assert score(PAYMENT, transaction(amount=Decimal("-120.50"))) is None
    assert score(PAYMENT, transaction(day=PAID + timedelta(days=WINDOW_DAYS + 1))) is None
    assert score(PAYMENT, transaction(currency="EUR")) is None
    assert score(PAYMENT, transaction(currency="GBP")) is not None


def test_a_short_reference_is_not_looked_for() -> None:
    short = Payment("p", PAID, Decimal(5), None, None, ("42",))
    match = score(short, transaction(amount=Decimal(5), description="Invoice 42"))
    assert match is not None and not any("names" in reason for reason in match.reasons)


def test_one_bank_transaction_evidences_one_payment_the_strongest() -> None:
    twin = Payment("pay-2", PAID + timedelta(days=2), Decimal("120.50"), "GBP", None, ())
    exact, other = transaction(), transaction(id="bt-2", day=PAID + timedelta(days=2), description="")
    chosen = assign([twin, PAYMENT], [other, exact])
    assert chosen["pay-1"].transaction == exact
    assert chosen["pay-2"].transaction == other
    # With one transaction only, the better-evidenced payment takes it and the other has none.
    assert set(assign([twin, PAYMENT], [exact])) == {"pay-1"}


@given(
    amount=st.decimals(min_value=-10_000, max_value=10_000, places=2),
    days=st.integers(-30, 30),
    description=st.text(max_size=30),
)
def test_scores_are_in_zero_to_one(amount: Decimal, days: int, description: str) -> None:
    payment = Payment("p", PAID, amount, None, "a", ("INV-1",))
    match = score(
        payment, transaction(amount=amount, day=PAID + timedelta(days=days), description=description)
    )
    assert match is None or 0 <= match.score <= 1
    assert (match is None) == (abs(days) > WINDOW_DAYS)
