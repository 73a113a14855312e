"""Every data type of Codat's Accounting, Banking and Commerce APIs, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceType(StrEnum):
    ACCOUNTING = "Accounting"
    BANKING = "Banking"
    BANK_FEED = "BankFeed"
    COMMERCE = "Commerce"
    EXPENSE = "Expense"
    OTHER = "Other"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class DataType:
    key: str
    source_type: SourceType
    # Financial statements sync a window of months rather than records since a date.
    is_statement: bool = False
    fetch_on_first_link: bool = True


def _types(source_type: SourceType, *keys: str, statements: tuple[str, ...] = ()) -> list[DataType]:
    return [DataType(key, source_type, is_statement=key in statements) for key in keys]


DATA_TYPES: tuple[DataType, ...] = tuple(
    _types(
        SourceType.ACCOUNTING,
        "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes",
        "billPayments", "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes", "customers",
        "directCosts", "directIncomes", "invoices", "itemReceipts", "items", "journalEntries", "journals",
        "paymentMethods", "payments", "profitAndLoss", "purchaseOrders", "salesOrders", "suppliers", "taxRates",
        "trackingCategories", "transfers",
        statements=("balanceSheet", "profitAndLoss", "cashFlowStatement"),
    )
    + _types(
        SourceType.BANKING,
        "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
    )
    + _types(
        SourceType.COMMERCE,
        "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations",
        "commerce-orders", "commerce-paymentMethods", "commerce-payments", "commerce-productCategories",
        "commerce-products", "commerce-taxComponents", "commerce-transactions",
    )
)

BY_KEY: dict[str, DataType] = {data_type.key: data_type for data_type in DATA_TYPES}


def get(key: str) -> DataType | None:
    return BY_KEY.get(key)
