"""QuickBooks Online Accounting API (v3) entities → Codat's standardized records: one pure function per data
type.

Every function takes one QuickBooks entity (the JSON the API returns, PascalCase, `{"value", "name"}`
references) and returns the Codat record. Entities QuickBooks reports deleted (change data capture's
`{"status": "Deleted", "Id": ...}`) become `Deleted(id)`; entities made inactive (QuickBooks never deletes
accounts, customers, vendors, items or tax codes) stay records with an Archived status.
`docs/connectors/quickbooks.md` is the field-by-field table of what these functions do; a change here
changes that page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from ledgerlink.connectors import codat_shapes
from ledgerlink.connectors.codat_shapes import money, ref, without_none
from ledgerlink.connectors.mapped import Deleted, Mapped, Record


def deleted(entity: Record) -> Deleted | None:
    """CDC's tombstone (`{"status": "Deleted", "domain": "QBO", "Id": ...}`), as a deletion."""
    return Deleted(str(entity["Id"])) if entity.get("status") == "Deleted" else None


# ---------------------------------------------------------------------------------------------- values
def codat_date(value: str | None) -> str | None:
    """A QuickBooks date (`2015-06-05`, the company's day), as Codat writes one."""
    return codat_shapes.day(date.fromisoformat(value[:10])) if value else None


def qbo_moment(value: str | None) -> datetime | None:
    """QuickBooks' timestamps carry the company's offset (`2015-06-30T15:09:07-07:00`)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def codat_timestamp(value: str | None) -> str | None:
    """A moment in UTC, as Codat writes modification dates."""
    return codat_shapes.timestamp(qbo_moment(value))


def _ref(reference: Record | None, name_key: str = "name") -> Record | None:
    """A QuickBooks reference (`{"value": "20", "name": "Red Rock Diner"}`) as Codat's `{id, name}`."""
    if not reference or not reference.get("value"):
        return None
    return ref(str(reference["value"]), reference.get("name") or None, name_key)


def _value(reference: Record | None) -> str | None:
    return str(reference["value"]) if reference and reference.get("value") else None


def _status(entity: Record) -> str:
    """QuickBooks' `Active` flag: false is what QuickBooks calls deleting a list entity."""
    return "Archived" if entity.get("Active") is False else "Active"


def _source_modified(entity: Record, mapped: Record) -> Record:
    return codat_shapes.source_modified(
        mapped, codat_timestamp((entity.get("MetaData") or {}).get("LastUpdatedTime"))
    )


def _currency_rate(entity: Record) -> float:
    """QuickBooks' `ExchangeRate` is home-currency units per unit of the transaction's currency, the
    convention ledgerlink's records use (`base amount = amount × rate`); absent in a single-currency
    company, where it is 1."""
    rate = entity.get("ExchangeRate")
    return round(float(rate), 9) if rate else 1.0


# ---------------------------------------------------------------------------------- chart of accounts
# QuickBooks `AccountType` → Codat's fully qualified category (the type comes from `Classification`).
ACCOUNT_CATEGORIES: Mapping[str, str] = {
    "Bank": "Asset.Current.Bank",
    "Accounts Receivable": "Asset.Current.AccountsReceivable",
    "Other Current Asset": "Asset.Current",
    "Fixed Asset": "Asset.Fixed",
    "Other Asset": "Asset.NonCurrent",
    "Accounts Payable": "Liability.Current.AccountsPayable",
    "Credit Card": "Liability.Current.CreditCard",
    "Other Current Liability": "Liability.Current",
    "Long Term Liability": "Liability.NonCurrent",
    "Equity": "Equity",
    "Income": "Income.Revenue",
    "Other Income": "Income.Other",
    "Cost of Goods Sold": "Expense.CostOfSales",
    "Expense": "Expense.Operating",
    "Other Expense": "Expense.Other",
}
# QuickBooks `Classification` → Codat's account type.
CLASSIFICATIONS: Mapping[str, str] = {
    "Asset": "Asset",
    "Liability": "Liability",
    "Equity": "Equity",
    "Revenue": "Income",
    "Expense": "Expense",
}
BANK_ACCOUNT_TYPES = frozenset({"Bank", "Credit Card"})


