"""Codat's create shapes → QuickBooks Online Accounting API (v3) request bodies: one pure function per data
type, the way back being the read mapping (`mapping.py`) of the entity QuickBooks answers.

Every function takes the record a push carries (Codat's create shape, already checked against Codat's create
model where ledgerlink has one) and returns the entity to send, PascalCase with `{"value"}` references.
What QuickBooks cannot hold is refused here, before anything is sent, as Codat's validation items
(`Unwritable`), naming the Codat field. `docs/connectors/quickbooks.md` ("Writes") is the field-by-field
table of what these functions do; a change here changes that page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerlink.connectors.codat_shapes import Record, without_none
from ledgerlink.connectors.quickbooks import mapping


class Unwritable(Exception):
    """The record asks for something QuickBooks has no place for: Codat's validation items, per field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['itemId']}: {e['message']}" for e in errors))
        self.errors = errors


def refused(field: str, message: str) -> Unwritable:
    return Unwritable([{"itemId": field, "message": message, "validatorName": "QuickBooks"}])


# ---------------------------------------------------------------------------------------------- values
def _day(value: Any) -> str | None:
    """Codat's date (`2024-02-01T00:00:00`, or a date) as QuickBooks' day (`2024-02-01`)."""
    return str(value)[:10] if value else None


def _ref(reference: Any) -> Record | None:
    """Codat's `{id, ...}` as QuickBooks' `{"value": id}` (QuickBooks fills in the name)."""
    if isinstance(reference, Mapping) and reference.get("id"):
        return {"value": str(reference["id"])}
    return None


def _amount(value: Any) -> float:
    return float(round(Decimal(str(value)), 2))


def _currency(record: Record, key: str = "currency") -> dict[str, Any]:
    """The document's currency and its rate (QuickBooks' `ExchangeRate` is home units per unit, Codat's
    `currencyRate` convention too); nothing when Codat leaves the currency to the company's."""
    currency = record.get(key)
    if not currency:
        return {}
    rate = record.get("currencyRate")
    return without_none(
        {"CurrencyRef": {"value": currency}, "ExchangeRate": float(rate) if rate not in (None, 1) else None}
    )


# ------------------------------------------------------------------------------------------- contacts
def _address(address: Mapping[str, Any]) -> Record:
    return without_none(
        {
            "Line1": address.get("line1"),
            "Line2": address.get("line2"),
            "City": address.get("city"),
            "CountrySubDivisionCode": address.get("region"),
            "Country": address.get("country"),
            "PostalCode": address.get("postalCode"),
        }
    )


def _addresses(record: Record, kinds: Mapping[str, str]) -> Record:
    """Codat's typed addresses in QuickBooks' fields (Billing → `BillAddr`, Delivery → `ShipAddr`); an
    address of another type fills the billing address when there is none."""
    found: Record = {}
    for address in record.get("addresses") or []:
        kind = kinds.get(address.get("type") or "", kinds["Billing"])
        found.setdefault(kind, _address(address))
    return found


def _names(record: Record) -> Record:
    """Codat's one `contactName` as QuickBooks' given and family names (the last word is the family's)."""
    words = (record.get("contactName") or "").split()
    if not words:
        return {}
    if len(words) == 1:
        return {"GivenName": words[0]}
    return {"GivenName": " ".join(words[:-1]), "FamilyName": words[-1]}


def _contact(record: Record, name: str) -> Record:
    return without_none(
        {
            "DisplayName": name,
            "CompanyName": name,
            **_names(record),
            "PrimaryEmailAddr": {"Address": record["emailAddress"]} if record.get("emailAddress") else None,
            "PrimaryPhone": {"FreeFormNumber": record["phone"]} if record.get("phone") else None,
            "CurrencyRef": {"value": record["defaultCurrency"]} if record.get("defaultCurrency") else None,
            "Active": record.get("status") != "Archived",
        }
    )


def customer(record: Record) -> Record:
    return without_none(
        {
            **_contact(record, record["customerName"]),
            **_addresses(record, {"Billing": "BillAddr", "Delivery": "ShipAddr"}),
            "PrimaryTaxIdentifier": record.get("taxNumber") or None,
        }
    )


