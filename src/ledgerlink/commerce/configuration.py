"""A merchant's Sync for Commerce configuration: what they selected, the options they select from (read from
their books), and the checks a selection passes before it is kept.

Only the selections are stored (`CommerceConfiguration.selections`); the options are read from the records
last pulled from the two connections whenever the configuration is shown, so a new account in the books is
offered without anything to migrate. An account option's role decides which accounts it may be: sales and
refunds take Income accounts, sales tax a Liability, payments an Asset, fees an Expense. The client's visible
accounts narrow every list further (an account is visible when its id, nominal code or name is listed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ledgerlink.kit.clock import iso

FREQUENCIES = ("Daily", "Monthly")
GROUPING_PERIODS = ("Daily", "Monthly")
INVOICE_STATUSES = ("Draft", "Submitted", "Paid")
OUTPUT_FORMAT = "JournalEntry"
# Where a payment whose method has no account of its own is recorded (`newPayments.accounts`).
DEFAULT_PAYMENTS = "default"


@dataclass(frozen=True)
class AccountRole:
    key: str
    # Which accounts may play the role (the account record's `type`).
    account_type: str
    text_key: str
    # How an error names it.
    title: str


SALES_ROLES = (
    AccountRole("sales", "Income", "sales.account", "the sales account"),
    AccountRole("salesTax", "Liability", "sales.taxAccount", "the sales tax account"),
    AccountRole("refunds", "Income", "sales.refundsAccount", "the refunds account"),
)
FEES_ROLE = AccountRole("fees", "Expense", "fees.account", "the fees account")
PAYMENTS_TYPE = "Asset"


@dataclass(frozen=True)
class MerchantBooks:
    """What the options are made of: records of the merchant's accounting and commerce connections (read
    from the store; not the Sandbox's simulated `Books`)."""

    company_name: str | None
    accounts: list[dict[str, Any]]
    tax_rates: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    commerce_taxes: list[dict[str, Any]]
    payment_methods: list[dict[str, Any]]
    currency: str | None
    country_code: str | None


