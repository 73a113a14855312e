"""Codat's create shapes → Xero's Accounting API records, per data type, for pushes: what a create PUTs, an
update POSTs to the record's own path, and a delete POSTs (Xero deletes by status, never by `DELETE`).

One `Write` per Codat data type: the Xero endpoint and id, the mapping of Codat's record to Xero's
(`to_xero`, pure: it raises `Refused` with Codat validation items for what Xero cannot hold), and the read
mapping of `mapping.py` that turns Xero's answer back into Codat's read shape, so what a push returns is what
a pull reads. `docs/connectors/xero.md` ("Writes") is the field-by-field table of these functions.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.codat_shapes import without_none
from ledgerlink.connectors.mapped import Mapped, Record
from ledgerlink.connectors.xero import mapping


class Refused(Exception):
    """The record cannot be written to Xero as Codat describes it: Codat's validation items."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors


def refuse(field: str, message: str) -> Refused:
    return Refused([{"itemId": field, "message": message, "validatorName": "Xero"}])


# What the mappings are given besides the record: the chart of accounts' id → code (Xero's items name
# accounts by code) and what `mapping.py` asks for on the way back (`account_ids`: code → id, the
# organisation's `base_currency`). The connector reads them from Xero once a push or pull, for the types
# that ask.
ACCOUNT_CODES = "account_codes"
# Items' id → code (document lines name items by code), read only when a line names an item.
ITEM_CODES = "item_codes"
ACCOUNT_IDS = "account_ids"
BASE_CURRENCY = "base_currency"


@dataclass(frozen=True)
class Write:
    """How one Codat data type is written to Xero."""

    endpoint: str
    id_key: str
    to_xero: Callable[[Record, Mapping[str, Any]], Record]
    # Xero's record → Codat's (the read mapping), with the keyword arguments it takes (`context`).
    read: Callable[..., Mapped]
    # Which of the endpoint's records are this type's (invoices and bills share `Invoices`).
    keep: Callable[[Record], bool] = lambda record: True
    # What `to_xero` and `read` need besides the record (keys of the connector's context).
    context: tuple[str, ...] = ()
    # The whole body of the POST that deletes the record, from the record as Xero holds it (None: none).
    delete: Callable[[Record], Record] | None = None
    # Xero's create of the endpoint takes one bare record, not a list under the endpoint's name (Accounts).
    bare_create: bool = False

    def create_body(self, xero: Record) -> Record:
        return xero if self.bare_create else {self.endpoint: [xero]}


# --------------------------------------------------------------------------------------------- helpers
def _day(value: Any) -> str | None:
    """Codat's date-times (`2024-03-01T00:00:00`) → Xero's days (`2024-03-01`)."""
    return str(value)[:10] if value else None


def _id(ref: Any) -> str | None:
    return ref.get("id") if isinstance(ref, dict) and ref.get("id") else None


def _xero_rate(codat_rate: Any) -> float | None:
    """Codat's `currencyRate` (base per foreign unit) → Xero's (foreign units per base unit)."""
    if not codat_rate or float(codat_rate) == 1:
        return None
    return round(1 / float(codat_rate), 6)


def _account_code(ref: Any, field: str, codes: Mapping[str, str]) -> str:
    account_id = _id(ref)
    if account_id is None:
        raise refuse(field, "Xero needs the account: give accountRef.id.")
    code = codes.get(account_id)
    if code is None:
        raise refuse(field, f"Xero has no account {account_id} with a code in the chart of accounts.")
    return code


# -------------------------------------------------------------------------------------------- contacts
ADDRESS_TYPES = {"Billing": "POBOX", "Delivery": "STREET"}


def _addresses(record: Record) -> list[Record]:
    return [
        without_none(
            {
                "AddressType": ADDRESS_TYPES.get(address.get("type") or "", "POBOX"),
                "AddressLine1": address.get("line1"),
                "AddressLine2": address.get("line2"),
                "City": address.get("city"),
                "Region": address.get("region"),
                "PostalCode": address.get("postalCode"),
                "Country": address.get("country"),
            }
        )
        for address in record.get("addresses") or []
    ]


