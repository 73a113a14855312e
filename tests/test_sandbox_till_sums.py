"""The till's sums are the shop's orders': `Shop.sum_orders` (the fast path the books and the bank read the
shop through) agrees with summing `Shop.orders` and `Shop.money` order by order (pure Python, no server)."""

from __future__ import annotations

import uuid
from array import array

import pytest

from ledgerlink.connectors.sandbox import till
from ledgerlink.connectors.sandbox.commerce import Shop
from ledgerlink.connectors.sandbox.simulation import DAY
from tests.support.sandbox_pulls import COMPANY, LINKED, OTHER_COMPANY


def _summed_order_by_order(shop: Shop, days: int) -> array:
    """The till's sums of `days` days built from the orders themselves (`Shop.orders`, `Shop.money`): what
    `Shop.sum_orders` must agree with to the penny, without building them."""
    sums = array("q", bytes(8 * till.WIDTH * (days + shop.till.horizon + 1)))
    for d in range(days):
        for o in shop.orders(d):
            if o.t_del is not None:  # abandoned: no money moved, no sale
                continue
            row = d * till.WIDTH
            for line in o.lines:
                if line[1].gift:
                    sums[row + till.GIFT_SOLD] += line[7]
                else:
                    sums[row + till.SALES] += line[7] - line[6]
                    sums[row + till.VAT] += line[6]
            for line in o.refund_lines:
                row = o.t_ref // DAY * till.WIDTH
                if line[1].gift:
                    sums[row + till.REFUND_GIFT] -= line[7]
                else:
                    sums[row + till.REFUND_SALES] -= line[7] - line[6]
                    sums[row + till.REFUND_VAT] -= line[6]
            for _id, t, pence, type_, sub, _src, _src_type, channel in shop.money(o):
                row = t // DAY * till.WIDTH
                if channel == till.C_GIFT:
                    sums[row + till.GIFT_REDEEMED] += pence
                elif type_ == "Payment":
                    sums[row + till.GROSS + channel] += pence
                elif type_ == "Refund":
                    sums[row + (till.CHARGEBACKS if sub == "Chargeback" else till.REFUNDS) + channel] -= pence
                else:  # PaymentFee, PaymentFeeRefund
                    sums[row + till.FEES + channel] -= pence
    return sums


@pytest.mark.parametrize(("company", "scale"), [(COMPANY, 1), (OTHER_COMPANY, 3)])
def test_the_tills_sums_are_the_orders(company: uuid.UUID, scale: int) -> None:
    """`sum_orders` draws what `orders` draws, in the same order, and sums it as the orders' money moves:
    every day's 19 sums (takings, refunds, each channel's payments, fees, chargebacks) are the orders'."""
    days = 700
    fast = Shop(company, LINKED, scale)
    sums = array("q", bytes(8 * till.WIDTH * (days + fast.till.horizon + 1)))
    for d in range(days):
        fast.sum_orders(d, sums)
    assert sums == _summed_order_by_order(Shop(company, LINKED, scale), days)
