"""Codat's create models of the data types a push can write: the rules of Codat's data model (field types,
required fields, enums, money to the penny, journal lines that balance) a record is checked against before a
push is accepted, and the words `GET .../options/{dataType}` describes each field with
(`records/push_options.py` derives Codat's `PushOption` from these classes, so a field is described where it
is declared).

Codat's push bodies are its read models (`Codat-Accounting-2023-04.yaml`), whose `required` lists name the
totals, statuses and balances the platform works out on a read. A create here requires what a client must
give: the spec's required inputs and the counterpart, date and lines a document cannot be without; the
worked-out amounts are accepted and left to the platform to check. Whether the accounts, customers and
invoices a record refers to exist is the platform's to say when the push runs (a refused push ends `Failed`).
An update (`PUT`) is checked against the same model as a create: Codat's updates are whole records.
The registry (`records/registry.py`) names which type each model creates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel


def _to_the_penny(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent  # an int: infinities and NaN are refused before this runs
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError("must be an amount to the penny (at most 2 decimal places)")
    return value


def _iso_date(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date, such as 2024-06-20 or 2024-06-20T00:00:00Z") from None
    return value


@dataclass(frozen=True)
class Rule:
    """A rule of a field that its type does not show (lines that balance, links that add up): told to a client
    in the push option's `validation.information`. Put in the field's `Annotated[...]`."""

    details: str


@dataclass(frozen=True)
class Meanings:
    """What each value of a `Literal` field means, for the push option's `options` (Codat's
    `pushOptionChoice.description`); a value left out is described by its own words."""

    of: dict[str, str]


class _DateKind:
    """Marks `Date` so the push options call it Codat's `DateTime`."""


DATE_KIND = _DateKind()

Money = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_to_the_penny)]
Date = Annotated[str, AfterValidator(_iso_date), DATE_KIND]
Number = Annotated[Decimal, Field(allow_inf_nan=False)]
Currency = Annotated[
    str | None,
    Field(
        default=None,
        title="Currency",
        description="ISO 4217 code; the books' base currency when left out",
        min_length=3,
        max_length=3,
    ),
]
CurrencyRate = Annotated[
    Number | None,
    Field(default=None, title="Currency Rate", description="Base currency per unit of the record's currency"),
]


class CreateShape(BaseModel):
    """A record, or a part of one, in Codat's create shape: camelCase on the wire."""

    # Fields the models do not name are the platform's to accept or ignore.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Ref(CreateShape):
    id: str = Field(min_length=1, title="Identifier", description="The id of the record referred to")


def _ref(title: str, description: str) -> Any:
    """An optional reference's default and words."""
    return Field(default=None, title=title, description=description)


# --- shared parts -------------------------------------------------------------------------------------------

AddressType = Literal["Billing", "Delivery", "Unknown"]
_ADDRESS_MEANINGS = Meanings(
    {
        "Billing": "Where invoices and statements are sent",
        "Delivery": "Where goods are delivered",
        "Unknown": "An address of no stated use",
    }
)


class Address(CreateShape):
    type: Annotated[AddressType | None, _ADDRESS_MEANINGS] = Field(
        default=None, title="Type", description="The kind of address"
    )
    line1: str | None = Field(default=None, title="Line 1", description="First line of the address")
    line2: str | None = Field(default=None, title="Line 2", description="Second line of the address")
    city: str | None = Field(default=None, title="City", description="Town or city")
    region: str | None = Field(default=None, title="Region", description="County, state or region")
    country: str | None = Field(default=None, title="Country", description="Country")
    postal_code: str | None = Field(default=None, title="Postal Code", description="Postal or ZIP code")


_CONTACT_STATUS = Meanings(
    {
        "Active": "Can be used on new records",
        "Archived": "Kept for history; not offered on new records",
        "Unknown": "Of no stated status",
    }
)
ContactStatus = Annotated[Literal["Active", "Archived", "Unknown"] | None, _CONTACT_STATUS]


class TrackingCategoryRef(CreateShape):
    id: str = Field(min_length=1, title="Identifier", description="The id of the tracking category")