def vendor(record: Record) -> Record:
    """A Codat supplier as a QuickBooks vendor (one address: QuickBooks' vendors have no delivery one)."""
    return without_none(
        {
            **_contact(record, record["supplierName"]),
            **_addresses(record, {"Billing": "BillAddr"}),
            "TaxIdentifier": record.get("taxNumber") or None,
        }
    )


# ------------------------------------------------------------------------------------------- accounts
# Codat's account type → the QuickBooks account type an account of no finer category gets.
TYPE_DEFAULTS: Mapping[str, str] = {
    "Asset": "Other Current Asset",
    "Liability": "Other Current Liability",
    "Equity": "Equity",
    "Income": "Income",
    "Expense": "Expense",
}


def account_type(record: Record) -> str:
    """QuickBooks' `AccountType` for Codat's `fullyQualifiedCategory` (the longest of the read mapping's
    `ACCOUNT_CATEGORIES` it starts with), else for its `type`. No `AccountSubType` is sent: QuickBooks
    refuses a subtype it does not list for the type, and Codat's categories go finer than QuickBooks' in
    their own words (`Expense.Other.InterestAndFees`); QuickBooks gives the type's default subtype, which
    the category read back ends with."""
    category = record.get("fullyQualifiedCategory") or ""
    best: tuple[str, str] | None = None
    for kind, prefix in mapping.ACCOUNT_CATEGORIES.items():
        if (category == prefix or category.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[1])
        ):
            best = (kind, prefix)
    if best is not None:
        return best[0]
    default = TYPE_DEFAULTS.get(record.get("type") or "")
    if default is None:
        raise refused(
            "fullyQualifiedCategory",
            "QuickBooks needs the account's type: give a fullyQualifiedCategory QuickBooks has"
            f" ({', '.join(sorted(mapping.ACCOUNT_CATEGORIES.values()))}) or a type.",
        )
    return default


def account(record: Record) -> Record:
    return without_none(
        {
            "Name": record.get("name"),
            "AcctNum": record.get("nominalCode") or None,
            "Description": record.get("description") or None,
            "AccountType": account_type(record),
            "CurrencyRef": {"value": record["currency"]} if record.get("currency") else None,
            "Active": record.get("status") != "Archived",
        }
    )


def bank_account(record: Record) -> Record:
    """A bank account is a QuickBooks account of type Bank (Codat's Debit) or Credit Card (Credit)."""
    credit = record.get("accountType") == "Credit"
    return without_none(
        {
            "Name": record.get("accountName"),
            "AccountType": "Credit Card" if credit else "Bank",
            "AccountSubType": "CreditCard" if credit else "Checking",
            "AcctNum": record.get("nominalCode") or None,
            "CurrencyRef": {"value": record["currency"]} if record.get("currency") else None,
        }
    )


# ---------------------------------------------------------------------------------------------- items
def item(record: Record) -> Record:
    """A service, or a non-inventory item; QuickBooks' inventory items need an asset account, a quantity on
    hand and a start date Codat's item has no field for."""
    kind = record.get("type") or "NonInventory"
    if kind not in ("Service", "NonInventory"):
        raise refused(
            "type",
            "QuickBooks creates Service and NonInventory items here: an Inventory item needs an asset"
            " account, a quantity on hand and its start date, which Codat's item does not carry.",
        )
    sold = record.get("invoiceItem") or {}
    bought = record.get("billItem") or {}
    if not sold.get("accountRef") and not bought.get("accountRef"):
        raise refused(
            "invoiceItem.accountRef",
            "QuickBooks needs an income account (invoiceItem.accountRef) or an expense account"
            " (billItem.accountRef) for an item.",
        )
    return without_none(
        {
            "Name": record.get("name"),
            "Sku": record.get("code") or None,
            "Type": kind,
            "Active": record.get("itemStatus") != "Archived",
            "Description": sold.get("description") or None,
            "UnitPrice": float(sold["unitPrice"]) if sold.get("unitPrice") is not None else None,
            "IncomeAccountRef": _ref(sold.get("accountRef")),
            "SalesTaxCodeRef": _ref(sold.get("taxRateRef")),
            "PurchaseDesc": bought.get("description") or None,
            "PurchaseCost": float(bought["unitPrice"]) if bought.get("unitPrice") is not None else None,
            "ExpenseAccountRef": _ref(bought.get("accountRef")),
            "PurchaseTaxCodeRef": _ref(bought.get("taxRateRef")),
        }
    )


