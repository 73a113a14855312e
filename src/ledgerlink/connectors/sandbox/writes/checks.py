"""`Check`: a write checked against the books as a platform would, each refused field named."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ledgerlink.connectors.base import PushRejected
from ledgerlink.connectors.codat_shapes import ref as named_ref
from ledgerlink.connectors.sandbox.books import (
    A_RETAINED,
    CURRENCY,
    DAY,
    J_GENERAL,
    K_CUSTOMER,
    K_SUPPLIER,
    T_NONE,
    TRACKING,
    AccountingBooks,
    tax_of,
)
from ledgerlink.connectors.sandbox.writes.versions import (
    _CONTROL_ACCOUNTS,
    Written,
    _money,
    _when,
)


class Check:
    """Checks one create against the books at T, collecting Codat validation items; `done()` raises
    `PushRejected` with all of them."""

    def __init__(self, books: AccountingBooks, written: Written, T: int, validator: str) -> None:
        self.books = books
        self.written = written
        self.T = T
        self.validator = validator
        self.errors: list[dict[str, str]] = []

    def fail(self, item: str, message: str) -> None:
        self.errors.append({"itemId": item, "message": message, "validatorName": self.validator})

    def lines(self, value: Any, item: str, message: str) -> list[Any]:
        """A record's lines (`item`): a list of at least one, or none, with `message` as `item`'s error."""
        if isinstance(value, list) and value:
            return value
        self.fail(item, message)
        return []

    def done(self) -> None:
        if self.errors:
            summary = "; ".join(
                f"{e['itemId']}: {e['message']}" if e["itemId"] else e["message"] for e in self.errors
            )
            raise PushRejected(f"The Sandbox refused the record. {summary}", self.errors)

    # ----------------------------------------------------------------------------------------- values
    def text(self, value: Any, item: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        self.fail(item, "must be text")
        return None

    def name(self, value: Any, item: str) -> str | None:
        """A required name, without the spaces around it."""
        name = self.text(value, item)
        if name is None or not name.strip():
            self.fail(item, "is required")
            return None
        return name.strip()

    def pence(self, value: Any, item: str, *, required: bool = True, positive: bool = False) -> int | None:
        if value is None:
            if required:
                self.fail(item, "is required")
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            amount = Decimal(str(value))
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.fail(item, "must be an amount")
            return None
        pence = amount * 100
        if pence != pence.to_integral_value():
            self.fail(item, f"{value} is not to the penny")
            return None
        if positive and pence <= 0:
            self.fail(item, "must be more than 0.00")
            return None
        return int(pence)

    def moment(self, value: Any, item: str, *, required: bool = True, up_to_today: bool = True) -> int | None:
        """Seconds since the books started of a date, which must lie in the books (and, for when something
        happened, no later than today in them)."""
        if value is None:
            if required:
                self.fail(item, "is required")
            return None
        try:
            t = _when(self.books, value)
        except (TypeError, ValueError):
            self.fail(item, f"{value!r} is not an ISO 8601 date")
            return None
        if t < 0:
            self.fail(item, f"{value} is before the books start ({self.books.day_iso(0)})")
            return None
        if up_to_today and t // DAY > self.T // DAY:
            self.fail(item, f"{value} is after today in the books ({self.books.day_iso(self.T // DAY)})")
            return None
        return t

    def currency(self, value: Any, item: str) -> None:
        if value is not None and (not isinstance(value, str) or value.upper() != CURRENCY):
            self.fail(
                item, f"{value} is not the books' currency: the Sandbox keeps its books in {CURRENCY} only"
            )

    def currency_rate(self, value: Any, item: str) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value != 1
        ):
            self.fail(item, f"must be 1 (the books' own currency, {CURRENCY}) or left out")

    # ----------------------------------------------------------------------------------------- refs
    def ref_id(self, ref: Any, item: str, *, required: bool = True) -> str | None:
        if ref is None:
            if required:
                self.fail(f"{item}.id", "is required")
            return None
        record_id = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(record_id, str) or not record_id:
            self.fail(f"{item}.id", "is required")
            return None
        return record_id

    def account(self, ref: Any, item: str) -> int | None:
        account_id = self.ref_id(ref, item)
        if account_id is None:
            return None
        a = self.written.account_index.get(account_id)
        written = self.written.accounts.get(a) if a is not None else None
        if a is None or (written is not None and written.created > self.T):
            self.fail(f"{item}.id", f"No account has id {account_id}")
            return None
        elif a == A_RETAINED:
            self.fail(
                f"{item}.id", "Retained Earnings is worked out from profit and loss and takes no postings"
            )
            return None
        return a

    def tax_rate(self, ref: Any, item: str) -> int:
        return self._optional(ref, item, self.books.tax_ids, "tax rate", T_NONE)

    def journal(self, ref: Any, item: str) -> int:
        return self._optional(ref, item, self.books.journal_ids, "journal", J_GENERAL)

    def _optional(self, ref: Any, item: str, ids: list[str], what: str, default: int) -> int:
        """The index in `ids` of an optional reference: `default` when absent, or unknown (then a failure)."""
        found = self.ref_id(ref, item, required=False)
        if found is None:
            return default
        written = self.written.journals.get(found)
        if found not in ids or (written is not None and written.w > self.T):
            self.fail(f"{item}.id", f"No {what} has id {found}")
            return default
        return ids.index(found)

    def item(self, ref: Any, item: str) -> dict[str, str] | None:
        """The `{id, name}` ref of an item of the books at T: a generated one, or one written by then."""
        item_id = self.ref_id(ref, item, required=False)
        if item_id is None:
            return None
        for candidate in self.books.items:
            if candidate.id == item_id:
                return candidate.ref
        written = self.written.items.get(item_id)
        version = written.live(self.T) if written is not None else None
        if version is not None:
            return named_ref(item_id, version.record["name"])
        self.fail(f"{item}.id", f"No item has id {item_id}")
        return None

    def tracking(self, refs: Any, item: str) -> list[int]:
        if refs is None:
            return []
        if not isinstance(refs, list):
            self.fail(item, "must be a list")
            return []
        found = []
        for n, ref in enumerate(refs):
            tracking_id = self.ref_id(ref, f"{item}.{n}")
            if tracking_id is None:
                continue
            if tracking_id not in self.books.tracking_ids:
                self.fail(f"{item}.{n}.id", f"No tracking category has id {tracking_id}")
                continue
            index = self.books.tracking_ids.index(tracking_id)
            if TRACKING[index][2] * DAY > self.T:
                self.fail(f"{item}.{n}.id", f"No tracking category has id {tracking_id}")
                continue
            found.append(index)
        return found

    def customer(self, ref: Any, item: str) -> dict[str, str] | None:
        """`{id, companyName}` of a customer in the books at T (generated or written), not archived."""
        return self.contact(ref, item, supplier=False)

    def supplier(self, ref: Any, item: str) -> dict[str, str] | None:
        """`{id, supplierName}` of a supplier in the books at T (generated or written), not archived."""
        return self.contact(ref, item, supplier=True)

    def contact(self, ref: Any, item: str, *, supplier: bool) -> dict[str, str] | None:
        """A reference to a customer or supplier in the books at T that is not archived: one written through
        the API (its latest version), or one the books generate (its id parsed back to its number)."""
        contact_id = self.ref_id(ref, item)
        if contact_id is None:
            return None
        bk = self.books
        title = "Supplier" if supplier else "Customer"
        latest = (self.written.suppliers if supplier else self.written.customers).get(contact_id)
        if latest is not None:
            written = latest.live(self.T)
            if written is None:
                self.fail(f"{item}.id", f"No {title.lower()} has id {contact_id}")
                return None
            name = written.record["supplierName" if supplier else "customerName"]
            if written.record.get("status") == "Archived":
                self.fail(f"{item}.id", f"{title} {name} ({contact_id}) is archived")
                return None
            return {"id": contact_id, ("supplierName" if supplier else "companyName"): name}
        prefix, suffix = f"{bk.c8}-{K_SUPPLIER if supplier else K_CUSTOMER}-0000-", f"-0000{bk.c8b}"
        k = None
        if contact_id.startswith(prefix) and contact_id.endswith(suffix):
            try:
                k = int(contact_id[len(prefix) : -len(suffix)], 16)
            except ValueError:
                k = None
        if k is None or bk.contact_id(k, supplier) != contact_id or bk.contact_life(k, supplier)[0] > self.T:
            self.fail(f"{item}.id", f"No {title.lower()} has id {contact_id}")
            return None
        archived = bk.contact_life(k, supplier)[2]
        if archived is not None and archived <= self.T:
            name = bk.supplier_name(k) if supplier else bk.customer_name(k)
            self.fail(f"{item}.id", f"{title} {name} ({contact_id}) is archived")
            return None
        return bk.supplier_ref(k) if supplier else bk.customer_ref(k)


def _invoice_line(check: Check, line: Any, item: str, document: str = "invoice") -> dict[str, Any] | None:
    bk = check.books
    if not isinstance(line, dict):
        check.fail(item, "must be an object")
        return None
    before = len(check.errors)
    description = check.text(line.get("description"), f"{item}.description")
    unit = check.pence(line.get("unitAmount"), f"{item}.unitAmount")
    if unit is not None and unit < 0:
        check.fail(f"{item}.unitAmount", "must not be negative")
    quantity = line.get("quantity", 1)
    try:
        if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
            raise InvalidOperation
        qty = Decimal(str(quantity))
        if not qty.is_finite() or qty <= 0:
            raise InvalidOperation
    except InvalidOperation:
        check.fail(f"{item}.quantity", "must be a number more than 0")
        qty = Decimal(1)
    a = check.account(line.get("accountRef"), f"{item}.accountRef")
    if a is not None and (bk.is_bank[a] or a in _CONTROL_ACCOUNTS):
        check.fail(
            f"{item}.accountRef.id",
            f"{bk.chart[a][2]} takes no {document} lines: post them to an "
            f"{'income' if document == 'invoice' else 'expense'} or other account that is neither a bank "
            "nor a control account",
        )
    tax_i = check.tax_rate(line.get("taxRateRef"), f"{item}.taxRateRef")
    item_ref = check.item(line.get("itemRef"), f"{item}.itemRef")
    tracking = check.tracking(line.get("trackingCategoryRefs"), f"{item}.trackingCategoryRefs")
    discount = check.pence(line.get("discountAmount"), f"{item}.discountAmount", required=False)
    percentage = line.get("discountPercentage")
    given_tax = check.pence(line.get("taxAmount"), f"{item}.taxAmount", required=False)
    given_sub = check.pence(line.get("subTotal"), f"{item}.subTotal", required=False)
    given_total = check.pence(line.get("totalAmount"), f"{item}.totalAmount", required=False)
    if len(check.errors) > before or unit is None or a is None:
        return None
    gross = int((Decimal(unit) * qty).to_integral_value(ROUND_HALF_UP))
    if discount is None and percentage:
        try:
            discount = int((Decimal(gross) * Decimal(str(percentage)) / 100).to_integral_value(ROUND_HALF_UP))
        except InvalidOperation:
            check.fail(f"{item}.discountPercentage", "must be a number")
            return None
    discount = discount or 0
    if not 0 <= discount <= gross:
        check.fail(f"{item}.discountAmount", "must be between 0.00 and the line's amount before discount")
        return None
    sub = gross - discount
    tax = tax_of(sub, tax_i) if given_tax is None else given_tax
    if given_tax is not None and given_tax < 0:
        check.fail(f"{item}.taxAmount", "must not be negative")
    if given_sub is not None and given_sub != sub:
        check.fail(
            f"{item}.subTotal",
            f"{_money(given_sub):.2f} is not quantity x unit amount less discount ({_money(sub):.2f})",
        )
    if given_total is not None and given_total != sub + tax:
        check.fail(
            f"{item}.totalAmount",
            f"{_money(given_total):.2f} is not the line's subTotal plus tax ({_money(sub + tax):.2f})",
        )
    if len(check.errors) > before:
        return None
    categories = [bk.tracking_refs[i] for i in tracking]
    shaped: dict[str, Any] = {}
    if description is not None:
        shaped["description"] = description
    shaped.update(
        {
            "unitAmount": _money(unit),
            "quantity": int(qty) if qty == qty.to_integral_value() else float(qty),
            "discountAmount": _money(discount),
            "subTotal": _money(sub),
            "taxAmount": _money(tax),
            "totalAmount": _money(sub + tax),
            "discountPercentage": float(percentage) if percentage and not line.get("discountAmount") else 0,
            "accountRef": bk.account_refs[a],
            "taxRateRef": bk.tax_refs[tax_i],
        }
    )
    if item_ref is not None:
        shaped["itemRef"] = item_ref
    shaped["trackingCategoryRefs"] = categories
    shaped["tracking"] = {
        "categoryRefs": categories,
        "isBilledTo": "NotApplicable",
        "isRebilledTo": "NotApplicable",
    }
    shaped["isDirectIncome"] = False
    return shaped