class DocumentLine(CreateShape):
    """A line of a sales or purchase document: what was sold or bought."""

    description: str | None = Field(default=None, title="Description", description="What the line is for")
    unit_amount: Money = Field(
        ge=0, title="Unit Amount", description="Price of one unit before tax, to the penny"
    )
    # Codat's spec marks quantity required; a line without one is taken as one unit, as for invoices.
    quantity: Number | None = Field(
        default=None, gt=0, title="Quantity", description="How many units (1 when left out)"
    )
    discount_amount: Money | None = Field(
        default=None, ge=0, title="Discount Amount", description="Taken off the line before tax, to the penny"
    )
    discount_percentage: Number | None = Field(
        default=None,
        ge=0,
        le=100,
        title="Discount Percentage",
        description="Used when no discount amount is given",
    )
    sub_total: Money | None = Field(
        default=None, title="Sub Total", description="The line's amount before tax"
    )
    tax_amount: Money | None = Field(
        default=None, ge=0, title="Tax Amount", description="Worked out from the tax rate when left out"
    )
    total_amount: Money | None = Field(
        default=None, title="Total Amount", description="The line's amount with tax"
    )
    tax_rate_ref: Ref | None = _ref("Tax Rate Reference", "The tax rate of the line")
    item_ref: Ref | None = _ref("Item Reference", "The item sold or bought")
    tracking_category_refs: list[TrackingCategoryRef] | None = Field(
        default=None, title="Tracking Categories", description="Tracking categories of the line"
    )


class LineItem(DocumentLine):
    """A line that posts: invoices, bills, credit notes, direct costs and incomes."""

    account_ref: Ref = Field(title="Account Reference", description="The nominal account the line posts to")


_LINE_SUMS = Rule(
    "Given subTotal, taxAmount and totalAmount must agree with the line's quantity, unit amount, discount "
    "and tax."
)


class WithholdingTax(CreateShape):
    name: str = Field(min_length=1, title="Name", description="The tax withheld")
    amount: Money = Field(title="Amount", description="The amount withheld, to the penny")


class PaymentAllocation(CreateShape):
    """How a direct cost or income was paid: from or into which bank account, when."""

    class Payment(CreateShape):
        account_ref: Ref = Field(
            title="Account Reference", description="The bank account the money moved through"
        )
        paid_on_date: Date | None = Field(default=None, title="Paid On Date", description="When it was paid")
        total_amount: Money | None = Field(default=None, title="Total Amount", description="The amount paid")
        currency: Currency
        currency_rate: CurrencyRate
        reference: str | None = Field(default=None, title="Reference", description="The payment's reference")
        note: str | None = Field(default=None, title="Note", description="A note on the payment")

    class Allocation(CreateShape):
        allocated_on_date: Date | None = Field(
            default=None, title="Allocated On Date", description="When the payment was allocated"
        )
        total_amount: Money | None = Field(
            default=None, title="Total Amount", description="The amount allocated"
        )
        currency: Currency
        currency_rate: CurrencyRate

    payment: Payment = Field(title="Payment", description="The payment")
    allocation: Allocation = Field(title="Allocation", description="What of it goes to this record")


# --- receivables --------------------------------------------------------------------------------------------


class JournalLine(CreateShape):
    description: str | None = Field(default=None, title="Description", description="What the line is for")
    net_amount: Money = Field(title="Net Amount", description="Debit positive, credit negative, to the penny")
    currency: Currency
    account_ref: Ref = Field(title="Account Reference", description="The nominal account the line posts to")


class JournalEntryCreate(CreateShape, title="Journal Entry"):
    """A balanced journal entry, posted to the general ledger"""

    description: str | None = Field(default=None, title="Description", description="What the entry is for")
    posted_on: Date = Field(title="Posted On", description="The date the entry posts to the ledger")
    journal_ref: Ref | None = _ref(
        "Journal Reference", "The journal it is posted in (the general journal if left out)"
    )
    journal_lines: Annotated[
        list[JournalLine], Rule("The lines must balance: their net amounts sum to zero.")
    ] = Field(
        min_length=2,
        title="Journal Lines",
        description="At least two lines; debits positive, credits negative",
    )

    @field_validator("journal_lines")
    @classmethod
    def _balanced(cls, lines: list[JournalLine]) -> list[JournalLine]:
        total = sum((line.net_amount for line in lines), Decimal(0))
        if total != 0:
            raise ValueError(
                f"the journal lines must balance (debits positive, credits negative); they sum to {total:.2f}"
            )
        return lines