# ---------------------------------------------------------------------------------------------- lines
def _line_amount(line: Mapping[str, Any], field: str) -> float:
    """A line's net amount: its `subTotal`, else quantity × unit amount (QuickBooks' line `Amount`)."""
    for key in ("discountAmount", "discountPercentage"):
        if line.get(key):
            raise refused(
                f"{field}.{key}",
                "QuickBooks discounts a whole transaction, not a line: give the line's net amount.",
            )
    if line.get("subTotal") is not None:
        return _amount(line["subTotal"])
    quantity = line.get("quantity")
    return _amount(
        Decimal(str(line.get("unitAmount") or 0)) * Decimal(str(1 if quantity is None else quantity))
    )


def _sales_lines(record: Record) -> list[Record]:
    """Sales lines book to their item's income account: QuickBooks takes no account on a sales line, so
    each line names its item."""
    lines = []
    for index, line in enumerate(record.get("lineItems") or []):
        field = f"lineItems.{index}"
        if not _ref(line.get("itemRef")):
            raise refused(
                f"{field}.itemRef",
                "QuickBooks books a sales line to its item's income account: give the line's itemRef.",
            )
        lines.append(
            without_none(
                {
                    "Description": line.get("description") or None,
                    "Amount": _line_amount(line, field),
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": without_none(
                        {
                            "ItemRef": _ref(line.get("itemRef")),
                            "UnitPrice": float(line.get("unitAmount") or 0),
                            "Qty": float(line["quantity"]) if line.get("quantity") is not None else 1.0,
                            "TaxCodeRef": _ref(line.get("taxRateRef")),
                        }
                    ),
                }
            )
        )
    return lines


def _expense_lines(record: Record) -> list[Record]:
    """A line with an item is an item-based expense line (the item's expense account); else it books to its
    `accountRef` (an account-based line, QuickBooks keeping the amount only, not quantity × price)."""
    lines = []
    for index, line in enumerate(record.get("lineItems") or []):
        field = f"lineItems.{index}"
        amount = _line_amount(line, field)
        tax = _ref(line.get("taxRateRef"))
        if _ref(line.get("itemRef")):
            detail: Record = {
                "DetailType": "ItemBasedExpenseLineDetail",
                "ItemBasedExpenseLineDetail": without_none(
                    {
                        "ItemRef": _ref(line.get("itemRef")),
                        "UnitPrice": float(line.get("unitAmount") or 0),
                        "Qty": float(line["quantity"]) if line.get("quantity") is not None else 1.0,
                        "TaxCodeRef": tax,
                    }
                ),
            }
        elif _ref(line.get("accountRef")):
            detail = {
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": without_none(
                    {"AccountRef": _ref(line.get("accountRef")), "TaxCodeRef": tax}
                ),
            }
        else:
            raise refused(f"{field}.accountRef", "QuickBooks needs the line's accountRef or itemRef.")
        lines.append(
            without_none({"Description": line.get("description") or None, "Amount": amount, **detail})
        )
    return lines


def _tax(record: Record, key: str) -> Record:
    tax = record.get(key)
    return {"TxnTaxDetail": {"TotalTax": _amount(tax)}} if tax else {}


# ------------------------------------------------------------------------------------------ documents
def invoice(record: Record) -> Record:
    return without_none(
        {
            "CustomerRef": _ref(record.get("customerRef")),
            "DocNumber": record.get("invoiceNumber") or None,
            "TxnDate": _day(record.get("issueDate")),
            "DueDate": _day(record.get("dueDate")),
            **_currency(record),
            "Line": _sales_lines(record),
            **_tax(record, "totalTaxAmount"),
            "CustomerMemo": {"value": record["note"]} if record.get("note") else None,
        }
    )


