"""The till: how the Commerce Sandbox's takings settle, and what the books and the bank see of them.

The shop (`commerce.py`) takes money through four channels, each with its own way to the bank:

* **The card processor** (card and Apple Pay): one per company, drawn from `PROCESSORS` (Stripe, SumUp,
  Shopify Payments, Square), each with its own fee (a percentage plus a fixed fee per payment, as its UK
  standard pricing has it) and payout schedule (the next business day, or two business days after the day
  of capture).
* **PayPal** (online only): its fee, and a transfer to the bank the next business day.
* **The till** (cash and cheques): no fee; paid in at the bank the next business day.
* **Gift cards**: no money moves when one is redeemed (it was paid for when it was sold).

A **settlement** is everything one channel's money did on the days whose money lands on the same day
(`settle_day`: a day's takings land `lag` business days later, so a weekend's land with Friday's): the
payments captured (`gross`), minus refunds, chargebacks and fees (the dispute fee too, less any refunded),
which is what lands in the bank (`net`), at `Channel.hour` of the landing day. The processor's and PayPal's
money is also their balance, so their movements and payouts are the Commerce Sandbox's `transactions`
(`Channel.in_balance`); cash never is.

`Till` sums a shop's money by day (one pass over its orders' draws, `Shop.sum_orders`, which builds no
order: about 2 µs an order; kept as 19 numbers a day in one array, so memory grows with the days of
history, 152 bytes a day, never with the orders), for the Accounting Sandbox's books
(`books.AccountingBooks`: the daily takings journal, refunds, each settlement's journal entry and its bank
transaction in the current account) and the ground truth (`story.payouts`). The books'
till agrees with the Commerce Sandbox linked with the same scale (and speed) in the same month, whose
history starts on the same day: sales by day and month to the penny, each payout one bank transaction.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledgerlink.connectors.sandbox.simulation import DAY, HOUR, Clock

if TYPE_CHECKING:
    from ledgerlink.connectors.sandbox.commerce import Shop


@dataclass(frozen=True, slots=True)
class Channel:
    """A way the shop's money reaches the bank: its provider's name as Commerce records write it
    (`paymentProvider`), its fee (basis points and pence per payment), how many business days after the day
    of capture it lands (`lag`) and at what hour, the bank statement's description, whether its movements
    are the provider's balance (Commerce `transactions`) and the books' account holding it until it lands."""

    provider: str
    fee_bp: int
    fee_fixed: int
    lag: int
    hour: int
    statement: str
    in_balance: bool
    account: str

    def fee(self, pence: int) -> int:
        """The fee on one payment of `pence` (rounded half up to the penny)."""
        if not self.fee_bp and not self.fee_fixed:
            return 0
        return (pence * self.fee_bp + 5_000) // 10_000 + self.fee_fixed


PROCESSORS = (
    Channel("Stripe", 150, 20, 2, 6, "STRIPE PAYMENTS UK LTD PAYOUT", True, "card_receipts"),
    Channel("SumUp", 169, 0, 1, 6, "SUMUP PAYMENTS LIMITED PAYOUT", True, "card_receipts"),
    Channel("Shopify Payments", 200, 25, 2, 6, "SHOPIFY PAYMENTS PAYOUT", True, "card_receipts"),
    Channel("Square", 175, 0, 1, 6, "SQUARE EUROPE LTD PAYOUT", True, "card_receipts"),
)
PAYPAL = Channel("PayPal", 290, 30, 1, 6, "PAYPAL PPWDL PAYOUT", True, "clearing")
CASH = Channel("Till", 0, 0, 1, 11, "CASH AND CHEQUES PAID IN", False, "petty_cash")
# Channel indexes (a shop's `channels`); gift cards have none.
C_PROCESSOR, C_PAYPAL, C_CASH, C_GIFT = 0, 1, 2, -1
N_CHANNELS = 3
# The longest a day's money waits to land: two business days after a Thursday or Friday is four days later.
MAX_SETTLE_DAYS = 4


def processor_of(clock: Clock) -> Channel:
    """The company's card processor (from the company id alone, so every sandbox of it agrees)."""
    return PROCESSORS[(clock.hash(0x71, 0) >> 17) % len(PROCESSORS)]


def _settle_offsets(lag: int) -> tuple[int, ...]:
    """By weekday of capture (Monday 0): how many days later money lands `lag` business days on."""
    out = []
    for weekday in range(7):
        ahead = landed = 0
        while landed < lag:
            ahead += 1
            if (weekday + ahead) % 7 < 5:
                landed += 1
        out.append(ahead)
    return tuple(out)


_SETTLE = {lag: _settle_offsets(lag) for lag in {how.lag for how in (*PROCESSORS, PAYPAL, CASH)}}
# By lag and weekday of landing: the days (counted back from the landing day) whose money lands that day.
_SETTLED = {
    lag: tuple(
        tuple(back for back in range(MAX_SETTLE_DAYS, 0, -1) if offsets[(landing - back) % 7] == back)
        for landing in range(7)
    )
    for lag, offsets in _SETTLE.items()
}


def settle_day(clock: Clock, day: int, lag: int) -> int:
    """The day money captured on `day` lands: `lag` business days (Monday to Friday) later."""
    return day + _SETTLE[lag][clock.weekday(day)]