class SelectionInvalid(Exception):
    """A selection the configuration cannot keep; `errors` are (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in errors))
        self.errors = errors


def empty_selections(now: datetime) -> dict[str, Any]:
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "sales": {
            "syncSales": True,
            "accounts": {},
            "invoiceStatus": None,
            "customerId": None,
            "taxRates": {},
            "defaultZeroTaxRateId": None,
            "groupingPeriod": "Daily",
        },
        "payments": {"syncPayments": True, "accounts": {}},
        "fees": {"syncFees": True, "accounts": {}, "supplierId": None},
        "schedule": {
            "frequency": "Daily",
            "startDate": iso(midnight, timespec="auto"),
            "syncHour": 6,
            "timeZone": "UTC",
        },
    }


def visible(accounts: list[dict[str, Any]], visible_accounts: list[str] | None) -> list[dict[str, Any]]:
    if visible_accounts is None:
        return accounts
    wanted = set(visible_accounts)
    return [a for a in accounts if {a.get("id"), a.get("nominalCode"), a.get("name")} & wanted]


def account_options(books: MerchantBooks, account_type: str) -> list[dict[str, Any]]:
    return [
        {
            "id": account["id"],
            "name": account.get("name"),
            "nominalCode": account.get("nominalCode"),
            "classification": account.get("fullyQualifiedCategory") or account.get("type"),
        }
        for account in books.accounts
        if account.get("type") == account_type and account.get("status", "Active") == "Active"
    ]


def _account(
    label: str, selected: str | None, options: list[dict[str, Any]], required: bool
) -> dict[str, Any]:
    return {
        "labelText": label,
        "descriptionText": None,
        "selectedAccountId": selected,
        "required": required,
        "accountOptions": options,
    }


def _options(records: list[dict[str, Any]], name_field: str) -> list[dict[str, Any]]:
    return [{"id": r["id"], "name": r.get(name_field) or r.get("name")} for r in records]


def document(
    company_id: str,
    enable: bool,
    configured: bool,
    selections: dict[str, Any],
    books: MerchantBooks,
    texts: dict[str, str],
) -> dict[str, Any]:
    """The configuration as Codat's `Configuration` shows it: each selection beside its options."""
    sales, payments, fees = selections["sales"], selections["payments"], selections["fees"]
    schedule = selections["schedule"]
    tax_options = _options(books.tax_rates, "name")
    sales_accounts = {
        role.key: _account(
            texts[role.text_key],
            sales["accounts"].get(role.key),
            account_options(books, role.account_type),
            True,
        )
        for role in SALES_ROLES
    }
    payment_options = account_options(books, PAYMENTS_TYPE)
    method_accounts = {
        method["id"]: _account(
            method.get("name") or method["id"], payments["accounts"].get(method["id"]), payment_options, False
        )
        for method in books.payment_methods
    }
    return {
        "companyId": company_id,
        "accountingSoftwareCompanyName": books.company_name,
        "enable": enable,
        "configured": configured,
        "schedule": {
            "selectedFrequency": schedule["frequency"],
            "frequencyOptions": list(FREQUENCIES),
            "startDate": schedule["startDate"],
            "syncHour": schedule["syncHour"],
            "timeZone": schedule["timeZone"],
        },
        "configuration": {
            "countryCode": books.country_code,
            "mapSettings": {"outputFormat": OUTPUT_FORMAT},
            "sales": {
                "syncSales": sales["syncSales"],
                "accounts": sales_accounts,
                "invoiceStatus": {
                    "selectedInvoiceStatus": sales["invoiceStatus"],
                    "invoiceStatusOptions": list(INVOICE_STATUSES),
                },
                "salesCustomer": {
                    "selectedCustomerId": sales["customerId"],
                    "customerOptions": _options(books.customers, "customerName"),
                },
                "taxRates": {
                    tax["id"]: {
                        "selectedTaxRateId": sales["taxRates"].get(tax["id"]),
                        "taxRateOptions": tax_options,
                    }
                    for tax in books.commerce_taxes
                },
                "newTaxRates": {
                    "accountingTaxRateOptions": tax_options,
                    "commerceTaxRateOptions": _options(books.commerce_taxes, "name"),
                    "taxRateMappings": [
                        {
                            "selectedCommerceTaxRateIds": [commerce_id],
                            "selectedAccountingTaxRateId": accounting_id,
                        }
                        for commerce_id, accounting_id in sales["taxRates"].items()
                    ],
                    "selectedDefaultZeroTaxRateId": sales["defaultZeroTaxRateId"],
                    "defaultZeroTaxRateOptions": [
                        option
                        for option, rate in zip(tax_options, books.tax_rates, strict=True)
                        if not rate.get("effectiveTaxRate") and not rate.get("totalTaxRate")
                    ],
                },
                "grouping": {
                    "groupingPeriod": {
                        "selectedGroupingPeriod": sales["groupingPeriod"],
                        "groupingPeriodOptions": list(GROUPING_PERIODS),
                    },
                    "groupingLevels": {
                        "invoiceLevel": {"selectedGroupByOptions": [], "groupByOptions": []},
                        "invoiceLineLevel": {"selectedGroupByOptions": [], "groupByOptions": []},
                    },
                },
            },
            "payments": {"syncPayments": payments["syncPayments"], "accounts": method_accounts},
            "newPayments": {
                "syncPayments": payments["syncPayments"],
                "accounts": {
                    DEFAULT_PAYMENTS: _account(
                        texts["payments.defaultAccount"],
                        payments["accounts"].get(DEFAULT_PAYMENTS),
                        payment_options,
                        True,
                    )
                },
            },
            "fees": {
                "feesSupplier": {
                    "selectedSupplierId": fees["supplierId"],
                    "supplierOptions": _options(books.suppliers, "supplierName"),
                },
                "syncFees": fees["syncFees"],
                "accounts": {
                    FEES_ROLE.key: _account(
                        texts[FEES_ROLE.text_key],
                        fees["accounts"].get(FEES_ROLE.key),
                        account_options(books, FEES_ROLE.account_type),
                        True,
                    )
                },
            },
        },
    }