def account(entity: Record) -> Mapped:
    category = ACCOUNT_CATEGORIES.get(entity.get("AccountType") or "", "Unknown")
    # QuickBooks' own `AccountSubType` ends the category, as Codat writes QuickBooks' (`Asset.Bank.Checking`):
    # kept for what reads the platform's classification (Lending's account categories).
    if category != "Unknown" and entity.get("AccountSubType"):
        category = f"{category}.{entity['AccountSubType']}"
    name = entity.get("Name")
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "nominalCode": entity.get("AcctNum") or None,
            "name": name,
            "description": entity.get("Description") or None,
            "fullyQualifiedCategory": category,
            # QuickBooks' own FullyQualifiedName is the account's path (`Parent:Child`).
            "fullyQualifiedName": f"{category}.{entity.get('FullyQualifiedName') or name}",
            "currency": _value(entity.get("CurrencyRef")),
            "currentBalance": money(entity.get("CurrentBalance")),
            "type": CLASSIFICATIONS.get(entity.get("Classification") or "", "Unknown"),
            "status": _status(entity),
            "isBankAccount": entity.get("AccountType") in BANK_ACCOUNT_TYPES,
        }
    )
    return _source_modified(entity, mapped)


def bank_account(entity: Record) -> Mapped:
    """An account of type Bank (Debit) or Credit Card (Credit)."""
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "accountName": entity.get("Name"),
            "accountType": "Credit" if entity.get("AccountType") == "Credit Card" else "Debit",
            "nominalCode": entity.get("AcctNum") or None,
            # QuickBooks keeps the bank's account number masked, if at all (`BankNum` is write-only).
            "currency": _value(entity.get("CurrencyRef")),
            "balance": money(entity.get("CurrentBalance")),
            "status": _status(entity),
        }
    )
    return _source_modified(entity, mapped)


# ------------------------------------------------------------------------------------------- contacts
ADDRESS_LINES = ("Line1", "Line2", "Line3", "Line4", "Line5")


def _address(address: Record | None, kind: str) -> Record | None:
    if not address:
        return None
    lines = [address[key] for key in ADDRESS_LINES if address.get(key)]
    fields = without_none(
        {
            "line1": lines[0] if lines else None,
            "line2": ", ".join(lines[1:]) or None,
            "city": address.get("City") or None,
            "region": address.get("CountrySubDivisionCode") or None,
            "country": address.get("Country") or None,
            "postalCode": address.get("PostalCode") or None,
        }
    )
    return {"type": kind, **fields} if fields else None


def _addresses(pairs: Iterable[tuple[Record | None, str]]) -> list[Record]:
    return [a for a in (_address(address, kind) for address, kind in pairs) if a]


def _contact_name(entity: Record) -> str | None:
    name = " ".join(part for part in (entity.get("GivenName"), entity.get("FamilyName")) if part)
    return name or None


def _phone(entity: Record) -> str | None:
    for key in ("PrimaryPhone", "Mobile", "AlternatePhone"):
        number = (entity.get(key) or {}).get("FreeFormNumber")
        if number:
            return number
    return None


def customer(entity: Record) -> Mapped:
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "customerName": entity.get("DisplayName"),
            "contactName": _contact_name(entity),
            "emailAddress": (entity.get("PrimaryEmailAddr") or {}).get("Address") or None,
            "defaultCurrency": _value(entity.get("CurrencyRef")),
            "phone": _phone(entity),
            "addresses": _addresses(
                ((entity.get("BillAddr"), "Billing"), (entity.get("ShipAddr"), "Delivery"))
            ),
            "contacts": [],
            "taxNumber": entity.get("PrimaryTaxIdentifier") or None,
            "status": _status(entity),
        }
    )
    return _source_modified(entity, mapped)


def supplier(entity: Record) -> Mapped:
    """A QuickBooks vendor."""
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "supplierName": entity.get("DisplayName"),
            "contactName": _contact_name(entity),
            "emailAddress": (entity.get("PrimaryEmailAddr") or {}).get("Address") or None,
            "defaultCurrency": _value(entity.get("CurrencyRef")),
            "phone": _phone(entity),
            "addresses": _addresses(((entity.get("BillAddr"), "Billing"),)),
            "taxNumber": entity.get("TaxIdentifier") or None,
            "status": _status(entity),
        }
    )
    return _source_modified(entity, mapped)


# --------------------------------------------------------------------------------- invoices and bills
def _lines(entity: Record) -> list[Record]:
    """The lines of a transaction, the lines of bundles (`GroupLineDetail`) in their place."""
    lines: list[Record] = []
    for line in entity.get("Line") or []:
        if line.get("DetailType") == "GroupLineDetail":
            lines.extend((line.get("GroupLineDetail") or {}).get("Line") or [])
        else:
            lines.append(line)
    return lines


def _line_amounts(line: Record, detail: Record) -> Record:
    """QuickBooks' line `Amount` is net of tax; with `TaxInclusiveAmt` (tax-inclusive companies) the line's
    tax is the difference. Otherwise QuickBooks computes tax for the whole transaction only
    (`TxnTaxDetail`), so the line carries none of its own."""
    sub_total = money(line.get("Amount"))
    inclusive = detail.get("TaxInclusiveAmt")
    tax = round(money(inclusive) - sub_total, 2) if inclusive is not None else None
    return {
        "subTotal": sub_total,
        "taxAmount": tax,
        "totalAmount": round(sub_total + tax, 2) if tax is not None else sub_total,
    }


