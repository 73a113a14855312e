"""The spend analysis of one set of books (pure): bills, bill payments and direct costs of the reporting
period summed per supplier and per payment method, in the company's base currency, as Codat's Spend
Insights defines each figure (docs/api-compatibility.md lists the choices Codat does not publish).

Fed in one order, each record once: every bill payment and direct cost (`add_payment`, `add_direct_cost`, with
how each was paid, in any order), then every bill (`add_bill`): a bill is filed under the payment method that
paid most of it, or, unpaid, under its supplier's most common one, known only once the payments are in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.lending.spend.methods import Inferred, PaymentMethod

ZERO = Decimal(0)
_CENT = Decimal("0.01")
# Bills that ask for no payment: Codat's report leaves out voided and cancelled ones, and a draft is not a
# request for payment yet.
NOT_BILLED = frozenset({"Void", "Draft"})
_ADDRESS_TYPES = frozenset({"Unknown", "Billing", "Delivery"})
_NOT_NULLABLE = frozenset({"supplierName", "contactName", "emailAddress", "commonPaymentTermsDays"})


@dataclass(frozen=True)
class Period:
    """The reporting period: documents dated from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def year_to(cls, end: date) -> Period:
        """The twelve months ending on `end` (Codat's "Months reviewed": 12)."""
        day = min(end.day, 28) if end.month == 2 else end.day
        return cls(date(end.year - 1, end.month, day) + timedelta(days=1), end)

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def money(value: Any) -> Decimal:
    """A record's amount as a `Decimal` (0 when absent or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return ZERO


def base(amount: Any, rate: Any) -> Decimal:
    """An amount in the company's base currency: times its `currencyRate` (Codat's examples: $20 at 0.781 is
    £15.62); no rate, or 0, means the base currency already."""
    factor = money(rate)
    return money(amount) * (factor if factor else Decimal(1))


def day_of(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass
class Tally:
    """The sums a supplier's row and a payment method's row share."""

    bills: int = 0
    bills_amount: Decimal = ZERO
    outstanding: int = 0
    outstanding_amount: Decimal = ZERO
    late: int = 0
    late_amount: Decimal = ZERO
    payments: int = 0
    payments_amount: Decimal = ZERO
    direct_costs: int = 0
    direct_costs_amount: Decimal = ZERO
    # Weighted averages: the sum of amount × days and the sum of the amounts weighed.
    terms_days: Decimal = ZERO
    terms_weight: Decimal = ZERO
    settled_days: Decimal = ZERO
    settled_weight: Decimal = ZERO

    def figures(self) -> dict[str, Any]:
        return {
            "billsCount": self.bills,
            "billsOutstandingCount": self.outstanding,
            "billsAmount": _num(self.bills_amount),
            "billsOutstandingAmount": _num(self.outstanding_amount),
            "billsOutstandingPercentageByAmount": _pct(self.outstanding_amount, self.bills_amount),
            "paymentsCount": self.payments,
            "billsPaidLateCount": self.late,
            "paymentsAmount": _num(self.payments_amount),
            "averagePaymentAmount": _num(self.payments_amount / self.payments if self.payments else ZERO),
            "billsPaidLateAmount": _num(self.late_amount),
            "billsPaidLatePercentageByAmount": _pct(self.late_amount, self.bills_amount),
            "averageBillPaymentTermsWeighted": _num(_ratio(self.terms_days, self.terms_weight)),
            "averageBillSettlementPeriodWeighted": _num(_ratio(self.settled_days, self.settled_weight)),
            "directCostsCount": self.direct_costs,
            "directCostsAmount": _num(self.direct_costs_amount),
        }


@dataclass
class SupplierSpend(Tally):
    latest_billed: date | None = None
    latest_direct_cost: date | None = None
    # How the supplier was paid: payments and direct costs per method, by count and by amount.
    method_counts: Counter[PaymentMethod] = field(default_factory=Counter)
    method_amounts: dict[PaymentMethod, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    # Bills per payment terms (days): how many, and their amount.
    terms_counts: Counter[int] = field(default_factory=Counter)
    terms_amounts: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    name_from_refs: str | None = None

    def paid_by(self, method: PaymentMethod, amount: Decimal) -> None:
        self.method_counts[method] += 1
        self.method_amounts[method] += amount

    def most_common_method(self) -> PaymentMethod:
        """By count, then amount (Codat's "Frequency is determined by highest count, then by highest
        amount"); Unknown when nothing was paid."""
        if not self.method_counts:
            return PaymentMethod.UNKNOWN
        return max(
            self.method_counts, key=lambda m: (self.method_counts[m], self.method_amounts[m], _rank(m))
        )

    def biggest_spend_method(self) -> PaymentMethod:
        if not self.method_counts:
            return PaymentMethod.UNKNOWN
        return max(
            self.method_amounts, key=lambda m: (self.method_amounts[m], self.method_counts[m], _rank(m))
        )

    def common_terms(self) -> int | None:
        """The most frequent payment terms; a tie goes to the larger bill amount, then the fewer days."""
        if not self.terms_counts:
            return None
        return max(self.terms_counts, key=lambda d: (self.terms_counts[d], self.terms_amounts[d], -d))

    @property
    def total_spend(self) -> Decimal:
        return self.bills_amount + self.direct_costs_amount


@dataclass
class MethodSpend(Tally):
    suppliers: int = 0
    # Which rule filed the payments and direct costs here, and how often (ledgerlink's evidence).
    reasons: Counter[str] = field(default_factory=Counter)


class SpendAnalysis:
    """The running sums of one report (see the module's docstring for the order records come in)."""

    def __init__(self, period: Period, suppliers: Mapping[str, dict[str, Any]]) -> None:
        self.period = period
        self.supplier_records = suppliers
        self.suppliers: dict[str, SupplierSpend] = defaultdict(SupplierSpend)
        self.methods: dict[PaymentMethod, MethodSpend] = {m: MethodSpend() for m in PaymentMethod}
        # Per bill: how much each payment method paid of it (any payment date: a bill of the period may be
        # paid after it, one paid in it may be older).
        self.bill_methods: dict[str, dict[PaymentMethod, Decimal]] = defaultdict(
            lambda: defaultdict(lambda: ZERO)
        )

    # ------------------------------------------------------------------------------------------ records
    def add_payment(self, payment: dict[str, Any], how: Inferred) -> None:
        """A bill payment: money paid to a supplier (a credit note's allocation of 0 moves none)."""
        if _deleted(payment):
            return
        rate = payment.get("currencyRate")
        for line in payment.get("lines") or []:
            for link in line.get("links") or []:
                if link.get("type") == "Bill" and link.get("id"):
                    self.bill_methods[str(link["id"])][how.method] += abs(base(link.get("amount"), rate))
        amount = base(payment.get("totalAmount"), rate)
        if amount <= 0 or not self.period.holds(day_of(payment.get("date"))):
            return
        method = self.methods[how.method]
        method.payments += 1
        method.payments_amount += amount
        method.reasons[how.reason] += 1
        supplier_id = _ref_id(payment.get("supplierRef"))
        if supplier_id is not None:
            supplier = self._supplier(supplier_id, payment["supplierRef"].get("supplierName"))
            supplier.payments += 1
            supplier.payments_amount += amount
            supplier.paid_by(how.method, amount)

    def add_direct_cost(self, cost: dict[str, Any], how: Inferred) -> None:
        """A direct cost (Codat's "expense"): spent at once, not through a bill; positive ones count."""
        issued = day_of(cost.get("issueDate"))
        amount = base(cost.get("totalAmount"), cost.get("currencyRate"))
        if _deleted(cost) or amount <= 0 or not self.period.holds(issued):
            return
        method = self.methods[how.method]
        method.direct_costs += 1
        method.direct_costs_amount += amount
        method.reasons[how.reason] += 1
        contact = cost.get("contactRef") or {}
        supplier_id = _ref_id(contact)
        if supplier_id is not None and contact.get("dataType", "suppliers") == "suppliers":
            supplier = self._supplier(supplier_id, None)
            supplier.direct_costs += 1
            supplier.direct_costs_amount += amount
            supplier.latest_direct_cost = max(filter(None, (supplier.latest_direct_cost, issued)))
            supplier.paid_by(how.method, amount)

    def add_bill(self, bill: dict[str, Any]) -> None:
        """A bill issued in the period: billed, outstanding, paid late, its terms and how long it took."""
        issued = day_of(bill.get("issueDate"))
        if _deleted(bill) or bill.get("status") in NOT_BILLED or not self.period.holds(issued):
            return
        assert issued is not None
        rate = bill.get("currencyRate")
        amount = base(bill.get("totalAmount"), rate)
        due = base(bill.get("amountDue"), rate)
        supplier_id = _ref_id(bill.get("supplierRef"))
        supplier = (
            self._supplier(supplier_id, bill["supplierRef"].get("supplierName"))
            if supplier_id is not None
            else None
        )
        paid_by = self.bill_methods.get(str(bill.get("id")))
        if paid_by:
            method_key = max(paid_by, key=lambda m: (paid_by[m], _rank(m)))
        elif supplier is not None:
            method_key = supplier.most_common_method()
        else:
            method_key = PaymentMethod.UNKNOWN
        tallies: list[Tally] = [self.methods[method_key], *([supplier] if supplier is not None else [])]
        due_date = day_of(bill.get("dueDate"))
        paid_on = _paid_on(bill) if due <= 0 else None
        terms = (due_date - issued).days if due_date is not None else None
        for tally in tallies:
            tally.bills += 1
            tally.bills_amount += amount
            if due > 0:
                tally.outstanding += 1
                tally.outstanding_amount += due
            if paid_on is not None and due_date is not None and paid_on > due_date:
                tally.late += 1
                tally.late_amount += amount
            if amount > 0 and terms is not None:
                tally.terms_days += amount * terms
                tally.terms_weight += amount
            if amount > 0 and paid_on is not None:
                tally.settled_days += amount * (paid_on - issued).days
                tally.settled_weight += amount
        if supplier is not None:
            supplier.latest_billed = max(filter(None, (supplier.latest_billed, issued)))
            if terms is not None:
                supplier.terms_counts[terms] += 1
                supplier.terms_amounts[terms] += amount

    def _supplier(self, supplier_id: str, name: str | None) -> SupplierSpend:
        supplier = self.suppliers[supplier_id]
        if name and not supplier.name_from_refs:
            supplier.name_from_refs = name
        return supplier

    # ------------------------------------------------------------------------------------------ result
    def supplier_rows(self) -> list[dict[str, Any]]:
        """One row per supplier the period saw billing, paid or spent with: Codat's `SupplierAnalysis`
        results, biggest total spend first."""
        rows = []
        order = sorted(
            self.suppliers.items(),
            key=lambda item: (-item[1].total_spend, self._name(*item).lower(), item[0]),
        )
        for supplier_id, spend in order:
            record = self.supplier_records.get(supplier_id) or {}
            row: dict[str, Any] = {
                "supplierId": supplier_id,
                "supplierName": self._name(supplier_id, spend),
                "phoneNumber": record.get("phone"),
                "contactName": record.get("contactName"),
                "emailAddress": record.get("emailAddress"),
                "taxNumber": record.get("taxNumber"),
                "addresses": [_address(a) for a in record.get("addresses") or [] if isinstance(a, dict)],
                "importedDate": record.get("modifiedDate"),
                "latestBilled": _moment(spend.latest_billed),
                **spend.figures(),
                "biggestCountPaymentMethod": spend.most_common_method().value,
                "biggestSpendPaymentMethod": spend.biggest_spend_method().value,
                "commonPaymentTermsDays": spend.common_terms(),
                "latestDirectCostBilled": _moment(spend.latest_direct_cost),
                "totalSpend": _num(spend.total_spend),
            }
            # Codat's schema has no null for these: a supplier without one goes without it.
            rows.append({k: v for k, v in row.items() if v is not None or k not in _NOT_NULLABLE})
        return rows

    def payment_method_rows(self) -> list[dict[str, Any]]:
        """One row per payment method (all of Codat's, in its order): Codat's `PaymentMethodAnalysis`
        results. Each supplier is counted under its most common method, so the rows' counts and amounts add
        up to the whole report's."""
        for supplier in self.suppliers.values():
            self.methods[supplier.most_common_method()].suppliers += 1
        everything = self.totals()
        rows = []
        for method, spend in self.methods.items():
            rows.append(
                {
                    "biggestCountPaymentMethod": method.value,
                    "suppliersCount": spend.suppliers,
                    "percentageSuppliersByCount": _pct(
                        Decimal(spend.suppliers), Decimal(len(self.suppliers))
                    ),
                    "percentageBillsByCount": _pct(Decimal(spend.bills), Decimal(everything.bills)),
                    "percentageBillsByAmount": _pct(spend.bills_amount, everything.bills_amount),
                    **spend.figures(),
                    "directCostsPercentageByCount": _pct(
                        Decimal(spend.direct_costs), Decimal(everything.direct_costs)
                    ),
                    "directCostsPercentageByAmount": _pct(
                        spend.direct_costs_amount, everything.direct_costs_amount
                    ),
                    "inferredBy": dict(sorted(spend.reasons.items())),
                }
            )
        return rows

    def totals(self) -> Tally:
        """The whole report's sums (every payment method's together)."""
        whole = Tally()
        for spend in self.methods.values():
            for name in ("bills", "outstanding", "late", "payments", "direct_costs"):
                setattr(whole, name, getattr(whole, name) + getattr(spend, name))
            for name in (
                "bills_amount",
                "outstanding_amount",
                "late_amount",
                "payments_amount",
                "direct_costs_amount",
                "terms_days",
                "terms_weight",
                "settled_days",
                "settled_weight",
            ):
                setattr(whole, name, getattr(whole, name) + getattr(spend, name))
        return whole

    def result(self) -> dict[str, Any]:
        """What the report stores: its period, both analyses and the whole report's figures."""
        suppliers = self.supplier_rows()
        methods = self.payment_method_rows()
        whole = self.totals()
        return {
            "period": {
                "startDate": self.period.start.isoformat(),
                "endDate": self.period.end.isoformat(),
                "monthsReviewed": 12,
            },
            "totals": {
                "suppliersCount": len(suppliers),
                **whole.figures(),
                "totalSpend": _num(whole.bills_amount + whole.direct_costs_amount),
            },
            "suppliers": suppliers,
            "paymentMethods": methods,
        }

    def _name(self, supplier_id: str, spend: SupplierSpend) -> str:
        record = self.supplier_records.get(supplier_id) or {}
        return str(record.get("supplierName") or spend.name_from_refs or "")


def _paid_on(bill: dict[str, Any]) -> date | None:
    """When a settled bill was paid: its last allocation's date (or its payment's); None if it lists none."""
    days = []
    for allocation in bill.get("paymentAllocations") or []:
        made = (allocation.get("allocation") or {}).get("allocatedOnDate") or (
            allocation.get("payment") or {}
        ).get("paidOnDate")
        if (day := day_of(made)) is not None:
            days.append(day)
    return max(days, default=None)


def _deleted(record: dict[str, Any]) -> bool:
    return bool((record.get("metadata") or {}).get("isDeleted"))


def _ref_id(ref: Any) -> str | None:
    return str(ref["id"]) if isinstance(ref, dict) and ref.get("id") else None


def _rank(method: PaymentMethod) -> int:
    """Ties between methods go to the earlier in Codat's list, so a report is the same every time."""
    return -list(PaymentMethod).index(method)


def _address(address: dict[str, Any]) -> dict[str, Any]:
    kind = address.get("type")
    shaped = {"type": kind if kind in _ADDRESS_TYPES else "Unknown"}
    for key in ("line1", "line2", "city", "region", "country", "postalCode"):
        if address.get(key) is not None:
            shaped[key] = address[key]
    return shaped


def _moment(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00" if day is not None else None


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole else ZERO


def _pct(part: Decimal, whole: Decimal) -> float:
    return _num(part * 100 / whole) if whole else 0.0


def _num(value: Decimal) -> float:
    return float(value.quantize(_CENT))