def _names(full: str | None) -> dict[str, str]:
    """`contactName` → Xero's FirstName and LastName (split at the first space)."""
    if not full:
        return {}
    first, _, last = full.strip().partition(" ")
    return without_none({"FirstName": first or None, "LastName": last or None})


def _contact(record: Record, name_key: str) -> Record:
    name = record.get(name_key)
    if not name:
        raise refuse(name_key, f"Xero needs the contact's name: give {name_key}.")
    return without_none(
        {
            "Name": name,
            **_names(record.get("contactName")),
            "EmailAddress": record.get("emailAddress"),
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": record["phone"]}]
            if record.get("phone")
            else None,
            "Addresses": _addresses(record) or None,
            "CompanyNumber": record.get("registrationNumber"),
            "TaxNumber": record.get("taxNumber"),
            "DefaultCurrency": record.get("defaultCurrency"),
            "ContactStatus": "ARCHIVED" if record.get("status") == "Archived" else "ACTIVE",
        }
    )


def customer(record: Record, context: Mapping[str, Any]) -> Record:
    contact = _contact(record, "customerName")
    people = [
        without_none({**_names(person.get("name")), "EmailAddress": person.get("email")})
        for person in record.get("contacts") or []
    ]
    if people:
        contact["ContactPersons"] = people
    return contact


def supplier(record: Record, context: Mapping[str, Any]) -> Record:
    return _contact(record, "supplierName")


# ---------------------------------------------------------------------------- invoices, bills, credits
def _item_code(ref: Any, field: str, codes: Mapping[str, str]) -> str | None:
    item_id = _id(ref)
    if item_id is None:
        return None
    if item_id not in codes:
        raise refuse(field, f"Xero has no item {item_id}.")
    return codes[item_id]


def _lines(record: Record, context: Mapping[str, Any]) -> list[Record]:
    lines = record.get("lineItems") or []
    if not lines:
        raise refuse("lineItems", "Xero needs at least one line.")
    items: Mapping[str, str] = context.get(ITEM_CODES) or {}
    return [
        without_none(
            {
                "Description": line.get("description") or None,
                "Quantity": line.get("quantity"),
                "UnitAmount": line.get("unitAmount"),
                "AccountID": _id(line.get("accountRef")),
                "TaxType": _id(line.get("taxRateRef")),
                "DiscountRate": line.get("discountPercentage") or None,
                "ItemCode": _item_code(line.get("itemRef"), f"lineItems[{index}].itemRef.id", items),
            }
        )
        for index, line in enumerate(lines)
    ]


def _status(record: Record, *, void_refused: bool = True) -> str:
    """Codat's document status → Xero's: a draft stays one, anything else is approved (AUTHORISED);
    Xero sets PAID itself when payments cover the document."""
    status = record.get("status")
    if status == "Draft":
        return "DRAFT"
    if status == "Void" and void_refused:
        raise refuse("status", "Xero voids a document by deleting it: push a delete instead.")
    return "AUTHORISED"


def _contact_ref(record: Record, key: str) -> Record:
    contact_id = _id(record.get(key))
    if contact_id is None:
        raise refuse(f"{key}.id", f"Xero needs the contact: give {key}.id.")
    return {"ContactID": contact_id}


def _document(record: Record, context: Mapping[str, Any], kind: str, contact_key: str, number: Any) -> Record:
    return without_none(
        {
            "Type": kind,
            "Contact": _contact_ref(record, contact_key),
            "Date": _day(record.get("issueDate")),
            "DueDate": _day(record.get("dueDate")),
            "InvoiceNumber": number,
            "Reference": record.get("note") or None,
            "CurrencyCode": record.get("currency"),
            "CurrencyRate": _xero_rate(record.get("currencyRate")),
            "Status": _status(record),
            "LineAmountTypes": "Exclusive",
            "LineItems": _lines(record, context),
        }
    )


