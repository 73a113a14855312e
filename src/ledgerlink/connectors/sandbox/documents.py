"""Codat-shaped records of the Accounting Sandbox's books, as they stand at a simulated moment T.

`pull()` streams one data type: it yields records (dicts, in Codat's shapes), deleted ids (str), and None as
a "tick" during long computations (so the async connector can give the event loop a turn). Money is pence in
`books` and JSON numbers here (`pence / 100`, exact to 2 dp).

For speed, records share read-only sub-objects (account, tax rate, item and contact refs, invoice line items):
serialise them, never mutate them.

Payment allocations, payment lines and their links, refs and the balance sheet and profit and loss are built
with `connectors.codat_shapes`, as the platform connectors build theirs, and so carry Codat's signs: an
invoice's or bill's `paymentAllocations[].allocation.totalAmount` is negative (it reduces what is due), so
`amountDue = totalAmount + sum(allocation.totalAmount)`; a credit note's allocation is positive (it uses up
credit), so `remainingCredit = totalAmount - sum(allocation.totalAmount)`. A void invoice or bill has
`amountDue` 0 and status `Void`; an invoice's `paidOnDate` is set once it is `Paid`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.codat_shapes import (
    PROFIT_AND_LOSS_PARTS,
    ReportColumn,
    balance_sheet,
    payment_allocation,
    payment_line,
    payment_link,
    profit_and_loss,
    record_ref,
    report_line,
    source_modified,
)
from ledgerlink.connectors.mapped import Record
from ledgerlink.connectors.sandbox import banking
from ledgerlink.connectors.sandbox.books import (
    A_RETAINED,
    AC,
    ACCOUNTS,
    ARCHIVED,
    BANK_ACCOUNTS,
    BT_KIND,
    CF_CATEGORIES,
    CURRENCY,
    HORIZON_DAYS,
    JOURNALS,
    K_CUSTOMER,
    K_DIRECT_COST,
    K_DIRECT_INCOME,
    K_INVOICE,
    K_SUPPLIER,
    TAX_RATES,
    TRACKING,
    AccountingBooks,
    CreditNote,
    Direct,
    Document,
    Entry,
    Ledger,
)
from ledgerlink.connectors.sandbox.simulation import (
    DAY,
    DELETE,
    EMIT,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    Item,
    Window,
)
from ledgerlink.connectors.sandbox.writes import (
    V,
    WrittenBill,
    WrittenDocument,
    WrittenEntry,
    WrittenRecord,
    WrittenTransfer,
)

# Names and places of contacts and of the company itself (they begin as the other sandboxes' do).
_FIRST = (
    *FIRST_NAMES[:14],
    "Harry",
    "Leo",
    "Muhammad",
    "Jack",
    "Charlie",
    "Oscar",
    "Priya",
    "Tomasz",
    "Aisha",
    "Chen",
    "Fatima",
    "Kwame",
    "Niamh",
    "Rhys",
    "Sofia",
    "Mateo",
)
_LAST = (*LAST_NAMES[:24], "Murphy", "Kowalski", "Okafor", "Nguyen", "Campbell", "Price")
_CITIES = (
    ("London", "Greater London", "EC1"),
    ("Manchester", "Greater Manchester", "M1"),
    ("Birmingham", "West Midlands", "B1"),
    ("Leeds", "West Yorkshire", "LS1"),
    ("Bristol", "Bristol", "BS1"),
    ("Glasgow", "Lanarkshire", "G1"),
    ("Edinburgh", "Midlothian", "EH1"),
    ("Cardiff", "South Glamorgan", "CF10"),
    ("Liverpool", "Merseyside", "L1"),
    ("Newcastle", "Tyne and Wear", "NE1"),
    ("Nottingham", "Nottinghamshire", "NG1"),
    ("Sheffield", "South Yorkshire", "S1"),
    ("Brighton", "East Sussex", "BN1"),
    ("Oxford", "Oxfordshire", "OX1"),
    ("Cambridge", "Cambridgeshire", "CB1"),
    ("Belfast", "County Antrim", "BT1"),
)
_STREETS = (
    *STREETS[:6],
    "Queen's Road",
    "Park Avenue",
    "Market Square",
    "Bridge Street",
    "Castle Street",
    "The Parade",
)

LIST_TYPES = (
    "chartOfAccounts",
    "customers",
    "suppliers",
    "items",
    "taxRates",
    "trackingCategories",
    "invoices",
    "creditNotes",
    "bills",
    "billCreditNotes",
    "billPayments",
    "payments",
    "journalEntries",
    "journals",
    "bankAccounts",
    "bankTransactions",
    "directCosts",
    "directIncomes",
    "transfers",
    "purchaseOrders",
)
STATEMENT_TYPES = ("balanceSheet", "profitAndLoss", "cashFlowStatement")
DATA_TYPES = (*LIST_TYPES, "company", *STATEMENT_TYPES)


def pull(books: AccountingBooks, data_type: str, w: Window) -> Iterator[Item]:
    """Records of `data_type` as of `w.T` (or only those changed in `(w.S, w.T]`, plus ids deleted in it)."""
    if w.S is not None and w.S >= w.T:
        return iter(())
    if data_type in STATEMENT_TYPES:
        return _statements(books, data_type, w)
    return _VIEWS[data_type](books, w)


def _money(pence: int) -> float:
    return pence / 100


# -------------------------------------------------------------------------------------------------- contacts
def _contact_record(bk: AccountingBooks, k: int, supplier: bool, T: int, life: tuple) -> dict[str, Any]:
    created, changed, archived, _terms = life
    h = bk.contact_hash(k, supplier)
    name = bk.supplier_name(k) if supplier else bk.customer_name(k)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
    first, last = _FIRST[(h >> 3) % 30], _LAST[(h >> 9) % 30]
    contact = f"{first} {last}"
    email_changed = changed is not None and changed <= T
    email = f"{'finance' if email_changed else 'accounts'}@{slug}.co.uk"
    city, region, postcode = _CITIES[(h >> 15) % len(_CITIES)]
    phone = f"+44 {20 + (h >> 19) % 80} {(h >> 26) % 10000:04d} {(h >> 40) % 10000:04d}"
    address = {
        "type": "Billing",
        "line1": f"{1 + (h >> 50) % 200} {_STREETS[(h >> 58) % len(_STREETS)]}",
        "city": city,
        "region": region,
        "country": "United Kingdom",
        "postalCode": f"{postcode} {1 + (h >> 33) % 9}{'ABDEFGHJLNPQRSTUWXYZ'[(h >> 37) % 20]}"
        f"{'ABDEFGHJLNPQRSTUWXYZ'[(h >> 44) % 20]}",
    }
    status = "Archived" if archived is not None and archived <= T else "Active"
    last_event = created
    if email_changed:
        last_event = changed
    if status == "Archived" and archived > last_event:
        last_event = archived
    record: dict[str, Any] = {"id": bk.rid(K_SUPPLIER if supplier else K_CUSTOMER, 0, k)}
    if supplier:
        record["supplierName"] = name
    else:
        record["customerName"] = name
    record.update(
        {
            "contactName": contact,
            "emailAddress": email,
            "phone": phone,
            "addresses": [address],
            "registrationNumber": f"{(h >> 5) % 100_000_000:08d}",
            "taxNumber": f"GB{(h >> 11) % 1_000_000_000:09d}",
            "status": status,
            "defaultCurrency": CURRENCY,
        }
    )
    if not supplier:
        record["contacts"] = [
            {
                "name": contact,
                "email": email,
                "phone": [{"number": phone, "type": "Primary"}],
                "address": address,
                "status": status,
            }
        ]
    return source_modified(record, bk.ts(last_event))


def _contacts(bk: AccountingBooks, w: Window, supplier: bool) -> Iterator[Item]:
    T, S = w.T, w.S
    if T < 0:
        return
    n = bk.n_suppliers(T // DAY) if supplier else bk.n_customers(T // DAY)
    for k in range(n):
        life = bk.contact_life(k, supplier)
        created, changed, archived, _ = life
        if created > T:
            continue
        if S is not None:
            last = created
            if changed is not None and changed <= T:
                last = changed
            if archived is not None and last < archived <= T:
                last = archived
            if last <= S:
                continue
        yield _contact_record(bk, k, supplier, T, life)
        if k & 1023 == 1023:
            yield None


def _customers(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _contacts(bk, w, False)
    if bk.written:
        for customer in _written_versions(bk.written.customers, w):
            yield customer if isinstance(customer, str) else _written_customer(bk, customer)


def _suppliers(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _contacts(bk, w, True)
    if bk.written:
        for supplier in _written_versions(bk.written.suppliers, w):
            yield supplier if isinstance(supplier, str) else _written_supplier(bk, supplier)


# ------------------------------------------------------------------------------------------------ catalogues
def _items(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _generated_items(bk, w)
    if bk.written:
        yield from _written_records(bk, w, bk.written.items)


def _generated_items(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    if T < 0:
        return
    day = T // DAY
    for it in bk.items:
        change = it.last_change_day(day)
        last = 0 if change is None else change * DAY
        if S is not None and last <= S:
            continue
        tax_ref = bk.tax_refs[it.tax_i]
        record: dict[str, Any] = {
            "id": it.id,
            "name": it.name,
            "code": it.code,
            "itemStatus": "Active",
            "type": it.type,
            "isBillItem": it.is_bill,
            "isInvoiceItem": True,
            "invoiceItem": {
                "description": it.name,
                "unitPrice": _money(it.sale_price(day)),
                "accountRef": bk.account_refs[it.income_acc],
                "taxRateRef": tax_ref,
            },
        }
        if it.is_bill:
            record["billItem"] = {
                "description": it.name,
                "unitPrice": _money(it.buy_price(day)),
                "accountRef": bk.account_refs[AC["cogs"]],
                "taxRateRef": tax_ref,
            }
        yield source_modified(record, bk.ts(last))


def _tax_rates(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    if T < 0 or (S is not None and S >= 0):
        return
    for i, (_key, name, code, pct) in enumerate(TAX_RATES):
        yield {
            "id": bk.tax_ids[i],
            "name": name,
            "code": code,
            "status": "Active",
            "effectiveTaxRate": pct,
            "totalTaxRate": pct,
            "components": [{"name": name, "rate": pct, "isCompound": False}],
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": bk.ts(0),
        }


def _tracking_categories(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    for i, (name, parent, created_day) in enumerate(TRACKING):
        created = created_day * DAY
        if created > T or (S is not None and created <= S):
            continue
        record: dict[str, Any] = {"id": bk.tracking_ids[i], "name": name, "status": "Active"}
        if parent >= 0:
            record["parentId"] = bk.tracking_ids[parent]
        record["hasChildren"] = any(p == i for _n, p, _d in TRACKING)
        record["sourceModifiedDate"] = bk.ts(created)
        yield record


def _journals(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _generated_journals(bk, w)
    if bk.written:
        for journal in _written_records(bk, w, bk.written.journals):
            yield (
                journal
                if isinstance(journal, str)
                else {**journal, "createdOn": journal["sourceModifiedDate"]}
            )


def _generated_journals(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    if T < 0 or (S is not None and S >= 0):
        return
    for i, (name, code, type_) in enumerate(JOURNALS):
        yield {
            "id": bk.journal_ids[i],
            "journalCode": code,
            "name": name,
            "type": type_,
            "hasChildren": False,
            "createdOn": bk.ts(0),
            "status": "Active",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": bk.ts(0),
        }


def _company(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T = w.T
    if T < 0:
        return
    h = bk.seed
    name = bk.customer_name(int(h % 5400))
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
    city, region, postcode = _CITIES[(h >> 8) % len(_CITIES)]
    fy_month = (1, 4, 4, 7, 10)[(h >> 16) % 5]
    fy_year = bk.start.year - (1 if bk.start.month < fy_month else 0)
    yield {
        "companyName": name,
        "accountingPlatformRef": str(bk.company_id),
        "companyLegalName": name if name.endswith(("Ltd", "Limited", "LLP")) else f"{name} Ltd",
        "addresses": [
            {
                "type": "Billing",
                "line1": f"{1 + (h >> 20) % 120} {_STREETS[(h >> 28) % len(_STREETS)]}",
                "city": city,
                "region": region,
                "country": "United Kingdom",
                "postalCode": f"{postcode} {1 + (h >> 32) % 9}AB",
            }
        ],
        "phoneNumbers": [
            {
                "number": f"+44 {20 + (h >> 36) % 80} {(h >> 40) % 10000:04d} {(h >> 48) % 10000:04d}",
                "type": "Primary",
            }
        ],
        "webLinks": [{"type": "Website", "url": f"https://www.{slug}.co.uk"}],
        "registrationNumber": f"{(h >> 4) % 100_000_000:08d}",
        "taxNumber": f"GB{(h >> 12) % 1_000_000_000:09d}",
        "financialYearStartDate": f"{fy_year:04d}-{fy_month:02d}-01T00:00:00",
        "baseCurrency": CURRENCY,
        "sourceUrls": {},
        "createdDate": bk.ts(0),
    }


# ------------------------------------------------------------------------------------------------- documents
def _line_items(bk: AccountingBooks, lines: list, kind: str) -> list[dict[str, Any]]:
    """Codat line items. Invoice lines are shared between invoices, so their shape is built once per line."""
    if kind == "invoice":
        out = []
        for ln in lines:
            shape = ln.shape
            if shape is None:
                shape = ln.shape = _line_shapes(bk, (ln,), kind)[0]
            out.append(shape)
        return out
    return _line_shapes(bk, lines, kind)


def _line_shapes(bk: AccountingBooks, lines: list | tuple, kind: str) -> list[dict[str, Any]]:
    out = []
    acc_refs, tax_refs, trk_refs, items = bk.account_refs, bk.tax_refs, bk.tracking_refs, bk.items
    for n, ln in enumerate(lines):
        cats = [trk_refs[ln.track]] if ln.track >= 0 else []
        d: dict[str, Any] = {}
        if kind == "bill":
            d["lineNumber"] = str(n + 1)
        d.update(
            {
                "description": ln.desc,
                "unitAmount": ln.unit / 100,
                "quantity": ln.qty,
                "discountAmount": 0,
                "subTotal": ln.sub / 100,
                "taxAmount": ln.tax / 100,
                "totalAmount": (ln.sub + ln.tax) / 100,
                "discountPercentage": 0,
                "accountRef": acc_refs[ln.acc],
                "taxRateRef": tax_refs[ln.tax_i],
            }
        )
        if ln.item >= 0:
            d["itemRef"] = items[ln.item].ref
        d["trackingCategoryRefs"] = cats
        if kind == "invoice" or kind == "bill":
            d["tracking"] = {
                "categoryRefs": cats,
                "isBilledTo": "NotApplicable",
                "isRebilledTo": "NotApplicable",
            }
            d["isDirectIncome" if kind == "invoice" else "isDirectCost"] = False
        elif kind == "directCost":
            d["tracking"] = {"recordRefs": [record_ref(c["id"], "trackingCategories") for c in cats]}
        out.append(d)
    return out


def _allocation(
    bk: AccountingBooks,
    document: str,
    pay_id: str,
    t: int,
    paid: int,
    allocated: int,
    account_ref: Record | None,
    note: str,
    reference: str,
) -> Record:
    """One of a `document`'s (its data type's) payment allocations: `paid` and `allocated` are pence, not yet
    signed (Codat's signs are the document type's); the books hold one currency, so both rates are 1."""
    when = bk.date(t)
    return payment_allocation(
        document,
        payment_id=pay_id,
        paid=paid / 100,
        allocated=allocated / 100,
        currency=CURRENCY,
        currency_rate=1,
        paid_on=when,
        allocated_on=when,
        note=note,
        reference=reference,
        account_ref=account_ref,
        payment_currency_rate=1,
    )


def _document_state(bk: AccountingBooks, doc: Document, T: int) -> tuple[list, int, int | None, bool]:
    """(payment allocations, pence allocated, time of the last allocation, void) of a document as of T."""
    allocations = []
    allocated = 0
    last_paid = None
    paid = _INVOICE_PAYMENT if doc.kind == K_INVOICE else _BILL_PAYMENT
    cn = doc.cn
    if cn is not None and cn.t_alloc <= T:
        allocations.append(
            _allocation(
                bk,
                paid.document,
                cn.alloc_id,
                cn.t_alloc,
                0,
                cn.total,
                None,
                f"Credit note {cn.number} allocated to {doc.number}",
                cn.number,
            )
        )
        allocated += cn.total
        last_paid = cn.t_alloc
    for p in doc.pays:
        if p.t <= T:
            numbers = p.numbers or doc.number
            allocations.append(
                _allocation(
                    bk,
                    paid.document,
                    p.id,
                    p.t,
                    p.total,
                    p.amount,
                    bk.account_refs[p.bank],
                    f"{paid.note} {numbers}",
                    numbers,
                )
            )
            allocated += p.amount
            if last_paid is None or p.t > last_paid:
                last_paid = p.t
    void = doc.t_void is not None and doc.t_void <= T
    return allocations, allocated, last_paid, void


def _invoice_record(bk: AccountingBooks, doc: Document, T: int) -> dict[str, Any]:
    allocations, allocated, last_paid, void = _document_state(bk, doc, T)
    due = 0 if void else doc.total - allocated
    status = "Void" if void else "Paid" if due == 0 else "PartiallyPaid" if allocated else "Submitted"
    k = doc.contact
    extended = doc.t_edit is not None and doc.t_edit <= T
    record: dict[str, Any] = {
        "id": doc.id,
        "invoiceNumber": doc.number,
        "customerRef": bk.customer_ref(k),
        "salesOrderRefs": [],
        "issueDate": bk.date(doc.t0),
        "dueDate": bk.day_date(doc.due_day + (14 if extended else 0)),
    }
    if status == "Paid" and last_paid is not None:
        record["paidOnDate"] = bk.date(last_paid)
    record.update(
        {
            "currency": CURRENCY,
            "currencyRate": 1,
            "lineItems": _line_items(bk, doc.lines, "invoice"),
            "paymentAllocations": allocations,
            "withholdingTax": [],
            "totalDiscount": 0,
            "subTotal": doc.sub / 100,
            "additionalTaxAmount": 0,
            "additionalTaxPercentage": 0,
            "totalTaxAmount": doc.tax / 100,
            "totalAmount": doc.total / 100,
            "amountDue": due / 100,
            "discountPercentage": 0,
            "status": status,
            "note": "Due date extended by 14 days" if extended else "",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": bk.ts(doc.last_event(T)),
        }
    )
    return record


def _bill_record(bk: AccountingBooks, doc: Document, T: int) -> dict[str, Any]:
    allocations, allocated, _last_paid, void = _document_state(bk, doc, T)
    due = 0 if void else doc.total - allocated
    status = "Void" if void else "Paid" if due == 0 else "PartiallyPaid" if allocated else "Open"
    k = doc.contact
    extended = doc.t_edit is not None and doc.t_edit <= T
    return {
        "id": doc.id,
        "reference": doc.number,
        "supplierRef": bk.supplier_ref(k),
        "purchaseOrderRefs": [],
        "issueDate": bk.date(doc.t0),
        "dueDate": bk.day_date(doc.due_day + (14 if extended else 0)),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": _line_items(bk, doc.lines, "bill"),
        "withholdingTax": [],
        "status": status,
        "subTotal": doc.sub / 100,
        "taxAmount": doc.tax / 100,
        "totalAmount": doc.total / 100,
        "amountDue": due / 100,
        "note": "Due date extended by 14 days" if extended else "",
        "paymentAllocations": allocations,
        "metadata": {"isDeleted": False},
        "sourceModifiedDate": bk.ts(doc.last_event(T)),
    }


def _documents(
    bk: AccountingBooks,
    w: Window,
    documents: Callable[[AccountingBooks, int], list[Document]],
    record: Callable[[AccountingBooks, Document, int], Record],
) -> Iterator[Item]:
    """The books' invoices or bills (`documents` of a day, each shaped by `record`) the window wants: their
    records, or the ids of those deleted in it."""
    T, tmin = w.T, w.created_from
    for day in range(w.first_day(HORIZON_DAYS, dated=True), T // DAY + 1):
        for doc in documents(bk, day):
            if doc.t0 < tmin:
                continue
            state = w.wants(doc.t0, doc.last_event(T), doc.t_del)
            if state == EMIT:
                yield record(bk, doc, T)
            elif state == DELETE:
                yield doc.id


def _invoices(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T = w.T
    yield from _documents(bk, w, AccountingBooks.sales, _invoice_record)
    if bk.written:
        for invoice in _written_versions(bk.written.invoices, w, dated=True):
            yield invoice if isinstance(invoice, str) else _written_invoice(bk, invoice, T)


def _bills(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _documents(bk, w, AccountingBooks.purchases, _bill_record)
    yield from _written_bills(bk, w, "bills")


def _credit_notes(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _credit_notes_of(bk, w, _INVOICE_PAYMENT)
    if bk.written:
        for note in _written_versions(bk.written.credit_notes, w, dated=True):
            yield note if isinstance(note, str) else _written_credit_note(bk, note, w.T)


def _bill_credit_notes(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _credit_notes_of(bk, w, _BILL_PAYMENT)
    yield from _written_bills(bk, w, "billCreditNotes")


def _credit_notes_of(bk: AccountingBooks, w: Window, paid: _Paid) -> Iterator[Item]:
    """The credit notes of the books' invoices or bills (`paid`): customers' (`creditNotes`) or suppliers'
    (`billCreditNotes`), each allocated to its document or held on account."""
    T, S, tmin = w.T, w.S, w.created_from
    kind = paid.credit_notes
    for day in range(w.first_day(HORIZON_DAYS, dated=True), T // DAY + 1):
        for doc in paid.documents(bk, day):
            cn = doc.cn
            if cn is None or cn.t > T or cn.t < tmin:
                continue
            allocated = cn.t_alloc <= T
            last = cn.t_alloc if allocated else cn.t
            if S is not None and last <= S:
                continue
            record: dict[str, Any] = {
                "id": cn.id,
                paid.credit_note_number: cn.number,
                paid.contact_key: paid.contact_ref(bk, doc.contact),
                "withholdingTax": [],
                "totalAmount": cn.total / 100,
                "totalDiscount": 0,
                "subTotal": cn.sub / 100,
            }
            if kind == "creditNotes":
                record.update({"additionalTaxAmount": 0, "additionalTaxPercentage": 0})
            record.update(
                {
                    "totalTaxAmount": cn.tax / 100,
                    "discountPercentage": 0,
                    "remainingCredit": 0 if allocated else cn.total / 100,
                    "status": "Paid" if allocated else "Submitted",
                    "issueDate": bk.date(cn.t),
                }
            )
            if allocated:
                record["allocatedOnDate"] = bk.date(cn.t_alloc)
            record.update(
                {
                    "currency": CURRENCY,
                    "currencyRate": 1,
                    "lineItems": _line_items(bk, cn.lines, paid.line_kind),
                    "paymentAllocations": [
                        _allocation(
                            bk,
                            kind,
                            cn.alloc_id,
                            cn.t_alloc,
                            0,
                            cn.total,
                            None,
                            f"Credit note {cn.number} allocated to {doc.number}",
                            cn.number,
                        )
                    ]
                    if allocated
                    else [],
                    "note": f"Credit against {paid.line_kind} {doc.number}",
                    "metadata": {"isDeleted": False},
                    "sourceModifiedDate": bk.ts(last),
                }
            )
            yield record


@dataclass(frozen=True, slots=True)
class _Paid:
    """How the books' payments of one kind of document differ, a customer's of an invoice from a bill
    payment to a supplier: in one shape otherwise, both as `payments`/`billPayments` records and as the
    documents' payment allocations."""

    document: str  # the data type of the document paid
    documents: Callable[[AccountingBooks, int], list[Document]]  # those created on a day
    contact_key: str  # the payment's ref to whoever paid or was paid
    contact_ref: Callable[[AccountingBooks, int], Record]
    note: str  # the payment's note, before the document's number
    link_type: str  # the type of the payment line's link to the document
    line_kind: str  # the document's kind in its line items' shape and in notes: invoice, bill
    credit_notes: str  # the data type of the documents' credit notes
    credit_note_number: str  # the key of a credit note's number