def bill(record: Record) -> Record:
    return without_none(
        {
            "VendorRef": _ref(record.get("supplierRef")),
            "DocNumber": record.get("reference") or None,
            "TxnDate": _day(record.get("issueDate")),
            "DueDate": _day(record.get("dueDate")),
            **_currency(record),
            "Line": _expense_lines(record),
            **_tax(record, "taxAmount"),
            "PrivateNote": record.get("note") or None,
        }
    )


def credit_note(record: Record) -> Record:
    """A credit note to a customer: a CreditMemo, its lines sales lines (as an invoice's)."""
    return without_none(
        {
            "CustomerRef": _ref(record.get("customerRef")),
            "DocNumber": record.get("creditNoteNumber") or None,
            "TxnDate": _day(record.get("issueDate")),
            **_currency(record),
            "Line": _sales_lines(record),
            **_tax(record, "totalTaxAmount"),
            "CustomerMemo": {"value": record["note"]} if record.get("note") else None,
        }
    )


def bill_credit_note(record: Record) -> Record:
    """A credit note from a supplier: a VendorCredit, its lines expense lines (as a bill's)."""
    return without_none(
        {
            "VendorRef": _ref(record.get("supplierRef")),
            "DocNumber": record.get("billCreditNoteNumber") or None,
            "TxnDate": _day(record.get("issueDate")),
            **_currency(record),
            "Line": _expense_lines(record),
            **_tax(record, "totalTaxAmount"),
            "PrivateNote": record.get("note") or None,
        }
    )


def purchase_order(record: Record) -> Record:
    """QuickBooks' purchase orders are Open or Closed (Codat's Draft and Void have no place: Open)."""
    return without_none(
        {
            "VendorRef": _ref(record.get("supplierRef")),
            "DocNumber": record.get("purchaseOrderNumber") or None,
            "TxnDate": _day(record.get("issueDate")),
            "DueDate": _day(record.get("paymentDueDate")),
            **_currency(record),
            "Line": _expense_lines(record),
            **_tax(record, "totalTaxAmount"),
            "POStatus": "Closed" if record.get("status") == "Closed" else "Open",
            "Memo": record.get("note") or None,
        }
    )


# ------------------------------------------------------------------------------------------- payments
def _payment_lines(record: Record, kinds: Mapping[str, str]) -> list[Record]:
    """Codat's lines and their links as QuickBooks' lines, one per document paid (`LinkedTxn`), the amount
    applied as QuickBooks writes it (positive). A `PaymentOnAccount` link is what QuickBooks leaves
    unapplied: no line."""
    lines = []
    for index, line in enumerate(record.get("lines") or []):
        for number, link in enumerate(line.get("links") or []):
            kind = link.get("type")
            if kind == "PaymentOnAccount":
                continue
            if kind not in kinds:
                raise refused(
                    f"lines.{index}.links.{number}.type",
                    f"QuickBooks applies these payments to {', '.join(kinds)} only, not to {kind}.",
                )
            lines.append(
                {
                    "Amount": abs(_amount(link.get("amount") or line.get("amount") or 0)),
                    "LinkedTxn": [{"TxnId": str(link["id"]), "TxnType": kinds[kind]}],
                }
            )
    return lines


def payment(record: Record) -> Record:
    return without_none(
        {
            "CustomerRef": _ref(record.get("customerRef")),
            "TotalAmt": _amount(record.get("totalAmount") or 0),
            "TxnDate": _day(record.get("date")),
            "DepositToAccountRef": _ref(record.get("accountRef")),
            "PaymentMethodRef": _ref(record.get("paymentMethodRef")),
            "PaymentRefNum": record.get("reference") or None,
            "PrivateNote": record.get("note") or None,
            **_currency(record),
            "Line": _payment_lines(record, {"Invoice": "Invoice", "CreditNote": "CreditMemo"}),
        }
    )


