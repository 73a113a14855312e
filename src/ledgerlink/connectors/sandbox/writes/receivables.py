"""Receivables written to the Sandbox: invoices, credit notes and payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.codat_shapes import (
    LINK_SIGNS,
    payment_link,
)
from ledgerlink.connectors.mapped import Record
from ledgerlink.connectors.sandbox.books import (
    CURRENCY,
    DAY,
    K_CREDIT_NOTE,
    K_INVOICE,
    K_PAYMENT,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.writes.checks import Check, _invoice_line
from ledgerlink.connectors.sandbox.writes.ledger import _bank
from ledgerlink.connectors.sandbox.writes.payments import (
    _RECEIVABLE,
    _linked_document,
    _over_taken,
    _payment_head,
    _payment_record,
)
from ledgerlink.connectors.sandbox.writes.versions import (
    _CREDIT_NOTE,
    _INVOICE,
    _WRITTEN_DAY,
    SalesKind,
    Written,
    WrittenDocument,
    _money,
    _pence,
    written_id,
)


@dataclass
class _SalesDocument:
    """A sales document's checked parts, for its type to shape."""

    customer: dict[str, str]
    t: int
    number: str
    note: str
    lines: list[dict[str, Any]]
    sub_total: int
    tax_total: int

    @property
    def total(self) -> int:
        return self.sub_total + self.tax_total

    def amounts(self) -> dict[str, Any]:
        return {
            "withholdingTax": [],
            "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in self.lines)),
            "subTotal": _money(self.sub_total),
            "additionalTaxAmount": 0,
            "additionalTaxPercentage": 0,
            "totalTaxAmount": _money(self.tax_total),
            "totalAmount": _money(self.total),
            "discountPercentage": 0,
        }


