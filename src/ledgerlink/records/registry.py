"""Every data type of Codat's Accounting, Banking and Commerce APIs, declared once.

The read endpoints, the sync planner, the Sandbox and the docs all come from this table. Each type's
record schema is `records/schemas/<key>.json` (extracted from Codat's specs by
`scripts/extract_schemas.py`); `query_properties` and `query_target` derive the queryable properties from it.

Writes are declared here too (`DataType.writes`): which operations Codat's API has for a type and its create
model, which a push's record is checked against and its push options are derived from. The push endpoints, the
`{dataType}.write.*` webhook events and the check of each connector's declared types on load
(`connectors/registry.py`) all read them from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ledgerlink.kit.query import Expression, Field, JsonProperty, QueryTarget, jsonb_target
from ledgerlink.records import creates, fields, push_options


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


class Operation(StrEnum):
    """A write Codat's API has for a data type (the `type` of its `{dataType}.write.*` webhooks):
    `POST .../push/<path>`, `PUT .../push/<path>/{id}` and `DELETE .../push/<path>/{id}`."""

    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"


@dataclass(frozen=True)
class CreateModel:
    """Codat's create model of a data type, as two readers need it: the rules a record is checked against
    before a push is accepted (`schema`), and how `GET .../options/{dataType}` describes it to a client
    building one (`push_option`, Codat's `PushOption`, derived from the same model)."""

    schema: type[creates.CreateShape]

    @property
    def push_option(self) -> Mapping[str, Any]:
        return push_options.push_option(self.schema)


@dataclass(frozen=True)
class Writes:
    """What a client can write of a data type in Codat's API (`Codat-Accounting-2023-04.yaml`'s `push` paths;
    each such type has its `{dataType}.write.successful|unsuccessful` webhooks). Which of them a platform here
    writes is its connector's `writable_data_types`."""

    operations: frozenset[Operation]
    # Every type Codat writes has one (`records/creates.py`); None: the platform alone checks a push.
    create_model: CreateModel | None = None


def _writes(*operations: Operation, model: type[creates.CreateShape] | None = None) -> Writes:
    return Writes(frozenset((Operation.CREATE, *operations)), None if model is None else CreateModel(model))


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
    # Whether `GET .../data/<path>` lists (false only for an older path that gets one record).
    has_list: bool = True
    id_field: str = "id"
    # Further fields that, with `id_field`, identify a record whose type has no id of its own.
    key_fields: tuple[str, ...] = ()
    # Whether records carry `modifiedDate`/`sourceModifiedDate` (absent on company info, statements and
    # commerce products, whose dates are per variant).
    has_modified_dates: bool = True
    # Whether records carry `metadata.isDeleted` (accounting types only): deleted records stay readable,
    # flagged; types without it hide deleted records.
    has_deletion_flag: bool = False
    fetch_on_first_link: bool = True
    # The date a record is about (an invoice's issue date, a transaction's posted date): stored in a typed,
    # indexed column as well, so `query=` ranges and `orderBy` on it use the index instead of reading
    # every record's JSON.
    dated_by: str | None = None
    # None: Codat's API writes no records of the type.
    writes: Writes | None = None

    @property
    def is_statement(self) -> bool:
        return self.shape is Shape.STATEMENT


_ACC, _BANK, _COM = SourceType.ACCOUNTING, SourceType.BANKING, SourceType.COMMERCE
_CO, _CN = Scope.COMPANY, Scope.CONNECTION
_UPDATE, _DELETE = Operation.UPDATE, Operation.DELETE

# Paths, scopes and `GET .../{id}` availability: the paths of Codat-Lending.yaml and
# Codat-Accounting-2023-04.yaml (Banking/Commerce specs for the types Lending lacks). Modified dates: whether
# the type's schema carries `modifiedDate`. Deletion flag: whether it carries `metadata.isDeleted`.
# (items, itemReceipts, purchaseOrders, salesOrders and taxRates carry `metadata` in their 2023 schemas too.)
# Writes: the `push` paths of Codat-Accounting-2023-04.yaml (`POST` creates, `PUT` updates, `DELETE` deletes;
# attachments are not written here). The order is the default `syncOrder`.
DATA_TYPES: tuple[DataType, ...] = (
    # --- Accounting ------------------------------------------------------------------------------------
    DataType(
        "accountTransactions", _ACC, _CN, "accountTransactions", has_deletion_flag=True, dated_by="date"
    ),
    DataType(
        "balanceSheet",
        _ACC,
        _CO,
        "financials/balanceSheet",
        shape=Shape.STATEMENT,
        has_get=False,
        has_modified_dates=False,
    ),
    DataType(
        "bankAccounts",
        _ACC,
        _CN,
        "bankAccounts",
        has_deletion_flag=True,
        writes=_writes(_UPDATE, model=creates.BankAccountCreate),
    ),
    DataType(
        "bankTransactions",
        _ACC,
        _CN,
        "bankAccounts/{accountId}/bankTransactions",
        has_get=False,
        writes=_writes(model=creates.BankTransactionsCreate),
    ),
    DataType(
        "billCreditNotes",
        _ACC,
        _CO,
        "billCreditNotes",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(_UPDATE, model=creates.BillCreditNoteCreate),
    ),
    DataType(
        "billPayments",
        _ACC,
        _CO,
        "billPayments",
        has_deletion_flag=True,
        dated_by="date",
        writes=_writes(_DELETE, model=creates.BillPaymentCreate),
    ),
    DataType(
        "bills",
        _ACC,
        _CO,
        "bills",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(_UPDATE, _DELETE, model=creates.BillCreate),
    ),
    DataType(
        "cashFlowStatement",
        _ACC,
        _CO,
        "financials/cashFlowStatement",
        shape=Shape.STATEMENT,
        has_get=False,
        has_modified_dates=False,
    ),
    DataType(
        "chartOfAccounts",
        _ACC,
        _CO,
        "accounts",
        has_deletion_flag=True,
        writes=_writes(model=creates.AccountCreate),
    ),
    DataType("company", _ACC, _CO, "info", shape=Shape.SINGLE, has_get=False, has_modified_dates=False),
    DataType(
        "creditNotes",
        _ACC,
        _CO,
        "creditNotes",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(_UPDATE, model=creates.CreditNoteCreate),
    ),
    DataType(
        "customers",
        _ACC,
        _CO,
        "customers",
        has_deletion_flag=True,
        writes=_writes(_UPDATE, model=creates.CustomerCreate),
    ),
    DataType(
        "directCosts",
        _ACC,
        _CN,
        "directCosts",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(model=creates.DirectCostCreate),
    ),
    DataType(
        "directIncomes",
        _ACC,
        _CN,
        "directIncomes",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(model=creates.DirectIncomeCreate),
    ),
    DataType(
        "invoices",
        _ACC,
        _CO,
        "invoices",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(_UPDATE, _DELETE, model=creates.InvoiceCreate),
    ),
    DataType("itemReceipts", _ACC, _CN, "itemReceipts", has_deletion_flag=True, dated_by="receivedDate"),
    DataType("items", _ACC, _CO, "items", has_deletion_flag=True, writes=_writes(model=creates.ItemCreate)),
    DataType(
        "journalEntries",
        _ACC,
        _CO,
        "journalEntries",
        has_deletion_flag=True,
        dated_by="postedOn",
        writes=_writes(_DELETE, model=creates.JournalEntryCreate),
    ),
    DataType(
        "journals",
        _ACC,
        _CO,
        "journals",
        has_deletion_flag=True,
        dated_by="createdOn",
        writes=_writes(model=creates.JournalCreate),
    ),
    DataType("paymentMethods", _ACC, _CO, "paymentMethods", has_deletion_flag=True),
    DataType(
        "payments",
        _ACC,
        _CO,
        "payments",
        has_deletion_flag=True,
        dated_by="date",
        writes=_writes(model=creates.PaymentCreate),
    ),
    DataType(
        "profitAndLoss",
        _ACC,
        _CO,
        "financials/profitAndLoss",
        shape=Shape.STATEMENT,
        has_get=False,
        has_modified_dates=False,
    ),
    DataType(
        "purchaseOrders",
        _ACC,
        _CO,
        "purchaseOrders",
        has_deletion_flag=True,
        dated_by="issueDate",
        writes=_writes(_UPDATE, model=creates.PurchaseOrderCreate),
    ),
    DataType("salesOrders", _ACC, _CO, "salesOrders", has_deletion_flag=True, dated_by="issueDate"),
    DataType(
        "suppliers",
        _ACC,
        _CO,
        "suppliers",
        has_deletion_flag=True,
        writes=_writes(_UPDATE, model=creates.SupplierCreate),
    ),
    DataType("taxRates", _ACC, _CO, "taxRates", has_deletion_flag=True),
    DataType("trackingCategories", _ACC, _CO, "trackingCategories", has_deletion_flag=True),
    DataType(
        "transfers",
        _ACC,
        _CN,
        "transfers",
        has_deletion_flag=True,
        dated_by="date",
        writes=_writes(model=creates.TransferCreate),
    ),
    # --- Banking ---------------------------------------------------------------------------------------
    # Balances have no id of their own: Codat gives one per account per `date`. Keyed by `accountId` until
    # the store takes a compound key (accountId, date); a pull with several dates per account is refused
    # as duplicates.
    DataType(
        "banking-accountBalances",
        _BANK,
        _CN,
        "banking-accountBalances",
        has_get=False,
        id_field="accountId",
        key_fields=("date",),
        dated_by="date",
    ),
    DataType("banking-accounts", _BANK, _CN, "banking-accounts"),
    DataType("banking-transactionCategories", _BANK, _CN, "banking-transactionCategories"),
    DataType("banking-transactions", _BANK, _CN, "banking-transactions", dated_by="postedDate"),
    # --- Commerce --------------------------------------------------------------------------------------
    # Unlike accounting company info, Codat's commerce company info does carry modified dates.
    DataType("commerce-companyInfo", _COM, _CN, "commerce-info", shape=Shape.SINGLE, has_get=False),
    DataType("commerce-customers", _COM, _CN, "commerce-customers", dated_by="createdDate"),
    DataType("commerce-disputes", _COM, _CN, "commerce-disputes", dated_by="createdDate"),
    DataType("commerce-locations", _COM, _CN, "commerce-locations"),
    DataType("commerce-orders", _COM, _CN, "commerce-orders", dated_by="createdDate"),
    DataType("commerce-paymentMethods", _COM, _CN, "commerce-paymentMethods"),
    DataType("commerce-payments", _COM, _CN, "commerce-payments", dated_by="createdDate"),
    DataType("commerce-productCategories", _COM, _CN, "commerce-productCategories"),
    # Products carry modified dates only per variant (`variants[].modifiedDate`).
    DataType("commerce-products", _COM, _CN, "commerce-products", has_modified_dates=False),
    DataType("commerce-taxComponents", _COM, _CN, "commerce-taxComponents"),
    DataType("commerce-transactions", _COM, _CN, "commerce-transactions", dated_by="createdDate"),
)

BY_KEY: dict[str, DataType] = {data_type.key: data_type for data_type in DATA_TYPES}
# The types Codat's API writes, in the table's order; each has its `{key}.write.successful|unsuccessful`
# webhook events.
WRITABLE: tuple[DataType, ...] = tuple(data_type for data_type in DATA_TYPES if data_type.writes is not None)

# Codat's older company-scoped paths to connection-scoped types, still in its SDKs and specs (the 2023
# Accounting API, the Banking API's deprecated `list-bank-transactions`). A company-scoped read takes the
# company's connection of the type's source type that pulled the type last, as accounting types always have.
LEGACY_PATHS: tuple[DataType, ...] = (
    replace(BY_KEY["banking-transactions"], scope=_CO, has_get=False),
    replace(BY_KEY["bankTransactions"], scope=_CO, path="bankAccounts/{accountId}/transactions"),
    # `GET /companies/{companyId}/data/bankAccounts/{accountId}` only, in the older `BankStatementAccount`
    # shape (data/legacy.py).
    replace(BY_KEY["bankAccounts"], scope=_CO, has_list=False),
)


def get(key: str) -> DataType | None:
    return BY_KEY.get(key)


def create_model(key: str) -> CreateModel | None:
    """Codat's create model of the data type `key`, or None for a type Codat's API does not write."""
    data_type = BY_KEY.get(key)
    if data_type is None or data_type.writes is None:
        return None
    return data_type.writes.create_model


def record_schema(data_type: DataType) -> dict[str, Any]:
    """The JSON schema of one stored record of this type (`records/schemas/<key>.json`)."""
    return fields.record_schema(data_type.key)


def query_properties(data_type: DataType) -> dict[str, JsonProperty]:
    """Every scalar property a `query=` may name on this type's records, by dotted path, with its kind.

    Walks the type's JSON schema once (cached); the rules are in `ledgerlink.records.fields`.
    """
    return fields.query_properties(data_type.key)


def query_target(
    data_type: DataType,
    column: Expression,
    *,
    extra: Mapping[str, Field] | None = None,
) -> QueryTarget:
    """The `query=`/`orderBy=` target over this type's records, stored as JSON in `column()`."""
    return jsonb_target(data_type.key, column, query_properties(data_type), extra=extra)