def bill_payment(record: Record) -> Record:
    """Paid from a bank account by cheque (QuickBooks' `Check` pay type), or from a credit card account
    (`CreditCard`): which one, QuickBooks' account type says (`card_accounts`: the company's credit card
    account ids)."""
    account = _ref(record.get("accountRef"))
    if account is None:
        raise refused(
            "accountRef", "QuickBooks needs the bank or credit card account the bill was paid from."
        )
    return without_none(
        {
            "VendorRef": _ref(record.get("supplierRef")),
            "TotalAmt": _amount(record.get("totalAmount") or 0),
            "TxnDate": _day(record.get("date")),
            "DocNumber": record.get("reference") or None,
            "PrivateNote": record.get("note") or None,
            **_currency(record),
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": account},
            "Line": _payment_lines(record, {"Bill": "Bill", "CreditNote": "VendorCredit"}),
        }
    )


def card_bill_payment(body: Record) -> tuple[str, Record]:
    """The account the bill payment is paid from, and the payment as QuickBooks wants it when that account is
    a Credit Card account."""
    account = body["CheckPayment"]["BankAccountRef"]
    paid = {key: value for key, value in body.items() if key != "CheckPayment"}
    return account["value"], {**paid, "PayType": "CreditCard", "CreditCardPayment": {"CCAccountRef": account}}


# ------------------------------------------------------------------------------------ journal entries
def journal_entry(record: Record) -> Record:
    """Debit lines are Codat's positive net amounts, credit lines its negative ones."""
    lines = []
    currency = None
    for index, line in enumerate(record.get("journalLines") or []):
        amount = Decimal(str(line.get("netAmount") or 0))
        if amount == 0:
            raise refused(f"journalLines.{index}.netAmount", "QuickBooks takes no journal line of zero.")
        currency = currency or line.get("currency")
        lines.append(
            without_none(
                {
                    "Description": line.get("description") or None,
                    "Amount": _amount(abs(amount)),
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit" if amount > 0 else "Credit",
                        "AccountRef": _ref(line.get("accountRef")),
                    },
                }
            )
        )
    return without_none(
        {
            "TxnDate": _day(record.get("postedOn")),
            "PrivateNote": record.get("description") or None,
            "CurrencyRef": {"value": currency} if currency else None,
            "Line": lines,
        }
    )


# ------------------------------------------------------------------------- transfers, direct costs
def transfer(record: Record) -> Record:
    """QuickBooks moves one amount between two accounts: Codat's `from` and `to` amounts must agree."""
    source, target = record.get("from") or {}, record.get("to") or {}
    for side, part in (("from", source), ("to", target)):
        if not _ref(part.get("accountRef")):
            raise refused(f"{side}.accountRef", "QuickBooks needs both accounts of a transfer.")
    amount = source.get("amount") if source.get("amount") is not None else target.get("amount")
    if amount is None or _amount(amount) <= 0:
        raise refused("from.amount", "QuickBooks transfers a positive amount.")
    if target.get("amount") is not None and _amount(target["amount"]) != _amount(amount):
        raise refused(
            "to.amount",
            "QuickBooks moves one amount between two accounts: from.amount and to.amount must be the same.",
        )
    return without_none(
        {
            "FromAccountRef": _ref(source.get("accountRef")),
            "ToAccountRef": _ref(target.get("accountRef")),
            "Amount": _amount(amount),
            "TxnDate": _day(record.get("date")),
            "PrivateNote": record.get("description") or None,
        }
    )


def _paid_account(record: Record) -> Record:
    """The account a direct cost or income was paid from or into: its payment allocation's."""
    allocations = record.get("paymentAllocations") or []
    account = _ref(((allocations[0] if allocations else {}).get("payment") or {}).get("accountRef"))
    if account is None:
        raise refused(
            "paymentAllocations.0.payment.accountRef",
            "QuickBooks needs the bank or credit card account the money moved through.",
        )
    return account


# Codat's contact data type → QuickBooks' `EntityRef.type`.
CONTACT_TYPES = {"suppliers": "Vendor", "customers": "Customer"}


def _entity_ref(reference: Any, default: str) -> Record | None:
    if not _ref(reference):
        return None
    kind = CONTACT_TYPES.get(reference.get("dataType") or default)
    if kind is None:
        raise refused("contactRef.dataType", "QuickBooks' contacts are customers or suppliers.")
    return {"value": str(reference["id"]), "type": kind}