def invoice(record: Record, context: Mapping[str, Any]) -> Record:
    return _document(record, context, "ACCREC", "customerRef", record.get("invoiceNumber"))


def bill(record: Record, context: Mapping[str, Any]) -> Record:
    # A bill's number is the supplier's reference; Xero keeps it in InvoiceNumber (as `mapping.bill` reads).
    return _document(record, context, "ACCPAY", "supplierRef", record.get("reference"))


def _credit_note(
    record: Record, context: Mapping[str, Any], kind: str, contact_key: str, number_key: str
) -> Record:
    document = _document(record, context, kind, contact_key, None)
    document.pop("DueDate", None)
    return without_none({**document, "CreditNoteNumber": record.get(number_key)})


def credit_note(record: Record, context: Mapping[str, Any]) -> Record:
    return _credit_note(record, context, "ACCRECCREDIT", "customerRef", "creditNoteNumber")


def bill_credit_note(record: Record, context: Mapping[str, Any]) -> Record:
    return _credit_note(record, context, "ACCPAYCREDIT", "supplierRef", "billCreditNoteNumber")


def purchase_order(record: Record, context: Mapping[str, Any]) -> Record:
    """A purchase order: a draft stays one, an open one is approved (AUTHORISED); Xero sets BILLED."""
    status = record.get("status")
    if status in ("Closed", "Void"):
        raise refuse("status", "Xero closes a purchase order by billing it, and deletes rather than voids.")
    return without_none(
        {
            "Contact": _contact_ref(record, "supplierRef"),
            "Date": _day(record.get("issueDate")),
            "DeliveryDate": _day(record.get("expectedDeliveryDate") or record.get("deliveryDate")),
            "PurchaseOrderNumber": record.get("purchaseOrderNumber"),
            "Reference": record.get("note") or None,
            "CurrencyCode": record.get("currency"),
            "CurrencyRate": _xero_rate(record.get("currencyRate")),
            "Status": "DRAFT" if status == "Draft" else "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": _lines(record, context),
        }
    )


def delete_invoice(current: Record) -> Record:
    """Xero deletes a DRAFT or SUBMITTED invoice or bill (Status DELETED) and voids an AUTHORISED one
    (VOIDED); one with payments can be neither until they are removed (Xero answers why)."""
    status = "DELETED" if current.get("Status") in ("DRAFT", "SUBMITTED") else "VOIDED"
    return {"Invoices": [{"InvoiceID": current["InvoiceID"], "Status": status}]}


# -------------------------------------------------------------------------------------------- payments
# Codat's link types → the Xero document a payment is applied to, per direction.
PAYMENT_DOCUMENTS = {
    "payments": {"Invoice": ("Invoice", "InvoiceID"), "CreditNote": ("CreditNote", "CreditNoteID")},
    "billPayments": {"Bill": ("Invoice", "InvoiceID"), "CreditNote": ("CreditNote", "CreditNoteID")},
}


def _payment(record: Record, data_type: str) -> Record:
    """A Xero payment is applied to exactly one invoice, bill or credit note (a refund): Codat's payment
    with one line and one link to one. Payments on account (no document) are Xero overpayments, made
    through bank transactions: refused."""
    lines = record.get("lines") or []
    links = [link for line in lines for link in line.get("links") or []]
    documents = PAYMENT_DOCUMENTS[data_type]
    applied = [link for link in links if link.get("type") in documents]
    if len(applied) != 1:
        raise refuse(
            "lines",
            "Xero applies a payment to exactly one document: give one line with one link of type "
            + " or ".join(documents)
            + ".",
        )
    link = applied[0]
    key, id_key = documents[link["type"]]
    account_id = _id(record.get("accountRef"))
    if account_id is None:
        raise refuse("accountRef.id", "Xero needs the bank account the payment went through: accountRef.id.")
    amount = record.get("totalAmount")
    if amount is None:
        amount = lines[0].get("amount")
    if amount is None:
        raise refuse("totalAmount", "Xero needs the payment's amount: give totalAmount.")
    return without_none(
        {
            key: {id_key: link.get("id")},
            "Account": {"AccountID": account_id},
            "Date": _day(record.get("date")),
            "Amount": abs(float(amount)),
            "CurrencyRate": _xero_rate(record.get("currencyRate")),
            "Reference": record.get("reference") or record.get("note") or None,
        }
    )