def _sales_line(line: Record) -> Record | None:
    if line.get("DetailType") != "SalesItemLineDetail":
        return None
    detail = line.get("SalesItemLineDetail") or {}
    return without_none(
        {
            "description": line.get("Description") or None,
            "unitAmount": float(detail.get("UnitPrice") or 0),
            "quantity": float(detail.get("Qty") or 0),
            **_line_amounts(line, detail),
            "accountRef": _ref(detail.get("ItemAccountRef")),
            "taxRateRef": _ref(detail.get("TaxCodeRef")),
            "itemRef": _ref(detail.get("ItemRef")),
        }
    )


def _expense_line(line: Record) -> Record | None:
    kind = line.get("DetailType")
    if kind == "AccountBasedExpenseLineDetail":
        detail = line.get("AccountBasedExpenseLineDetail") or {}
        return without_none(
            {
                "description": line.get("Description") or None,
                "unitAmount": money(line.get("Amount")),
                "quantity": 1.0,
                **_line_amounts(line, detail),
                "accountRef": _ref(detail.get("AccountRef")),
                "taxRateRef": _ref(detail.get("TaxCodeRef")),
            }
        )
    if kind == "ItemBasedExpenseLineDetail":
        detail = line.get("ItemBasedExpenseLineDetail") or {}
        return without_none(
            {
                "description": line.get("Description") or None,
                "unitAmount": float(detail.get("UnitPrice") or 0),
                "quantity": float(detail.get("Qty") or 0),
                **_line_amounts(line, detail),
                "taxRateRef": _ref(detail.get("TaxCodeRef")),
                "itemRef": _ref(detail.get("ItemRef")),
            }
        )
    return None


def _discount(entity: Record) -> tuple[float, float]:
    """The transaction's discount lines: (amount, percentage when percent-based)."""
    amount, percentage = 0.0, 0.0
    for line in entity.get("Line") or []:
        if line.get("DetailType") == "DiscountLineDetail":
            amount += money(line.get("Amount"))
            detail = line.get("DiscountLineDetail") or {}
            if detail.get("PercentBased"):
                percentage = float(detail.get("DiscountPercent") or 0)
    return round(amount, 2), percentage


def _tax(entity: Record) -> float:
    return money((entity.get("TxnTaxDetail") or {}).get("TotalTax"))


def _allocations(entity: Record, types: Mapping[str, str], document: str) -> list[Record]:
    """The payments QuickBooks links to the document (`LinkedTxn`); the amount applied is on the payment,
    not here, so an allocation names the payment only (and has no amount to sign)."""
    currency = _value(entity.get("CurrencyRef"))
    return [
        codat_shapes.payment_allocation(
            document,
            payment_id=str(linked["TxnId"]),
            currency=currency,
            currency_rate=_currency_rate(entity),
        )
        for linked in entity.get("LinkedTxn") or []
        if linked.get("TxnType") in types and linked.get("TxnId")
    ]


def _balance_status(entity: Record, unpaid: str) -> str:
    """QuickBooks has no document status; what is left to pay (`Balance`) says it. A voided document keeps
    its lines with nothing to pay and QuickBooks' note `Voided`."""
    total, balance = money(entity.get("TotalAmt")), money(entity.get("Balance"))
    if total == 0 and (entity.get("PrivateNote") or "").startswith("Voided"):
        return "Void"
    if balance == 0 and total > 0:
        return "Paid"
    if 0 < balance < total:
        return "PartiallyPaid"
    return unpaid


INVOICE_PAYMENTS = {"Payment": "Payment", "CreditMemo": "CreditNote"}
BILL_PAYMENTS = {
    "BillPaymentCheck": "BillPayment",
    "BillPaymentCreditCard": "BillPayment",
    "VendorCredit": "CreditNote",
}