def direct_cost(record: Record) -> Record:
    """A Purchase paid at once from a bank account (`Cash`) or a credit card (`CreditCard`, chosen once the
    account's type is known: `card_purchase`)."""
    return without_none(
        {
            "PaymentType": "Cash",
            "AccountRef": _paid_account(record),
            "EntityRef": _entity_ref(record.get("contactRef"), "suppliers"),
            "DocNumber": record.get("reference") or None,
            "PrivateNote": record.get("note") or None,
            "TxnDate": _day(record.get("issueDate")),
            **_currency(record),
            "Line": _expense_lines(record),
            **_tax(record, "taxAmount"),
        }
    )


def card_purchase(body: Record) -> tuple[str, Record]:
    return body["AccountRef"]["value"], {**body, "PaymentType": "CreditCard"}


def direct_income(record: Record) -> Record:
    """A Deposit into the received account, each line booked to its income account (a Deposit, not a
    SalesReceipt: Codat's direct income books lines to accounts, which a deposit line does; a sales receipt
    books them to items)."""
    contact = _entity_ref(record.get("contactRef"), "customers")
    lines = []
    for index, line in enumerate(record.get("lineItems") or []):
        field = f"lineItems.{index}"
        if not _ref(line.get("accountRef")):
            raise refused(f"{field}.accountRef", "QuickBooks books a deposit line to an account.")
        lines.append(
            without_none(
                {
                    "Description": line.get("description") or None,
                    "Amount": _line_amount(line, field),
                    "DetailType": "DepositLineDetail",
                    "DepositLineDetail": without_none(
                        {
                            "AccountRef": _ref(line.get("accountRef")),
                            "Entity": contact,
                            "TaxCodeRef": _ref(line.get("taxRateRef")),
                        }
                    ),
                }
            )
        )
    return without_none(
        {
            "DepositToAccountRef": _paid_account(record),
            "PrivateNote": record.get("note") or record.get("reference") or None,
            "TxnDate": _day(record.get("issueDate")),
            **_currency(record),
            "Line": lines,
            **_tax(record, "taxAmount"),
        }
    )


# ------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class EntityWrite:
    """How one Codat data type is written: the QuickBooks entity, the body a record becomes, the read
    mapping of what QuickBooks answers, and which Codat fields QuickBooks' fault `element`s are."""

    entity: str
    to_quickbooks: Callable[[Record], Record]
    to_codat: Callable[[Record], Any]
    # QuickBooks' element (the last part of a fault's `element`, or the whole) → the Codat field.
    fields: Mapping[str, str]
    # Payments by card: the paying account of a body, and the body to send when it is a Credit Card account.
    on_card: Callable[[Record], tuple[str, Record]] | None = None


CONTACT_FIELDS = {
    "GivenName": "contactName",
    "FamilyName": "contactName",
    "PrimaryEmailAddr": "emailAddress",
    "PrimaryPhone": "phone",
    "BillAddr": "addresses",
    "ShipAddr": "addresses",
    "CurrencyRef": "defaultCurrency",
}
LINE_FIELDS = {
    "Line": "lineItems",
    "Line.Amount": "lineItems.subTotal",
    "ItemRef": "lineItems.itemRef.id",
    "TaxCodeRef": "lineItems.taxRateRef.id",
}

