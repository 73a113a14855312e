"""What a customer's payment and a payment to a supplier check alike, driven by a `PaymentSide`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.codat_shapes import (
    payment_line,
)
from ledgerlink.connectors.mapped import Record
from ledgerlink.connectors.sandbox.books import (
    CURRENCY,
    DAY,
    K_BILL,
    K_BILL_CREDIT_NOTE,
    K_CREDIT_NOTE,
    K_INVOICE,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.writes.checks import Check
from ledgerlink.connectors.sandbox.writes.versions import Written, WrittenDocument, _money


@dataclass(frozen=True)
class Settled:
    """A kind of document a payment's link settles (an invoice, a bill, either side's credit note): where the
    written ones are kept and how messages name one."""

    link_type: str  # Codat's link `type`
    table_name: str  # `Written`'s table of versions
    kind: str  # of the books' ids (of the documents the Sandbox generates itself)
    name: str  # "bill credit note": "No … has id"
    called: str  # "Invoice {}", "The bill {}": a document named by its number or id
    the: str  # "an invoice", "the bill": "dated before … {number}"
    title: str  # "Invoice", "Credit note": what is left on it
    left: str  # "is owed", "has credit left of"

    def table(self, written: Written) -> Mapping[str, WrittenDocument]:
        table: Mapping[str, WrittenDocument] = getattr(written, self.table_name)
        return table


@dataclass(frozen=True)
class PaymentSide:
    """What differs between a customer's payment and a payment to a supplier: the documents it settles and the
    words for them. The checks are one (`_linked_document`, `_payment_head`, `_over_taken`)."""

    payments: str  # "payments", "bill payments"
    contact_field: str  # of the payment: "customerRef", "supplierRef"
    another: str  # "is for another customer"
    own: str  # how the Sandbox's own documents are paid, in parentheses
    documents: tuple[Settled, Settled]  # what is owed, and the credit notes used to pay it

    def settled(self, written: Written, document_id: str) -> tuple[Settled, WrittenDocument]:
        """The kind and latest version of a document the payment takes something off."""
        for kind in self.documents:
            document = kind.table(written).get(document_id)
            if document is not None:
                return kind, document
        raise KeyError(document_id)


_RECEIVABLE = PaymentSide(
    "payments",
    "customerRef",
    "is for another customer",
    "(its own are paid on their own schedule)",
    (
        Settled(
            "Invoice", "invoices", K_INVOICE, "invoice", "Invoice {}", "an invoice", "Invoice", "is owed"
        ),
        Settled(
            "CreditNote",
            "credit_notes",
            K_CREDIT_NOTE,
            "credit note",
            "Credit note {}",
            "a credit note",
            "Credit note",
            "has credit left of",
        ),
    ),
)
_PAYABLE = PaymentSide(
    "bill payments",
    "supplierRef",
    "is from another supplier",
    "(its own bills are paid on their own schedule)",
    (
        Settled("Bill", "bills", K_BILL, "bill", "The bill {}", "the bill", "Bill", "is owed"),
        Settled(
            "CreditNote",
            "bill_credit_notes",
            K_BILL_CREDIT_NOTE,
            "bill credit note",
            "The bill credit note {}",
            "the bill credit note",
            "Credit note",
            "has credit left of",
        ),
    ),
)


def _linked_document(
    check: Check,
    side: PaymentSide,
    kind: Settled,
    document_id: Any,
    item: str,
    contact: dict[str, str] | None,
    t: int | None,
) -> WrittenDocument | None:
    """The written document of `kind` a payment link names: in the books at the payment's date, and the
    payment's contact's (a customer's invoice, a supplier's bill)."""
    latest = kind.table(check.written).get(document_id) if isinstance(document_id, str) else None
    document = None if latest is None else latest.live(check.T)
    if document is None:
        if isinstance(document_id, str) and document_id.startswith(f"{check.books.c8}-{kind.kind}-"):
            check.fail(
                f"{item}.id",
                f"{kind.called.format(document_id)} was not created through the API: the Sandbox takes "
                f"{side.payments} against those only {side.own}",
            )
        else:
            check.fail(f"{item}.id", f"No {kind.name} has id {document_id}")
        return None
    contact_id = document.record[side.contact_field]["id"]
    if contact is not None and contact_id != contact["id"]:
        check.fail(f"{item}.id", f"{kind.called.format(document.number)} {side.another} ({contact_id})")
        return None
    if t is not None and t // DAY < document.t // DAY:
        check.fail(f"{item}.id", f"The payment is dated before {kind.the} {document.number} was issued")
        return None
    return document


def _payment_head(check: Check, record: dict[str, Any], refunds: str) -> tuple[int | None, int | None]:
    """A payment's date and total, checked with what the Sandbox does not take on either side (payment
    methods, other currencies, refunds: `refunds` says so)."""
    if record.get("paymentMethodRef") is not None:
        check.fail("paymentMethodRef.id", "The Sandbox has no payment methods")
    t = check.moment(record.get("date"), "date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    total = check.pence(record.get("totalAmount"), "totalAmount")
    if total is not None and total < 0:
        check.fail("totalAmount", refunds)
        total = None
    return t, total


def _over_taken(check: Check, side: PaymentSide, taken: dict[str, int]) -> None:
    """Fails each document the payment takes more off than is left on it (owed, or credit left)."""
    for document_id, amount in taken.items():
        kind, document = side.settled(check.written, document_id)
        left = document.due(check.T)
        if amount > left:
            check.fail(
                "lines",
                f"{kind.title} {document.number} {kind.left} {_money(left):.2f}; "
                f"the payment takes {_money(amount):.2f}",
            )


def _payment_record(
    bk: AccountingBooks,
    side: PaymentSide,
    payment_id: str,
    contact: dict[str, str],
    bank: int | None,
    total: int,
    when: str,
    note: str,
    lines: list[tuple[int, list[Record]]],
    reference: str | None,
) -> dict[str, Any]:
    """A payment as the Sandbox keeps it, in Codat's read shape (a customer's or a supplier's)."""
    shaped: dict[str, Any] = {"id": payment_id, side.contact_field: contact}
    if bank is not None:
        shaped["accountRef"] = bk.account_refs[bank]
    shaped.update(
        {
            "totalAmount": _money(total),
            "currency": CURRENCY,
            "currencyRate": 1,
            "date": when,
            "note": note,
            "lines": [payment_line(_money(amount), links, when) for amount, links in lines],
            "reference": reference or "",
        }
    )
    return shaped