def invoice(entity: Record) -> Mapped:
    total, tax = money(entity.get("TotalAmt")), _tax(entity)
    discount, percentage = _discount(entity)
    note = (entity.get("CustomerMemo") or {}).get("value") or entity.get("PrivateNote") or None
    mapped: Record = {
        "id": str(entity["Id"]),
        "invoiceNumber": entity.get("DocNumber"),
        "customerRef": _ref(entity.get("CustomerRef"), "companyName"),
        "salesOrderRefs": [],
        "issueDate": codat_date(entity.get("TxnDate")),
        "dueDate": codat_date(entity.get("DueDate")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "lineItems": [m for m in map(_sales_line, _lines(entity)) if m],
        "paymentAllocations": _allocations(entity, INVOICE_PAYMENTS, "invoices"),
        "withholdingTax": [],
        "totalDiscount": discount,
        "subTotal": round(total - tax, 2),
        "additionalTaxAmount": 0.0,
        "additionalTaxPercentage": 0.0,
        "totalTaxAmount": tax,
        "totalAmount": total,
        "amountDue": money(entity.get("Balance")),
        "discountPercentage": percentage,
        "status": _balance_status(entity, "Submitted"),
        "note": note,
    }
    return _source_modified(entity, without_none(mapped))


def bill(entity: Record) -> Mapped:
    total, tax = money(entity.get("TotalAmt")), _tax(entity)
    mapped: Record = {
        "id": str(entity["Id"]),
        # A bill's number is the vendor's reference.
        "reference": entity.get("DocNumber") or None,
        "supplierRef": _ref(entity.get("VendorRef"), "supplierName"),
        "purchaseOrderRefs": [],
        "issueDate": codat_date(entity.get("TxnDate")),
        "dueDate": codat_date(entity.get("DueDate")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "lineItems": [m for m in map(_expense_line, _lines(entity)) if m],
        "paymentAllocations": _allocations(entity, BILL_PAYMENTS, "bills"),
        "withholdingTax": [],
        "status": _balance_status(entity, "Open"),
        "subTotal": round(total - tax, 2),
        "taxAmount": tax,
        "totalAmount": total,
        "amountDue": money(entity.get("Balance")),
        "note": entity.get("PrivateNote") or None,
    }
    return _source_modified(entity, without_none(mapped))


# --------------------------------------------------------------------- credit notes, purchase orders
def _credit_status(total: float, remaining: float) -> str:
    """What is left of a credit (`RemainingCredit`/`Balance`) says whether it has been used."""
    if remaining == 0 and total > 0:
        return "Paid"
    if 0 < remaining < total:
        return "PartiallyPaid"
    return "Submitted"


def _credit(entity: Record, lines: list[Record], remaining: float) -> Record:
    """What a credit note and a bill credit note share: amounts, dates, lines and what is left of it."""
    total, tax = money(entity.get("TotalAmt")), _tax(entity)
    return {
        "id": str(entity["Id"]),
        "issueDate": codat_date(entity.get("TxnDate")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "lineItems": lines,
        # QuickBooks links credits from the payments that use them, not here.
        "paymentAllocations": [],
        "withholdingTax": [],
        "subTotal": round(total - tax, 2),
        "totalTaxAmount": tax,
        "totalAmount": total,
        "remainingCredit": remaining,
        "status": _credit_status(total, remaining),
    }


def credit_note(entity: Record) -> Mapped:
    """A QuickBooks CreditMemo: what is left of it to apply is `RemainingCredit`."""
    discount, percentage = _discount(entity)
    lines = [m for m in map(_sales_line, _lines(entity)) if m]
    mapped: Record = {
        **_credit(entity, lines, money(entity.get("RemainingCredit", entity.get("Balance")))),
        "creditNoteNumber": entity.get("DocNumber") or None,
        "customerRef": _ref(entity.get("CustomerRef"), "companyName"),
        "totalDiscount": discount,
        "discountPercentage": percentage,
        "additionalTaxAmount": 0.0,
        "additionalTaxPercentage": 0.0,
        "note": (entity.get("CustomerMemo") or {}).get("value") or entity.get("PrivateNote") or None,
    }
    return _source_modified(entity, without_none(mapped))


def bill_credit_note(entity: Record) -> Mapped:
    """A QuickBooks VendorCredit: what is left of it to apply is its `Balance`."""
    lines = [m for m in map(_expense_line, _lines(entity)) if m]
    mapped: Record = {
        **_credit(entity, lines, money(entity.get("Balance"))),
        "billCreditNoteNumber": entity.get("DocNumber") or None,
        "supplierRef": _ref(entity.get("VendorRef"), "supplierName"),
        "totalDiscount": 0.0,
        "discountPercentage": 0.0,
        "note": entity.get("PrivateNote") or None,
    }
    return _source_modified(entity, without_none(mapped))


def purchase_order(entity: Record) -> Mapped:
    """A QuickBooks PurchaseOrder (`POStatus` Open or Closed); it books nothing until a bill is made of it."""
    total, tax = money(entity.get("TotalAmt")), _tax(entity)
    mapped: Record = {
        "id": str(entity["Id"]),
        "purchaseOrderNumber": entity.get("DocNumber") or None,
        "supplierRef": _ref(entity.get("VendorRef"), "supplierName"),
        "issueDate": codat_date(entity.get("TxnDate")),
        "paymentDueDate": codat_date(entity.get("DueDate")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "lineItems": [m for m in map(_expense_line, _lines(entity)) if m],
        "status": entity.get("POStatus") if entity.get("POStatus") in ("Open", "Closed") else "Unknown",
        "totalDiscount": 0.0,
        "subTotal": round(total - tax, 2),
        "totalTaxAmount": tax,
        "totalAmount": total,
        "note": entity.get("Memo") or entity.get("PrivateNote") or None,
    }
    return _source_modified(entity, without_none(mapped))


# ------------------------------------------------------------------------------------------- payments
# What a payment line links to (`LinkedTxn.TxnType`) → Codat's link type (its sign: `LINK_SIGNS`).
PAYMENT_LINKS: Mapping[str, str] = {
    "Invoice": "Invoice",
    "CreditMemo": "CreditNote",
    "JournalEntry": "ManualJournal",
}
BILL_PAYMENT_LINKS: Mapping[str, str] = {
    "Bill": "Bill",
    "VendorCredit": "CreditNote",
    "JournalEntry": "ManualJournal",
}


def _payment_lines(entity: Record, links: Mapping[str, str], on_account: str | None) -> list[Record]:
    """A line is money paid towards the documents it links, a credit applied counting negative (QuickBooks
    gives every line a positive `Amount`); its links carry Codat's signs (`codat_shapes.LINK_SIGNS`). What
    QuickBooks left unapplied (`UnappliedAmt`) is a payment on account."""
    rate, date_ = _currency_rate(entity), codat_date(entity.get("TxnDate"))
    lines = []
    for line in entity.get("Line") or []:
        amount = money(line.get("Amount"))
        linked = [
            (links.get(t.get("TxnType") or "", "Other"), str(t["TxnId"]))
            for t in line.get("LinkedTxn") or []
            if t.get("TxnId")
        ]
        if not linked:
            continue
        lines.append(
            codat_shapes.payment_line(
                -codat_shapes.LINK_SIGNS[linked[0][0]] * amount,
                [codat_shapes.payment_link(kind, id_, amount, rate) for kind, id_ in linked],
                date_,
            )
        )
    unapplied = money(entity.get("UnappliedAmt"))
    if unapplied and on_account:
        link = codat_shapes.payment_link("PaymentOnAccount", on_account, unapplied, rate)
        lines.append(codat_shapes.payment_line(unapplied, [link], date_))
    return lines


def payment(entity: Record) -> Mapped:
    """A payment received from a customer."""
    customer_ref = _ref(entity.get("CustomerRef"), "companyName")
    mapped: Record = {
        "id": str(entity["Id"]),
        "customerRef": customer_ref,
        "accountRef": _ref(entity.get("DepositToAccountRef")),
        "paymentMethodRef": _ref(entity.get("PaymentMethodRef")),
        "totalAmount": money(entity.get("TotalAmt")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "date": codat_date(entity.get("TxnDate")),
        "note": entity.get("PrivateNote") or None,
        "reference": entity.get("PaymentRefNum") or None,
        "lines": _payment_lines(entity, PAYMENT_LINKS, customer_ref["id"] if customer_ref else None),
    }
    return _source_modified(entity, without_none(mapped))


def bill_payment(entity: Record) -> Mapped:
    """A payment to a vendor, by cheque (`CheckPayment.BankAccountRef`) or card (`CreditCardPayment`)."""
    vendor = _ref(entity.get("VendorRef"), "supplierName")
    source = (entity.get("CheckPayment") or {}).get("BankAccountRef") or (
        entity.get("CreditCardPayment") or {}
    ).get("CCAccountRef")
    mapped: Record = {
        "id": str(entity["Id"]),
        "supplierRef": vendor,
        "accountRef": _ref(source),
        "totalAmount": money(entity.get("TotalAmt")),
        "currency": _value(entity.get("CurrencyRef")),
        "currencyRate": _currency_rate(entity),
        "date": codat_date(entity.get("TxnDate")),
        "note": entity.get("PrivateNote") or None,
        "reference": entity.get("DocNumber") or None,
        "lines": _payment_lines(entity, BILL_PAYMENT_LINKS, vendor["id"] if vendor else None),
    }
    return _source_modified(entity, without_none(mapped))


# ------------------------------------------------------------------------- transfers, direct costs
def transfer(entity: Record) -> Mapped:
    """Money moved between two of the company's accounts (QuickBooks' Transfer: one amount, both sides)."""
    amount, currency = money(entity.get("Amount")), _value(entity.get("CurrencyRef"))
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "description": entity.get("PrivateNote") or None,
            "date": codat_date(entity.get("TxnDate")),
            "from": without_none(
                {"accountRef": _ref(entity.get("FromAccountRef")), "currency": currency, "amount": amount}
            ),
            "to": without_none(
                {"accountRef": _ref(entity.get("ToAccountRef")), "currency": currency, "amount": amount}
            ),
        }
    )
    return _source_modified(entity, mapped)


# The contact of a Purchase or a Deposit line (`EntityRef.type`) → Codat's data type.
CONTACT_TYPES = {"Vendor": "suppliers", "Customer": "customers"}


def _contact_ref(reference: Record | None) -> Record | None:
    if not reference or not reference.get("value"):
        return None
    data_type = CONTACT_TYPES.get(reference.get("type") or "")
    return codat_shapes.record_ref(str(reference["value"]), data_type) if data_type else None


def _spent(entity: Record, document: str, account: Record | None, lines: list[Record]) -> Record:
    """A direct cost or income: paid (or received) at once into or out of `account`, one payment allocated
    in full; tax as QuickBooks totals it for the transaction."""
    total, tax = money(entity.get("TotalAmt")), _tax(entity)
    date_, currency = codat_date(entity.get("TxnDate")), _value(entity.get("CurrencyRef"))
    allocation = codat_shapes.payment_allocation(
        document,
        payment_id=str(entity["Id"]),
        paid=total,
        allocated=total,
        currency=currency,
        currency_rate=_currency_rate(entity),
        paid_on=date_,
        allocated_on=date_,
        account_ref=_ref(account),
    )
    return {
        "id": str(entity["Id"]),
        "reference": entity.get("DocNumber") or None,
        "note": entity.get("PrivateNote") or None,
        "issueDate": date_,
        "currency": currency,
        "currencyRate": _currency_rate(entity),
        "lineItems": lines,
        "paymentAllocations": [allocation],
        "subTotal": round(total - tax, 2),
        "taxAmount": tax,
        "totalAmount": total,
    }


def direct_cost(entity: Record) -> Mapped:
    """A QuickBooks Purchase (an expense paid at once by cash, cheque or card from `AccountRef`)."""
    mapped = _spent(
        entity, "directCosts", entity.get("AccountRef"), [m for m in map(_expense_line, _lines(entity)) if m]
    )
    mapped["contactRef"] = _contact_ref(entity.get("EntityRef"))
    return _source_modified(entity, without_none(mapped))


def _deposit_line(line: Record) -> Record | None:
    if line.get("DetailType") != "DepositLineDetail":
        return None
    detail = line.get("DepositLineDetail") or {}
    return without_none(
        {
            "description": line.get("Description") or None,
            "unitAmount": money(line.get("Amount")),
            "quantity": 1.0,
            **_line_amounts(line, detail),
            "accountRef": _ref(detail.get("AccountRef")),
            "taxRateRef": _ref(detail.get("TaxCodeRef")),
        }
    )


def direct_income(entity: Record) -> Mapped:
    """A QuickBooks Deposit: money received into `DepositToAccountRef`, its lines booked to income accounts
    (a deposit's lines that only gather payments received earlier are no income of their own)."""
    mapped = _spent(
        entity,
        "directIncomes",
        entity.get("DepositToAccountRef"),
        [m for m in map(_deposit_line, entity.get("Line") or []) if m],
    )
    contacts = [(line.get("DepositLineDetail") or {}).get("Entity") for line in entity.get("Line") or []]
    mapped["contactRef"] = next((r for r in map(_contact_ref, contacts) if r), None)
    return _source_modified(entity, without_none(mapped))


# ------------------------------------------------------------------------------------ journal entries
ENTITY_TYPES = {"Customer": "customers", "Vendor": "suppliers"}


def journal_entry(entity: Record) -> Mapped:
    """A QuickBooks journal entry: debit lines positive, credit lines negative."""
    currency = _value(entity.get("CurrencyRef"))
    lines: list[Record] = []
    for line in entity.get("Line") or []:
        if line.get("DetailType") != "JournalEntryLineDetail":
            continue
        detail = line.get("JournalEntryLineDetail") or {}
        sign = -1 if detail.get("PostingType") == "Credit" else 1
        party = detail.get("Entity") or {}
        refs = (
            [codat_shapes.record_ref(str(party["EntityRef"]["value"]), ENTITY_TYPES[party["Type"]])]
            if party.get("Type") in ENTITY_TYPES and (party.get("EntityRef") or {}).get("value")
            else []
        )
        lines.append(
            codat_shapes.journal_line(
                sign * money(line.get("Amount")),
                description=line.get("Description") or None,
                currency=currency,
                account_ref=_ref(detail.get("AccountRef")),
                record_refs=refs,
            )
        )
    meta = entity.get("MetaData") or {}
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "description": entity.get("PrivateNote") or entity.get("DocNumber") or None,
            "postedOn": codat_date(entity.get("TxnDate")),
            "createdOn": codat_timestamp(meta.get("CreateTime")),
            "updatedOn": codat_timestamp(meta.get("LastUpdatedTime")),
            "journalLines": lines,
        }
    )
    return _source_modified(entity, mapped)


# ---------------------------------------------------------------------------------------------- items
ITEM_TYPES = {"Inventory": "Inventory", "NonInventory": "NonInventory", "Service": "Service"}


def item(entity: Record) -> Mapped:
    """Sold when it has an income account, bought when it has an expense account (QuickBooks' rule for
    which forms offer an item)."""
    income, expense = entity.get("IncomeAccountRef"), entity.get("ExpenseAccountRef")
    invoice_item = (
        without_none(
            {
                "description": entity.get("Description") or None,
                "unitPrice": float(entity.get("UnitPrice") or 0),
                "accountRef": _ref(income),
                "taxRateRef": _ref(entity.get("SalesTaxCodeRef")),
            }
        )
        if income
        else None
    )
    bill_item = (
        without_none(
            {
                "description": entity.get("PurchaseDesc") or None,
                "unitPrice": float(entity.get("PurchaseCost") or 0),
                "accountRef": _ref(expense),
                "taxRateRef": _ref(entity.get("PurchaseTaxCodeRef")),
            }
        )
        if expense
        else None
    )
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "name": entity.get("Name"),
            "code": entity.get("Sku") or None,
            "itemStatus": _status(entity),
            "type": ITEM_TYPES.get(entity.get("Type") or "", "Unknown"),
            "isBillItem": bool(expense),
            "billItem": bill_item,
            "isInvoiceItem": bool(income),
            "invoiceItem": invoice_item,
        }
    )
    return _source_modified(entity, mapped)