def _sales_document(
    check: Check, record: dict[str, Any], T: int, record_id: str | None, kind: SalesKind
) -> _SalesDocument | None:
    """Check what invoices and credit notes have alike (`record_id`: the version replaces that document's);
    None when something failed (the caller adds its own checks, then `check.done()`)."""
    written = check.written
    customer = check.customer(record.get("customerRef"), "customerRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    status = record.get("status")
    if status not in (None, "Submitted"):
        check.fail(
            "status",
            f"The Sandbox writes {kind.data_type} as Submitted (posted to the ledger), not {status}",
        )
    table = kind.table(written)
    before = table.get(record_id) if record_id is not None else None
    number = check.text(record.get(kind.number_field), kind.number_field)
    if number is None:
        number = before.number if before is not None else f"{kind.number_prefix}-{len(table) + 1:04d}"
    elif any(other.number == number and other.id != record_id for other in written.in_books(table, T)):
        check.fail(kind.number_field, f"{kind.one.capitalize()} numbered {number} already exists")
    note = check.text(record.get("note"), "note")
    raw_lines = check.lines(
        record.get("lineItems"), "lineItems", f"{kind.one.capitalize()} needs at least one line"
    )
    lines = []
    sub_total = tax_total = 0
    for n, line in enumerate(raw_lines):
        shaped = _invoice_line(check, line, f"lineItems.{n}")
        if shaped is not None:
            lines.append(shaped)
            sub_total += _pence(shaped["subTotal"])
            tax_total += _pence(shaped["taxAmount"])
    total = sub_total + tax_total
    if len(lines) == len(raw_lines) and lines:
        for name, expected in (
            ("subTotal", sub_total),
            ("totalTaxAmount", tax_total),
            ("totalAmount", total),
        ):
            given = check.pence(record.get(name), name, required=False)
            if given is not None and given != expected:
                check.fail(name, f"{_money(given):.2f} does not match the lines ({_money(expected):.2f})")
        if total <= 0:
            check.fail("totalAmount", f"{kind.one.capitalize()} must be for more than 0.00")
    if before is not None and customer is not None and t is not None:
        _still_allocated(check, before, customer["id"], t, total, kind)
    if customer is None or t is None or check.errors:
        return None
    return _SalesDocument(customer, t, number, note or "", lines, sub_total, tax_total)


def _still_allocated(
    check: Check, before: WrittenDocument, customer_id: str, t: int, total: int, kind: SalesKind
) -> None:
    """An update keeps what is allocated against the document, so it must still cover it: the same customer,
    issued no later than the first allocation, for no less than is allocated."""
    allocations = before.allocated(check.T)
    if not allocations:
        return
    allocated = sum(a.amount for a in allocations)
    what = "payments" if kind is _INVOICE else "allocations to invoices"
    if customer_id != before.customer_id:
        check.fail(
            "customerRef.id",
            f"{kind.title} {before.number} has {what} from customer {before.customer_id}; it cannot move to "
            "another customer",
        )
    first = min(a.t for a in allocations)
    if t // DAY > first // DAY:
        check.fail(
            "issueDate", f"{kind.title} {before.number} has {what} dated {check.books.day_iso(first // DAY)}"
        )
    if total < allocated:
        check.fail(
            "totalAmount",
            f"{_money(total):.2f} is less than the {_money(allocated):.2f} of {what} against "
            f"{kind.title.lower()} {before.number}",
        )


def _invoice(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    check = Check(bk, written, T, "Invoice")
    document = _sales_document(check, record, T, record_id, _INVOICE)
    t = document.t if document is not None else None
    due = check.moment(record.get("dueDate"), "dueDate", required=False, up_to_today=False)
    if t is not None and due is not None and due // DAY < t // DAY:
        check.fail("dueDate", "is before the issue date")
    check.done()
    assert document is not None
    if due is None:
        due = (document.t // DAY + _customer_terms(bk, document.customer["id"])) * DAY
    return {
        "id": record_id or written_id(bk, K_INVOICE, key),
        "invoiceNumber": document.number,
        "customerRef": document.customer,
        "salesOrderRefs": [],
        "issueDate": bk.date(document.t),
        "dueDate": bk.date(due),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": document.lines,
        **document.amounts(),
        "status": "Submitted",
        "note": document.note,
    }


def _credit_note(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    check = Check(bk, written, T, "CreditNote")
    document = _sales_document(check, record, T, record_id, _CREDIT_NOTE)
    check.done()
    assert document is not None
    return {
        "id": record_id or written_id(bk, K_CREDIT_NOTE, key),
        "creditNoteNumber": document.number,
        "customerRef": document.customer,
        **document.amounts(),
        "issueDate": bk.date(document.t),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": document.lines,
        "note": document.note,
    }


def _delete_invoice(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """An invoice with payments stays, as Xero and QuickBooks keep one: its payments would pay nothing."""
    invoice = written.invoices[record_id]
    allocations = invoice.allocated(T)
    if allocations:
        check = Check(bk, written, T, "Invoice")
        payments = ", ".join(sorted({a.payment_id for a in allocations}))
        check.fail(
            "paymentAllocations",
            f"Invoice {invoice.number} has payments allocated ({payments}): delete them first, or credit it",
        )
        check.done()


def _customer_terms(bk: AccountingBooks, customer_id: str) -> int:
    """The days a customer is given to pay: the books' terms for theirs, 30 for one written here."""
    if customer_id.split("-")[2] == _WRITTEN_DAY:
        return 30
    return bk.contact_terms(int(customer_id.split("-")[3], 16), False)


def _payment(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """A payment's lines each link to what they settle, as Codat's `Payment` describes: invoices (links of
    negative amounts), credit notes used to pay them (positive: a line of 0 moving no money), or the
    customer's account (one `PaymentOnAccount` link, alone on its line: money held unallocated)."""
    check = Check(bk, written, T, "Payment")
    customer = check.customer(record.get("customerRef"), "customerRef")
    t, total = _payment_head(check, record, "must not be negative: the Sandbox takes no refunds")
    bank = None
    if record.get("accountRef") is not None:
        bank = _bank(check, record.get("accountRef"), "accountRef")
    elif total:
        check.fail(
            "accountRef.id",
            "The Sandbox records a payment into one of its bank accounts: accountRef is required",
        )
    note = check.text(record.get("note"), "note")
    reference = check.text(record.get("reference"), "reference")
    raw_lines = check.lines(
        record.get("lines"), "lines", "A payment needs at least one line, linking it to what it pays"
    )
    paid: list[tuple[int, list[Record]]] = []  # each line's amount and links
    taken: dict[str, int] = {}  # by invoice or credit note id
    lines_total = 0
    for n, line in enumerate(raw_lines):
        item = f"lines.{n}"
        if not isinstance(line, dict):
            check.fail(item, "must be an object")
            continue
        amount = check.pence(line.get("amount"), f"{item}.amount")
        if amount is not None and amount < 0:
            check.fail(f"{item}.amount", "must not be negative: the Sandbox takes no refunds")
            amount = None
        links = line.get("links")
        if not isinstance(links, list) or not links:
            check.fail(f"{item}.links", "A payment line needs at least one link to what it pays")
            continue
        shaped_links = _payment_links(check, written, links, item, customer, t, taken)
        if amount is None or shaped_links is None:
            continue
        linked = -sum(_pence(link["amount"]) for link in shaped_links)
        if linked != amount:
            check.fail(
                f"{item}.amount",
                f"{_money(amount):.2f} is not what its links take ({_money(linked):.2f}): a line's amount "
                "and its links' must sum to 0",
            )
            continue
        lines_total += amount
        paid.append((amount, shaped_links))
    if total is not None and len(paid) == len(raw_lines) and paid and lines_total != total:
        check.fail(
            "totalAmount", f"{_money(total):.2f} is not the sum of the lines ({_money(lines_total):.2f})"
        )
    _over_taken(check, _RECEIVABLE, taken)
    check.done()
    assert customer is not None and t is not None and total is not None
    numbers = [_RECEIVABLE.settled(written, i)[1].number for i in taken]
    note = note or (f"Payment for {', '.join(numbers)}" if numbers else "Payment on account")
    payment_id = written_id(bk, K_PAYMENT, key)
    return _payment_record(
        bk, _RECEIVABLE, payment_id, customer, bank, total, bk.date(t), note, paid, reference
    )


def _payment_links(
    check: Check,
    written: Written,
    links: list[Any],
    item: str,
    customer: dict[str, str] | None,
    t: int | None,
    taken: dict[str, int],
) -> list[Record] | None:
    """A payment line's links, shaped; what they take off invoices and credit notes is added to `taken`.
    None when one failed."""
    shaped: list[Record] = []
    for m, link in enumerate(links):
        link_item = f"{item}.links.{m}"
        if not isinstance(link, dict):
            check.fail(link_item, "must be an object")
            continue
        kind = link.get("type")
        check.currency_rate(link.get("currencyRate"), f"{link_item}.currencyRate")
        amount = check.pence(link.get("amount"), f"{link_item}.amount")
        if kind == "PaymentOnAccount":
            if len(links) > 1:
                check.fail(f"{link_item}.type", "A PaymentOnAccount link must be its line's only link")
                continue
            if customer is not None and link.get("id") not in (None, customer["id"]):
                check.fail(f"{link_item}.id", f"must be the payment's customer ({customer['id']})")
                continue
            if amount is not None and amount >= 0:
                check.fail(f"{link_item}.amount", "must be negative: what the line puts on the account")
                continue
            if amount is not None and customer is not None:
                shaped.append(payment_link(kind, customer["id"], _money(-amount), 1))
            continue
        if kind not in ("Invoice", "CreditNote"):
            check.fail(
                f"{link_item}.type",
                f"The Sandbox allocates payments to invoices, credit notes or the customer's account "
                f"(PaymentOnAccount), not {kind!r}",
            )
            continue
        settled = _RECEIVABLE.documents[0 if kind == "Invoice" else 1]
        document = _linked_document(check, _RECEIVABLE, settled, link.get("id"), link_item, customer, t)
        sign = LINK_SIGNS[kind]
        if amount is not None and amount * sign <= 0:
            sense = (
                "negative: a payment takes it off the invoice" if sign < 0 else "positive: the credit used"
            )
            check.fail(f"{link_item}.amount", f"must be {sense}")
            continue
        if document is None or amount is None:
            continue
        taken[document.id] = taken.get(document.id, 0) + amount * sign
        shaped.append(payment_link(kind, document.id, _money(amount * sign), 1))
    return shaped if len(shaped) == len(links) else None