InvoiceStatus = Literal["Draft", "Submitted", "PartiallyPaid", "Paid", "Void", "Unknown"]
_DOCUMENT_STATUS = Meanings(
    {
        "Draft": "Not yet issued; posts nothing",
        "Submitted": "Issued and awaiting payment",
        "Open": "Issued and awaiting payment",
        "PartiallyPaid": "Part paid",
        "Paid": "Paid in full",
        "Void": "Cancelled; posts nothing",
        "Unknown": "Of no stated status",
    }
)


class InvoiceCreate(CreateShape, title="Invoice"):
    """A sales invoice to a customer, posted to Accounts Receivable"""

    invoice_number: str | None = Field(
        default=None,
        max_length=100,
        title="Invoice Number",
        description="Unique; given by the platform when left out",
    )
    customer_ref: Ref = Field(title="Customer Reference", description="The customer invoiced")
    issue_date: Date = Field(title="Issue Date", description="The date of the invoice")
    due_date: Date | None = Field(
        default=None, title="Due Date", description="When payment is due (the customer's terms when left out)"
    )
    currency: Currency
    currency_rate: CurrencyRate
    line_items: Annotated[list[LineItem], _LINE_SUMS] = Field(
        min_length=1, title="Line Items", description="At least one line"
    )
    status: Annotated[InvoiceStatus | None, _DOCUMENT_STATUS] = Field(
        default=None, title="Status", description="The invoice's status (Submitted when left out)"
    )
    note: str | None = Field(default=None, title="Note", description="A note on the invoice")
    sub_total: Money | None = Field(default=None, title="Sub Total", description="Total before tax")
    total_tax_amount: Money | None = Field(default=None, title="Total Tax Amount", description="Total tax")
    total_amount: Money | None = Field(default=None, title="Total Amount", description="Total with tax")


PaymentLinkType = Literal[
    "Invoice",
    "CreditNote",
    "Payment",
    "Refund",
    "PaymentOnAccount",
    "Unlinked",
    "ManualJournal",
    "Discount",
    "Other",
    "Unknown",
]
_PAYMENT_LINKS = Meanings(
    {
        "Invoice": "Pays a sales invoice (a negative amount: what it takes off the invoice)",
        "CreditNote": "Uses or refunds a credit note",
        "Payment": "Moves money from another payment",
        "Refund": "Refunds the customer",
        "PaymentOnAccount": "Left on the customer's account, to be allocated later",
        "Unlinked": "Linked to nothing yet",
        "ManualJournal": "Allocated by a journal entry",
        "Discount": "A discount given on payment",
        "Other": "Something else",
        "Unknown": "Of no stated kind",
    }
)
# The link types that name no record: money on account, or not yet linked.
_UNLINKED = frozenset({"PaymentOnAccount", "Unlinked", "Unknown", "Other", "Discount"})


class _Link(CreateShape):
    """A link of a payment line: the record it pays (or none, for money left on account)."""

    type: str
    id: str | None = Field(
        default=None, min_length=1, title="Identifier", description="The id of the record linked"
    )
    amount: Money | None = Field(
        default=None, title="Amount", description="Negative: what the line takes off the record it pays"
    )
    currency_rate: CurrencyRate

    @model_validator(mode="after")
    def _names_its_record(self) -> _Link:
        if self.id is None and self.type not in _UNLINKED:
            raise ValueError(f"a link of type {self.type} needs the id of the record it links to")
        return self


class PaymentLink(_Link):
    type: Annotated[PaymentLinkType, _PAYMENT_LINKS] = Field(title="Type", description="What the link is to")


_LINKS_TAKE_THE_LINE = Rule(
    "A line's links take exactly the line's amount off invoices of the payment's customer, and no more than "
    "each still owes; a line without links, or linked as PaymentOnAccount, stays on the customer's account."
)


class _PaymentLine(CreateShape):
    amount: Money = Field(title="Amount", description="The amount of the line, to the penny")
    allocated_on_date: Date | None = Field(
        default=None, title="Allocated On Date", description="When the line was allocated"
    )

    # Codat: "the sum of the line.amount and the links.amount must equal 0" (links given without an amount
    # are the platform's to work out).
    @field_validator("links", check_fields=False)
    @classmethod
    def _links_take_the_line(cls, links: list[_Link] | None, info: ValidationInfo) -> list[_Link] | None:
        amount = info.data.get("amount")
        if links and amount is not None and all(link.amount is not None for link in links):
            linked = sum((link.amount or Decimal(0) for link in links), Decimal(0))
            if amount + linked != 0:
                raise ValueError(
                    f"the line's amount and its links' amounts must sum to zero; they sum to "
                    f"{amount + linked:.2f}"
                )
        return links