def payment(record: Record, context: Mapping[str, Any]) -> Record:
    return _payment(record, "payments")


def bill_payment(record: Record, context: Mapping[str, Any]) -> Record:
    return _payment(record, "billPayments")


def delete_payment(current: Record) -> Record:
    """Xero's PaymentDelete body: the payment's status only."""
    return {"Status": "DELETED"}


# -------------------------------------------------------------------------------------------- accounts
# Codat's fully qualified category → Xero's account type: `mapping.ACCOUNT_TYPES` turned round, then the
# nearest broader category, then the account's `type` alone.
ACCOUNT_CATEGORIES = {category: xero_type for xero_type, (_, category) in mapping.ACCOUNT_TYPES.items()}
ACCOUNT_KINDS = {
    "Asset": "CURRENT",
    "Liability": "CURRLIAB",
    "Equity": "EQUITY",
    "Income": "REVENUE",
    "Expense": "EXPENSE",
}


def _account_type(record: Record) -> str:
    category = record.get("fullyQualifiedCategory") or ""
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        found = ACCOUNT_CATEGORIES.get(".".join(parts[:end]))
        if found is not None:
            return found
    kind = record.get("type") or parts[0]
    if kind in ACCOUNT_KINDS:
        return ACCOUNT_KINDS[kind]
    raise refuse("type", "Xero needs the account's type: give type or fullyQualifiedCategory.")


def account(record: Record, context: Mapping[str, Any]) -> Record:
    xero_type = _account_type(record)
    if xero_type == "BANK":
        raise refuse("fullyQualifiedCategory", "Xero's bank accounts are created as bankAccounts.")
    if not record.get("nominalCode") or not record.get("name"):
        raise refuse("nominalCode", "Xero needs the account's code and name: give nominalCode and name.")
    return without_none(
        {
            "Code": record.get("nominalCode"),
            "Name": record.get("name"),
            "Type": xero_type,
            "Description": record.get("description") or None,
        }
    )


def bank_account(record: Record, context: Mapping[str, Any]) -> Record:
    if not record.get("accountName"):
        raise refuse("accountName", "Xero needs the bank account's name: give accountName.")
    number = " ".join(part for part in (record.get("sortCode"), record.get("accountNumber")) if part)
    if not number:
        raise refuse("accountNumber", "Xero needs the bank account's number: give accountNumber.")
    return without_none(
        {
            "Type": "BANK",
            "Name": record.get("accountName"),
            "Code": record.get("nominalCode") or None,
            "BankAccountNumber": number,
            "BankAccountType": "CREDITCARD" if record.get("accountType") == "Credit" else "BANK",
            "CurrencyCode": record.get("currency"),
        }
    )


# ------------------------------------------------------------------------------------- journal entries
def journal_entry(record: Record, context: Mapping[str, Any]) -> Record:
    """A journal entry is a POSTED Xero manual journal, its lines signed as Codat's (debits positive)."""
    lines = record.get("journalLines") or []
    if len(lines) < 2:
        raise refuse("journalLines", "Xero needs at least two journal lines.")
    journal_lines = []
    for index, line in enumerate(lines):
        account_id = _id(line.get("accountRef"))
        if account_id is None:
            raise refuse(f"journalLines[{index}].accountRef.id", "Xero needs each line's account.")
        journal_lines.append(
            without_none(
                {
                    "LineAmount": float(line.get("netAmount") or 0),
                    "AccountID": account_id,
                    "Description": line.get("description") or None,
                }
            )
        )
    return without_none(
        {
            "Narration": record.get("description") or "Journal entry",
            "Date": _day(record.get("postedOn")),
            "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "JournalLines": journal_lines,
        }
    )