# ------------------------------------------------------------------------------------------ tax rates
def tax_rate(entity: Record, rates: Mapping[str, Record] | None = None) -> Mapped:
    """A QuickBooks tax code (what lines reference, `TaxCodeRef`), its components the tax rates its sales
    list names (else its purchase list); `rates` is the company's TaxRate entities by id."""
    rates = rates or {}
    details = ((entity.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []) or (
        (entity.get("PurchaseTaxRateList") or {}).get("TaxRateDetail") or []
    )
    components = []
    simple, compound = 0.0, []
    for detail in details:
        rate_entity = rates.get(_value(detail.get("TaxRateRef")) or "") or {}
        rate = float(rate_entity.get("RateValue") or 0)
        is_compound = detail.get("TaxTypeApplicable") == "TaxOnTax"
        components.append(
            {
                "name": rate_entity.get("Name") or (detail.get("TaxRateRef") or {}).get("name"),
                "rate": rate,
                "isCompound": is_compound,
            }
        )
        if is_compound:
            compound.append(rate)
        else:
            simple += rate
    # A compound component is charged on the amount plus the simple components' tax.
    effective = simple + sum(rate * (100 + simple) / 100 for rate in compound)
    mapped = without_none(
        {
            "id": str(entity["Id"]),
            "name": entity.get("Name"),
            "code": entity.get("Name"),
            "status": _status(entity),
            "effectiveTaxRate": round(effective, 4),
            "totalTaxRate": round(simple + sum(compound), 4),
            "components": components,
        }
    )
    return _source_modified(entity, mapped)


# -------------------------------------------------------------------------------------- company info
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def company(entity: Record, realm_id: str, preferences: Record | None = None) -> Record:
    """CompanyInfo, with the home currency and book close date from Preferences."""
    preferences = preferences or {}
    phone = (entity.get("PrimaryPhone") or {}).get("FreeFormNumber")
    site = (entity.get("WebAddr") or {}).get("URI")
    accounting = preferences.get("AccountingInfoPrefs") or {}
    legal = entity.get("LegalAddr")
    return without_none(
        {
            "companyName": entity.get("CompanyName"),
            "accountingPlatformRef": realm_id,
            "companyLegalName": entity.get("LegalName") or None,
            # The legal address only when it is not the company's address again (QuickBooks copies it).
            "addresses": _addresses(
                (
                    (entity.get("CompanyAddr"), "Billing"),
                    (legal if legal != entity.get("CompanyAddr") else None, "Unknown"),
                )
            ),
            "phoneNumbers": [{"number": phone, "type": "Primary"}] if phone else [],
            "webLinks": [{"type": "Website", "url": site}] if site else [],
            "ledgerLockDate": codat_date(accounting.get("BookCloseDate")),
            "financialYearStartDate": financial_year_start(entity),
            "baseCurrency": _value((preferences.get("CurrencyPrefs") or {}).get("HomeCurrency")),
            "createdDate": codat_timestamp((entity.get("MetaData") or {}).get("CreateTime")),
        }
    )


def financial_year_start(entity: Record) -> str | None:
    """The first day of `FiscalYearStartMonth` in the financial year running when the company was created
    (Codat reports a date, not a recurring month)."""
    month = entity.get("FiscalYearStartMonth")
    created = qbo_moment((entity.get("MetaData") or {}).get("CreateTime")) or qbo_moment(
        entity.get("CompanyStartDate")
    )
    if month not in MONTHS or created is None:
        return None
    number = MONTHS.index(month) + 1
    year = created.year if created.month >= number else created.year - 1
    return f"{year:04d}-{number:02d}-01T00:00:00"


# ------------------------------------------------------------------------------ financial statements
def report_columns(report: Record) -> dict[str, int]:
    """The report's month columns: the month's first day (`StartDate` of the column's MetaData) → index."""
    found = {}
    for index, column in enumerate((report.get("Columns") or {}).get("Column") or []):
        meta = {m.get("Name"): m.get("Value") for m in column.get("MetaData") or []}
        if column.get("ColType") == "Money" and meta.get("StartDate"):
            found[meta["StartDate"][:10]] = index
    return found


def _amount(cells: list[Record], index: int) -> float:
    return codat_shapes.report_amount((cells[index] if index < len(cells) else {}).get("value"))


def _row_line(row: Record, index: int) -> Record | None:
    """A report row as a Codat report line: a data row is an account; a section (an account with
    sub-accounts, or a group) has its rows as items and its summary as value."""
    if row.get("type") == "Section" or row.get("Rows"):
        header = ((row.get("Header") or {}).get("ColData") or [{}])[0]
        items = [
            line for line in (_row_line(r, index) for r in (row.get("Rows") or {}).get("Row") or []) if line
        ]
        summary = (row.get("Summary") or {}).get("ColData")
        value = _amount(summary, index) if summary else round(sum(i["value"] for i in items), 2)
        return without_none(
            {
                "accountId": header.get("id"),
                "name": header.get("value") or row.get("group"),
                "value": value,
                "items": items,
            }
        )
    cells = row.get("ColData") or []
    if not cells:
        return None
    return without_none(
        {
            "accountId": cells[0].get("id"),
            "name": cells[0].get("value"),
            "value": _amount(cells, index),
            "items": [],
        }
    )


def _groups(rows: Iterable[Record]) -> dict[str, Record]:
    """Every section of the report by its `group` (Intuit names them: Income, COGS, TotalAssets, ...),
    nested ones included."""
    found: dict[str, Record] = {}
    for row in rows:
        if row.get("group"):
            found.setdefault(row["group"], row)
        found.update(
            {k: v for k, v in _groups((row.get("Rows") or {}).get("Row") or []).items() if k not in found}
        )
    return found


def _part(groups: Mapping[str, Record], group: str, name: str, index: int) -> Record:
    section = groups.get(group)
    line = _row_line(section, index) if section else None
    return codat_shapes.report_line(name, line["value"] if line else 0.0, line["items"] if line else [])


def balance_sheet(report: Record, column: codat_shapes.ReportColumn, currency: str | None) -> Record:
    """Intuit's BalanceSheet groups: TotalAssets, Liabilities, and Equity (in TotalLiabilitiesAndEquity)."""
    groups = _groups((report.get("Rows") or {}).get("Row") or [])
    return codat_shapes.balance_sheet(
        column,
        currency,
        assets=_part(groups, "TotalAssets", "Assets", column.index),
        liabilities=_part(groups, "Liabilities", "Liabilities", column.index),
        equity=_part(groups, "Equity", "Equity", column.index),
    )


# Intuit's ProfitAndLoss groups → Codat's parts (GrossProfit, NetOperatingIncome, NetOtherIncome and
# NetIncome are Intuit's totals: `profit_and_loss_record` computes them from the parts).
PROFIT_AND_LOSS_GROUPS = {
    "income": "Income",
    "costOfSales": "COGS",
    "expenses": "Expenses",
    "otherIncome": "OtherIncome",
    "otherExpenses": "OtherExpenses",
}


def profit_and_loss(report: Record, column: codat_shapes.ReportColumn, currency: str | None) -> Record:
    groups = _groups((report.get("Rows") or {}).get("Row") or [])
    parts = {
        key: _part(groups, PROFIT_AND_LOSS_GROUPS[key], name, column.index)
        for key, name in codat_shapes.PROFIT_AND_LOSS_PARTS.items()
    }
    basis = (report.get("Header") or {}).get("ReportBasis")
    return codat_shapes.profit_and_loss(
        column, currency, parts, basis=basis if basis in ("Accrual", "Cash") else "Accrual"
    )


STATEMENTS: Mapping[str, codat_shapes.Statement] = {
    codat_shapes.BALANCE_SHEET: balance_sheet,
    codat_shapes.PROFIT_AND_LOSS: profit_and_loss,
}
