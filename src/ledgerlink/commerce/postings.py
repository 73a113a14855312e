"""How a period of a merchant's commerce activity becomes one journal entry in their books (Codat's
`JournalEntry` output format). Pure: records in, a journal entry out; nothing here reads or writes.

For a period (a day or a month in the merchant's time zone), from the commerce records dated in it:

* **Sales** (`syncSales`): each order with a `Paid` payment counts, by its original lines (positive
  quantities; refund lines are posted when the money goes back, below). The lines' net amounts are credited to
  the sales account and their tax to the sales tax account, one line per accounting tax rate the commerce tax
  rates map to. The order's paid payments are debited to the account of each payment's method (the
  default payments account when the method has none, or is not known). An order is paid in full when placed,
  so the two sides are equal.
* **Refunds** (with sales): `Refund` transactions are debited to the refunds account and credited to the
  payments account of the money's method.
* **Fees** (`syncFees`): `PaymentFee` and `PaymentFeeRefund` transactions, net, are debited to the fees
  account and credited to the payments account of the payment they were charged on.

Money is summed in minor units (pence, cents), so every total is exact. Debits are positive and credits
negative (Codat's journal lines); an entry whose lines do not sum to zero is refused, never posted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledgerlink.commerce.configuration import DEFAULT_PAYMENTS


def cents(amount: Any) -> int:
    return round(float(amount or 0) * 100)


@dataclass
class Activity:
    """A period's commerce records, and what is needed to place their money."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    # Payment id -> payment method id (from `commerce-payments`; missing when the platform has none).
    payment_methods: dict[str, str] = field(default_factory=dict)
    # Order id -> the order, for refunds of orders placed in an earlier period.
    refunded_orders: dict[str, dict[str, Any]] = field(default_factory=dict)

    def payment_ids_needed(self) -> set[str]:
        ids = {p["id"] for o in self.orders for p in o.get("payments") or [] if p.get("id")}
        ids |= {
            t["transactionSourceRef"]["id"]
            for t in self.transactions
            if (t.get("transactionSourceRef") or {}).get("type") == "Payment"
        }
        ids |= {
            p["id"] for o in self.refunded_orders.values() for p in o.get("payments") or [] if p.get("id")
        }
        return ids

    def order_ids_needed(self) -> set[str]:
        in_period = {o["id"] for o in self.orders}
        return {
            t["transactionSourceRef"]["id"]
            for t in self.transactions
            if (t.get("transactionSourceRef") or {}).get("type") == "Order"
        } - in_period


@dataclass(frozen=True)
class Names:
    """How accounts and tax rates are named on the lines."""

    accounts: dict[str, str]
    tax_rates: dict[str, str]
    payment_methods: dict[str, str]


@dataclass(frozen=True)
class Totals:
    """The period's totals the journal entry carries, per what they are (minor units)."""

    sales_net: int = 0
    sales_tax: int = 0
    payments: int = 0
    refunds: int = 0
    fees: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.sales_net or self.sales_tax or self.payments or self.refunds or self.fees)


class PostingUnbalanced(Exception):
    """The period's records do not make a balanced entry (the sync stops with a processing error)."""


def _paid(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in order.get("payments") or [] if p.get("status") == "Paid"]