_INVOICE_PAYMENT = _Paid(
    "invoices",
    AccountingBooks.sales,
    "customerRef",
    AccountingBooks.customer_ref,
    "Payment for",
    "Invoice",
    "invoice",
    "creditNotes",
    "creditNoteNumber",
)
_BILL_PAYMENT = _Paid(
    "bills",
    AccountingBooks.purchases,
    "supplierRef",
    AccountingBooks.supplier_ref,
    "Payment of",
    "Bill",
    "bill",
    "billCreditNotes",
    "billCreditNoteNumber",
)


def _document_payments(bk: AccountingBooks, w: Window, paid: _Paid) -> Iterator[Item]:
    """The payments of the books' invoices or bills (`paid`) made in the window, each in full: a line per
    document it pays (one, or a remittance's), linked to it. A credit note allocated to its invoice is a
    payment too (of 0)."""
    T, S, tmin = w.T, w.S, w.created_from
    contact_key, contact_ref, note, link_type = paid.contact_key, paid.contact_ref, paid.note, paid.link_type
    date, ts, account_refs = bk.date, bk.ts, bk.account_refs
    for day in range(w.first_day(HORIZON_DAYS, dated=True), T // DAY + 1):
        for doc in paid.documents(bk, day):
            cn = doc.cn
            if cn is not None and tmin <= cn.t_alloc <= T and (S is None or cn.t_alloc > S):
                yield _credit_note_allocation(bk, doc, cn, paid)
            for p in doc.pays:
                if p.t > T or p.t < tmin or (S is not None and p.t <= S) or not p.lead:
                    continue  # a remittance is yielded once, with its lead document
                when = date(p.t)
                parts = p.batch or ((doc.id, doc.number, p.amount),)
                numbers = p.numbers or doc.number
                yield {
                    "id": p.id,
                    contact_key: contact_ref(bk, doc.contact),
                    "accountRef": account_refs[p.bank],
                    "totalAmount": p.total / 100,
                    "currency": CURRENCY,
                    "currencyRate": 1,
                    "date": when,
                    "note": f"{note} {numbers}",
                    "lines": [
                        payment_line(part / 100, [payment_link(link_type, doc_id, part / 100, 1)], when)
                        for doc_id, _number, part in parts
                    ],
                    "reference": numbers,
                    "metadata": {"isDeleted": False},
                    "sourceModifiedDate": ts(p.t),
                }


def _credit_note_allocation(bk: AccountingBooks, doc: Document, cn: CreditNote, paid: _Paid) -> Record:
    """A credit note allocated to its invoice or bill (`paid`), as Codat shows it: a payment (or bill
    payment) of 0 whose line links both."""
    when = bk.date(cn.t_alloc)
    links = [
        payment_link(paid.link_type, doc.id, cn.total / 100, 1),
        payment_link("CreditNote", cn.id, cn.total / 100, 1),
    ]
    return {
        "id": cn.alloc_id,
        paid.contact_key: paid.contact_ref(bk, doc.contact),
        "totalAmount": 0,
        "currency": CURRENCY,
        "currencyRate": 1,
        "date": when,
        "note": f"Credit note {cn.number} allocated to {doc.number}",
        "lines": [payment_line(0, links, when)],
        "reference": cn.number,
        "metadata": {"isDeleted": False},
        "sourceModifiedDate": bk.ts(cn.t_alloc),
    }


def _payments(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _document_payments(bk, w, _INVOICE_PAYMENT)
    yield from _written_payments(bk, w)


def _written_payments(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    if bk.written:
        for payment in _written_versions(bk.written.payments, w, dated=True):
            yield payment if isinstance(payment, str) else _written_payment(bk, payment)


def _bill_payments(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _document_payments(bk, w, _BILL_PAYMENT)
    if bk.written:
        for payment in _written_versions(bk.written.bill_payments, w, dated=True):
            yield payment if isinstance(payment, str) else _written_listed(bk, payment)


def _purchase_orders(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    """Purchase orders: the books have none of their own (they buy on account), only those written."""
    if bk.written:
        for order in _written_versions(bk.written.purchase_orders, w, dated=True):
            yield order if isinstance(order, str) else _written_listed(bk, order)


# ------------------------------------------------------------------------------------------------------ cash
def _direct_record(bk: AccountingBooks, x: Direct) -> dict[str, Any]:
    is_cost = x.kind == K_DIRECT_COST
    record: dict[str, Any] = {"id": x.id, "reference": x.reference, "note": x.note}
    if x.contact >= 0:
        record["contactRef"] = bk.supplier_contact(x.contact) if is_cost else bk.customer_contact(x.contact)
    record.update(
        {
            "issueDate": bk.date(x.t),
            "currency": CURRENCY,
            "currencyRate": 1,
            "lineItems": _line_items(bk, x.lines, "directCost" if is_cost else "directIncome"),
            "paymentAllocations": [
                _allocation(
                    bk,
                    "directCosts" if is_cost else "directIncomes",
                    bk.rid(BT_KIND[x.kind], x.day, x.idx, 0),
                    x.t,
                    x.total,
                    x.total,
                    bk.account_refs[x.bank],
                    x.note,
                    x.reference,
                )
            ],
            "subTotal": x.sub / 100,
            "taxAmount": x.tax / 100,
            "totalAmount": x.total / 100,
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": bk.ts(x.t),
        }
    )
    return record


def _directs(bk: AccountingBooks, w: Window, kind: str) -> Iterator[Item]:
    T, S, tmin = w.T, w.S, w.created_from
    for day in range(w.first_day(0, dated=True), T // DAY + 1):
        costs, _transfers = bk.direct(day)
        for x in costs:
            if x.kind != kind or x.t > T or x.t < tmin or (S is not None and x.t <= S):
                continue
            yield _direct_record(bk, x)


def _direct_costs(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _directs(bk, w, K_DIRECT_COST)
    if bk.written:
        yield from _written_records(bk, w, bk.written.direct_costs)


def _direct_incomes(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _directs(bk, w, K_DIRECT_INCOME)
    if bk.written:
        yield from _written_records(bk, w, bk.written.direct_incomes)


def _written_records(
    bk: AccountingBooks, w: Window, records: dict[str, WrittenRecord]
) -> Iterator[dict[str, Any] | str]:
    """Records written through the API listed as written (direct costs and incomes, items, journals), and
    the ids of those deleted."""
    for version in _written_versions(records, w, dated=True):
        yield version if isinstance(version, str) else _stamped(bk, version.record, version.w)


def _written_transfer(bk: AccountingBooks, transfer: WrittenTransfer, T: int) -> dict[str, Any]:
    """A transfer written through the API: Reconciled once its bank transactions are (a day after W)."""
    return _stamped(
        bk,
        {**transfer.record, "status": "Reconciled" if transfer.w + DAY <= T else "Unreconciled"},
        transfer.last_event(T),
    )


def _transfers(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    yield from _generated_transfers(bk, w)
    if bk.written:
        for transfer in _written_versions(bk.written.transfers, w, dated=True):
            yield transfer if isinstance(transfer, str) else _written_transfer(bk, transfer, w.T)


def _generated_transfers(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S, tmin = w.T, w.S, w.created_from
    for day in range(w.first_day(7, dated=True), T // DAY + 1):
        _costs, transfers = bk.direct(day)
        for x in transfers:
            if x.t > T or x.t < tmin:
                continue
            reconciled = x.t_rec <= T
            last = x.t_rec if reconciled else x.t
            if S is not None and last <= S:
                continue
            amount = x.amount / 100
            yield {
                "id": x.id,
                "description": x.desc,
                "date": bk.date(x.t),
                "from": {"accountRef": bk.bank_record_refs[x.src], "currency": CURRENCY, "amount": amount},
                "to": {"accountRef": bk.bank_record_refs[x.dst], "currency": CURRENCY, "amount": amount},
                "status": "Reconciled" if reconciled else "Unreconciled",
                "trackingCategoryRefs": [],
                "depositedRecordRefs": [],
                "metadata": {"isDeleted": False},
                "sourceModifiedDate": bk.ts(last),
            }


# ---------------------------------------------------------------------------------------------------- ledger
def _journal_entry_record(bk: AccountingBooks, e: Entry) -> dict[str, Any]:
    acc_refs = bk.account_refs
    lines = []
    for a, c, contact in e.lines:
        line: dict[str, Any] = {
            "description": e.desc,
            "netAmount": c / 100,
            "currency": CURRENCY,
            "accountRef": acc_refs[a],
        }
        if contact is not None:
            line["contactRef"] = contact
        lines.append(line)
    stamp = bk.ts(e.t)
    record: dict[str, Any] = {
        "id": e.id,
        "description": e.desc,
        "postedOn": bk.date(e.t),
        "createdOn": stamp,
        "updatedOn": stamp,
        "journalRef": bk.journal_refs[e.journal],
        "journalLines": lines,
    }
    if e.ref_id is not None and e.ref_type is not None:  # posted by a document: the entry refers to it
        record["recordRef"] = record_ref(e.ref_id, e.ref_type)
    return source_modified(record, stamp)


def _journal_entries(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, tmin = w.T, w.created_from
    first = w.first_day(HORIZON_DAYS, dated=True)
    yield from bk.till.ticks(first)  # the till's days before `first`, summed with the loop's turns
    for day in range(first, T // DAY + 1):
        for e in bk.entries(day):
            if e.t < tmin:
                continue
            state = w.wants(e.t, e.t, e.t_del)
            if state == EMIT:
                yield _journal_entry_record(bk, e)
            elif state == DELETE:
                yield e.id
    if bk.written:
        for entry in bk.written.entries:
            if entry.t >= tmin:
                state = w.wants(entry.w, entry.w, entry.t_del)
                if state == EMIT:
                    yield _written_entry(bk, entry)
                elif state == DELETE:
                    yield entry.id


def _chart_of_accounts(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    ledger = None
    for tick in bk.ledger(T, S):
        if tick is None:
            yield None
        else:
            ledger = tick
    if ledger is None or T < 0:
        return
    balances = ledger.balances()
    written = bk.written.accounts if bk.written else {}
    for a in range(len(bk.chart)):
        account = written.get(a)
        if account is not None and account.created > T:
            continue
        # A written account changed when it was written, and when it was last posted to.
        last = max(ledger.last_change[a], account.w if account is not None else 0)
        if S is not None and last <= S:
            continue
        yield _account_record(bk, a, balances[a], last)


def _account_record(bk: AccountingBooks, a: int, balance: int, last: int) -> dict[str, Any]:
    _key, code, name, type_, fqc, _section = bk.chart[a]
    account = bk.written.accounts.get(a) if bk.written else None
    return {
        "id": bk.account_ids[a],
        "nominalCode": code,
        "name": name,
        "description": account.description if account is not None else name,
        "fullyQualifiedCategory": fqc,
        "fullyQualifiedName": f"{fqc}.{name}",
        "currency": CURRENCY,
        "currentBalance": balance / 100,
        "type": type_,
        "status": "Archived" if a in ARCHIVED else "Active",
        "isBankAccount": bk.is_bank[a],
        "metadata": {"isDeleted": False},
        "sourceModifiedDate": bk.ts(last),
    }


def _bank_account_record(bk: AccountingBooks, a: int, balance: int, last: int) -> dict[str, Any]:
    """A bank account of the books: the Banking Sandbox's account of the same name, with its number, sort
    code and IBAN, at the bank the business banks with (the bank carries these books: `bankfeed.py`)."""
    n = BANK_ACCOUNTS.index(a)
    name = banking.ACCOUNT_SPECS[n][1]
    number, sort_code, iban = banking.account_identifiers(bk, n)
    return {
        "id": bk.account_ids[a],
        "accountName": name,
        "accountType": "Debit",
        "nominalCode": ACCOUNTS[a][1],
        "sortCode": sort_code,
        "accountNumber": number,
        "iBan": iban,
        "currency": CURRENCY,
        "balance": balance / 100,
        "institution": banking.INSTITUTION["name"],
        "availableBalance": balance / 100,
        "overdraftLimit": 0,
        "status": "Active",
        "metadata": {"isDeleted": False},
        "sourceModifiedDate": bk.ts(last),
    }


def _written_bank_account(bk: AccountingBooks, a: int, balance: int, last: int) -> dict[str, Any]:
    """A bank account written through the API, with its balance at T (debits positive, as the chart's: a
    loan or credit card (`Credit`) the business owes on is negative)."""
    return source_modified(
        {
            **bk.written.accounts[a].record,  # type: ignore[union-attr]
            "balance": balance / 100,
            "availableBalance": balance / 100,
            "metadata": {"isDeleted": False},
        },
        bk.ts(last),
    )


def _opening_balances(bk: AccountingBooks, T: int) -> dict[int, int]:
    """Each bank account's balance before its first transaction: the opening balances of the generated
    ones, and 0 for those written through the API by T (money reaches them by transfers and the like)."""
    current, savings, _equipment = bk.opening()
    balance = {BANK_ACCOUNTS[0]: current, BANK_ACCOUNTS[1]: savings}
    if bk.written:
        balance.update((a, 0) for a in bk.written.bank_accounts(T))
    return balance


def _bank_accounts(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    if T < 0:
        return
    balance = _opening_balances(bk, T)
    last = dict.fromkeys(BANK_ACCOUNTS, 1)
    if bk.written:
        last.update((a, bk.written.accounts[a].w) for a in bk.written.bank_accounts(T))
    for move in bk.bank_lines(T):
        if move is None:
            yield None
            continue
        t, _id, a, pence, *_ = move
        balance[a] += pence
        last[a] = max(last[a], t)
    for a in balance:
        if S is not None and last[a] <= S:
            continue
        if a in BANK_ACCOUNTS:
            yield _bank_account_record(bk, a, balance[a], last[a])
        else:
            yield _written_bank_account(bk, a, balance[a], last[a])


def _bank_transactions(bk: AccountingBooks, w: Window) -> Iterator[Item]:
    T, S, tmin = w.T, w.S, w.created_from
    if T < 0:
        return
    balance = _opening_balances(bk, T)
    account_ids = bk.account_ids
    date, ts = bk.date, bk.ts
    for move in bk.bank_lines(T):
        if move is None:
            yield None
            continue
        t, id_, a, pence, desc, txn, t_rec, *_ = move
        bal = balance[a] + pence
        balance[a] = bal
        if t < tmin:
            continue
        reconciled = t_rec <= T
        last = t_rec if reconciled else t
        if S is not None and last <= S:
            continue
        yield {
            "id": id_,
            "accountId": account_ids[a],
            "clearedOnDate": date(t),
            "description": desc,
            "reconciled": reconciled,
            "amount": pence / 100,
            "balance": bal / 100,
            "transactionType": txn,
            "sourceModifiedDate": ts(last),
        }


# ------------------------------------------------------------------------------------------------ statements
def _statements(bk: AccountingBooks, key: str, w: Window) -> Iterator[Item]:
    T, S = w.T, w.S
    ledger = None
    for tick in bk.ledger(T, S):
        if tick is None:
            yield None
        else:
            ledger = tick
    if ledger is None or ledger.months == 0:
        return
    months = ledger.months
    first = max(0, months - max(1, w.months))
    shown = _posted(ledger, T)
    if S is None or (key != "cashFlowStatement" and _posted(ledger, S) != shown):
        # A full pull, or an account first posted to after S: it is a new line of every period.
        wanted = set(range(first, months))
    else:
        changed = set(ledger.changed) | {months - 1}
        if key == "balanceSheet":
            start = min(changed)
            wanted = {m for m in range(first, months) if m >= start}
        else:
            wanted = {m for m in range(first, months) if m in changed}
    n_accounts = len(bk.chart)
    cumulative = [0] * n_accounts
    for m in range(months):
        row = ledger.delta[m]
        if key == "balanceSheet":
            for a in range(n_accounts):
                cumulative[a] += row[a]
        if m not in wanted:
            continue
        column = ReportColumn(
            m,
            bk.month_label(m),
            bk.day_date(bk.month_first_day(m)),
            bk.day_date(bk.month_first_day(m + 1) - 1),
        )
        if key == "balanceSheet":
            yield _balance_sheet(bk, column, cumulative, shown)
        elif key == "profitAndLoss":
            yield _profit_and_loss(bk, column, row, shown)
        else:
            yield _cash_flow(column, ledger.cash[m])


def _lines(
    bk: AccountingBooks, accounts: list[int], values: list[int], name: str, sign: int
) -> tuple[Record, int]:
    """A statement's part `name`: a line per account of its value (pence, times `sign`), and their total.
    `accounts` are those with postings by T (`_posted`), as a platform's reports leave out unused accounts."""
    items = []
    total = 0
    for a in accounts:
        v = sign * values[a]
        total += v
        items.append({"accountId": bk.account_ids[a], "name": bk.chart[a][2], "value": v / 100, "items": []})
    return report_line(name, total / 100, items), total


def _posted(ledger: Ledger, by: int) -> list[int]:
    """The accounts a statement shows: those with postings by `by`, and Retained Earnings (worked out)."""
    return [a for a in range(len(ledger.books.chart)) if ledger.posted(a, by) or a == A_RETAINED]


def _balance_sheet(
    bk: AccountingBooks, column: ReportColumn, cumulative: list[int], shown: list[int]
) -> Record:
    by_section: dict[str, list[int]] = {}
    for a in shown:
        by_section.setdefault(bk.section[a], []).append(a)
    current, current_total = _lines(
        bk, by_section.get("bank", []) + by_section.get("current_assets", []), cumulative, "Current Assets", 1
    )
    fixed, fixed_total = _lines(bk, by_section.get("fixed_assets", []), cumulative, "Fixed Assets", 1)
    liabilities_current, current_liabilities_total = _lines(
        bk, by_section.get("current_liabilities", []), cumulative, "Current Liabilities", -1
    )
    liabilities = [liabilities_current]
    liabilities_total = current_liabilities_total
    if "long_term_liabilities" in by_section:
        long_term, long_term_total = _lines(
            bk, by_section["long_term_liabilities"], cumulative, "Long Term Liabilities", -1
        )
        liabilities.append(long_term)
        liabilities_total += long_term_total
    profit = -sum(v for v, pl in zip(cumulative, bk.is_pl, strict=True) if pl)
    equity_items = []
    equity_total = 0
    for a in by_section.get("equity", []):
        v = profit if a == A_RETAINED else -cumulative[a]
        equity_total += v
        equity_items.append(
            {"accountId": bk.account_ids[a], "name": bk.chart[a][2], "value": v / 100, "items": []}
        )
    return balance_sheet(
        column,
        CURRENCY,
        assets=report_line("Assets", (current_total + fixed_total) / 100, [current, fixed]),
        liabilities=report_line("Liabilities", liabilities_total / 100, liabilities),
        equity=report_line("Equity", equity_total / 100, equity_items),
    )


# The profit and loss's parts (`PROFIT_AND_LOSS_PARTS`): the accounts' section in the books, and the sign
# that makes the part's value positive in Codat's sense (income is a credit, negative in the books).
_PROFIT_AND_LOSS_SECTIONS = {
    "income": ("income", -1),
    "costOfSales": ("cost_of_sales", 1),
    "expenses": ("expenses", 1),
    "otherIncome": ("other_income", -1),
    "otherExpenses": ("other_expenses", 1),
}


def _profit_and_loss(bk: AccountingBooks, column: ReportColumn, row: list[int], shown: list[int]) -> Record:
    parts = {}
    for part, name in PROFIT_AND_LOSS_PARTS.items():
        section, sign = _PROFIT_AND_LOSS_SECTIONS[part]
        parts[part], _total = _lines(bk, [a for a in shown if bk.section[a] == section], row, name, sign)
    return profit_and_loss(column, CURRENCY, parts)


def _cash_flow(column: ReportColumn, cash: list[int]) -> Record:
    receipts, payments = [], []
    receipts_total = payments_total = 0
    for i, (side, key, name) in enumerate(CF_CATEGORIES):
        if side == "receipts":
            v = cash[i]
            receipts_total += v
            receipts.append({"accountId": key, "name": name, "value": v / 100, "items": []})
        else:
            v = -cash[i]
            payments_total += v
            payments.append({"accountId": key, "name": name, "value": v / 100, "items": []})
    return {
        "id": column.month,
        "currency": CURRENCY,
        "reportBasis": "Cash",
        "reportInput": "Direct",
        "fromDate": column.from_date,
        "toDate": column.to_date,
        "cashReceipts": {
            "accountId": "cashReceipts",
            "name": "Cash Receipts",
            "value": receipts_total / 100,
            "items": receipts,
        },
        "cashPayments": {
            "accountId": "cashPayments",
            "name": "Cash Payments",
            "value": payments_total / 100,
            "items": payments,
        },
    }


# ---------------------------------------------------------------------------------------------- written
# Records written through the API (the `writes` package): as written, with their state at T and the moment
# W they were written as their modified date.
def _written_versions(table: Mapping[str, V], w: Window, *, dated: bool = False) -> Iterator[V | str]:
    """Of written records (their latest versions, by id), the version current at T of each the window
    wants, and the id of each deleted in it. `dated`: none dated before the sync settings' start is wanted."""
    T = w.T
    for latest in table.values():
        version = latest.at(T)
        if version is None or (dated and version.t < w.created_from):
            continue
        state = w.wants(version.created, version.last_event(T), latest.deleted_at)
        if state == EMIT:
            yield version
        elif state == DELETE:
            yield latest.id


def _stamped(bk: AccountingBooks, record: Record, w: int) -> Record:
    return source_modified(dict(record), bk.ts(w))


def _written_supplier(bk: AccountingBooks, supplier: WrittenRecord) -> dict[str, Any]:
    return _stamped(bk, supplier.record, supplier.w)


def _written_payment(bk: AccountingBooks, payment: WrittenRecord) -> dict[str, Any]:
    return _stamped(bk, payment.record, payment.w)


def _written_listed(bk: AccountingBooks, version: WrittenRecord) -> dict[str, Any]:
    """A bill payment or purchase order as its version was written (nothing about it changes after)."""
    return _stamped(bk, version.record, version.w)


def _written_entry(bk: AccountingBooks, entry: WrittenEntry) -> dict[str, Any]:
    stamp = bk.ts(entry.w)
    if entry.record is None:  # the posting of a written invoice or payment
        return {
            **_journal_entry_record(bk, entry),
            "createdOn": stamp,
            "updatedOn": stamp,
            "sourceModifiedDate": stamp,
        }
    record = dict(entry.record)
    record.update({"createdOn": stamp, "updatedOn": stamp})
    return _stamped(bk, record, entry.w)


def _written_allocations(
    bk: AccountingBooks, document: WrittenDocument, data_type: str, T: int
) -> list[Record]:
    return [
        _allocation(
            bk,
            data_type,
            a.payment_id,
            a.t,
            a.payment_total,
            a.amount,
            None if a.bank is None else bk.account_refs[a.bank],
            a.note,
            a.reference,
        )
        for a in document.allocated(T)
    ]


def _written_invoice(bk: AccountingBooks, invoice: WrittenDocument, T: int) -> dict[str, Any]:
    allocations = invoice.allocated(T)
    due = invoice.due(T)
    status = "Paid" if due == 0 else "PartiallyPaid" if allocations else "Submitted"
    record = dict(invoice.record)
    if status == "Paid":
        record["paidOnDate"] = bk.date(max(a.t for a in allocations))
    record.update(
        {
            "paymentAllocations": _written_allocations(bk, invoice, "invoices", T),
            "amountDue": due / 100,
            "status": status,
        }
    )
    return _stamped(bk, record, invoice.last_event(T))


def _written_bills(bk: AccountingBooks, w: Window, data_type: str) -> Iterator[Item]:
    """Written bills or bill credit notes (`data_type`) the window wants, as they stand at its T."""
    if bk.written:
        documents = bk.written.bills if data_type == "bills" else bk.written.bill_credit_notes
        for document in _written_versions(documents, w, dated=True):
            yield document if isinstance(document, str) else _written_bill(bk, document, data_type, w.T)


def _written_bill(bk: AccountingBooks, document: WrittenBill, data_type: str, T: int) -> dict[str, Any]:
    """A written bill (`amountDue`, status `Open`/`PartiallyPaid`/`Paid`) or bill credit note
    (`remainingCredit`, `Submitted` until its credit is used up, then `Paid`), with the bill payments
    allocated to it by T."""
    allocations = document.allocated(T)
    left = document.due(T)
    record = dict(document.record)
    if data_type == "bills":
        status = "Paid" if left == 0 else "PartiallyPaid" if allocations else "Open"
        record.update({"status": status, "amountDue": left / 100})
    else:
        record.update({"remainingCredit": left / 100, "status": "Paid" if left == 0 else "Submitted"})
        if allocations:
            record["allocatedOnDate"] = bk.date(max(a.t for a in allocations))
    record["paymentAllocations"] = _written_allocations(bk, document, data_type, T)
    return _stamped(bk, record, document.last_event(T))


def _written_credit_note(bk: AccountingBooks, note: WrittenDocument, T: int) -> dict[str, Any]:
    """A written credit note: its credit left, used up (`Paid`) once allocated in full."""
    allocations = note.allocated(T)
    left = note.due(T)
    record = dict(note.record)
    issued = record.pop("issueDate")
    lines, written_note = record.pop("lineItems"), record.pop("note")
    record.update({"remainingCredit": left / 100, "status": "Paid" if left == 0 else "Submitted"})
    record["issueDate"] = issued
    if left == 0:
        record["allocatedOnDate"] = bk.date(max(a.t for a in allocations))
    record.update(
        {
            "lineItems": lines,
            "paymentAllocations": _written_allocations(bk, note, "creditNotes", T),
            "note": written_note,
        }
    )
    return _stamped(bk, record, note.last_event(T))


def _written_customer(bk: AccountingBooks, customer: WrittenRecord) -> dict[str, Any]:
    return _stamped(bk, customer.record, customer.w)


def written_record(bk: AccountingBooks, data_type: str, record_id: str, T: int) -> dict[str, Any]:
    """A record written through the API, as its latest version holds it at T (the answer to its push; after
    a delete, as it was last)."""
    written = bk.written
    assert written is not None
    if data_type == "invoices":
        return _written_invoice(bk, written.invoices[record_id], T)
    if data_type == "creditNotes":
        return _written_credit_note(bk, written.credit_notes[record_id], T)
    if data_type == "payments":
        return _written_payment(bk, written.payments[record_id])
    if data_type == "suppliers":
        return _written_supplier(bk, written.suppliers[record_id])
    if data_type == "transfers":
        return _written_transfer(bk, written.transfers[record_id], T)
    if data_type in ("directCosts", "directIncomes", "items", "bankTransactions"):
        kept = {
            "directCosts": written.direct_costs,
            "directIncomes": written.direct_incomes,
            "items": written.items,
            "bankTransactions": written.bank_transactions,
        }
        return _stamped(bk, kept[data_type][record_id].record, kept[data_type][record_id].w)
    if data_type == "journals":
        journal = _stamped(bk, written.journals[record_id].record, written.journals[record_id].w)
        return {**journal, "createdOn": journal["sourceModifiedDate"]}
    if data_type in ("chartOfAccounts", "bankAccounts"):
        return _written_account(bk, data_type, written.account_index[record_id], T)
    if data_type == "customers":
        return _written_customer(bk, written.customers[record_id])
    if data_type == "bills":
        return _written_bill(bk, written.bills[record_id], data_type, T)
    if data_type == "billCreditNotes":
        return _written_bill(bk, written.bill_credit_notes[record_id], data_type, T)
    if data_type == "billPayments":
        return _written_listed(bk, written.bill_payments[record_id])
    if data_type == "purchaseOrders":
        return _written_listed(bk, written.purchase_orders[record_id])
    entry = next(e for e in reversed(written.entries) if e.record is not None and e.id == record_id)
    return _written_entry(bk, entry)


def _written_account(bk: AccountingBooks, data_type: str, a: int, T: int) -> dict[str, Any]:
    """A written account (or bank account) as the chart (or the bank) shows it at T. Only what was written
    posts to it, so its balance is worked out from the written records alone (at any scale)."""
    written = bk.written
    assert written is not None
    if data_type == "chartOfAccounts":
        balance, last = written.posted_to(a, T)
        return _account_record(bk, a, balance, max(last, written.accounts[a].w))
    moves = [move for move in written.moves if move[2] == a and move[0] <= T]
    last = max([written.accounts[a].w, *(move[0] for move in moves)])
    return _written_bank_account(bk, a, sum(move[3] for move in moves), last)


_VIEWS = {
    "chartOfAccounts": _chart_of_accounts,
    "customers": _customers,
    "suppliers": _suppliers,
    "items": _items,
    "taxRates": _tax_rates,
    "trackingCategories": _tracking_categories,
    "invoices": _invoices,
    "creditNotes": _credit_notes,
    "bills": _bills,
    "billCreditNotes": _bill_credit_notes,
    "billPayments": _bill_payments,
    "payments": _payments,
    "journalEntries": _journal_entries,
    "journals": _journals,
    "bankAccounts": _bank_accounts,
    "bankTransactions": _bank_transactions,
    "directCosts": _direct_costs,
    "directIncomes": _direct_incomes,
    "transfers": _transfers,
    "purchaseOrders": _purchase_orders,
    "company": _company,
}
