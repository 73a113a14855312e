"""Codat's push options (`PushOption`): how `GET .../options/{dataType}` describes each create model, field by
field, to a client building a record (`records/creates.py` holds the rules the record is checked against).

The registry (`records/registry.py`) pairs each description with its create model and data type.
"""

from __future__ import annotations

from typing import Any


def _field(
    kind: str,
    name: str,
    description: str,
    required: bool = False,
    properties: dict[str, Any] | None = None,
    choices: tuple[tuple[str, str], ...] = (),
    information: tuple[str, ...] = (),
    field: str | None = None,
) -> dict[str, Any]:
    option: dict[str, Any] = {
        "type": kind,
        "displayName": name,
        "description": description,
        "required": required,
    }
    if properties is not None:
        option["properties"] = properties
    if choices:
        # Every field of Codat's `pushOptionChoice`: none is required by the current spec, but older clients
        # (and SDKs generated from older specs) refuse a choice without its `description`.
        option["options"] = [
            {
                "value": value,
                "type": "String",
                "displayName": value,
                "description": meaning,
                "required": False,
            }
            for value, meaning in choices
        ]
    option["validation"] = {
        "warnings": [],
        "information": [{"field": field or name, "details": details} for details in information],
    }
    return option


def _ref(name: str, description: str, required: bool = False, record: str = "record") -> dict[str, Any]:
    return _field(
        "Object",
        name,
        description,
        required,
        {"id": _field("String", "Identifier", f"The id of the {record}", True)},
    )


_MONEY = "to the penny"
_CURRENCY = _field("String", "Currency", "ISO 4217 code; the books' base currency when left out")
_RATE = _field("Number", "Currency Rate", "1, or left out: records are in the books' base currency")

JOURNAL_ENTRY: dict[str, Any] = _field(
    "Object",
    "Journal Entry",
    "A balanced journal entry, posted to the general ledger",
    True,
    {
        "description": _field("String", "Description", "What the entry is for"),
        "postedOn": _field("DateTime", "Posted On", "The date the entry posts to the ledger", True),
        "journalRef": _ref(
            "Journal Reference",
            "The journal it is posted in (the general journal if left out)",
            record="journal",
        ),
        "journalLines": _field(
            "Array",
            "Journal Lines",
            "At least two lines; debits positive, credits negative",
            True,
            {
                "description": _field("String", "Description", "What the line is for"),
                "netAmount": _field(
                    "Number", "Net Amount", f"Debit positive, credit negative, {_MONEY}", True
                ),
                "currency": _CURRENCY,
                "accountRef": _ref(
                    "Account Reference", "The nominal account the line posts to", True, "account"
                ),
            },
            information=("The lines must balance: their net amounts sum to zero.",),
            field="JournalLines",
        ),
    },
)

INVOICE: dict[str, Any] = _field(
    "Object",
    "Invoice",
    "A sales invoice to a customer, posted to Accounts Receivable",
    True,
    {
        "invoiceNumber": _field("String", "Invoice Number", "Unique; given by the platform when left out"),
        "customerRef": _ref("Customer Reference", "The customer invoiced", True, "customer"),
        "issueDate": _field("DateTime", "Issue Date", "The date of the invoice", True),
        "dueDate": _field("DateTime", "Due Date", "When payment is due (the customer's terms when left out)"),
        "currency": _CURRENCY,
        "currencyRate": _RATE,
        "status": _field(
            "String",
            "Status",
            "The invoice's status",
            choices=(("Submitted", "Issued to the customer and awaiting payment"),),
        ),
        "note": _field("String", "Note", "A note on the invoice"),
        "lineItems": _field(
            "Array",
            "Line Items",
            "At least one line",
            True,
            {
                "description": _field("String", "Description", "What was sold"),
                "unitAmount": _field(
                    "Number", "Unit Amount", f"Price of one unit before tax, {_MONEY}", True
                ),
                "quantity": _field("Number", "Quantity", "How many units (1 when left out)"),
                "discountAmount": _field(
                    "Number", "Discount Amount", f"Taken off the line before tax, {_MONEY}"
                ),
                "discountPercentage": _field(
                    "Number", "Discount Percentage", "Used when no discount amount is given"
                ),
                "taxAmount": _field("Number", "Tax Amount", "Worked out from the tax rate when left out"),
                "accountRef": _ref(
                    "Account Reference", "The income account the line posts to", True, "account"
                ),
                "taxRateRef": _ref("Tax Rate Reference", "The tax rate of the line", record="tax rate"),
                "itemRef": _ref("Item Reference", "The item sold", record="item"),
                "trackingCategoryRefs": _field(
                    "Array", "Tracking Categories", "Tracking categories of the line"
                ),
            },
            information=(
                (
                    "Given subTotal, taxAmount and totalAmount must agree with the line's quantity, unit "
                    "amount, discount and tax."
                ),
            ),
            field="LineItems",
        ),
    },
)