class PaymentLine(_PaymentLine):
    links: Annotated[list[PaymentLink], _LINKS_TAKE_THE_LINE] | None = Field(
        default=None, title="Links", description="What the line pays; none: the money stays on account"
    )


class _Payment(CreateShape):
    """What a payment received and a payment made have alike."""

    account_ref: Ref | None = _ref("Account Reference", "The bank account the money moved through")
    payment_method_ref: Ref | None = _ref("Payment Method Reference", "How the money was paid")
    total_amount: Money = Field(title="Total Amount", description="The amount paid, to the penny")
    currency: Currency
    currency_rate: CurrencyRate
    date: Date = Field(title="Date", description="When the payment was made")
    note: str | None = Field(default=None, title="Note", description="A note on the payment")
    reference: str | None = Field(default=None, title="Reference", description="The payment's reference")

    # Codat: "the sum of line amounts equals the totalAmount on the payment".
    @field_validator("lines", check_fields=False)
    @classmethod
    def _lines_make_the_total(cls, lines: list[_PaymentLine], info: ValidationInfo) -> list[_PaymentLine]:
        total = info.data.get("total_amount")
        lines_total = sum((line.amount for line in lines), Decimal(0))
        if total is not None and lines_total != total:
            raise ValueError(
                f"the lines' amounts must sum to the total amount {total:.2f}; they sum to {lines_total:.2f}"
            )
        return lines


class PaymentCreate(_Payment, title="Payment"):
    """A payment received from a customer into a bank account, paying invoices or left on account"""

    customer_ref: Ref = Field(title="Customer Reference", description="The customer who paid")
    lines: list[PaymentLine] = Field(
        min_length=1, title="Lines", description="What the payment pays; the lines' amounts sum to the total"
    )


class _CreditNote(CreateShape):
    """What a credit note to a customer and one from a supplier have alike."""

    issue_date: Date = Field(title="Issue Date", description="The date of the credit note")
    currency: Currency
    currency_rate: CurrencyRate
    line_items: Annotated[list[LineItem], _LINE_SUMS] = Field(
        min_length=1, title="Line Items", description="At least one line"
    )
    status: Annotated[InvoiceStatus | None, _DOCUMENT_STATUS] = Field(
        default=None, title="Status", description="The credit note's status (Submitted when left out)"
    )
    note: str | None = Field(default=None, title="Note", description="A note on the credit note")
    withholding_tax: list[WithholdingTax] | None = Field(
        default=None, title="Withholding Tax", description="Taxes withheld"
    )
    sub_total: Money | None = Field(default=None, title="Sub Total", description="Total before tax")
    total_tax_amount: Money | None = Field(default=None, title="Total Tax Amount", description="Total tax")
    total_amount: Money | None = Field(default=None, title="Total Amount", description="Total with tax")
    total_discount: Money | None = Field(
        default=None, title="Total Discount", description="Discounts on the lines"
    )
    discount_percentage: Number | None = Field(
        default=None, ge=0, le=100, title="Discount Percentage", description="A discount on the whole note"
    )
    remaining_credit: Money | None = Field(
        default=None, title="Remaining Credit", description="Worked out by the platform: the total when new"
    )


class CreditNoteCreate(_CreditNote, title="Credit Note"):
    """A credit note to a customer, taking money off what it owes or to be refunded"""

    credit_note_number: str | None = Field(
        default=None, title="Credit Note Number", description="Unique; given by the platform when left out"
    )
    customer_ref: Ref = Field(title="Customer Reference", description="The customer credited")


class Phone(CreateShape):
    number: str = Field(min_length=1, title="Number", description="The phone number")
    type: Annotated[Literal["Primary", "Landline", "Mobile", "Fax", "Unknown"], Meanings({})] = Field(
        title="Type", description="The kind of phone"
    )


class Contact(CreateShape):
    name: str | None = Field(default=None, title="Name", description="The contact's name")
    email: str | None = Field(default=None, title="Email", description="The contact's email address")
    phone: list[Phone] | None = Field(default=None, title="Phone", description="The contact's phone numbers")
    address: Address | None = Field(default=None, title="Address", description="The contact's address")
    status: ContactStatus = Field(default=None, title="Status", description="Active when left out")


def _not_blank(name: str) -> str:
    if not name.strip():
        raise ValueError("must not be blank")
    return name