WRITES: Mapping[str, EntityWrite] = {
    "customers": EntityWrite(
        "Customer", customer, mapping.customer, {**CONTACT_FIELDS, "DisplayName": "customerName"}
    ),
    "suppliers": EntityWrite(
        "Vendor", vendor, mapping.supplier, {**CONTACT_FIELDS, "DisplayName": "supplierName"}
    ),
    "chartOfAccounts": EntityWrite(
        "Account",
        account,
        mapping.account,
        {"Name": "name", "AcctNum": "nominalCode", "AccountType": "fullyQualifiedCategory"},
    ),
    "bankAccounts": EntityWrite(
        "Account",
        bank_account,
        mapping.bank_account,
        {"Name": "accountName", "AcctNum": "nominalCode", "AccountType": "accountType"},
    ),
    "items": EntityWrite(
        "Item",
        item,
        mapping.item,
        {
            "Name": "name",
            "Sku": "code",
            "Type": "type",
            "IncomeAccountRef": "invoiceItem.accountRef.id",
            "ExpenseAccountRef": "billItem.accountRef.id",
        },
    ),
    "invoices": EntityWrite(
        "Invoice",
        invoice,
        mapping.invoice,
        {
            **LINE_FIELDS,
            "CustomerRef": "customerRef.id",
            "DocNumber": "invoiceNumber",
            "TxnDate": "issueDate",
            "DueDate": "dueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "bills": EntityWrite(
        "Bill",
        bill,
        mapping.bill,
        {
            **LINE_FIELDS,
            "AccountRef": "lineItems.accountRef.id",
            "VendorRef": "supplierRef.id",
            "DocNumber": "reference",
            "TxnDate": "issueDate",
            "DueDate": "dueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "creditNotes": EntityWrite(
        "CreditMemo",
        credit_note,
        mapping.credit_note,
        {
            **LINE_FIELDS,
            "CustomerRef": "customerRef.id",
            "DocNumber": "creditNoteNumber",
            "TxnDate": "issueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "billCreditNotes": EntityWrite(
        "VendorCredit",
        bill_credit_note,
        mapping.bill_credit_note,
        {
            **LINE_FIELDS,
            "AccountRef": "lineItems.accountRef.id",
            "VendorRef": "supplierRef.id",
            "DocNumber": "billCreditNoteNumber",
            "TxnDate": "issueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "purchaseOrders": EntityWrite(
        "PurchaseOrder",
        purchase_order,
        mapping.purchase_order,
        {
            **LINE_FIELDS,
            "AccountRef": "lineItems.accountRef.id",
            "VendorRef": "supplierRef.id",
            "DocNumber": "purchaseOrderNumber",
            "TxnDate": "issueDate",
            "DueDate": "paymentDueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "payments": EntityWrite(
        "Payment",
        payment,
        mapping.payment,
        {
            "CustomerRef": "customerRef.id",
            "DepositToAccountRef": "accountRef.id",
            "TotalAmt": "totalAmount",
            "TxnDate": "date",
            "Line": "lines",
            "LinkedTxn": "lines.links",
            "Amount": "lines.links.amount",
        },
    ),
    "billPayments": EntityWrite(
        "BillPayment",
        bill_payment,
        mapping.bill_payment,
        {
            "VendorRef": "supplierRef.id",
            "BankAccountRef": "accountRef.id",
            "CCAccountRef": "accountRef.id",
            "TotalAmt": "totalAmount",
            "TxnDate": "date",
            "Line": "lines",
            "LinkedTxn": "lines.links",
            "Amount": "lines.links.amount",
        },
        on_card=card_bill_payment,
    ),
    "transfers": EntityWrite(
        "Transfer",
        transfer,
        mapping.transfer,
        {"FromAccountRef": "from.accountRef.id", "ToAccountRef": "to.accountRef.id", "Amount": "from.amount"},
    ),
    "directCosts": EntityWrite(
        "Purchase",
        direct_cost,
        mapping.direct_cost,
        {
            **LINE_FIELDS,
            "AccountRef": "paymentAllocations.payment.accountRef.id",
            "EntityRef": "contactRef.id",
            "TxnDate": "issueDate",
            "TotalAmt": "totalAmount",
        },
        on_card=card_purchase,
    ),
    "directIncomes": EntityWrite(
        "Deposit",
        direct_income,
        mapping.direct_income,
        {
            "Line": "lineItems",
            "AccountRef": "lineItems.accountRef.id",
            "DepositToAccountRef": "paymentAllocations.payment.accountRef.id",
            "TxnDate": "issueDate",
            "TotalAmt": "totalAmount",
        },
    ),
    "journalEntries": EntityWrite(
        "JournalEntry",
        journal_entry,
        mapping.journal_entry,
        {"Line": "journalLines", "AccountRef": "journalLines.accountRef.id", "TxnDate": "postedOn"},
    ),
}
