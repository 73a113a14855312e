"""Xero Accounting API records → Codat's standardized records: one pure function per data type.

Every function takes one Xero record (the JSON the API returns, PascalCase) and returns the Codat record, or
`Deleted(id)` when the record is archived, voided or deleted at Xero (the pull reports it as a deletion;
the record stays readable with `metadata.isDeleted`). `docs/connectors/xero.md` is the field-by-field table
of what these functions do; a change here changes that page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.connectors import codat_shapes
from ledgerlink.connectors.codat_shapes import money, ref, without_none
from ledgerlink.connectors.mapped import Deleted, Mapped, Record

# Statuses that end a record's life at Xero, by record kind: Codat keeps such records as deletions.
CONTACT_GONE = frozenset({"ARCHIVED", "GDPRREQUEST"})
ACCOUNT_GONE = frozenset({"ARCHIVED", "DELETED"})
DOCUMENT_GONE = frozenset({"VOIDED", "DELETED"})
JOURNAL_GONE = frozenset({"VOIDED", "DELETED"})
PAYMENT_GONE = frozenset({"DELETED"})
TAX_RATE_GONE = frozenset({"ARCHIVED", "DELETED"})
TRACKING_GONE = frozenset({"ARCHIVED", "DELETED"})

# ---------------------------------------------------------------------------------------------- dates
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def xero_moment(value: str | None) -> datetime | None:
    """Xero's two date spellings: the .NET `/Date(1539993600000+0000)/` (milliseconds since the epoch in
    UTC; the offset only says which zone the organisation displays) and ISO-8601 without a zone."""
    if not value:
        return None
    match = _MS_DATE.fullmatch(value)
    if match:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def codat_date(value: str | None) -> str | None:
    """A day (Xero's document dates are days), as Codat writes one."""
    return codat_shapes.day(xero_moment(value))


def codat_timestamp(value: str | None) -> str | None:
    """A moment in UTC, as Codat writes modification dates."""
    return codat_shapes.timestamp(xero_moment(value))


def currency_rate(rate: Any) -> float:
    """Xero's `CurrencyRate` is foreign units per unit of the base currency; Codat's is the base currency per
    foreign unit (`base amount = foreign amount × rate`): the inverse, to Codat's 9 decimal places."""
    if not rate:
        return 1.0
    return round(1 / float(rate), 9)


def _source_modified(record: Record, mapped: Record) -> Record:
    return codat_shapes.source_modified(mapped, codat_timestamp(record.get("UpdatedDateUTC")))


# ------------------------------------------------------------------------------------ chart of accounts
# Xero account type → (Codat account type, Codat's fully qualified category).
ACCOUNT_TYPES: Mapping[str, tuple[str, str]] = {
    "BANK": ("Asset", "Asset.Current.Bank"),
    "CURRENT": ("Asset", "Asset.Current"),
    "CURRLIAB": ("Liability", "Liability.Current"),
    "DEPRECIATN": ("Expense", "Expense.Depreciation"),
    "DIRECTCOSTS": ("Expense", "Expense.CostOfSales"),
    "EQUITY": ("Equity", "Equity"),
    "EXPENSE": ("Expense", "Expense.Operating"),
    "FIXED": ("Asset", "Asset.Fixed"),
    "INVENTORY": ("Asset", "Asset.Current.Inventory"),
    "LIABILITY": ("Liability", "Liability"),
    "NONCURRENT": ("Asset", "Asset.NonCurrent"),
    "OTHERINCOME": ("Income", "Income.Other"),
    "OVERHEADS": ("Expense", "Expense.Overheads"),
    "PREPAYMENT": ("Asset", "Asset.Current.Prepayment"),
    "REVENUE": ("Income", "Income.Revenue"),
    "SALES": ("Income", "Income.Sales"),
    "TERMLIAB": ("Liability", "Liability.NonCurrent"),
}


def account(record: Record, base_currency: str | None = None) -> Mapped:
    if record.get("Status") in ACCOUNT_GONE:
        return Deleted(record["AccountID"])
    kind, category = ACCOUNT_TYPES.get(record.get("Type") or "", ("Unknown", "Unknown"))
    name = record.get("Name")
    mapped = without_none(
        {
            "id": record["AccountID"],
            "nominalCode": record.get("Code"),
            "name": name,
            "description": record.get("Description"),
            "fullyQualifiedCategory": category,
            "fullyQualifiedName": f"{category}.{name}" if name else category,
            "currency": record.get("CurrencyCode") or base_currency,
            "type": kind,
            "status": "Active",
            "isBankAccount": record.get("Type") == "BANK",
        }
    )
    return _source_modified(record, mapped)


def bank_account(record: Record, base_currency: str | None = None) -> Mapped:
    """A Xero account of type BANK (a bank account or a credit card, by `BankAccountType`)."""
    if record.get("Status") in ACCOUNT_GONE:
        return Deleted(record["AccountID"])
    mapped = without_none(
        {
            "id": record["AccountID"],
            "accountName": record.get("Name"),
            "accountType": "Credit" if record.get("BankAccountType") == "CREDITCARD" else "Debit",
            "nominalCode": record.get("Code"),
            "accountNumber": record.get("BankAccountNumber") or None,
            "currency": record.get("CurrencyCode") or base_currency,
            "status": "Active",
        }
    )
    return _source_modified(record, mapped)


# ------------------------------------------------------------------------------------------- contacts
ADDRESS_TYPES = {"POBOX": "Billing", "STREET": "Delivery"}
ADDRESS_LINES = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")


def _addresses(record: Record) -> list[Record]:
    addresses = []
    for address in record.get("Addresses") or []:
        lines = [address.get(key) for key in ADDRESS_LINES if address.get(key)]
        fields = {
            "line1": lines[0] if lines else None,
            "line2": ", ".join(lines[1:]) or None,
            "city": address.get("City") or None,
            "region": address.get("Region") or None,
            "country": address.get("Country") or None,
            "postalCode": address.get("PostalCode") or None,
        }
        if any(fields.values()):  # Xero lists every address type, empty or not
            addresses.append(
                {"type": ADDRESS_TYPES.get(address.get("AddressType"), "Unknown"), **without_none(fields)}
            )
    return addresses


def _phone(record: Record) -> str | None:
    """The DEFAULT phone, else the first one with a number, as `+country (area) number`."""
    phones = [p for p in record.get("Phones") or [] if p.get("PhoneNumber")]
    phones.sort(key=lambda p: p.get("PhoneType") != "DEFAULT")
    if not phones:
        return None
    phone = phones[0]
    country = f"+{phone['PhoneCountryCode'].lstrip('+')}" if phone.get("PhoneCountryCode") else None
    return " ".join(part for part in (country, phone.get("PhoneAreaCode"), phone["PhoneNumber"]) if part)


def _contact_name(record: Record) -> str | None:
    name = " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)
    return name or None


def _contact_people(record: Record) -> list[Record]:
    people = []
    for person in record.get("ContactPersons") or []:
        name = " ".join(part for part in (person.get("FirstName"), person.get("LastName")) if part)
        people.append(
            without_none(
                {"name": name or None, "email": person.get("EmailAddress") or None, "status": "Active"}
            )
        )
    return people


def _contact(record: Record, name_key: str) -> Mapped:
    if record.get("ContactStatus") in CONTACT_GONE:
        return Deleted(record["ContactID"])
    mapped = without_none(
        {
            "id": record["ContactID"],
            name_key: record.get("Name"),
            "contactName": _contact_name(record),
            "emailAddress": record.get("EmailAddress") or None,
            "defaultCurrency": record.get("DefaultCurrency") or None,
            "phone": _phone(record),
            "addresses": _addresses(record),
            "registrationNumber": record.get("CompanyNumber") or None,
            "taxNumber": record.get("TaxNumber") or None,
            "status": "Active",
        }
    )
    return _source_modified(record, mapped)


def customer(record: Record) -> Mapped:
    mapped = _contact(record, "customerName")
    if isinstance(mapped, dict):
        mapped["contacts"] = _contact_people(record)
    return mapped


def supplier(record: Record) -> Mapped:
    return _contact(record, "supplierName")


# ------------------------------------------------------------------------------- invoices and the like
def _line_item(line: Record, amounts: str, account_ids: Mapping[str, str]) -> Record:
    """One line of an invoice, bill or credit note. `LineAmount` is net or gross of tax as the document's
    `LineAmountTypes` says; Codat's `subTotal` is always net."""
    tax = money(line.get("TaxAmount"))
    line_amount = money(line.get("LineAmount"))
    sub_total = round(line_amount - tax, 2) if amounts == "Inclusive" else line_amount
    account_id = line.get("AccountID") or account_ids.get(line.get("AccountCode") or "")
    mapped: Record = {
        "description": line.get("Description"),
        "unitAmount": float(line.get("UnitAmount") or 0),
        "quantity": float(line.get("Quantity") or 0),
        "discountAmount": line.get("DiscountAmount"),
        "discountPercentage": line.get("DiscountRate"),
        "subTotal": sub_total,
        "taxAmount": tax,
        "totalAmount": round(sub_total + tax, 2),
    }
    if account_id or line.get("AccountCode"):
        mapped["accountRef"] = ref(account_id or line["AccountCode"])
    if line.get("TaxType"):
        mapped["taxRateRef"] = {"id": line["TaxType"]}
    if line.get("Item"):
        mapped["itemRef"] = ref(line["Item"]["ItemID"], line["Item"].get("Name"))
    tracking = [
        {"id": option["TrackingOptionID"], "name": option.get("Option")}
        for option in line.get("Tracking") or []
        if option.get("TrackingOptionID")
    ]
    if tracking:
        mapped["trackingCategoryRefs"] = tracking
    return without_none(mapped)


def _allocations(record: Record, rate: float, document: str) -> list[Record]:
    """Payments, and credit notes, prepayments and overpayments applied to the document (a `document`:
    `invoices` or `bills`), with Codat's signs (`codat_shapes.ALLOCATION_SIGNS`)."""
    currency = record.get("CurrencyCode")
    allocations = [
        codat_shapes.payment_allocation(
            document,
            payment_id=payment["PaymentID"],
            reference=payment.get("Reference"),
            currency=currency,
            payment_currency_rate=currency_rate(payment.get("CurrencyRate")),
            currency_rate=rate,
            paid_on=codat_date(payment.get("Date")),
            allocated_on=codat_date(payment.get("Date")),
            paid=money(payment.get("Amount")),
            allocated=money(payment.get("Amount")),
        )
        for payment in record.get("Payments") or []
    ]
    for key, id_key in (
        ("CreditNotes", "CreditNoteID"),
        ("Prepayments", "PrepaymentID"),
        ("Overpayments", "OverpaymentID"),
    ):
        for credit in record.get(key) or []:
            amount = money(
                credit.get("AppliedAmount")
                if credit.get("AppliedAmount") is not None
                else credit.get("Total")
            )
            allocations.append(
                codat_shapes.payment_allocation(
                    document,
                    payment_id=credit[id_key],
                    reference=credit.get("CreditNoteNumber") or credit.get("Reference"),
                    currency=currency,
                    currency_rate=rate,
                    paid_on=codat_date(credit.get("Date")),
                    allocated_on=codat_date(credit.get("Date")),
                    paid=amount,
                    allocated=amount,
                )
            )
    return allocations


def _document_status(record: Record, open_status: str) -> str:
    status = record.get("Status")
    if status == "DRAFT":
        return "Draft"
    if status == "PAID":
        return "Paid"
    if status in ("SUBMITTED", "AUTHORISED"):
        due = money(record.get("AmountDue"))
        paid = money(record.get("AmountPaid")) + money(record.get("AmountCredited"))
        if paid and due:
            return "PartiallyPaid"
        return open_status if due or not paid else "Paid"
    return "Unknown"


def _document(record: Record, account_ids: Mapping[str, str], document: str) -> Record:
    amounts = record.get("LineAmountTypes") or "Exclusive"
    rate = currency_rate(record.get("CurrencyRate"))
    return {
        "issueDate": codat_date(record.get("Date")),
        "dueDate": codat_date(record.get("DueDate")),
        "currency": record.get("CurrencyCode"),
        "currencyRate": rate,
        "lineItems": [_line_item(line, amounts, account_ids) for line in record.get("LineItems") or []],
        "paymentAllocations": _allocations(record, rate, document),
        "subTotal": money(record.get("SubTotal")),
    }


def invoice(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """An ACCREC invoice."""
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["InvoiceID"])
    contact = record.get("Contact") or {}
    mapped: Record = {
        "id": record["InvoiceID"],
        "invoiceNumber": record.get("InvoiceNumber"),
        "customerRef": ref(contact.get("ContactID"), contact.get("Name"), "companyName"),
        "salesOrderRefs": [],
        **_document(record, account_ids or {}, "invoices"),
        "paidOnDate": codat_date(record.get("FullyPaidOnDate")),
        "withholdingTax": [],
        "totalDiscount": money(record.get("TotalDiscount")),
        "additionalTaxAmount": 0.0,
        "additionalTaxPercentage": 0.0,
        "totalTaxAmount": money(record.get("TotalTax")),
        "totalAmount": money(record.get("Total")),
        "amountDue": money(record.get("AmountDue")),
        "discountPercentage": 0.0,
        "status": _document_status(record, "Submitted"),
        "note": record.get("Reference") or None,
    }
    return _source_modified(record, without_none(mapped))


def bill(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """An ACCPAY invoice (Xero's bills are invoices of that type)."""
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["InvoiceID"])
    contact = record.get("Contact") or {}
    mapped: Record = {
        "id": record["InvoiceID"],
        # A bill's number is the supplier's; Xero keeps it in InvoiceNumber.
        "reference": record.get("InvoiceNumber") or record.get("Reference") or None,
        "supplierRef": ref(contact.get("ContactID"), contact.get("Name"), "supplierName"),
        "purchaseOrderRefs": [],
        **_document(record, account_ids or {}, "bills"),
        "withholdingTax": [],
        "status": _document_status(record, "Open"),
        "taxAmount": money(record.get("TotalTax")),
        "totalAmount": money(record.get("Total")),
        "amountDue": money(record.get("AmountDue")),
        "note": record.get("Reference") or None,
    }
    return _source_modified(record, without_none(mapped))


def _credit_note_status(record: Record) -> str:
    status = record.get("Status")
    if status == "DRAFT":
        return "Draft"
    if status == "PAID":
        return "Paid"
    if status in ("SUBMITTED", "AUTHORISED"):
        remaining, total = money(record.get("RemainingCredit")), money(record.get("Total"))
        return (
            "PartiallyPaid" if 0 < remaining < total else "Paid" if remaining == 0 and total else "Submitted"
        )
    return "Unknown"


def _credit_note_allocations(record: Record, rate: float, document: str) -> list[Record]:
    """Where the credit went (a `document`: `creditNotes` or `billCreditNotes`): refunded as payments
    (`Payments`) and applied to invoices or bills (`Allocations`)."""
    allocations = _allocations(
        {**record, "CreditNotes": [], "Prepayments": [], "Overpayments": []}, rate, document
    )
    for allocation in record.get("Allocations") or []:
        applied_to = allocation.get("Invoice") or {}
        allocations.append(
            codat_shapes.payment_allocation(
                document,
                payment_id=applied_to.get("InvoiceID") or allocation.get("AllocationID"),
                reference=applied_to.get("InvoiceNumber"),
                currency=record.get("CurrencyCode"),
                currency_rate=rate,
                paid_on=codat_date(allocation.get("Date")),
                allocated_on=codat_date(allocation.get("Date")),
                paid=money(allocation.get("Amount")),
                allocated=money(allocation.get("Amount")),
            )
        )
    return allocations


# A credit note's number and contact, by data type (all that tells ACCRECCREDIT from ACCPAYCREDIT).
CREDIT_NOTE_PARTIES: Mapping[str, tuple[str, str, str]] = {
    "creditNotes": ("creditNoteNumber", "customerRef", "companyName"),
    "billCreditNotes": ("billCreditNoteNumber", "supplierRef", "supplierName"),
}


def _credit_note(record: Record, account_ids: Mapping[str, str] | None, document: str) -> Mapped:
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["CreditNoteID"])
    number_key, contact_key, name_key = CREDIT_NOTE_PARTIES[document]
    contact = record.get("Contact") or {}
    amounts = record.get("LineAmountTypes") or "Exclusive"
    rate = currency_rate(record.get("CurrencyRate"))
    lines = [_line_item(line, amounts, account_ids or {}) for line in record.get("LineItems") or []]
    mapped = {
        "id": record["CreditNoteID"],
        number_key: record.get("CreditNoteNumber"),
        contact_key: ref(contact.get("ContactID"), contact.get("Name"), name_key),
        "withholdingTax": [],
        "totalAmount": money(record.get("Total")),
        "totalDiscount": 0.0,
        "subTotal": money(record.get("SubTotal")),
        "totalTaxAmount": money(record.get("TotalTax")),
        "discountPercentage": 0.0,
        "remainingCredit": money(record.get("RemainingCredit")),
        "status": _credit_note_status(record),
        "issueDate": codat_date(record.get("Date")),
        "allocatedOnDate": codat_date(record.get("FullyPaidOnDate")),
        "currency": record.get("CurrencyCode"),
        "currencyRate": rate,
        "lineItems": lines,
        "paymentAllocations": _credit_note_allocations(record, rate, document),
        "note": record.get("Reference") or None,
    }
    return _source_modified(record, without_none(mapped))


