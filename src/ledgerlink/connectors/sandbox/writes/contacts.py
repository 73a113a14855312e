"""Customers and suppliers written to the Sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.sandbox.books import (
    CURRENCY,
    DAY,
    K_CUSTOMER,
    K_SUPPLIER,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.writes.checks import Check
from ledgerlink.connectors.sandbox.writes.versions import Written, WrittenRecord, written_id


@dataclass(frozen=True)
class ContactKind:
    """What differs between the contacts written to the Sandbox: customers and suppliers."""

    data_type: str
    validator: str
    name_field: str
    kind: str  # of the books' ids
    supplier: bool
    table_name: str  # `Written`'s table of versions

    def table(self, written: Written) -> dict[str, WrittenRecord]:
        table: dict[str, WrittenRecord] = getattr(written, self.table_name)
        return table


_CUSTOMER = ContactKind("customers", "Customer", "customerName", K_CUSTOMER, False, "customers")
_SUPPLIER = ContactKind("suppliers", "Supplier", "supplierName", K_SUPPLIER, True, "suppliers")


def _contact(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None,
    kind: ContactKind,
) -> dict[str, Any]:
    """A customer or supplier (`record_id`: a new version of that one): names are unique among each."""
    check = Check(bk, written, T, kind.validator)
    name = check.text(record.get(kind.name_field), kind.name_field)
    if name is None or not name.strip():
        check.fail(kind.name_field, "is required")
    else:
        name = name.strip()
        taken = _contact_named(bk, written, name, T, kind)
        if taken is not None and taken != record_id:
            check.fail(kind.name_field, f"A {kind.validator.lower()} named {name!r} already exists ({taken})")
    status = record.get("status") or "Active"
    if status not in ("Active", "Archived"):
        check.fail("status", "must be Active or Archived")
    check.currency(record.get("defaultCurrency"), "defaultCurrency")
    shaped: dict[str, Any] = {"id": record_id or written_id(bk, kind.kind, key), kind.name_field: name}
    for field in ("contactName", "emailAddress", "phone", "registrationNumber", "taxNumber"):
        value = check.text(record.get(field), field)
        if value is not None:
            shaped[field] = value
    addresses = record.get("addresses")
    if addresses is not None:
        shaped["addresses"] = _addresses(check, addresses)
    check.done()
    shaped.update({"status": status, "defaultCurrency": CURRENCY})
    return shaped


def _customer(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    return _contact(bk, written, record, key, T, record_id, _CUSTOMER)


def _supplier(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    return _contact(bk, written, record, key, T, record_id, _SUPPLIER)


def _addresses(check: Check, addresses: Any) -> list[dict[str, Any]]:
    if not isinstance(addresses, list):
        check.fail("addresses", "must be a list")
        return []
    shaped = []
    for n, address in enumerate(addresses):
        if not isinstance(address, dict):
            check.fail(f"addresses.{n}", "must be an object")
            continue
        kind = address.get("type") or "Billing"
        if kind not in ("Billing", "Delivery", "Unknown"):
            check.fail(f"addresses.{n}.type", "must be Billing, Delivery or Unknown")
        one: dict[str, Any] = {"type": kind}
        for field in ("line1", "line2", "city", "region", "country", "postalCode"):
            value = check.text(address.get(field), f"addresses.{n}.{field}")
            if value is not None:
                one[field] = value
        shaped.append(one)
    return shaped


def _contact_named(bk: AccountingBooks, written: Written, name: str, T: int, kind: ContactKind) -> str | None:
    """The id of a customer or supplier (`kind`) in the books at T with this name (case aside), or None."""
    wanted = name.casefold()
    for contact in written.in_books(kind.table(written), T):
        if contact.record[kind.name_field].casefold() == wanted:
            return contact.id
    # A few dozen contacts at scale 1; a write is rare enough to look at each.
    supplier = kind.supplier
    count = bk.n_suppliers(max(T, 0) // DAY) if supplier else bk.n_customers(max(T, 0) // DAY)
    named = bk.supplier_name if supplier else bk.customer_name
    for k in range(count):
        if bk.contact_life(k, supplier)[0] <= T and named(k).casefold() == wanted:
            return bk.contact_id(k, supplier)
    return None
