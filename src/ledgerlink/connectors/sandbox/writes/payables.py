"""Payables written to the Sandbox: bills, bill credit notes, bill payments and purchase orders.

Bills, bill credit notes, bill payments and purchase orders: the supplier's side of the books, posted as
the generated payables are (`AccountingBooks.bill_entries`): a bill credits Accounts Payable against the
supplier and debits its lines' accounts and VAT; a bill credit note is a bill reversed (its credit held
against the supplier until a bill payment uses it); a bill payment debits Accounts Payable and credits the
bank account it was paid from (a bank transaction), or, for a line using a credit note, moves nothing but
the credit; a purchase order posts nothing until it is billed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledgerlink.connectors.codat_shapes import (
    payment_link,
    record_ref,
)
from ledgerlink.connectors.mapped import Record
from ledgerlink.connectors.sandbox.books import (
    A_AP,
    A_VAT,
    AC,
    BT_KIND,
    CURRENCY,
    DAY,
    J_CASH,
    J_PURCHASES,
    JE_KIND,
    K_BILL,
    K_BILL_CREDIT_NOTE,
    K_BILL_PAYMENT,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.writes.checks import Check, _invoice_line
from ledgerlink.connectors.sandbox.writes.ledger import _bank
from ledgerlink.connectors.sandbox.writes.payments import (
    _PAYABLE,
    _linked_document,
    _over_taken,
    _payment_head,
    _payment_record,
)
from ledgerlink.connectors.sandbox.writes.versions import (
    K_PURCHASE_ORDER,
    Allocation,
    Written,
    WrittenBill,
    WrittenDocument,
    WrittenEntry,
    WrittenRecord,
    _money,
    _pence,
    _when,
    written_id,
)


def _keep_bill(
    written: Written, table: dict[str, WrittenBill], w: int, record: dict[str, Any], number: str
) -> WrittenBill:
    bill = written._keep(
        table, WrittenBill(w, min(_when(written.books, record["issueDate"]), w), record, number)
    )
    if bill.previous is not None:
        bill.allocations = bill.previous.allocations
    return bill


def _add_bill(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    bk = written.books
    bill = _keep_bill(written, written.bills, w, record, record["reference"])
    contact = record_ref(bill.supplier_id, "suppliers")
    posting: list[tuple] = [
        (written.account_index[line["accountRef"]["id"]], _pence(line["subTotal"]), None)
        for line in record["lineItems"]
    ]
    tax = _pence(record["taxAmount"])
    if tax:
        posting.append((A_VAT, tax, None))
    posting.append((A_AP, -bill.total, contact))
    entry_id = written_id(bk, JE_KIND[K_BILL], key)
    desc = f"Bill {bill.number}"
    written._post(
        WrittenEntry(w, None, entry_id, bill.t, None, J_PURCHASES, desc, posting, bill.id, "bills"), key
    )


def _add_bill_credit_note(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    bk = written.books
    note = _keep_bill(written, written.bill_credit_notes, w, record, record["billCreditNoteNumber"])
    contact = record_ref(note.supplier_id, "suppliers")
    posting: list[tuple] = [
        (written.account_index[line["accountRef"]["id"]], -_pence(line["subTotal"]), None)
        for line in record["lineItems"]
    ]
    tax = _pence(record["totalTaxAmount"])
    if tax:
        posting.append((A_VAT, -tax, None))
    posting.append((A_AP, note.total, contact))
    entry_id = written_id(bk, JE_KIND[K_BILL_CREDIT_NOTE], key)
    desc = f"Credit note {note.number}"
    entry = WrittenEntry(
        w, None, entry_id, note.t, None, J_PURCHASES, desc, posting, note.id, "billCreditNotes"
    )
    written._post(entry, key)


def _add_bill_payment(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    """A bill payment's allocations to the bills and credit notes it links, and its posting: what it paid out
    of the bank into Accounts Payable (with its bank transaction), and each credit note's credit moved onto
    the bill it pays (Accounts Payable on both sides, as the generated allocations post it)."""
    bk = written.books
    payment = written._keep(
        written.bill_payments, WrittenRecord(w, min(_when(bk, record["date"]), w), record)
    )
    total = _pence(record["totalAmount"])
    bank = written.account_index[record["accountRef"]["id"]] if total else None
    note, reference = record.get("note") or "", record.get("reference") or ""
    contact = record_ref(record["supplierRef"]["id"], "suppliers")
    posting: list[tuple] = [(A_AP, total, contact), (bank, -total, None)] if bank is not None else []
    for line in record["lines"]:
        moved = _pence(line["amount"])
        for link in line["links"]:
            amount = _pence(link["amount"])
            documents = written.bills if link["type"] == "Bill" else written.bill_credit_notes
            document = documents.get(link["id"])
            if document is None:  # on account: the supplier's, in Accounts Payable only
                continue
            # A line using a credit note moves no money: its allocations are of a payment of 0, as the
            # generated credit notes' are.
            paid = None if link["type"] == "CreditNote" or not moved else bank
            written._allocate(
                document,
                Allocation(
                    w, payment.t, abs(amount), payment.id, 0 if paid is None else total, paid, note, reference
                ),
            )
            if link["type"] == "CreditNote":
                posting += [(A_AP, amount, contact), (A_AP, -amount, contact)]
    entry_id = written_id(bk, JE_KIND[K_BILL_PAYMENT], key)
    txn, cleared = ("Debit", w + DAY) if bank is not None else (None, None)
    entry = WrittenEntry(
        w,
        None,
        entry_id,
        payment.t,
        None,
        J_CASH if bank is not None else J_PURCHASES,
        note,
        posting,
        payment.id,
        "billPayments",
        txn,
        cleared,
    )
    written.entries.append(entry)
    if bank is not None:
        txn_id = written_id(bk, BT_KIND[K_BILL_PAYMENT], key)
        written.moves.append((w, txn_id, bank, -total, note, "Debit", w + DAY))


def _add_purchase_order(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    order = WrittenRecord(w, min(_when(written.books, record["issueDate"]), w), record)
    written._keep(written.purchase_orders, order)


def _supplier_lines(
    check: Check, record: dict[str, Any], document: str, tax_key: str, *, numbered: bool = True
) -> tuple[list[dict[str, Any]], int, int]:
    """The checked lines of a bill, bill credit note or purchase order in the books' bill line shape, with
    their sub total and tax (pence); the totals the client gave are checked against them."""
    raw_lines = check.lines(record.get("lineItems"), "lineItems", f"A {document} needs at least one line")
    lines = []
    sub_total = tax_total = 0
    for n, line in enumerate(raw_lines):
        # A purchase order's line may leave out the account it will post to when billed.
        unposted = not numbered and isinstance(line, dict) and line.get("accountRef") is None
        if unposted:
            line = {**line, "accountRef": {"id": check.books.account_ids[AC["cogs"]]}}
        shaped = _invoice_line(check, line, f"lineItems.{n}", document)
        if shaped is None:
            continue
        del shaped["isDirectIncome"]
        if unposted:
            del shaped["accountRef"]
        sub_total += _pence(shaped["subTotal"])
        tax_total += _pence(shaped["taxAmount"])
        if numbered:
            lines.append({"lineNumber": str(n + 1), **shaped, "isDirectCost": False})
        else:
            del shaped["tracking"]
            lines.append(shaped)
    total = sub_total + tax_total
    if len(lines) == len(raw_lines) and lines:
        for name, expected in (("subTotal", sub_total), (tax_key, tax_total), ("totalAmount", total)):
            given = check.pence(record.get(name), name, required=False)
            if given is not None and given != expected:
                check.fail(name, f"{_money(given):.2f} does not match the lines ({_money(expected):.2f})")
        if total <= 0:
            check.fail("totalAmount", f"A {document} must be for more than 0.00")
    return lines, sub_total, tax_total


def _number(check: Check, value: Any, item: str, taken: Iterable[str], default: str, what: str) -> str:
    number = check.text(value, item)
    if number is None or not number.strip():
        return default
    if number in taken:
        check.fail(item, f"{what} numbered {number} already exists")
    return number


def _status(check: Check, value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value is None:
        return allowed[0]
    if value not in allowed:
        check.fail("status", f"The Sandbox keeps {what} as {', '.join(allowed)}, not {value}")
        return allowed[0]
    return str(value)


def _bill(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenBill | None = None,
) -> dict[str, Any]:
    """A bill created, or (`current`: its version now) updated: the whole bill again, as Codat's updates
    are."""
    check = Check(bk, written, T, "Bill")
    supplier = check.supplier(record.get("supplierRef"), "supplierRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    due = check.moment(record.get("dueDate"), "dueDate", required=False, up_to_today=False)
    if t is not None and due is not None and due // DAY < t // DAY:
        check.fail("dueDate", "is before the issue date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    _status(check, record.get("status"), ("Open",), "bills (posted to the ledger)")
    reference = check.text(record.get("reference"), "reference") or (
        f"BILL-API-{len(written.bills) + 1:04d}" if current is None else current.number
    )
    note = check.text(record.get("note"), "note")
    orders = _purchase_order_refs(check, written, record.get("purchaseOrderRefs"), supplier)
    lines, sub_total, tax_total = _supplier_lines(check, record, "bill", "taxAmount")
    _revision(check, current, supplier, sub_total + tax_total, "bill")
    check.done()
    assert supplier is not None and t is not None
    if due is None:
        due = (t // DAY + 30) * DAY
    return {
        "id": written_id(bk, K_BILL, key) if current is None else current.id,
        "reference": reference,
        "supplierRef": supplier,
        "purchaseOrderRefs": orders,
        "issueDate": bk.date(t),
        "dueDate": bk.date(due),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": lines,
        "withholdingTax": [],
        "status": "Open",
        "subTotal": _money(sub_total),
        "taxAmount": _money(tax_total),
        "totalAmount": _money(sub_total + tax_total),
        "note": note or "",
    }


def _purchase_order_refs(
    check: Check, written: Written, refs: Any, supplier: dict[str, str] | None
) -> list[dict[str, str]]:
    """A bill's `purchaseOrderRefs`: purchase orders written to the books, to the bill's supplier."""
    if refs is None:
        return []
    if not isinstance(refs, list):
        check.fail("purchaseOrderRefs", "must be a list")
        return []
    out = []
    for n, ref in enumerate(refs):
        order_id = check.ref_id(ref, f"purchaseOrderRefs.{n}")
        if order_id is None:
            continue
        latest = written.purchase_orders.get(order_id)
        order = None if latest is None else latest.live(check.T)
        if order is None:
            check.fail(f"purchaseOrderRefs.{n}.id", f"No purchase order has id {order_id}")
        elif supplier is not None and order.record["supplierRef"]["id"] != supplier["id"]:
            check.fail(f"purchaseOrderRefs.{n}.id", f"Purchase order {order_id} is to another supplier")
        else:
            out.append({"id": order_id, "purchaseOrderNumber": order.record["purchaseOrderNumber"]})
    return out


def _bill_credit_note(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenBill | None = None,
) -> dict[str, Any]:
    """A bill credit note created, or (`current`: its version now) updated."""
    check = Check(bk, written, T, "BillCreditNote")
    supplier = check.supplier(record.get("supplierRef"), "supplierRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    _status(check, record.get("status"), ("Submitted",), "bill credit notes (posted to the ledger)")
    taken = (note.number for note in written.bill_credit_notes.values() if note is not current)
    default = f"PC-API-{len(written.bill_credit_notes) + 1:04d}" if current is None else current.number
    number = _number(
        check,
        record.get("billCreditNoteNumber"),
        "billCreditNoteNumber",
        taken,
        default,
        "A bill credit note",
    )
    note = check.text(record.get("note"), "note")
    lines, sub_total, tax_total = _supplier_lines(check, record, "bill credit note", "totalTaxAmount")
    total = sub_total + tax_total
    used = 0 if current is None else current.total - current.due(T)
    remaining = check.pence(record.get("remainingCredit"), "remainingCredit", required=False)
    if lines and remaining is not None and remaining != total - used:
        check.fail(
            "remainingCredit",
            f"{_money(remaining):.2f} is not the credit note's total less what bill payments have used of it "
            f"({_money(total - used):.2f}): a bill payment allocates its credit to a bill",
        )
    _revision(check, current, supplier, total, "bill credit note")
    check.done()
    assert supplier is not None and t is not None
    return {
        "id": written_id(bk, K_BILL_CREDIT_NOTE, key) if current is None else current.id,
        "billCreditNoteNumber": number,
        "supplierRef": supplier,
        "withholdingTax": [],
        "totalAmount": _money(total),
        "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in lines)),
        "subTotal": _money(sub_total),
        "totalTaxAmount": _money(tax_total),
        "discountPercentage": 0,
        "issueDate": bk.date(t),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": lines,
        "note": note or "",
    }


def _purchase_order(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenRecord | None = None,
) -> dict[str, Any]:
    """A purchase order created (Open or Draft), or (`current`: its version now) updated: also Closed (fully
    billed or received) or Void."""
    check = Check(bk, written, T, "PurchaseOrder")
    supplier = check.supplier(record.get("supplierRef"), "supplierRef")
    t = T if record.get("issueDate") is None else check.moment(record.get("issueDate"), "issueDate")
    dates = {
        name: check.moment(record.get(name), name, required=False, up_to_today=False)
        for name in ("expectedDeliveryDate", "paymentDueDate")
    }
    for name, when in dates.items():
        if t is not None and when is not None and when // DAY < t // DAY:
            check.fail(name, "is before the issue date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    statuses = ("Open", "Draft") if current is None else ("Open", "Draft", "Closed", "Void")
    status = _status(check, record.get("status"), statuses, "purchase orders")
    taken = (o.record["purchaseOrderNumber"] for o in written.purchase_orders.values() if o is not current)
    default = (
        f"PO-API-{len(written.purchase_orders) + 1:04d}"
        if current is None
        else current.record["purchaseOrderNumber"]
    )
    number = _number(
        check, record.get("purchaseOrderNumber"), "purchaseOrderNumber", taken, default, "A purchase order"
    )
    note = check.text(record.get("note"), "note")
    lines, sub_total, tax_total = _supplier_lines(
        check, record, "purchase order", "totalTaxAmount", numbered=False
    )
    check.done()
    assert supplier is not None and t is not None
    shaped: dict[str, Any] = {
        "id": written_id(bk, K_PURCHASE_ORDER, key) if current is None else current.id,
        "purchaseOrderNumber": number,
        "issueDate": bk.date(t),
    }
    for name, when in dates.items():
        if when is not None:
            shaped[name] = bk.date(when)
    shaped.update(
        {
            "note": note or "",
            "supplierRef": supplier,
            "status": status,
            "currency": CURRENCY,
            "currencyRate": 1,
            "lineItems": lines,
            "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in lines)),
            "subTotal": _money(sub_total),
            "totalTaxAmount": _money(tax_total),
            "totalAmount": _money(sub_total + tax_total),
        }
    )
    return shaped


def _revision(
    check: Check, current: WrittenBill | None, supplier: dict[str, str] | None, total: int, what: str
) -> None:
    """What an update of a bill or bill credit note must keep: no less than bill payments have already taken
    off it, and the supplier they were to."""
    if current is None or check.errors:
        return
    used = current.total - current.due(check.T)
    if total < used:
        check.fail(
            "totalAmount",
            f"{_money(total):.2f} is less than bill payments have already taken off the {what} "
            f"({_money(used):.2f}): delete them first",
        )
    if used and supplier is not None and supplier["id"] != current.supplier_id:
        check.fail(
            "supplierRef.id",
            f"The {what} has bill payments allocated to it from its supplier ({current.supplier_id}): "
            "delete them before moving it to another",
        )


def _bill_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _bill(bk, written, record, key, T, written.bills[record_id])


def _bill_credit_note_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _bill_credit_note(bk, written, record, key, T, written.bill_credit_notes[record_id])


def _purchase_order_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _purchase_order(bk, written, record, key, T, written.purchase_orders[record_id])


def _bill_delete(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """A bill goes with its posting, unless bill payments are allocated to it (as on Xero and QuickBooks,
    they are deleted first)."""
    bill = written.bills[record_id]
    if bill.allocated(T):
        check = Check(bk, written, T, "Bill")
        payments = ", ".join(sorted({a.payment_id for a in bill.allocated(T)}))
        check.fail(
            "id", f"Bill {bill.number} has bill payments allocated to it ({payments}): delete them first"
        )
        check.done()


def _bill_payment_delete(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """A bill payment can always go: the bills it paid are owed again, the credit it used is back on its
    credit notes, and the bank reverses what it paid out."""


def _bill_payment(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """A bill payment: lines paying written bills (links of type `Bill`, negative), using written credit
    notes to pay them (`CreditNote` links, positive; such a line moves `amount` 0), or paid on account to the
    supplier (one `PaymentOnAccount` link). Each line's amount and its links sum to zero, as Codat's model
    has it."""
    check = Check(bk, written, T, "BillPayment")
    supplier = check.supplier(record.get("supplierRef"), "supplierRef")
    refunds = "The Sandbox takes payments to suppliers, not refunds: it must not be negative"
    t, total = _payment_head(check, record, refunds)
    note = check.text(record.get("note"), "note")
    reference = check.text(record.get("reference"), "reference")
    raw_lines = check.lines(
        record.get("lines"),
        "lines",
        "A bill payment needs at least one line, linking it to bills or paying on account",
    )
    shaped_lines: list[tuple[int, list[Record]]] = []
    taken: dict[str, int] = {}  # what the payment takes off each bill, and off each credit note's credit
    for n, line in enumerate(raw_lines):
        shaped = _bill_payment_line(check, written, line, f"lines.{n}", supplier, t, taken)
        if shaped is not None:
            shaped_lines.append(shaped)
    lines_total = sum(amount for amount, _ in shaped_lines)
    if total is not None and len(shaped_lines) == len(raw_lines) and shaped_lines and lines_total != total:
        check.fail(
            "totalAmount", f"{_money(total):.2f} is not the sum of the lines ({_money(lines_total):.2f})"
        )
    bank = None
    if record.get("accountRef") is not None:
        bank = _bank(check, record.get("accountRef"), "accountRef")
    elif total:
        check.fail(
            "accountRef.id", "The Sandbox pays bills from one of its bank accounts: accountRef is required"
        )
    _over_taken(check, _PAYABLE, taken)
    check.done()
    assert supplier is not None and t is not None and total is not None
    numbers = ", ".join(written.bills[d].number for d in taken if d in written.bills) or "on account"
    payment_id = written_id(bk, K_BILL_PAYMENT, key)
    bank = bank if total else None
    note = note or f"Payment of {numbers}"
    return _payment_record(
        bk, _PAYABLE, payment_id, supplier, bank, total, bk.date(t), note, shaped_lines, reference
    )


def _bill_payment_line(
    check: Check,
    written: Written,
    line: Any,
    item: str,
    supplier: dict[str, str] | None,
    t: int | None,
    taken: dict[str, int],
) -> tuple[int, list[Record]] | None:
    """One checked line of a bill payment: (the money it moves, its links in Codat's signs)."""
    if not isinstance(line, dict):
        check.fail(item, "must be an object")
        return None
    amount = check.pence(line.get("amount"), f"{item}.amount")
    if amount is not None and amount < 0:
        check.fail(f"{item}.amount", "must not be negative: the Sandbox takes no refunds")
        amount = None
    links = line.get("links")
    if links is None or links == []:  # no links: the money stays on the supplier's account
        return _on_account(check, [{"type": "PaymentOnAccount"}], item, supplier, amount)
    if not isinstance(links, list):
        check.fail(f"{item}.links", "must be a list")
        return None
    if any(isinstance(link, dict) and link.get("type") == "PaymentOnAccount" for link in links):
        return _on_account(check, links, item, supplier, amount)
    linked = 0
    shaped: list[Record] = []
    for m, link in enumerate(links):
        link_item = f"{item}.links.{m}"
        document = _linked_bill(check, written, link, link_item, supplier, t)
        link_amount = check.pence(
            link.get("amount") if isinstance(link, dict) else None, f"{link_item}.amount"
        )
        if document is None or link_amount is None:
            continue
        is_bill = document.id in written.bills
        if (link_amount >= 0) if is_bill else (link_amount <= 0):
            check.fail(
                f"{link_item}.amount",
                "must be negative: a payment takes what it pays off the bill"
                if is_bill
                else "must be positive: the credit the line uses from the credit note",
            )
            continue
        linked += link_amount
        taken[document.id] = taken.get(document.id, 0) + abs(link_amount)
        shaped.append(
            payment_link("Bill" if is_bill else "CreditNote", document.id, _money(abs(link_amount)), 1)
        )
    if amount is None or len(shaped) != len(links):
        return None
    if amount + linked != 0:
        check.fail(
            f"{item}.amount",
            f"{_money(amount):.2f} is not what its links take off the bills, less the credit notes' "
            f"credit used ({_money(-linked):.2f})",
        )
        return None
    return amount, shaped


def _on_account(
    check: Check, links: list[Any], item: str, supplier: dict[str, str] | None, amount: int | None
) -> tuple[int, list[Record]] | None:
    """A line paid on account: to the supplier, allocated to no bill (Codat: one link of type
    `PaymentOnAccount`, its id the supplier's, its amount 0 or the line's, negative; or no links)."""
    if len(links) != 1:
        check.fail(
            f"{item}.links", "A payment on account has one link, of type PaymentOnAccount, and no other"
        )
        return None
    link = links[0]
    link_id = link.get("id")
    if link_id is not None and supplier is not None and link_id != supplier["id"]:
        check.fail(f"{item}.links.0.id", "A payment on account is to the payment's supplier: its id or none")
    link_amount = check.pence(link.get("amount"), f"{item}.links.0.amount", required=False)
    if amount is not None and amount <= 0:
        check.fail(f"{item}.amount", "A payment on account must be for more than 0.00")
        return None
    if amount is not None and link_amount not in (None, 0, -amount):
        check.fail(f"{item}.links.0.amount", "must be 0 or the line's amount, negative")
    if amount is None or supplier is None:
        return None
    return amount, [payment_link("PaymentOnAccount", supplier["id"], _money(amount), 1)]


def _linked_bill(
    check: Check, written: Written, link: Any, item: str, supplier: dict[str, str] | None, t: int | None
) -> WrittenDocument | None:
    """The written bill or bill credit note a bill payment's link names, to the payment's supplier."""
    if not isinstance(link, dict):
        check.fail(item, "must be an object")
        return None
    kind = link.get("type")
    if kind not in ("Bill", "CreditNote"):
        check.fail(
            f"{item}.type",
            f"The Sandbox allocates bill payments to bills, credit notes or on account, not {kind!r}",
        )
        return None
    check.currency_rate(link.get("currencyRate"), f"{item}.currencyRate")
    settled = _PAYABLE.documents[0 if kind == "Bill" else 1]
    return _linked_document(check, _PAYABLE, settled, link.get("id"), item, supplier, t)