def journal_entry(
    activity: Activity,
    selections: dict[str, Any],
    *,
    period_start: date,
    period_label: str,
    currency: str,
    names: Names,
    title: str,
) -> tuple[dict[str, Any] | None, Totals]:
    """The period's journal entry in Codat's create shape (None when nothing is to post) and its totals."""
    sales, payments, fees = selections["sales"], selections["payments"], selections["fees"]
    method_accounts: dict[str, str] = payments["accounts"]

    def payments_account(payment_id: str | None) -> str:
        method = activity.payment_methods.get(payment_id or "")
        return method_accounts.get(method or "") or method_accounts[DEFAULT_PAYMENTS]

    def method_name(account_id: str) -> str:
        for method, chosen in method_accounts.items():
            if chosen == account_id and method != DEFAULT_PAYMENTS:
                return names.payment_methods.get(method, method)
        return names.accounts.get(account_id, account_id)

    net = 0
    tax: dict[str | None, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    charged: dict[str, int] = defaultdict(int)
    if sales["syncSales"]:
        for order in activity.orders:
            paid = _paid(order)
            if not paid:
                continue
            for item in order.get("orderLineItems") or []:
                if (item.get("quantity") or 0) <= 0:
                    continue
                line_tax = cents(item.get("totalTaxAmount"))
                net += cents(item.get("totalAmount")) - line_tax
                commerce_rate = ((item.get("taxes") or [{}])[0].get("taxComponentRef") or {}).get("id")
                rate = sales["taxRates"].get(commerce_rate) or sales["defaultZeroTaxRateId"]
                tax[rate] += line_tax
            for payment in paid:
                received[payments_account(payment.get("id"))] += cents(payment.get("amount"))
    for transaction in activity.transactions:
        kind = transaction.get("type")
        source = transaction.get("transactionSourceRef") or {}
        amount = cents(transaction.get("totalAmount"))
        if kind == "Refund" and sales["syncSales"]:
            if source.get("type") == "Order":
                order = activity.refunded_orders.get(source.get("id", "")) or next(
                    (o for o in activity.orders if o["id"] == source.get("id")), {}
                )
                paid = _paid(order) or order.get("payments") or [{}]
                account = payments_account(paid[0].get("id"))
            else:
                account = payments_account(source.get("id"))
            refunded[account] += -amount
        elif kind in ("PaymentFee", "PaymentFeeRefund") and fees["syncFees"]:
            charged[payments_account(source.get("id"))] += -amount

    lines: list[dict[str, Any]] = []

    def line(account_id: str, amount: int, description: str, contact: tuple[str, str] | None = None) -> None:
        if not amount:
            return
        entry: dict[str, Any] = {
            "description": description,
            "netAmount": amount / 100,
            "currency": currency,
            "accountRef": {"id": account_id, "name": names.accounts.get(account_id)},
        }
        if contact is not None:
            entry["tracking"] = {"recordRefs": [{"id": contact[0], "dataType": contact[1]}]}
        lines.append(entry)

    customer = (sales["customerId"], "customers") if sales.get("customerId") else None
    supplier = (fees["supplierId"], "suppliers") if fees.get("supplierId") else None
    if sales["syncSales"]:
        line(sales["accounts"]["sales"], -net, f"Sales {period_label}", customer)
        for rate, amount in sorted(tax.items(), key=lambda kv: kv[0] or ""):
            rate_name = names.tax_rates.get(rate or "", "no tax rate") if rate else "no tax rate"
            line(sales["accounts"]["salesTax"], -amount, f"Sales tax {period_label} ({rate_name})")
        for account, amount in sorted(received.items()):
            line(account, amount, f"Payments {period_label}: {method_name(account)}")
        for account, amount in sorted(refunded.items()):
            line(sales["accounts"]["refunds"], amount, f"Refunds {period_label}", customer)
            line(account, -amount, f"Refunds paid {period_label}: {method_name(account)}")
    if fees["syncFees"]:
        for account, amount in sorted(charged.items()):
            line(fees["accounts"]["fees"], amount, f"Fees {period_label}", supplier)
            line(account, -amount, f"Fees charged {period_label}: {method_name(account)}")

    totals = Totals(
        sales_net=net,
        sales_tax=sum(tax.values()),
        payments=sum(received.values()),
        refunds=sum(refunded.values()),
        fees=sum(charged.values()),
    )
    if not lines:
        return None, totals
    if sum(cents(entry["netAmount"]) for entry in lines) != 0:
        raise PostingUnbalanced(
            f"The {period_label} activity does not balance: sales of {(net + sum(tax.values())) / 100:.2f} "
            f"against payments of {sum(received.values()) / 100:.2f}."
        )
    return {
        "description": f"{title} {period_label}",
        "postedOn": f"{period_start.isoformat()}T00:00:00Z",
        "journalLines": lines,
    }, totals


def payment_method_names(methods: Iterable[dict[str, Any]]) -> dict[str, str]:
    return {m["id"]: m.get("name") or m["id"] for m in methods}