PAYMENT: dict[str, Any] = _field(
    "Object",
    "Payment",
    "A payment received from a customer into a bank account, paying invoices",
    True,
    {
        "customerRef": _ref("Customer Reference", "The customer who paid", True, "customer"),
        "accountRef": _ref("Account Reference", "The bank account the money went into", True, "account"),
        "totalAmount": _field("Number", "Total Amount", f"The amount paid, {_MONEY}", True),
        "currency": _CURRENCY,
        "currencyRate": _RATE,
        "date": _field("DateTime", "Date", "When the payment was made", True),
        "note": _field("String", "Note", "A note on the payment"),
        "reference": _field("String", "Reference", "The payment's reference"),
        "lines": _field(
            "Array",
            "Lines",
            "What the payment pays; the lines' amounts sum to the total",
            True,
            {
                "amount": _field("Number", "Amount", f"The amount of the line, {_MONEY}", True),
                "links": _field(
                    "Array",
                    "Links",
                    "The invoices the line pays",
                    True,
                    {
                        "type": _field(
                            "String",
                            "Type",
                            "What the link is to",
                            True,
                            choices=(("Invoice", "The line pays a sales invoice"),),
                        ),
                        "id": _field("String", "Identifier", "The id of the invoice", True),
                        "amount": _field(
                            "Number", "Amount", "Negative: what the line takes off the invoice", True
                        ),
                    },
                    information=(
                        (
                            "A line's links take exactly the line's amount off invoices of the payment's "
                            "customer, and no more than each still owes."
                        ),
                    ),
                    field="Lines.Links",
                ),
            },
        ),
    },
)

_ADDRESS = {
    "type": _field(
        "String",
        "Type",
        "The kind of address",
        choices=(
            ("Billing", "Where invoices and statements are sent"),
            ("Delivery", "Where goods are delivered"),
            ("Unknown", "An address of no stated use"),
        ),
    ),
    **{
        key: _field("String", name, name)
        for key, name in (
            ("line1", "Line 1"),
            ("line2", "Line 2"),
            ("city", "City"),
            ("region", "Region"),
            ("country", "Country"),
            ("postalCode", "Postal Code"),
        )
    },
}

SUPPLIER: dict[str, Any] = _field(
    "Object",
    "Supplier",
    "A supplier the business buys from",
    True,
    {
        "supplierName": _field("String", "Supplier Name", "Unique among the business's suppliers", True),
        "contactName": _field("String", "Contact Name", "Who to contact"),
        "emailAddress": _field("String", "Email Address", "Where to write"),
        "phone": _field("String", "Phone", "Where to call"),
        "addresses": _field("Array", "Addresses", "The supplier's addresses", properties=_ADDRESS),
        "registrationNumber": _field("String", "Registration Number", "Company registration number"),
        "taxNumber": _field("String", "Tax Number", "VAT or other tax number"),
        "status": _field(
            "String",
            "Status",
            "Active when left out",
            choices=(
                ("Active", "Can be used on new bills and payments"),
                ("Archived", "Kept for history; not offered on new records"),
            ),
        ),
        "defaultCurrency": _CURRENCY,
    },
)