def delete_journal(current: Record) -> Record:
    """A draft manual journal is deleted; a posted one voided (its postings reversed)."""
    status = "DELETED" if current.get("Status") == "DRAFT" else "VOIDED"
    changed = {"ManualJournalID": current["ManualJournalID"], "Narration": current.get("Narration") or ""}
    return {"ManualJournals": [{**changed, "Status": status}]}


# ------------------------------------------------------------------------- transfers, direct costs
def transfer(record: Record, context: Mapping[str, Any]) -> Record:
    """A Xero bank transfer moves one amount between two bank accounts (Xero converts between currencies
    itself): Codat's `from.amount`, which `to.amount` must equal when given."""
    sides = {side: record.get(side) or {} for side in ("from", "to")}
    for side, given in sides.items():
        if _id(given.get("accountRef")) is None:
            raise refuse(f"{side}.accountRef.id", f"Xero needs the bank account the money moves {side}.")
    amount = sides["from"].get("amount")
    if amount is None:
        amount = sides["to"].get("amount")
    if amount is None or float(amount) <= 0:
        raise refuse("from.amount", "Xero needs the amount transferred, above zero: give from.amount.")
    same_currency = sides["from"].get("currency") == sides["to"].get("currency")
    if same_currency and sides["to"].get("amount") not in (None, amount):
        raise refuse("to.amount", "Xero moves the same amount out of and into accounts of one currency.")
    return without_none(
        {
            "FromBankAccount": {"AccountID": _id(sides["from"]["accountRef"])},
            "ToBankAccount": {"AccountID": _id(sides["to"]["accountRef"])},
            "Amount": float(amount),
            "Date": _day(record.get("date")),
            "Reference": record.get("description") or None,
        }
    )


def _direct(record: Record, context: Mapping[str, Any], kind: str) -> Record:
    """A direct cost (SPEND) or income (RECEIVE) is a Xero bank transaction: paid at once from or into the
    bank account of its one payment allocation, to or from its contact (Xero needs one)."""
    allocations = record.get("paymentAllocations") or []
    accounts = [_id((a.get("payment") or {}).get("accountRef")) for a in allocations]
    if len(accounts) != 1 or accounts[0] is None:
        raise refuse(
            "paymentAllocations",
            "Xero pays a spend or receive money transaction from one bank account: give one payment"
            " allocation with payment.accountRef.id.",
        )
    contact_id = _id(record.get("contactRef"))
    if contact_id is None:
        raise refuse("contactRef.id", "Xero needs the contact of a spend or receive money transaction.")
    return without_none(
        {
            "Type": kind,
            "Contact": {"ContactID": contact_id},
            "BankAccount": {"AccountID": accounts[0]},
            "Date": _day(record.get("issueDate")),
            "Reference": record.get("reference") or record.get("note") or None,
            "CurrencyCode": record.get("currency"),
            "CurrencyRate": _xero_rate(record.get("currencyRate")),
            "LineAmountTypes": "Exclusive",
            "LineItems": _lines(record, context),
            "Status": "AUTHORISED",
        }
    )


def direct_cost(record: Record, context: Mapping[str, Any]) -> Record:
    return _direct(record, context, "SPEND")


def direct_income(record: Record, context: Mapping[str, Any]) -> Record:
    return _direct(record, context, "RECEIVE")


# ----------------------------------------------------------------------------------------------- items