Name = Annotated[str, AfterValidator(_not_blank)]


class _Party(CreateShape):
    """What a customer and a supplier have alike."""

    contact_name: str | None = Field(default=None, title="Contact Name", description="Who to contact")
    email_address: str | None = Field(default=None, title="Email Address", description="Where to write")
    phone: str | None = Field(default=None, title="Phone", description="Where to call")
    addresses: list[Address] | None = Field(default=None, title="Addresses", description="Their addresses")
    registration_number: str | None = Field(
        default=None, title="Registration Number", description="Company registration number"
    )
    tax_number: str | None = Field(default=None, title="Tax Number", description="VAT or other tax number")
    status: ContactStatus = Field(default=None, title="Status", description="Active when left out")
    default_currency: Currency


class CustomerCreate(_Party, title="Customer"):
    """A customer the business sells to"""

    customer_name: Name = Field(
        min_length=1,
        max_length=200,
        title="Customer Name",
        description="Unique among the business's customers",
    )
    contacts: list[Contact] | None = Field(default=None, title="Contacts", description="People to contact")


# --- payables -----------------------------------------------------------------------------------------------


class SupplierCreate(_Party, title="Supplier"):
    """A supplier the business buys from"""

    supplier_name: Name = Field(
        min_length=1,
        max_length=200,
        title="Supplier Name",
        description="Unique among the business's suppliers",
    )


class PurchaseOrderRef(CreateShape):
    id: str = Field(min_length=1, title="Identifier", description="The id of the purchase order")
    purchase_order_number: str | None = Field(
        default=None, title="Purchase Order Number", description="The purchase order's number"
    )


class BillLine(LineItem):
    is_direct_cost: bool | None = Field(
        default=None, title="Is Direct Cost", description="Whether the line is a cost of sales"
    )


BillStatus = Literal["Draft", "Open", "PartiallyPaid", "Paid", "Void", "Unknown"]


class BillCreate(CreateShape, title="Bill"):
    """A bill from a supplier, posted to Accounts Payable"""

    reference: str | None = Field(
        default=None, title="Reference", description="The supplier's invoice number"
    )
    supplier_ref: Ref = Field(title="Supplier Reference", description="The supplier who billed")
    purchase_order_refs: list[PurchaseOrderRef] | None = Field(
        default=None, title="Purchase Order References", description="The purchase orders the bill is for"
    )
    issue_date: Date = Field(title="Issue Date", description="The date of the bill")
    due_date: Date | None = Field(
        default=None, title="Due Date", description="When payment is due (the supplier's terms when left out)"
    )
    currency: Currency
    currency_rate: CurrencyRate
    line_items: Annotated[list[BillLine], _LINE_SUMS] = Field(
        min_length=1, title="Line Items", description="At least one line"
    )
    withholding_tax: list[WithholdingTax] | None = Field(
        default=None, title="Withholding Tax", description="Taxes withheld"
    )
    status: Annotated[BillStatus | None, _DOCUMENT_STATUS] = Field(
        default=None, title="Status", description="The bill's status (Open when left out)"
    )
    note: str | None = Field(default=None, title="Note", description="A note on the bill")
    sub_total: Money | None = Field(default=None, title="Sub Total", description="Total before tax")
    tax_amount: Money | None = Field(default=None, title="Tax Amount", description="Total tax")
    total_amount: Money | None = Field(default=None, title="Total Amount", description="Total with tax")
    amount_due: Money | None = Field(
        default=None, title="Amount Due", description="Worked out by the platform: the total when new"
    )


class BillCreditNoteCreate(_CreditNote, title="Bill Credit Note"):
    """A credit note from a supplier, taking money off what the business owes it"""

    bill_credit_note_number: str | None = Field(
        default=None, title="Bill Credit Note Number", description="The supplier's credit note number"
    )
    supplier_ref: Ref = Field(title="Supplier Reference", description="The supplier who credited")


BillPaymentLinkType = Literal[
    "Bill",
    "CreditNote",
    "BillPayment",
    "Refund",
    "PaymentOnAccount",
    "Unlinked",
    "ManualJournal",
    "Discount",
    "Other",
    "Unknown",
]
_BILL_PAYMENT_LINKS = Meanings(
    {
        "Bill": "Pays a bill (a negative amount: what it takes off the bill)",
        "CreditNote": "Uses or is refunded a bill credit note",
        "BillPayment": "Moves money from another bill payment",
        "Refund": "A refund from the supplier",
        "PaymentOnAccount": "Left on the supplier's account, to be allocated later",
        "Unlinked": "Linked to nothing yet",
        "ManualJournal": "Allocated by a journal entry",
        "Discount": "A discount taken on payment",
        "Other": "Something else",
        "Unknown": "Of no stated kind",
    }
)


