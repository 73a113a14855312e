"""Every data type of Codat's Accounting, Banking and Commerce APIs, declared once.

The read endpoints, the sync planner, the Sandbox and the docs all come from this table.
"""

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


class Scope(StrEnum):
    """Where a data type's read endpoints hang: `/companies/{companyId}/data/...` or under a connection."""

    COMPANY = "company"
    CONNECTION = "connection"


class Shape(StrEnum):
    LIST = "list"  # paged list of records, each with an id (most types)
    SINGLE = "single"  # one object, not paged (company info, commerce company info)
    STATEMENT = "statement"  # monthly reports assembled into periods on read (balance sheet, P&L, cash flow)


@dataclass(frozen=True)
class DataType:
    key: str
    source_type: SourceType
    scope: Scope
    # The path after `.../data/`: `invoices`, `accounts`, `info`, `financials/balanceSheet`,
    # `bankAccounts/{accountId}/bankTransactions`.
    path: str
    shape: Shape = Shape.LIST
    # Whether `GET .../data/<path>/{id}` exists.
    has_get: bool = True
    id_field: str = "id"
    # Absent on company info and statements.
    has_modified_dates: bool = True
    # `metadata.isDeleted` exists only on some accounting types.
    has_deletion_flag: bool = False
    fetch_on_first_link: bool = True

    @property
    def is_statement(self) -> bool:
        return self.shape is Shape.STATEMENT


DATA_TYPES: tuple[DataType, ...] = (
    # Filled in full by the registry work (issue 3); keys and source types are what the platform core uses.
    *(
        DataType(
            key,
            SourceType.ACCOUNTING,
            Scope.COMPANY,
            key,
            shape=Shape.STATEMENT if key in ("balanceSheet", "profitAndLoss", "cashFlowStatement") else Shape.LIST,
        )
        for key in (
            "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes",
            "billPayments", "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes",
            "customers", "directCosts", "directIncomes", "invoices", "itemReceipts", "items", "journalEntries",
            "journals", "paymentMethods", "payments", "profitAndLoss", "purchaseOrders", "salesOrders",
            "suppliers", "taxRates", "trackingCategories", "transfers",
        )
    ),
    *(
        DataType(key, SourceType.BANKING, Scope.CONNECTION, key)
        for key in (
            "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
        )
    ),
    *(
        DataType(key, SourceType.COMMERCE, Scope.CONNECTION, key)
        for key in (
            "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations",
            "commerce-orders", "commerce-paymentMethods", "commerce-payments", "commerce-productCategories",
            "commerce-products", "commerce-taxComponents", "commerce-transactions",
        )
    ),
)

BY_KEY: dict[str, DataType] = {data_type.key: data_type for data_type in DATA_TYPES}


def get(key: str) -> DataType | None:
    return BY_KEY.get(key)


def query_properties(data_type: DataType) -> dict:
    """Interim: no JSON properties are queryable until the schemas land (the registry work replaces this)."""
    return {}