def item(record: Record, context: Mapping[str, Any]) -> Record:
    """Xero's items are untracked (Codat `NonInventory` or `Service`); tracked inventory needs an inventory
    asset account Codat's item has no field for."""
    code = record.get("code")
    if not code:
        raise refuse("code", "Xero needs the item's code: give code.")
    if record.get("type") == "Inventory":
        raise refuse("type", "Xero's tracked inventory items cannot be created through Codat's item shape.")
    codes: Mapping[str, str] = context.get(ACCOUNT_CODES) or {}
    xero: Record = {"Code": code, "Name": record.get("name"), "IsTrackedAsInventory": False}
    for side, details, description, flag in (
        ("billItem", "PurchaseDetails", "PurchaseDescription", "IsPurchased"),
        ("invoiceItem", "SalesDetails", "Description", "IsSold"),
    ):
        given = record.get(side)
        xero[flag] = bool(record.get("is" + side[0].upper() + side[1:], given))
        if not given or not xero[flag]:
            continue
        xero[description] = given.get("description")
        xero[details] = without_none(
            {
                "UnitPrice": given.get("unitPrice"),
                "AccountCode": _account_code(given.get("accountRef"), f"{side}.accountRef.id", codes)
                if given.get("accountRef")
                else None,
                "TaxType": _id(given.get("taxRateRef")),
            }
        )
    return without_none(xero)


# ------------------------------------------------------------------------------------------- the table
def _of_type(kind: str) -> Callable[[Record], bool]:
    return lambda record: record.get("Type") == kind


def _typed(
    endpoint: str,
    to_xero: Callable[[Record, Mapping[str, Any]], Record],
    read: Callable[..., Mapped],
    kind: str,
    delete: Callable[[Record], Record] | None = None,
) -> Write:
    """A type that is the records of one Xero `Type` on a shared endpoint, whose lines name accounts."""
    id_key = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "BankTransactions": "BankTransactionID"}
    return Write(
        endpoint,
        id_key[endpoint],
        to_xero,
        read,
        keep=_of_type(kind),
        context=(ACCOUNT_IDS,),
        delete=delete,
    )


WRITES: Mapping[str, Write] = {
    "customers": Write("Contacts", "ContactID", customer, mapping.customer),
    "suppliers": Write("Contacts", "ContactID", supplier, mapping.supplier),
    "invoices": _typed("Invoices", invoice, mapping.invoice, "ACCREC", delete_invoice),
    "bills": _typed("Invoices", bill, mapping.bill, "ACCPAY", delete_invoice),
    "creditNotes": _typed("CreditNotes", credit_note, mapping.credit_note, "ACCRECCREDIT"),
    "billCreditNotes": _typed("CreditNotes", bill_credit_note, mapping.bill_credit_note, "ACCPAYCREDIT"),
    "payments": Write(
        "Payments",
        "PaymentID",
        payment,
        mapping.payment,
        keep=lambda record: record.get("PaymentType") in mapping.RECEIVED,
    ),
    "billPayments": Write(
        "Payments",
        "PaymentID",
        bill_payment,
        mapping.bill_payment,
        keep=lambda record: record.get("PaymentType") in mapping.PAID_OUT,
        delete=delete_payment,
    ),
    "chartOfAccounts": Write(
        "Accounts", "AccountID", account, mapping.account, context=(BASE_CURRENCY,), bare_create=True
    ),
    "bankAccounts": Write(
        "Accounts",
        "AccountID",
        bank_account,
        mapping.bank_account,
        keep=_of_type("BANK"),
        context=(BASE_CURRENCY,),
        bare_create=True,
    ),
    "journalEntries": Write(
        "ManualJournals", "ManualJournalID", journal_entry, mapping.manual_journal, delete=delete_journal
    ),
    "items": Write("Items", "ItemID", item, mapping.item, context=(ACCOUNT_IDS, ACCOUNT_CODES)),
    "transfers": Write("BankTransfers", "BankTransferID", transfer, mapping.transfer),
    "purchaseOrders": Write(
        "PurchaseOrders", "PurchaseOrderID", purchase_order, mapping.purchase_order, context=(ACCOUNT_IDS,)
    ),
    "directCosts": _typed("BankTransactions", direct_cost, mapping.direct, "SPEND"),
    "directIncomes": _typed("BankTransactions", direct_income, mapping.direct, "RECEIVE"),
}


