"""Ground truth of the till (`till.py`): the payouts the sandboxes made, for tests and benches to compare
analyses with. Pure functions of the company, no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledgerlink.connectors.sandbox.books import K_SETTLEMENT, AccountingBooks
from ledgerlink.connectors.sandbox.commerce import CHANNEL_OF_METHOD, shop_for
from ledgerlink.connectors.sandbox.simulation import DAY, company_uuid, utc


@dataclass(frozen=True)
class SandboxPayout:
    """A processor's (or PayPal's) payout to the company's current account, as the sandboxes made it.

    `gross` the payments it settles, `refunds` (chargebacks included) and `fees` what it keeps back, `net`
    what lands; `payment_ids` the Commerce `payments` settled; `commerce_transaction_id` its `Payout` in
    Commerce `transactions`, `books_transaction_id` the books' bank transaction and `journal_entry_id` the
    books' journal entry of it."""

    processor: str
    date: date
    gross: Decimal
    refunds: Decimal
    fees: Decimal
    net: Decimal
    payment_ids: tuple[str, ...]
    commerce_transaction_id: str
    books_transaction_id: str
    journal_entry_id: str


def payouts(
    company_id: uuid.UUID | str, linked_at: datetime, as_of: datetime, *, scale: int = 1, speed: float = 1
) -> list[SandboxPayout]:
    """Every payout landed by `as_of` (the Commerce and Accounting Sandboxes linked at `linked_at` with
    `scale` and `speed`), oldest first; amounts in pounds, exact."""
    shop = shop_for(company_uuid(company_id), utc(linked_at), scale, float(speed))
    ledger = AccountingBooks(company_id, utc(linked_at), scale, speed)
    T = shop.clock.simulated_t(as_of)
    till = shop.till
    out = []
    for landing in range(T // DAY + 1):
        for s in till.settlements(landing):
            how = shop.channels[s.channel]
            if not how.in_balance or s.t > T or not s.net:
                continue
            payment_ids = tuple(
                pay[0]
                for d in s.days
                for o in shop.orders(d)
                if o.t_del is None
                for pay in o.pays
                if CHANNEL_OF_METHOD[pay[1]] == s.channel
            )
            out.append(
                SandboxPayout(
                    how.provider,
                    date.fromisoformat(shop.clock.day_iso(landing)),
                    _pounds(s.gross),
                    _pounds(s.refunds + s.chargebacks),
                    _pounds(s.fees),
                    _pounds(s.net),
                    payment_ids,
                    shop.payout_id(landing, s.channel),
                    ledger.till_bank_transaction_id(landing, s.channel),
                    ledger.till_entry_id(K_SETTLEMENT, landing, s.channel),
                )
            )
    return out


def _pounds(pence: int) -> Decimal:
    return Decimal(pence) / 100