class BillPaymentLink(_Link):
    type: Annotated[BillPaymentLinkType, _BILL_PAYMENT_LINKS] = Field(
        title="Type", description="What the link is to"
    )


_BILL_LINKS_TAKE_THE_LINE = Rule(
    "A line's links take exactly the line's amount off bills of the payment's supplier, and no more than "
    "each still owes; a line without links, or linked as PaymentOnAccount, stays on the supplier's account."
)


class BillPaymentLine(_PaymentLine):
    links: Annotated[list[BillPaymentLink], _BILL_LINKS_TAKE_THE_LINE] | None = Field(
        default=None, title="Links", description="What the line pays; none: the money stays on account"
    )


class BillPaymentCreate(_Payment, title="Bill Payment"):
    """A payment to a supplier from a bank account, paying bills or left on account"""

    supplier_ref: Ref = Field(title="Supplier Reference", description="The supplier paid")
    lines: list[BillPaymentLine] = Field(
        min_length=1, title="Lines", description="What the payment pays; the lines' amounts sum to the total"
    )


class ShipTo(CreateShape):
    class ShipToContact(CreateShape):
        name: str | None = Field(default=None, title="Name", description="Who takes delivery")
        email: str | None = Field(default=None, title="Email", description="Their email address")
        phone: str | None = Field(default=None, title="Phone", description="Their phone number")

    contact: ShipToContact | None = Field(default=None, title="Contact", description="Who takes delivery")
    address: Address | None = Field(default=None, title="Address", description="Where to deliver")


class PurchaseOrderLine(DocumentLine):
    account_ref: Ref | None = _ref(
        "Account Reference", "The nominal account the line will post to when billed"
    )


class PurchaseOrderCreate(CreateShape, title="Purchase Order"):
    """An order to a supplier, posting nothing until it is billed"""

    purchase_order_number: str | None = Field(
        default=None, title="Purchase Order Number", description="Unique; given by the platform when left out"
    )
    supplier_ref: Ref = Field(title="Supplier Reference", description="The supplier ordered from")
    issue_date: Date | None = Field(
        default=None, title="Issue Date", description="The date of the order (today when left out)"
    )
    payment_due_date: Date | None = Field(
        default=None, title="Payment Due Date", description="When payment is due"
    )
    expected_delivery_date: Date | None = Field(
        default=None, title="Expected Delivery Date", description="When the goods are expected"
    )
    delivery_date: Date | None = Field(default=None, title="Delivery Date", description="When the goods came")
    note: str | None = Field(default=None, title="Note", description="A note on the order")
    ship_to: ShipTo | None = Field(default=None, title="Ship To", description="Where and to whom to deliver")
    status: Annotated[
        Literal["Draft", "Open", "Closed", "Void", "Unknown"] | None,
        Meanings(
            {
                "Draft": "Not yet sent to the supplier",
                "Open": "Sent and awaiting delivery or billing",
                "Closed": "Delivered and billed",
                "Void": "Cancelled",
                "Unknown": "Of no stated status",
            }
        ),
    ] = Field(default=None, title="Status", description="The order's status (Open when left out)")
    currency: Currency
    currency_rate: CurrencyRate
    line_items: Annotated[list[PurchaseOrderLine], _LINE_SUMS] = Field(
        min_length=1, title="Line Items", description="At least one line"
    )
    sub_total: Money | None = Field(default=None, title="Sub Total", description="Total before tax")
    total_tax_amount: Money | None = Field(default=None, title="Total Tax Amount", description="Total tax")
    total_amount: Money | None = Field(default=None, title="Total Amount", description="Total with tax")
    total_discount: Money | None = Field(
        default=None, title="Total Discount", description="Discounts on the lines"
    )


# --- banking and the ledger ---------------------------------------------------------------------------------

AccountType = Literal["Asset", "Expense", "Income", "Liability", "Equity", "Unknown"]