def check(selections: dict[str, Any], books: MerchantBooks) -> None:
    """Raise `SelectionInvalid` unless every selected id is one of its options and every required choice is
    made. Sales are posted against the payments accounts, so syncing sales needs those too."""
    errors: list[tuple[str, str]] = []
    sales, payments, fees = selections["sales"], selections["payments"], selections["fees"]

    def account(field: str, selected: str | None, account_type: str, required: bool, title: str) -> None:
        ids = {o["id"] for o in account_options(books, account_type)}
        if selected is None:
            if required:
                errors.append((field, f"Choose {title}."))
        elif selected not in ids:
            errors.append(
                (field, f"{selected} is not an active {account_type} account, so it cannot be {title}.")
            )

    if sales["syncSales"]:
        for role in SALES_ROLES:
            account(
                f"sales.accounts.{role.key}",
                sales["accounts"].get(role.key),
                role.account_type,
                True,
                role.title,
            )
        if not payments["syncPayments"]:
            errors.append(
                ("payments.syncPayments", "Sales are recorded against payments: sync payments too.")
            )
    if sales["syncSales"] or payments["syncPayments"] or fees["syncFees"]:
        account(
            f"payments.accounts.{DEFAULT_PAYMENTS}",
            payments["accounts"].get(DEFAULT_PAYMENTS),
            PAYMENTS_TYPE,
            True,
            "the account for payments (any other payment method)",
        )
    methods = {m["id"] for m in books.payment_methods}
    for method_id, account_id in payments["accounts"].items():
        if method_id != DEFAULT_PAYMENTS and method_id not in methods:
            errors.append((f"payments.accounts.{method_id}", f"{method_id} is not a payment method."))
        elif method_id != DEFAULT_PAYMENTS:
            account(
                f"payments.accounts.{method_id}",
                account_id,
                PAYMENTS_TYPE,
                False,
                f"the account for {method_id} payments",
            )
    if fees["syncFees"]:
        account(
            "fees.accounts.fees",
            fees["accounts"].get(FEES_ROLE.key),
            FEES_ROLE.account_type,
            True,
            FEES_ROLE.title,
        )
    tax_ids = {t["id"] for t in books.tax_rates}
    commerce_tax_ids = {t["id"] for t in books.commerce_taxes}
    for commerce_id, accounting_id in sales["taxRates"].items():
        if commerce_id not in commerce_tax_ids:
            errors.append((f"sales.taxRates.{commerce_id}", f"{commerce_id} is not a commerce tax rate."))
        elif accounting_id is not None and accounting_id not in tax_ids:
            errors.append(
                (f"sales.taxRates.{commerce_id}", f"{accounting_id} is not a tax rate in the books.")
            )
    if sales["defaultZeroTaxRateId"] is not None and sales["defaultZeroTaxRateId"] not in tax_ids:
        errors.append(("sales.defaultZeroTaxRateId", f"{sales['defaultZeroTaxRateId']} is not a tax rate."))
    if sales["customerId"] is not None and sales["customerId"] not in {c["id"] for c in books.customers}:
        errors.append(("sales.customerId", f"{sales['customerId']} is not a customer in the books."))
    if fees["supplierId"] is not None and fees["supplierId"] not in {s["id"] for s in books.suppliers}:
        errors.append(("fees.supplierId", f"{fees['supplierId']} is not a supplier in the books."))
    if sales["invoiceStatus"] is not None and sales["invoiceStatus"] not in INVOICE_STATUSES:
        errors.append(
            ("sales.invoiceStatus", f"Invoice status must be one of {', '.join(INVOICE_STATUSES)}.")
        )
    if sales["groupingPeriod"] not in GROUPING_PERIODS:
        errors.append(("sales.groupingPeriod", f"Grouping must be one of {', '.join(GROUPING_PERIODS)}."))
    errors.extend(_schedule_errors(selections["schedule"]))
    if errors:
        raise SelectionInvalid(errors)


def _schedule_errors(schedule: dict[str, Any]) -> list[tuple[str, str]]:
    errors = []
    if schedule["frequency"] not in FREQUENCIES:
        errors.append(("schedule.selectedFrequency", f"Frequency must be one of {', '.join(FREQUENCIES)}."))
    hour = schedule["syncHour"]
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        errors.append(("schedule.syncHour", "The sync hour is a whole number from 0 to 23."))
    try:
        ZoneInfo(str(schedule["timeZone"]))
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            ("schedule.timeZone", f"{schedule['timeZone']} is not a time zone (e.g. Europe/London).")
        )
    if parse_moment(schedule["startDate"]) is None:
        errors.append(("schedule.startDate", "The start date is an ISO 8601 date or date-time."))
    return errors


def parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def time_zones() -> list[str]:
    return sorted(available_timezones())


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """`parent[key]` when a JSON object, else an empty one: a missing or mistyped part selects nothing."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def merge(selections: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A `Configuration` body's selected values laid over the current selections (what the body leaves out
    stays as it was). Raises `SelectionInvalid` for values of the wrong kind."""
    merged = {part: dict(values) for part, values in selections.items()}
    errors: list[tuple[str, str]] = []

    def take(source: Any, key: str, target: dict[str, Any], name: str, kinds: tuple[type, ...]) -> None:
        if isinstance(source, dict) and key in source:
            value = source[key]
            if value is not None and not isinstance(value, kinds):
                errors.append((name, f"{name} has the wrong type."))
            else:
                target[name.rsplit(".", 1)[-1]] = value

    def accounts(source: Any, target: dict[str, Any], name: str) -> None:
        if isinstance(source, dict) and isinstance(source.get("accounts"), dict):
            chosen = dict(target["accounts"])
            for key, value in source["accounts"].items():
                selected = value.get("selectedAccountId") if isinstance(value, dict) else value
                if selected is not None and not isinstance(selected, str):
                    errors.append((f"{name}.accounts.{key}", "An account id is a string."))
                elif selected is None:
                    chosen.pop(key, None)
                else:
                    chosen[key] = selected
            target["accounts"] = chosen

    schedule = body.get("schedule")
    take(schedule, "selectedFrequency", merged["schedule"], "schedule.frequency", (str,))
    take(schedule, "startDate", merged["schedule"], "schedule.startDate", (str,))
    take(schedule, "syncHour", merged["schedule"], "schedule.syncHour", (int,))
    take(schedule, "timeZone", merged["schedule"], "schedule.timeZone", (str,))
    start = parse_moment(merged["schedule"]["startDate"])
    if start is not None:  # kept as Codat writes date-times: UTC, with a Z
        merged["schedule"]["startDate"] = iso(start, timespec="auto")
    configuration = _object(body, "configuration")
    sales = configuration.get("sales")
    take(sales, "syncSales", merged["sales"], "sales.syncSales", (bool,))
    accounts(sales, merged["sales"], "sales")
    if isinstance(sales, dict):
        take(
            sales.get("invoiceStatus"),
            "selectedInvoiceStatus",
            merged["sales"],
            "sales.invoiceStatus",
            (str,),
        )
        take(sales.get("salesCustomer"), "selectedCustomerId", merged["sales"], "sales.customerId", (str,))
        grouping = _object(sales, "grouping")
        take(
            grouping.get("groupingPeriod"),
            "selectedGroupingPeriod",
            merged["sales"],
            "sales.groupingPeriod",
            (str,),
        )
        if isinstance(sales.get("taxRates"), dict):
            rates = dict(merged["sales"]["taxRates"])
            for commerce_id, value in sales["taxRates"].items():
                rates[commerce_id] = value.get("selectedTaxRateId") if isinstance(value, dict) else value
            merged["sales"]["taxRates"] = {k: v for k, v in rates.items() if v is not None}
        take(
            sales.get("newTaxRates"),
            "selectedDefaultZeroTaxRateId",
            merged["sales"],
            "sales.defaultZeroTaxRateId",
            (str,),
        )
    payments = configuration.get("payments")
    take(payments, "syncPayments", merged["payments"], "payments.syncPayments", (bool,))
    accounts(payments, merged["payments"], "payments")
    accounts(configuration.get("newPayments"), merged["payments"], "payments")
    fees = configuration.get("fees")
    take(fees, "syncFees", merged["fees"], "fees.syncFees", (bool,))
    accounts(fees, merged["fees"], "fees")
    if isinstance(fees, dict):
        take(fees.get("feesSupplier"), "selectedSupplierId", merged["fees"], "fees.supplierId", (str,))
    if errors:
        raise SelectionInvalid(errors)
    return merged