def settled_days(clock: Clock, landing: int, lag: int) -> range:
    """The days whose money lands on `landing` (empty on a weekend), in order."""
    back = _SETTLED[lag][clock.weekday(landing)]
    if not back:
        return range(0)
    return range(max(0, landing - back[0]), max(0, landing - back[-1] + 1))


# What the shop's money did on one day, in pence (positive amounts), as `WIDTH` numbers of `Till`'s array:
# per channel the payments captured (`GROSS`), refunds, chargebacks and fees (processing and dispute fees,
# less dispute fees refunded); the takings of the orders placed on the day: sales (before VAT, gift cards
# sold excluded), VAT, gift cards sold and gift cards redeemed; the refunds made on the day: of sales, of
# VAT, of gift cards (one bought and returned).
GROSS, REFUNDS, CHARGEBACKS, FEES = (k * N_CHANNELS for k in range(4))
SALES, VAT, GIFT_SOLD, GIFT_REDEEMED, REFUND_SALES, REFUND_VAT, REFUND_GIFT = range(
    4 * N_CHANNELS, 4 * N_CHANNELS + 7
)
WIDTH = 4 * N_CHANNELS + 7


class DaySums:
    """One day's sums (see `WIDTH`), read from `Till`'s array."""

    __slots__ = (
        "chargebacks",
        "fees",
        "gift_redeemed",
        "gift_sold",
        "gross",
        "refund_gift",
        "refund_sales",
        "refund_vat",
        "refunds",
        "sales",
        "vat",
    )

    def __init__(self, row: array) -> None:
        n = N_CHANNELS
        self.gross = row[GROSS : GROSS + n].tolist()
        self.refunds = row[REFUNDS : REFUNDS + n].tolist()
        self.chargebacks = row[CHARGEBACKS : CHARGEBACKS + n].tolist()
        self.fees = row[FEES : FEES + n].tolist()
        self.sales, self.vat, self.gift_sold, self.gift_redeemed = row[SALES : GIFT_REDEEMED + 1].tolist()
        self.refund_sales, self.refund_vat, self.refund_gift = row[REFUND_SALES : REFUND_GIFT + 1].tolist()


@dataclass(frozen=True, slots=True)
class Settlement:
    """One channel's money landing in the bank on `day` (at `t`): the days it settles and their sums."""

    channel: int
    day: int
    t: int
    days: range
    gross: int
    refunds: int
    chargebacks: int
    fees: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds - self.chargebacks - self.fees

    @property
    def cleared(self) -> int:
        """What leaves the books' holding account: the takings less what went back to customers."""
        return self.gross - self.refunds


class Till:
    """A shop's money summed by day, for the books and the ground truth (see the module docstring).

    Days are summed in order, once (`sums`): the orders of each day (`Shop.sum_orders`), their payments at
    once and their refunds and disputes on the days they happen, so a day's sums are complete once every
    day up to it has been summed. The lock keeps two threads from summing a day twice.
    """

    def __init__(self, shop: Shop, horizon: int) -> None:
        self.shop = shop
        self.horizon = horizon  # every money movement of an order is within this many days of it
        self.clock = shop.clock
        self.channels = shop.channels
        self._sums = array("q")  # `WIDTH` numbers a day (no object per day: memory grows by 152 bytes a day)
        self._summed = -1  # the last day whose orders are summed
        self._lock = threading.Lock()

    def extend(self, day: int) -> None:
        """Sum the orders of every day up to `day`."""
        if day <= self._summed:
            return
        with self._lock:
            shop, sums = self.shop, self._sums
            for d in range(self._summed + 1, day + 1):
                # Room for every day an order of day d has money on (all within the horizon).
                room = (d + self.horizon + 1) * WIDTH
                if len(sums) < room:
                    sums.frombytes(bytes(sums.itemsize * (room - len(sums))))
                shop.sum_orders(d, sums)
                self._summed = d

    def sums(self, day: int) -> DaySums:
        """The sums of `day` (complete)."""
        self.extend(day)
        return DaySums(self._sums[day * WIDTH : (day + 1) * WIDTH])

    def ticks(self, day: int) -> Iterator[None]:
        """Sum every day up to `day`, a tick (`None`) after each, so a pull starting late gives the event
        loop its turns."""
        for d in range(self._summed + 1, day + 1):
            self.extend(d)
            yield None

    def settlements(self, landing: int) -> list[Settlement]:
        """The settlements landing on day `landing`: one per channel with money to settle."""
        out = []
        for channel, how in enumerate(self.channels):
            days = settled_days(self.clock, landing, how.lag)
            if not days:
                continue
            self.extend(days[-1])
            gross = refunds = chargebacks = fees = 0
            sums = self._sums
            for d in days:
                base = d * WIDTH + channel
                gross += sums[base + GROSS]
                refunds += sums[base + REFUNDS]
                chargebacks += sums[base + CHARGEBACKS]
                fees += sums[base + FEES]
            if gross or refunds or chargebacks or fees:
                t = landing * DAY + how.hour * HOUR
                out.append(Settlement(channel, landing, t, days, gross, refunds, chargebacks, fees))
        return out
