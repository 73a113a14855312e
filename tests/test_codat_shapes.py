"""Codat's shapes shared by the platform connectors (`connectors/codat_shapes.py`): allocation signs per
document type and payment link signs per link type, spelt as the Accounting Sandbox writes them (Codat's
examples), and the statements' months and totals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from ledgerlink.connectors.codat_shapes import (
    ReportColumn,
    payment_allocation,
    payment_line,
    payment_link,
    profit_and_loss,
    ref,
    report_calls,
    report_line,
)

WHEN = "2024-03-01T00:00:00"
BANK = {"id": "a1", "name": "Business Current Account"}


def sandbox_shaped(document: str, paid: float, allocated: float, account_ref: dict | None) -> dict:
    return payment_allocation(
        document,
        payment_id="p1",
        note="Payment for INV-1",
        reference="INV-1",
        account_ref=account_ref,
        currency="GBP",
        payment_currency_rate=1,
        currency_rate=1,
        paid_on=WHEN,
        allocated_on=WHEN,
        paid=paid,
        allocated=allocated,
    )


def test_an_invoice_or_bill_paid_has_a_positive_payment_and_a_negative_allocation() -> None:
    for document in ("invoices", "bills"):
        assert sandbox_shaped(document, 120.5, 120.5, BANK) == {
            "payment": {
                "id": "p1",
                "note": "Payment for INV-1",
                "reference": "INV-1",
                "accountRef": BANK,
                "currency": "GBP",
                "currencyRate": 1,
                "paidOnDate": WHEN,
                "totalAmount": 120.5,
            },
            "allocation": {
                "currency": "GBP",
                "currencyRate": 1,
                "allocatedOnDate": WHEN,
                "totalAmount": -120.5,
            },
        }


@pytest.mark.parametrize(
    ("document", "paid", "allocation"),
    [
        # A credit note applied to an invoice moves no money: on the invoice it reduces what is due...
        ("invoices", 0.0, -40.0),
        # ...and on the credit note it uses the credit up.
        ("creditNotes", 0.0, 40.0),
        ("billCreditNotes", 0.0, 40.0),
        # A direct cost or income is paid as it is made.
        ("directCosts", 40.0, 40.0),
        ("directIncomes", 40.0, 40.0),
    ],
)
def test_signs_per_document_type(document: str, paid: float, allocation: float) -> None:
    shaped = sandbox_shaped(document, abs(paid), abs(allocation), None)
    assert (shaped["payment"]["totalAmount"], shaped["allocation"]["totalAmount"]) == (paid, allocation)
    assert "accountRef" not in shaped["payment"]
    # Never -0.0: JSON would spell it "-0.0" where the Sandbox writes 0.0.
    assert json.dumps(shaped["payment"]["totalAmount"]) == json.dumps(paid)


def test_a_refund_of_a_credit_note_is_a_negative_payment() -> None:
    shaped = payment_allocation("creditNotes", payment_id="r1", paid=313.77, allocated=313.77)
    assert shaped == {"payment": {"id": "r1", "totalAmount": -313.77}, "allocation": {"totalAmount": 313.77}}


def test_payment_links_carry_codats_sign_per_link_type() -> None:
    """A link alters the linked record's balance: a document paid, or money paid on account, is reduced
    (negative); a credit note applied is used up (positive). The Sandbox's credit note allocation: a line
    of 0 linking the invoice (-40) and the credit note (40)."""
    signs = {
        kind: payment_link(kind, "x", 40.0)["amount"] for kind in ("Invoice", "Bill", "PaymentOnAccount")
    }
    assert signs == {"Invoice": -40.0, "Bill": -40.0, "PaymentOnAccount": -40.0}
    links = [payment_link("Invoice", "i1", 40.0, 1), payment_link("CreditNote", "c1", 40.0, 1)]
    assert payment_line(0.0, links, WHEN) == {
        "amount": 0.0,
        "links": [
            {"type": "Invoice", "id": "i1", "amount": -40.0, "currencyRate": 1},
            {"type": "CreditNote", "id": "c1", "amount": 40.0, "currencyRate": 1},
        ],
        "allocatedOnDate": WHEN,
    }


def test_refs_leave_out_what_the_platform_does_not_say() -> None:
    assert ref("c1", "Liam", "companyName") == {"id": "c1", "companyName": "Liam"}
    assert ref("c1") == {"id": "c1"}


def test_statement_months_are_read_twelve_a_call_newest_first() -> None:
    calls = report_calls(datetime(2024, 3, 31, 23, 30, tzinfo=UTC), 14)
    assert [len(months) for months in calls] == [12, 2]
    assert calls[0][0] == date(2024, 3, 1) and calls[0][-1] == date(2023, 4, 1)
    assert calls[1] == [date(2023, 3, 1), date(2023, 2, 1)]
    assert report_calls(datetime(2024, 3, 5, tzinfo=UTC), 0) == [[date(2024, 3, 1)]]
    assert ReportColumn.of_month(2, date(2024, 2, 1)) == ReportColumn(
        2, "2024-02", "2024-02-01T00:00:00", "2024-02-29T00:00:00"
    )


def test_profit_and_loss_totals_come_from_the_parts() -> None:
    values = {
        "income": 1000.0,
        "costOfSales": 400.0,
        "expenses": 250.0,
        "otherIncome": 30.0,
        "otherExpenses": 5.5,
    }
    parts = {key: report_line(key, value, []) for key, value in values.items()}
    record = profit_and_loss(ReportColumn.of_month(1, date(2024, 1, 1)), "GBP", parts)
    assert (record["grossProfit"], record["netOperatingProfit"], record["netOtherIncome"]) == (
        600.0,
        350.0,
        24.5,
    )
    assert record["netProfit"] == 374.5 and record["reportBasis"] == "Accrual" and record["id"] == "2024-01"