class AccountCreate(CreateShape, title="Account"):
    """A nominal account of the chart of accounts"""

    nominal_code: str | None = Field(default=None, title="Nominal Code", description="The account's code")
    name: Name | None = Field(default=None, min_length=1, title="Name", description="The account's name")
    description: str | None = Field(default=None, title="Description", description="What the account is for")
    fully_qualified_category: str | None = Field(
        default=None,
        title="Fully Qualified Category",
        description="Its place in the chart, such as Asset.Current or Expense.Operating",
    )
    fully_qualified_name: str | None = Field(
        default=None, title="Fully Qualified Name", description="Its category and name, dot separated"
    )
    currency: Currency
    current_balance: Money | None = Field(
        default=None, title="Current Balance", description="Worked out by the platform: zero when new"
    )
    type: Annotated[
        AccountType,
        Meanings(
            {
                "Asset": "What the business owns or is owed",
                "Expense": "What the business spends",
                "Income": "What the business earns",
                "Liability": "What the business owes",
                "Equity": "What the owners put in or kept",
                "Unknown": "Of no stated type",
            }
        ),
    ] = Field(title="Type", description="The kind of account")
    status: Annotated[
        Literal["Active", "Archived", "Pending", "Unknown"] | None,
        Meanings({"Active": "Can be posted to", "Archived": "Kept for history; not posted to"}),
    ] = Field(default=None, title="Status", description="Active when left out")
    is_bank_account: bool | None = Field(
        default=None,
        title="Is Bank Account",
        description="Whether the account is a bank account (false when left out)",
    )


class BankAccountCreate(CreateShape, title="Bank Account"):
    """A bank or card account, with its nominal account in the ledger"""

    account_name: Name | None = Field(
        default=None, min_length=1, title="Account Name", description="The account's name"
    )
    account_type: Annotated[
        Literal["Debit", "Credit", "Unknown"] | None,
        Meanings({"Debit": "A current or savings account", "Credit": "A credit card or loan account"}),
    ] = Field(default=None, title="Account Type", description="Debit when left out")
    nominal_code: str | None = Field(
        default=None, title="Nominal Code", description="The ledger account's code"
    )
    sort_code: str | None = Field(default=None, title="Sort Code", description="The bank's sort code")
    account_number: str | None = Field(
        default=None, title="Account Number", description="The account's number"
    )
    i_ban: str | None = Field(default=None, alias="iBan", title="IBAN", description="The account's IBAN")
    currency: Currency
    balance: Money | None = Field(
        default=None, title="Balance", description="Worked out by the platform: zero when new"
    )
    available_balance: Money | None = Field(
        default=None, title="Available Balance", description="Worked out by the platform"
    )
    overdraft_limit: Money | None = Field(
        default=None, ge=0, title="Overdraft Limit", description="The agreed overdraft"
    )
    institution: str | None = Field(default=None, title="Institution", description="The bank")


BankTransactionType = Literal[
    "Credit",
    "Debit",
    "Int",
    "Div",
    "Fee",
    "SerChg",
    "Dep",
    "Atm",
    "Pos",
    "Xfer",
    "Check",
    "Payment",
    "Cash",
    "DirectDep",
    "DirectDebit",
    "RepeatPmt",
    "Other",
    "Unknown",
]


class BankTransaction(CreateShape):
    id: str | None = Field(
        default=None, min_length=1, title="Identifier", description="The bank's id of the line"
    )
    cleared_on_date: Date | None = Field(
        default=None, title="Cleared On Date", description="When the bank cleared it"
    )
    description: str | None = Field(
        default=None, title="Description", description="The statement line's text"
    )
    counterparty: str | None = Field(default=None, title="Counterparty", description="Who paid or was paid")
    reference: str | None = Field(default=None, title="Reference", description="The line's reference")
    reconciled: bool | None = Field(default=None, title="Reconciled", description="False when left out")
    amount: Money = Field(title="Amount", description="Money in positive, money out negative, to the penny")
    balance: Money | None = Field(
        default=None, title="Balance", description="The account's balance after the line"
    )
    transaction_type: Annotated[
        BankTransactionType | None,
        Meanings(
            {"Credit": "Money in", "Debit": "Money out", "Xfer": "A transfer", "SerChg": "A service charge"}
        ),
    ] = Field(
        default=None, title="Transaction Type", description="The kind of line (by its sign when left out)"
    )


class BankTransactionsCreate(CreateShape, title="Bank Transactions"):
    """Statement lines for one bank account (Codat's `CreateBankTransactions`)"""

    account_id: str | None = Field(
        default=None,
        min_length=1,
        title="Account Id",
        description="The bank account; the path's when left out",
    )
    transactions: list[BankTransaction] = Field(
        min_length=1, title="Transactions", description="At least one statement line"
    )


