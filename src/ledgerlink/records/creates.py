"""Codat's create models of the data types a push can write: the rules of Codat's data model (field types,
required fields, money to the penny, journal lines that balance) a record is checked against before a push is
accepted.

Whether the accounts, customers and invoices a record refers to exist is the platform's to say when the push
runs (a refused push ends `Failed`). The registry (`records/registry.py`) names which type each model creates.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
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


Money = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_to_the_penny)]
Date = Annotated[str, AfterValidator(_iso_date)]


class CreateShape(BaseModel):
    """A record, or a part of one, in Codat's create shape: camelCase on the wire."""

    # Fields the models do not name are the platform's to accept or ignore.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Ref(CreateShape):
    id: str = Field(min_length=1)


class JournalLine(CreateShape):
    description: str | None = None
    net_amount: Money
    currency: str | None = None
    account_ref: Ref


class JournalEntryCreate(CreateShape):
    description: str | None = None
    posted_on: Date
    journal_ref: Ref | None = None
    journal_lines: list[JournalLine] = Field(min_length=2)

    @field_validator("journal_lines")
    @classmethod
    def _balanced(cls, lines: list[JournalLine]) -> list[JournalLine]:
        total = sum((line.net_amount for line in lines), Decimal(0))
        if total != 0:
            raise ValueError(
                f"the journal lines must balance (debits positive, credits negative); they sum to {total:.2f}"
            )
        return lines


class InvoiceLine(CreateShape):
    description: str | None = None
    unit_amount: Money = Field(ge=0)
    quantity: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    discount_amount: Money | None = Field(default=None, ge=0)
    discount_percentage: Decimal | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    sub_total: Money | None = None
    tax_amount: Money | None = Field(default=None, ge=0)
    total_amount: Money | None = None
    account_ref: Ref
    tax_rate_ref: Ref | None = None
    item_ref: Ref | None = None
    tracking_category_refs: list[Ref] | None = None


class InvoiceCreate(CreateShape):
    invoice_number: str | None = Field(default=None, max_length=100)
    customer_ref: Ref
    issue_date: Date
    due_date: Date | None = None
    currency: str | None = None
    currency_rate: Decimal | None = Field(default=None, allow_inf_nan=False)
    line_items: list[InvoiceLine] = Field(min_length=1)
    status: str | None = None
    note: str | None = None
    sub_total: Money | None = None
    total_tax_amount: Money | None = None
    total_amount: Money | None = None


class PaymentLink(CreateShape):
    type: str
    id: str = Field(min_length=1)
    amount: Money
    currency_rate: Decimal | None = Field(default=None, allow_inf_nan=False)


class PaymentLine(CreateShape):
    amount: Money
    links: list[PaymentLink] = Field(min_length=1)
    allocated_on_date: Date | None = None


class PaymentCreate(CreateShape):
    customer_ref: Ref
    account_ref: Ref | None = None
    payment_method_ref: Ref | None = None
    total_amount: Money
    currency: str | None = None
    currency_rate: Decimal | None = Field(default=None, allow_inf_nan=False)
    date: Date
    note: str | None = None
    reference: str | None = None
    lines: list[PaymentLine] = Field(min_length=1)


class Address(CreateShape):
    type: Literal["Billing", "Delivery", "Unknown"] | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    postal_code: str | None = None


class SupplierCreate(CreateShape):
    supplier_name: str = Field(min_length=1, max_length=200)
    contact_name: str | None = None
    email_address: str | None = None
    phone: str | None = None
    addresses: list[Address] | None = None
    registration_number: str | None = None
    tax_number: str | None = None
    status: Literal["Active", "Archived"] | None = None
    default_currency: str | None = None

    @field_validator("supplier_name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("must not be blank")
        return name