# ---------------------------------------------------------------------------------- Xero's refusals
# What Xero's validation messages are about → the Codat field they name, per data type (or "*": any).
# Messages nothing here traces stay whole, on no field.
FIELD_HINTS: tuple[tuple[str, Mapping[str, str]], ...] = (
    (
        "contact",
        {
            "invoices": "customerRef.id",
            "creditNotes": "customerRef.id",
            "bills": "supplierRef.id",
            "billCreditNotes": "supplierRef.id",
            "customers": "customerName",
            "suppliers": "supplierName",
            "purchaseOrders": "supplierRef.id",
            "directCosts": "contactRef.id",
            "directIncomes": "contactRef.id",
        },
    ),
    ("total debits|journal lines", {"*": "journalLines"}),
    ("exceeds the amount|amount outstanding|amount due", {"*": "totalAmount"}),
    ("invoice|credit note|document", {"payments": "lines.links.id", "billPayments": "lines.links.id"}),
    (
        "bank account",
        {
            "payments": "accountRef.id",
            "billPayments": "accountRef.id",
            "transfers": "from.accountRef.id",
            "directCosts": "paymentAllocations.payment.accountRef.id",
            "directIncomes": "paymentAllocations.payment.accountRef.id",
            "bankAccounts": "accountNumber",
        },
    ),
    (
        "account",
        {
            "payments": "accountRef.id",
            "billPayments": "accountRef.id",
            "journalEntries": "journalLines.accountRef.id",
            "items": "billItem.accountRef.id",
            "chartOfAccounts": "nominalCode",
            "bankAccounts": "accountNumber",
            "transfers": "from.accountRef.id",
            "*": "lineItems.accountRef.id",
        },
    ),
    ("code", {"items": "code", "chartOfAccounts": "nominalCode", "bankAccounts": "nominalCode"}),
    ("name", {"chartOfAccounts": "name", "bankAccounts": "accountName"}),
)


def codat_errors(body: Mapping[str, Any], data_type: str) -> list[dict[str, str]]:
    """Xero's `ApiException` body (`Elements[].ValidationErrors[].Message`) → Codat's validation items,
    each on the Codat field its message is about where it can be told."""
    messages = [
        str(error.get("Message"))
        for element in body.get("Elements") or []
        for error in element.get("ValidationErrors") or []
        if error.get("Message")
    ] or [str(body.get("Message") or "Xero refused the record.")]
    errors = []
    for message in messages:
        field = ""
        for pattern, fields in FIELD_HINTS:
            if re.search(pattern, message, re.IGNORECASE):
                found = fields.get(data_type) or fields.get("*")
                if found:
                    field = found
                    break
        errors.append({"itemId": field, "message": message, "validatorName": "Xero"})
    return errors


# The Xero ids a write may name, by what Xero calls the record.
ID_KINDS = {
    "AccountID": "account",
    "ContactID": "contact",
    "InvoiceID": "invoice",
    "CreditNoteID": "credit note",
}


def check_ids(body: Any, data_type: str) -> None:
    """Xero's ids are GUIDs: a reference that is not one names nothing at Xero (whose API would refuse the
    request as malformed), so it is refused as Xero refuses an unknown record, on the Codat field."""
    messages: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ID_KINDS and isinstance(value, str) and not is_guid(value):
                    messages.append(f"The {ID_KINDS[key]} '{value}' could not be found.")
                else:
                    walk(value)

    walk(body)
    if messages:
        raise Refused(
            codat_errors({"Elements": [{"ValidationErrors": [{"Message": m} for m in messages]}]}, data_type)
        )


def is_guid(value: str) -> bool:
    """Whether `value` is a GUID, as every Xero id is."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