def credit_note(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """An ACCRECCREDIT credit note."""
    mapped = _credit_note(record, account_ids, "creditNotes")
    if isinstance(mapped, dict):
        mapped.update({"additionalTaxAmount": 0.0, "additionalTaxPercentage": 0.0})
    return mapped


def bill_credit_note(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """An ACCPAYCREDIT credit note."""
    return _credit_note(record, account_ids, "billCreditNotes")


# ------------------------------------------------------------------------------------ purchase orders
PURCHASE_ORDER_STATUSES = {"DRAFT": "Draft", "SUBMITTED": "Open", "AUTHORISED": "Open", "BILLED": "Closed"}


def purchase_order(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """A purchase order: open once submitted or approved, closed once billed; deleted ones are deletions."""
    if record.get("Status") == "DELETED":
        return Deleted(record["PurchaseOrderID"])
    contact = record.get("Contact") or {}
    amounts = record.get("LineAmountTypes") or "Exclusive"
    mapped: Record = {
        "id": record["PurchaseOrderID"],
        "purchaseOrderNumber": record.get("PurchaseOrderNumber"),
        "issueDate": codat_date(record.get("Date")),
        "expectedDeliveryDate": codat_date(record.get("DeliveryDate")),
        "note": record.get("Reference") or None,
        "supplierRef": ref(contact.get("ContactID"), contact.get("Name"), "supplierName"),
        "status": PURCHASE_ORDER_STATUSES.get(record.get("Status") or "", "Unknown"),
        "currency": record.get("CurrencyCode"),
        "currencyRate": currency_rate(record.get("CurrencyRate")),
        "lineItems": [_line_item(line, amounts, account_ids or {}) for line in record.get("LineItems") or []],
        "totalDiscount": money(record.get("TotalDiscount")),
        "subTotal": money(record.get("SubTotal")),
        "totalTaxAmount": money(record.get("TotalTax")),
        "totalAmount": money(record.get("Total")),
    }
    return _source_modified(record, without_none(mapped))


# ------------------------------------------------------------------------------------------- payments
# Payment types of money received (Codat `payments`) and paid out (Codat `billPayments`).
RECEIVED = frozenset({"ACCRECPAYMENT", "ARCREDITPAYMENT", "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT"})
PAID_OUT = frozenset({"ACCPAYPAYMENT", "APCREDITPAYMENT", "APOVERPAYMENTPAYMENT", "APPREPAYMENTPAYMENT"})
# A refund of a credit note pays money the other way: its link is to the credit note.
_REFUNDS = frozenset({"ARCREDITPAYMENT", "APCREDITPAYMENT"})


def _payment(record: Record, contact_key: str, name_key: str, document_link: str) -> Record:
    """A payment line is what the customer paid (positive for money received, a refund negative); its link
    carries Codat's sign (`codat_shapes.LINK_SIGNS`: a document paid negative, a credit note refunded
    positive)."""
    refund = record.get("PaymentType") in _REFUNDS
    amount = money(record.get("Amount"))
    document = record.get("Invoice") or record.get("CreditNote") or {}
    contact = document.get("Contact") or {}
    account = record.get("Account") or {}
    rate = currency_rate(record.get("CurrencyRate"))
    if record.get("CreditNote"):
        link = codat_shapes.payment_link("CreditNote", record["CreditNote"]["CreditNoteID"], amount, rate)
    elif record.get("Invoice"):
        link = codat_shapes.payment_link(document_link, record["Invoice"]["InvoiceID"], amount, rate)
    else:
        link = codat_shapes.payment_link(
            "Other", contact.get("ContactID") or record["PaymentID"], amount, rate
        )
    mapped: Record = {
        "id": record["PaymentID"],
        contact_key: ref(contact.get("ContactID"), contact.get("Name"), name_key)
        if contact.get("ContactID")
        else None,
        "accountRef": ref(account["AccountID"], account.get("Name")) if account.get("AccountID") else None,
        "totalAmount": -amount if refund else amount,
        "currency": document.get("CurrencyCode"),
        "currencyRate": rate,
        "date": codat_date(record.get("Date")),
        "note": record.get("Details") or None,
        "reference": record.get("Reference") or None,
        "lines": [
            codat_shapes.payment_line(-amount if refund else amount, [link], codat_date(record.get("Date")))
        ],
    }
    return _source_modified(record, without_none(mapped))


def payment(record: Record) -> Mapped:
    if record.get("Status") in PAYMENT_GONE:
        return Deleted(record["PaymentID"])
    return _payment(record, "customerRef", "companyName", "Invoice")


def bill_payment(record: Record) -> Mapped:
    if record.get("Status") in PAYMENT_GONE:
        return Deleted(record["PaymentID"])
    return _payment(record, "supplierRef", "supplierName", "Bill")


# ------------------------------------------------------------------------------------ bank transactions
# Xero bank transaction type → (Codat transaction type, sign of the money on the account).
BANK_TRANSACTION_TYPES: Mapping[str, tuple[str, int]] = {
    "RECEIVE": ("Credit", 1),
    "RECEIVE-OVERPAYMENT": ("Credit", 1),
    "RECEIVE-PREPAYMENT": ("Credit", 1),
    "RECEIVE-TRANSFER": ("Xfer", 1),
    "SPEND": ("Debit", -1),
    "SPEND-OVERPAYMENT": ("Debit", -1),
    "SPEND-PREPAYMENT": ("Debit", -1),
    "SPEND-TRANSFER": ("Xfer", -1),
}


def bank_transaction(record: Record) -> Mapped:
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["BankTransactionID"])
    kind, sign = BANK_TRANSACTION_TYPES.get(record.get("Type") or "", ("Unknown", 1))
    lines = record.get("LineItems") or []
    contact = (record.get("Contact") or {}).get("Name")
    description = (
        record.get("Reference")
        or next((line["Description"] for line in lines if line.get("Description")), None)
        or contact
    )
    mapped = without_none(
        {
            "id": record["BankTransactionID"],
            "accountId": (record.get("BankAccount") or {}).get("AccountID"),
            "clearedOnDate": codat_date(record.get("Date")),
            "description": description,
            "reconciled": bool(record.get("IsReconciled")),
            "amount": round(sign * money(record.get("Total")), 2),
            "transactionType": kind,
        }
    )
    modified = codat_timestamp(record.get("UpdatedDateUTC"))
    if modified:
        mapped["sourceModifiedDate"] = modified
    return mapped


# ------------------------------------------------------------------------- direct costs and incomes
# Spend and receive money (bank transactions of no invoice or bill) are Codat's direct costs and incomes.
DIRECT_TYPES: Mapping[str, tuple[str, str]] = {
    "SPEND": ("directCosts", "suppliers"),
    "RECEIVE": ("directIncomes", "customers"),
}


def direct(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    """A SPEND (direct cost) or RECEIVE (direct income) bank transaction: paid at once, from or into its bank
    account, which is its one payment allocation."""
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["BankTransactionID"])
    document, contact_type = DIRECT_TYPES[record["Type"]]
    contact = record.get("Contact") or {}
    account = record.get("BankAccount") or {}
    amounts = record.get("LineAmountTypes") or "Exclusive"
    rate = currency_rate(record.get("CurrencyRate"))
    day = codat_date(record.get("Date"))
    total = money(record.get("Total"))
    mapped: Record = {
        "id": record["BankTransactionID"],
        "reference": record.get("Reference") or None,
        "contactRef": codat_shapes.record_ref(contact["ContactID"], contact_type)
        if contact.get("ContactID")
        else None,
        "issueDate": day,
        "currency": record.get("CurrencyCode"),
        "currencyRate": rate,
        "lineItems": [_line_item(line, amounts, account_ids or {}) for line in record.get("LineItems") or []],
        "paymentAllocations": [
            codat_shapes.payment_allocation(
                document,
                payment_id=record["BankTransactionID"],
                account_ref=ref(account.get("AccountID"), account.get("Name")),
                currency=record.get("CurrencyCode"),
                currency_rate=rate,
                paid_on=day,
                allocated_on=day,
                paid=total,
                allocated=total,
            )
        ],
        "subTotal": money(record.get("SubTotal")),
        "taxAmount": money(record.get("TotalTax")),
        "totalAmount": total,
    }
    return _source_modified(record, without_none(mapped))


# -------------------------------------------------------------------------------------------- transfers
def transfer(record: Record) -> Mapped:
    """A bank transfer: the same amount out of one bank account and into another (Xero converts at its
    `CurrencyRate` when their currencies differ)."""
    if record.get("Status") in DOCUMENT_GONE:
        return Deleted(record["BankTransferID"])
    amount = money(record.get("Amount"))
    rate = float(record.get("CurrencyRate") or 1)
    sides = {}
    for side, key, value in (("from", "FromBankAccount", amount), ("to", "ToBankAccount", amount * rate)):
        account = record.get(key) or {}
        sides[side] = without_none(
            {
                "accountRef": ref(account.get("AccountID"), account.get("Name")),
                "amount": round(value, 2),
                "currency": account.get("CurrencyCode"),
            }
        )
    mapped = without_none(
        {
            "id": record["BankTransferID"],
            "description": record.get("Reference") or None,
            "date": codat_date(record.get("Date")),
            **sides,
            "depositedRecordRefs": [],
        }
    )
    return codat_shapes.source_modified(mapped, codat_timestamp(record.get("CreatedDateUTC")))


# ------------------------------------------------------------------------------------ journal entries
# Xero journal source type → the Codat data type of the record the journal posted.
JOURNAL_SOURCES: Mapping[str, str] = {
    "ACCREC": "invoices",
    "ACCPAY": "bills",
    "ACCRECCREDIT": "creditNotes",
    "ACCPAYCREDIT": "billCreditNotes",
    "ACCRECPAYMENT": "payments",
    "ARCREDITPAYMENT": "payments",
    "ACCPAYPAYMENT": "billPayments",
    "APCREDITPAYMENT": "billPayments",
    "CASHREC": "bankTransactions",
    "CASHPAID": "bankTransactions",
    "TRANSFER": "transfers",
    "MANJOURNAL": "journalEntries",
}


def _tracking_refs(categories: Iterable[Record]) -> list[Record]:
    return [
        codat_shapes.record_ref(category["TrackingOptionID"], "trackingCategories")
        for category in categories
        if category.get("TrackingOptionID")
    ]


def journal(record: Record) -> Mapped:
    """An entry of Xero's general ledger (`/Journals`), posted by a document or a manual journal. Journals
    are never changed (a voided invoice posts a reversing journal), so none is ever a deletion."""
    source_type = record.get("SourceType") or ""
    lines = [
        codat_shapes.journal_line(
            money(line.get("NetAmount")),
            description=line.get("Description") or None,
            account_ref=ref(line.get("AccountID"), line.get("AccountName")),
            record_refs=_tracking_refs(line.get("TrackingCategories") or []),
        )
        for line in record.get("JournalLines") or []
    ]
    created = codat_timestamp(record.get("CreatedDateUTC"))
    mapped: Record = {
        "id": record["JournalID"],
        "description": record.get("Reference") or None,
        "postedOn": codat_date(record.get("JournalDate")),
        "createdOn": created,
        "updatedOn": created,
        "journalLines": lines,
    }
    if record.get("SourceID") and source_type in JOURNAL_SOURCES:
        mapped["recordRef"] = codat_shapes.record_ref(record["SourceID"], JOURNAL_SOURCES[source_type])
    return codat_shapes.source_modified(without_none(mapped), created)


def _line_account(line: Record) -> Record | None:
    """A manual journal line's account: its id, or its code when Xero gives only that."""
    account = line.get("AccountID") or line.get("AccountCode")
    return ref(account) if account else None


def manual_journal(record: Record) -> Mapped:
    """A manual journal; drafts have not posted anything and are left out (`is_posted`)."""
    if record.get("Status") in JOURNAL_GONE:
        return Deleted(record["ManualJournalID"])
    lines = [
        codat_shapes.journal_line(
            money(line.get("LineAmount")),
            description=line.get("Description") or None,
            account_ref=_line_account(line),
            record_refs=_tracking_refs(line.get("Tracking") or []),
        )
        for line in record.get("JournalLines") or []
    ]
    updated = codat_timestamp(record.get("UpdatedDateUTC"))
    mapped = without_none(
        {
            "id": record["ManualJournalID"],
            "description": record.get("Narration") or None,
            "postedOn": codat_date(record.get("Date")),
            "updatedOn": updated,
            "journalLines": lines,
        }
    )
    return _source_modified(record, mapped)


# ---------------------------------------------------------------------------------------------- items
def _item_side(details: Record | None, account_ids: Mapping[str, str]) -> Record | None:
    if not details:
        return None
    code = details.get("AccountCode")
    return without_none(
        {
            "unitPrice": details.get("UnitPrice"),
            "accountRef": {"id": account_ids.get(code, code)} if code else None,
            "taxRateRef": {"id": details["TaxType"]} if details.get("TaxType") else None,
        }
    )


def item(record: Record, account_ids: Mapping[str, str] | None = None) -> Mapped:
    ids = account_ids or {}
    sold, purchased = bool(record.get("IsSold")), bool(record.get("IsPurchased"))
    invoice_item = _item_side(record.get("SalesDetails"), ids) if sold else None
    bill_item = _item_side(record.get("PurchaseDetails"), ids) if purchased else None
    if invoice_item is not None:
        invoice_item["description"] = record.get("Description")
    if bill_item is not None:
        bill_item["description"] = record.get("PurchaseDescription") or record.get("Description")
    mapped = without_none(
        {
            "id": record["ItemID"],
            "name": record.get("Name"),
            "code": record.get("Code"),
            "itemStatus": "Active",
            # Xero tracks stock only for inventory items; the rest may be goods or services, it does not say.
            "type": "Inventory" if record.get("IsTrackedAsInventory") else "Unknown",
            "isBillItem": purchased,
            "billItem": bill_item,
            "isInvoiceItem": sold,
            "invoiceItem": invoice_item,
        }
    )
    return _source_modified(record, mapped)


# ------------------------------------------------------------------------------------------ tax rates
def tax_rate(record: Record) -> Mapped:
    """Identified by Xero's `TaxType` code, which is what line items reference."""
    if record.get("Status") in TAX_RATE_GONE:
        return Deleted(record["TaxType"])
    components = [
        {
            "name": component.get("Name"),
            "rate": component.get("Rate"),
            "isCompound": bool(component.get("IsCompound")),
        }
        for component in record.get("TaxComponents") or []
    ]
    mapped = without_none(
        {
            "id": record["TaxType"],
            "name": record.get("Name"),
            "code": record["TaxType"],
            "status": "Active",
            "effectiveTaxRate": record.get("EffectiveRate"),
            "totalTaxRate": record.get("DisplayTaxRate"),
            "components": components,
        }
    )
    mapped["metadata"] = {"isDeleted": False}
    return mapped


# -------------------------------------------------------------------------------- tracking categories
def tracking_categories(record: Record) -> list[Mapped]:
    """A Xero tracking category and its options: the category is a Codat category with children, each option
    a child category (`parentId`); what invoices and journals reference is the option."""
    category_id = record["TrackingCategoryID"]
    if record.get("Status") in TRACKING_GONE:
        return [Deleted(category_id), *(Deleted(o["TrackingOptionID"]) for o in record.get("Options") or [])]
    options = record.get("Options") or []
    mapped: list[Mapped] = [
        {
            "id": category_id,
            "name": record.get("Name"),
            "status": "Active",
            "hasChildren": bool(options),
            "metadata": {"isDeleted": False},
        }
    ]
    for option in options:
        if option.get("Status") in TRACKING_GONE:
            mapped.append(Deleted(option["TrackingOptionID"]))
            continue
        mapped.append(
            {
                "id": option["TrackingOptionID"],
                "name": option.get("Name"),
                "status": "Active",
                "parentId": category_id,
                "hasChildren": False,
                "metadata": {"isDeleted": False},
            }
        )
    return mapped


# -------------------------------------------------------------------------------------- company info
PHONE_TYPES = {
    "DEFAULT": "Primary",
    "OFFICE": "Landline",
    "MOBILE": "Mobile",
    "FAX": "Fax",
    "DDI": "Landline",
}
LINK_TYPES = {"Website": "Website"}


def company(record: Record, tenant_id: str | None = None) -> Record:
    phones = [
        {
            "number": _phone({"Phones": [p]}),
            "type": PHONE_TYPES.get(p.get("PhoneType"), "Unknown"),
        }
        for p in record.get("Phones") or []
        if p.get("PhoneNumber")
    ]
    links = [
        {"type": LINK_TYPES.get(link.get("LinkType"), "Social"), "url": link["Url"]}
        for link in record.get("ExternalLinks") or []
        if link.get("Url")
    ]
    lock = record.get("PeriodLockDate") or record.get("EndOfYearLockDate")
    short_code = record.get("ShortCode")
    return without_none(
        {
            "companyName": record.get("Name"),
            "accountingPlatformRef": record.get("OrganisationID") or tenant_id,
            "companyLegalName": record.get("LegalName"),
            "addresses": _addresses(record),
            "phoneNumbers": phones,
            "webLinks": links,
            "ledgerLockDate": codat_date(lock),
            "registrationNumber": record.get("RegistrationNumber"),
            "taxNumber": record.get("TaxNumber"),
            "financialYearStartDate": financial_year_start(record),
            "baseCurrency": record.get("BaseCurrency"),
            "sourceUrls": {
                "Organisation": f"https://go.xero.com/organisationlogin/default.aspx?shortcode={short_code}"
            }
            if short_code
            else {},
            "createdDate": codat_timestamp(record.get("CreatedDateUTC")),
        }
    )


def financial_year_start(record: Record) -> str | None:
    """The day after Xero's financial year end, in the year whose financial year began last (as of the
    organisation's creation: Codat reports a date, not a recurring day)."""
    day, month = record.get("FinancialYearEndDay"), record.get("FinancialYearEndMonth")
    created = xero_moment(record.get("CreatedDateUTC"))
    if not day or not month or created is None:
        return None
    year = created.year
    end = date(year, month, 1) + timedelta(days=day - 1)
    start = end + timedelta(days=1)
    if start > created.date():
        start = date(year - 1, month, 1) + timedelta(days=day)
    return start.strftime("%Y-%m-%dT00:00:00")


# ------------------------------------------------------------------------------ financial statements
# A section of a Xero report: its title, its rows as Codat report lines, and their total.
Section = tuple[str, list[Record], float]


def _account_id(cells: list[Record]) -> str | None:
    for attribute in (cells[0] if cells else {}).get("Attributes") or []:
        if attribute.get("Id") == "account":
            return attribute.get("Value")
    return None


def _section_lines(section: Record, column: int) -> tuple[list[Record], float]:
    lines, total = [], 0.0
    for row in section.get("Rows") or []:
        if row.get("RowType") != "Row":
            continue
        cells = row.get("Cells") or []
        value = codat_shapes.report_amount((cells[column] if column < len(cells) else {}).get("Value"))
        total += value
        lines.append(
            without_none(
                {
                    "accountId": _account_id(cells),
                    "name": (cells[0] if cells else {}).get("Value"),
                    "value": value,
                    "items": [],
                }
            )
        )
    return lines, round(total, 2)


def _line(name: str, sections: list[Section]) -> Record:
    """A part of a statement: one item per section of the report that belongs to it."""
    items = [codat_shapes.report_line(title, total, lines) for title, lines, total in sections]
    return codat_shapes.report_line(name, round(sum(total for _, _, total in sections), 2), items)


def _sections(report: Record) -> list[Record]:
    return [row for row in report.get("Rows") or [] if row.get("RowType") == "Section"]


# Xero's balance sheet: a section titled "Assets", "Liabilities" or "Equity" starts that part; the sections
# after it (Bank, Current Assets, ...) belong to it until the next one. Untitled sections hold totals.
BALANCE_SHEET_PARTS = {"assets": "assets", "liabilities": "liabilities", "equity": "equity"}


def balance_sheet(report: Record, column: codat_shapes.ReportColumn, currency: str | None) -> Record:
    parts: dict[str, list[Section]] = {"assets": [], "liabilities": [], "equity": []}
    part: str | None = None
    for section in _sections(report):
        title = (section.get("Title") or "").strip()
        if title.lower() in BALANCE_SHEET_PARTS:
            part = BALANCE_SHEET_PARTS[title.lower()]
        if not title or part is None:
            continue
        lines, total = _section_lines(section, column.index)
        if lines:
            parts[part].append((title, lines, total))
    return codat_shapes.balance_sheet(
        column,
        currency,
        assets=_line("Assets", parts["assets"]),
        liabilities=_line("Liabilities", parts["liabilities"]),
        equity=_line("Equity", parts["equity"]),
    )


# Xero's profit and loss section titles (they vary a little by organisation version) → Codat's part (Xero
# shows expenses as positive already, as Codat does).
def _profit_and_loss_part(title: str) -> str | None:
    lowered = title.lower()
    if "cost of sales" in lowered or "direct cost" in lowered:
        return "costOfSales"
    if "other income" in lowered:
        return "otherIncome"
    if "other expense" in lowered or "non-operating" in lowered:
        return "otherExpenses"
    if "expense" in lowered:
        return "expenses"
    if "income" in lowered or "revenue" in lowered or "sales" in lowered:
        return "income"
    return None


def profit_and_loss(report: Record, column: codat_shapes.ReportColumn, currency: str | None) -> Record:
    parts: dict[str, list[Section]] = {key: [] for key in codat_shapes.PROFIT_AND_LOSS_PARTS}
    for section in _sections(report):
        title = (section.get("Title") or "").strip()
        part = _profit_and_loss_part(title) if title else None
        if part is None:
            continue
        lines, total = _section_lines(section, column.index)
        parts[part].append((title, lines, total))
    return codat_shapes.profit_and_loss(
        column,
        currency,
        {key: _line(name, parts[key]) for key, name in codat_shapes.PROFIT_AND_LOSS_PARTS.items()},
    )


STATEMENTS: Mapping[str, codat_shapes.Statement] = {
    codat_shapes.BALANCE_SHEET: balance_sheet,
    codat_shapes.PROFIT_AND_LOSS: profit_and_loss,
}
