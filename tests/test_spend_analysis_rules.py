"""The spend analysis's rules on hand-written books (pure, no database): how a payment method is inferred and
in what order of evidence, which documents count (period, void, draft, deleted, refunds), base currency,
outstanding and late bills, weighted terms and settlement, the common terms' tie-break, and unpaid bills filed
under their supplier's usual method, and how a payment is found on the bank."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink.lending.spend.analysis import Period, SpendAnalysis
from ledgerlink.lending.spend.bank import BankEvidence, Outgoing
from ledgerlink.lending.spend.methods import Inferred, PaidThrough, PaymentMethod, infer, keyword_method

M = PaymentMethod
PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
SUPPLIERS = {
    "s1": {
        "id": "s1",
        "supplierName": "Acme Ltd",
        "contactName": "Ann",
        "emailAddress": "a@acme.test",
        "phone": "+44 1",
        "addresses": [
            {"type": "Billing", "line1": "1 Road", "city": "Leeds"},
            {"type": "Head office", "city": "York"},
        ],
        "modifiedDate": "2025-01-02T00:00:00Z",
    },
    "s2": {"id": "s2", "supplierName": "Bolt plc"},
}


@pytest.mark.parametrize(
    ("paid", "method", "reason"),
    [
        (
            PaidThrough(method_type="CreditCard", account_name="Business Current Account"),
            M.CREDIT_CARD,
            "type",
        ),
        (
            PaidThrough(method_type="Unknown", method_name="Cheque", is_bank_account=True),
            M.CHECK,
            "method name",
        ),
        (PaidThrough(account_name="Amex Corporate", text="BACS"), M.CREDIT_CARD, "account's name"),
        (
            PaidThrough(
                account_name="Business Current Account",
                account_category="Asset.Current.Bank",
                text="Cheque 100234",
            ),
            M.CHECK,
            "note",
        ),
        (PaidThrough(account_category="Liability.Current.CreditCard"), M.CREDIT_CARD, "category"),
        (PaidThrough(account_category="Asset.Current.Cash"), M.CASH, "category"),
        (PaidThrough(bank_account_type="Credit", is_bank_account=True), M.CREDIT_CARD, "bank account's type"),
        (
            PaidThrough(is_bank_account=True, bank_transaction_type="Pos", text="Transfer"),
            M.DEBIT_CARD,
            "transaction's type",
        ),
        (
            PaidThrough(is_bank_account=True, bank_transaction_type="Debit", text="Direct debit"),
            M.BANK_TRANSFER,
            "note",
        ),
        (PaidThrough(is_bank_account=True, bank_transaction_type="Debit"), M.BANK_TRANSFER, "bank account"),
        (PaidThrough(is_bank_account=True, bank_transaction_type="Cheque"), M.CHECK, "transaction's type"),
        (
            PaidThrough(bank_account_type="Credit", bank_transaction_type="Purchase"),
            M.CREDIT_CARD,
            "account's type",
        ),
        (
            PaidThrough(is_bank_account=True, bank_transaction_type="Purchase"),
            M.DEBIT_CARD,
            "transaction's type",
        ),
        (
            PaidThrough(is_bank_account=True, bank_text="CARD PAYMENT TO TESCO STORES", text="BACS"),
            M.DEBIT_CARD,
            "transaction's description",
        ),
        (PaidThrough(account_name="Suspense", text="Monthly rent"), M.UNKNOWN, "nothing"),
    ],
)
def test_a_payment_s_method_follows_codat_s_order_of_evidence(
    paid: PaidThrough, method: M, reason: str
) -> None:
    inferred = infer(paid)
    assert inferred.method is method and reason in inferred.reason, inferred


def test_keywords_are_whole_words_and_the_more_specific_wins() -> None:
    assert keyword_method("Paid by credit card") is M.CREDIT_CARD
    assert keyword_method("VISA DEBIT 1234") is M.DEBIT_CARD
    assert keyword_method("CHQ 000123") is M.CHECK
    assert keyword_method("Petty cash top-up") is M.CASH
    assert keyword_method("Standing order to landlord") is M.BANK_TRANSFER
    assert keyword_method("Cardiff office cleaning") is None  # "card" inside a word is no card
    assert keyword_method("Cashmere scarves") is None
    assert keyword_method(None) is None and keyword_method("") is None


def _bill(
    bill_id: str, supplier: str | None, total: float, issued: str, due: str | None, **more: Any
) -> dict:
    bill: dict[str, Any] = {
        "id": bill_id,
        "issueDate": f"{issued}T00:00:00",
        "totalAmount": total,
        "amountDue": more.pop("amount_due", 0),
        "status": more.pop("status", "Paid"),
        "currencyRate": more.pop("rate", 1),
        "paymentAllocations": [],
    }
    if due is not None:
        bill["dueDate"] = f"{due}T00:00:00"
    if supplier is not None:
        bill["supplierRef"] = {"id": supplier, "supplierName": f"{supplier} (ref)"}
    for paid_on in more.pop("paid", ()):
        bill["paymentAllocations"].append({"allocation": {"allocatedOnDate": f"{paid_on}T00:00:00"}})
    bill.update(more)
    return bill


def _payment(
    payment_id: str, supplier: str, total: float, day: str, bills: dict[str, float], rate: float = 1
) -> dict:
    return {
        "id": payment_id,
        "supplierRef": {"id": supplier},
        "totalAmount": total,
        "currencyRate": rate,
        "date": f"{day}T00:00:00",
        "lines": [
            {
                "amount": total,
                "links": [
                    {"type": "Bill", "id": bill_id, "amount": -amount} for bill_id, amount in bills.items()
                ],
            }
        ],
    }


def _cost(cost_id: str, supplier: str | None, total: float, day: str, **more: Any) -> dict:
    cost: dict[str, Any] = {
        "id": cost_id,
        "issueDate": f"{day}T00:00:00",
        "totalAmount": total,
        "currencyRate": more.pop("rate", 1),
    }
    if supplier is not None:
        cost["contactRef"] = {"id": supplier, "dataType": more.pop("data_type", "suppliers")}
    cost.update(more)
    return cost


def _analysis() -> dict[str, Any]:
    analysis = SpendAnalysis(PERIOD, SUPPLIERS)
    card, transfer, cheque = (Inferred(m, f"rule {m}") for m in (M.CREDIT_CARD, M.BANK_TRANSFER, M.CHECK))
    # s1: two bills paid by card (one late), one by transfer in two parts, one outstanding; a refund from the
    # supplier and a payment before the period do not count as payments of the period.
    analysis.add_payment(_payment("p1", "s1", 100, "2025-02-10", {"b1": 100}), card)
    analysis.add_payment(_payment("p2", "s1", 300, "2025-04-20", {"b2": 300}), card)
    analysis.add_payment(_payment("p3", "s1", 200, "2025-03-01", {"b3": 200}), transfer)
    analysis.add_payment(_payment("p4", "s1", 250, "2025-03-15", {"b3": 250}), transfer)
    analysis.add_payment(_payment("p5", "s1", -40, "2025-05-01", {}), transfer)
    analysis.add_payment(_payment("p6", "s1", 75, "2024-12-20", {"b0": 75}), cheque)
    analysis.add_payment(
        {**_payment("p7", "s1", 999, "2025-06-01", {}), "metadata": {"isDeleted": True}}, card
    )
    # s2: paid in euros at 0.5, by cheque.
    analysis.add_payment(_payment("p8", "s2", 80, "2025-07-01", {"b5": 80}, rate=0.5), cheque)
    # Direct costs: s1's card spend, a cost with no supplier, a customer's, a negative one, one out of period.
    analysis.add_direct_cost(_cost("d1", "s1", 60, "2025-08-01"), card)
    analysis.add_direct_cost(_cost("d2", None, 500, "2025-08-02"), transfer)
    analysis.add_direct_cost(_cost("d3", "c9", 10, "2025-08-03", data_type="customers"), transfer)
    analysis.add_direct_cost(_cost("d4", "s1", -20, "2025-08-04"), card)
    analysis.add_direct_cost(_cost("d5", "s1", 20, "2026-01-01"), card)
    for bill in (
        _bill("b0", "s1", 75, "2024-12-01", "2024-12-31", paid=["2024-12-20"]),  # before the period
        _bill("b1", "s1", 100, "2025-01-10", "2025-02-09", paid=["2025-02-10"]),  # a day late
        _bill("b2", "s1", 300, "2025-03-01", "2025-04-30", paid=["2025-04-20"]),  # 60-day terms, on time
        _bill("b3", "s1", 450, "2025-02-01", "2025-03-03", paid=["2025-03-01", "2025-03-15"]),  # late
        _bill("b4", "s1", 50, "2025-11-01", "2025-12-01", amount_due=50, status="Open"),
        _bill("b5", "s2", 80, "2025-06-01", "2025-07-01", paid=["2025-07-01"], rate=0.5),
        _bill("b6", "s2", 30, "2025-09-01", None, amount_due=30, status="Open", rate=0.5),
        _bill("b7", "s1", 1000, "2025-05-01", "2025-06-01", status="Void"),
        _bill("b8", "s1", 1000, "2025-05-01", "2025-06-01", status="Draft", amount_due=1000),
        {**_bill("b9", "s1", 1000, "2025-05-01", "2025-06-01"), "metadata": {"isDeleted": True}},
        _bill("b10", None, 25, "2025-05-05", "2025-06-05", amount_due=25, status="Open"),
    ):
        analysis.add_bill(bill)
    return analysis.result()


def test_a_supplier_s_figures() -> None:
    result = _analysis()
    (acme, bolt) = result["suppliers"]  # biggest total spend first
    assert acme["supplierId"] == "s1" and bolt["supplierId"] == "s2"
    assert acme["billsCount"] == 4 and acme["billsAmount"] == 900
    assert acme["billsOutstandingCount"] == 1 and acme["billsOutstandingAmount"] == 50
    assert acme["billsOutstandingPercentageByAmount"] == round(50 / 900 * 100, 2)
    assert acme["billsPaidLateCount"] == 2 and acme["billsPaidLateAmount"] == 550
    assert (
        acme["paymentsCount"] == 4 and acme["paymentsAmount"] == 850 and acme["averagePaymentAmount"] == 212.5
    )
    assert acme["directCostsCount"] == 1 and acme["directCostsAmount"] == 60
    assert (
        acme["latestBilled"] == "2025-11-01T00:00:00"
        and acme["latestDirectCostBilled"] == "2025-08-01T00:00:00"
    )
    # Terms weighted by amount: (100×30 + 300×60 + 450×30 + 50×30) / 900;
    # settled: (100×31 + 300×50 + 450×42) / 850.
    assert acme["averageBillPaymentTermsWeighted"] == round((3000 + 18000 + 13500 + 1500) / 900, 2)
    assert acme["averageBillSettlementPeriodWeighted"] == round((3100 + 15000 + 18900) / 850, 2)
    assert acme["commonPaymentTermsDays"] == 30
    # Paid by card twice (400) and by transfer twice (450), and a card direct cost: card by count, transfer by
    # amount... card 3 times (460) against transfer twice (450).
    assert (
        acme["biggestCountPaymentMethod"] == "CreditCard"
        and acme["biggestSpendPaymentMethod"] == "CreditCard"
    )
    assert acme["supplierName"] == "Acme Ltd" and acme["phoneNumber"] == "+44 1" and acme["importedDate"]
    assert acme["addresses"] == [
        {"type": "Billing", "line1": "1 Road", "city": "Leeds"},
        {"type": "Unknown", "city": "York"},
    ]
    assert acme["totalSpend"] == 960
    # Euros at 0.5: 80 and 30 billed are 40 and 15; no due date, no terms.
    assert bolt["billsAmount"] == 55 and bolt["paymentsAmount"] == 40 and bolt["billsOutstandingAmount"] == 15
    assert bolt["commonPaymentTermsDays"] == 30 and bolt["biggestCountPaymentMethod"] == "Check"
    assert "contactName" not in bolt and "emailAddress" not in bolt and bolt["phoneNumber"] is None


def test_payment_methods_add_up_and_unpaid_bills_go_with_their_supplier_s_usual_method() -> None:
    result = _analysis()
    rows = {row["biggestCountPaymentMethod"]: row for row in result["paymentMethods"]}
    assert list(rows) == [m.value for m in M]
    card, transfer, cheque, unknown = rows["CreditCard"], rows["BankTransfer"], rows["Check"], rows["Unknown"]
    # b1, b2 paid by card; b4 unpaid, filed under Acme's usual card; b3 by transfer; b5, b6 Bolt's cheques;
    # b10 has no supplier and no payment.
    assert (card["billsCount"], card["billsAmount"], card["billsOutstandingAmount"]) == (3, 450, 50)
    assert (transfer["billsCount"], transfer["billsAmount"]) == (1, 450)
    assert (cheque["billsCount"], cheque["billsAmount"]) == (2, 55)
    assert (unknown["billsCount"], unknown["billsAmount"], unknown["billsOutstandingCount"]) == (1, 25, 1)
    assert (
        card["suppliersCount"] == 1
        and cheque["suppliersCount"] == 1
        and card["percentageSuppliersByCount"] == 50
    )
    assert transfer["directCostsCount"] == 2 and transfer["directCostsAmount"] == 510
    assert card["directCostsCount"] == 1 and card["directCostsPercentageByCount"] == round(100 / 3, 2)
    assert card["percentageBillsByAmount"] == round(450 / 980 * 100, 2)
    assert card["inferredBy"] == {"rule CreditCard": 3}
    totals = result["totals"]
    for key in (
        "billsCount",
        "billsOutstandingCount",
        "paymentsCount",
        "directCostsCount",
        "billsPaidLateCount",
    ):
        assert sum(row[key] for row in rows.values()) == totals[key]
    for key in ("billsAmount", "paymentsAmount", "directCostsAmount"):
        assert round(sum(row[key] for row in rows.values()), 2) == totals[key]
    assert totals["billsAmount"] == 980 and totals["totalSpend"] == 980 + 570
    assert result["period"] == {"startDate": "2025-01-01", "endDate": "2025-12-31", "monthsReviewed": 12}


def test_the_common_terms_tie_goes_to_the_bigger_amount_then_the_fewer_days() -> None:
    analysis = SpendAnalysis(PERIOD, SUPPLIERS)
    for bill in (
        _bill("a", "s1", 100, "2025-01-01", "2025-01-31"),
        _bill("b", "s1", 300, "2025-01-01", "2025-03-02"),
        _bill("c", "s2", 100, "2025-01-01", "2025-03-02"),
        _bill("d", "s2", 100, "2025-01-01", "2025-01-31"),
    ):
        analysis.add_bill(bill)
    terms = {row["supplierId"]: row["commonPaymentTermsDays"] for row in analysis.result()["suppliers"]}
    assert terms == {"s1": 60, "s2": 30}


def test_the_period_is_the_twelve_months_to_the_day() -> None:
    assert Period.year_to(date(2025, 7, 19)) == Period(date(2024, 7, 20), date(2025, 7, 19))
    assert Period.year_to(date(2024, 2, 29)) == Period(date(2023, 3, 1), date(2024, 2, 29))
    assert not PERIOD.holds(None) and PERIOD.holds(date(2025, 12, 31)) and not PERIOD.holds(date(2026, 1, 1))


def _line(transaction_id: str, day: date, source: str = "Accounting", account: str = "acc") -> Outgoing:
    return Outgoing(source, uuid.UUID(int=1), account, transaction_id, day, "Debit", "", False)


def test_a_payment_is_found_on_the_bank_by_its_link_or_by_its_amount_and_date() -> None:
    bank = BankEvidence()
    bank.add(Decimal("-50"), _line("books", date(2025, 3, 3)))
    bank.add(Decimal("-50"), _line("banks", date(2025, 3, 2), source="Banking", account="b1"))
    bank.add(Decimal("-50"), _line("other account", date(2025, 3, 1), account="savings"))
    bank.add(Decimal("-50"), _line("too late", date(2025, 3, 9)))
    bank.add(Decimal("-75.5"), _line("linked", date(2025, 1, 1)))

    def take(amount: str, transaction_id: str | None = None) -> str | None:
        found = bank.take(Decimal(amount), date(2025, 3, 1), account_id="acc", transaction_id=transaction_id)
        return found.transaction_id if found is not None else None

    assert take("75.50", "linked") == "linked"  # the books' link, whatever the date
    assert take("75.50", "linked") is None  # a line pays one payment
    # The paying account's books line, then another account's, then a bank's; the window is -2 to +7 days.
    assert [take("50"), take("50"), take("50"), take("50")] == ["books", "other account", "banks", None]
    assert take("12.34") is None