class TransferAccount(CreateShape):
    account_ref: Ref = Field(title="Account Reference", description="The account the money moves from or to")
    currency: Currency
    amount: Money = Field(gt=0, title="Amount", description="The amount moved, to the penny")


class TransferCreate(CreateShape, title="Transfer"):
    """Money moved between two accounts of the business"""

    description: str | None = Field(default=None, title="Description", description="What the transfer is for")
    contact_ref: Ref | None = _ref("Contact Reference", "A customer or supplier the transfer is with")
    date: Date = Field(title="Date", description="When the money moved")
    from_: TransferAccount = Field(alias="from", title="From", description="The account the money leaves")
    to: TransferAccount = Field(title="To", description="The account the money goes into")
    tracking_category_refs: list[TrackingCategoryRef] | None = Field(
        default=None, title="Tracking Categories", description="Tracking categories of the transfer"
    )


class _DirectRecord(CreateShape):
    """A spend or a receipt paid at once (no bill or invoice), through a bank account."""

    reference: str | None = Field(default=None, title="Reference", description="The record's reference")
    note: str | None = Field(default=None, title="Note", description="A note on the record")
    contact_ref: Ref | None = _ref("Contact Reference", "The customer or supplier")
    issue_date: Date = Field(title="Issue Date", description="When it was paid")
    currency: str = Field(min_length=3, max_length=3, title="Currency", description="ISO 4217 code")
    currency_rate: CurrencyRate
    line_items: Annotated[list[LineItem], _LINE_SUMS] = Field(
        min_length=1, title="Line Items", description="At least one line"
    )
    payment_allocations: list[PaymentAllocation] = Field(
        min_length=1, title="Payment Allocations", description="The bank account it was paid through"
    )
    sub_total: Money | None = Field(default=None, title="Sub Total", description="Total before tax")
    tax_amount: Money | None = Field(default=None, title="Tax Amount", description="Total tax")
    total_amount: Money | None = Field(default=None, title="Total Amount", description="Total with tax")


class DirectCostCreate(_DirectRecord, title="Direct Cost"):
    """Money spent straight from a bank account, with no bill"""


class DirectIncomeCreate(_DirectRecord, title="Direct Income"):
    """Money received straight into a bank account, with no invoice"""


class ItemDetails(CreateShape):
    description: str | None = Field(default=None, title="Description", description="Shown on the lines")
    unit_price: Money | None = Field(default=None, ge=0, title="Unit Price", description="The price of one")
    account_ref: Ref | None = _ref("Account Reference", "The account lines of the item post to")
    tax_rate_ref: Ref | None = _ref("Tax Rate Reference", "The tax rate of lines of the item")


class ItemCreate(CreateShape, title="Item"):
    """A product or service the business buys or sells"""

    name: Name | None = Field(default=None, min_length=1, title="Name", description="The item's name")
    code: str | None = Field(default=None, title="Code", description="The item's code or SKU")
    item_status: ContactStatus = Field(default=None, title="Item Status", description="Active when left out")
    type: Annotated[
        Literal["Inventory", "NonInventory", "Service", "Unknown"],
        Meanings(
            {
                "Inventory": "Goods held in stock",
                "NonInventory": "Goods not tracked in stock",
                "Service": "A service",
                "Unknown": "Of no stated type",
            }
        ),
    ] = Field(title="Type", description="The kind of item")
    is_bill_item: bool = Field(title="Is Bill Item", description="Whether the business buys it")
    bill_item: ItemDetails | None = Field(default=None, title="Bill Item", description="How it is bought")
    is_invoice_item: bool = Field(title="Is Invoice Item", description="Whether the business sells it")
    invoice_item: ItemDetails | None = Field(default=None, title="Invoice Item", description="How it is sold")


class JournalCreate(CreateShape, title="Journal"):
    """A journal that journal entries are posted in"""

    name: Name | None = Field(default=None, min_length=1, title="Name", description="The journal's name")
    journal_code: str | None = Field(default=None, title="Journal Code", description="The journal's code")
    type: str | None = Field(default=None, title="Type", description="The platform's kind of journal")
    parent_id: str | None = Field(default=None, title="Parent Id", description="The journal it sits under")
    status: ContactStatus = Field(default=None, title="Status", description="Active when left out")
