"""Each platform's own account types, mapped into the taxonomy: the strongest evidence a record carries.

A Xero or QuickBooks account reaches the record store with Codat's `fullyQualifiedCategory`, which those
connectors derive one-to-one from the platform's own type (Xero's `Type`, QuickBooks' `AccountType`): the
platform's type is read back from it (`platform_type`), so a rule here speaks the platform's vocabulary and
the tables in `docs/connectors/lending-categories.md` can be checked against the connectors' own tables.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledgerlink.connectors.quickbooks import mapping as quickbooks_mapping
from ledgerlink.connectors.quickbooks.connector import KEY as QUICKBOOKS_KEY
from ledgerlink.connectors.quickbooks.connector import SANDBOX_KEY as QUICKBOOKS_SANDBOX_KEY
from ledgerlink.connectors.xero import mapping as xero_mapping
from ledgerlink.connectors.xero.connector import KEY as XERO_KEY
from ledgerlink.lending.categories.taxonomy import Path, parse

# Xero's account `Type` (its chart's types; `Class` is the top level and arrives as Codat's `type`).
XERO_TYPES: Mapping[str, Path] = {
    "BANK": parse("Asset.Current.Bank"),
    "CURRENT": parse("Asset.Current"),
    "INVENTORY": parse("Asset.Current.Inventory"),
    "PREPAYMENT": parse("Asset.Current.AccruedDeferredAssets.PrepaidExpenses"),
    "FIXED": parse("Asset.NonCurrent.PropertyPlantEquipment"),
    "NONCURRENT": parse("Asset.NonCurrent"),
    "CURRLIAB": parse("Liability.Current"),
    "TERMLIAB": parse("Liability.NonCurrent"),
    "LIABILITY": parse("Liability"),
    "EQUITY": parse("Equity"),
    "REVENUE": parse("Income.Revenue"),
    "SALES": parse("Income.Revenue"),
    "OTHERINCOME": parse("Income.OtherIncome"),
    "DIRECTCOSTS": parse("Expense.CostOfSales"),
    "EXPENSE": parse("Expense.Operating"),
    "OVERHEADS": parse("Expense.Operating"),
    "DEPRECIATN": parse("Expense.Operating.NonCash.Depreciation"),
}

# QuickBooks' `AccountType` (`Classification` is the top level and arrives as Codat's `type`).
QUICKBOOKS_TYPES: Mapping[str, Path] = {
    "Bank": parse("Asset.Current.Bank"),
    "Accounts Receivable": parse("Asset.Current.Receivables.AccountsReceivables"),
    "Other Current Asset": parse("Asset.Current"),
    "Fixed Asset": parse("Asset.NonCurrent.PropertyPlantEquipment"),
    "Other Asset": parse("Asset.NonCurrent"),
    "Accounts Payable": parse("Liability.Current.AccountsPayable"),
    "Credit Card": parse("Liability.Current.Debt.CreditCards"),
    "Other Current Liability": parse("Liability.Current"),
    "Long Term Liability": parse("Liability.NonCurrent"),
    "Equity": parse("Equity"),
    "Income": parse("Income.Revenue"),
    "Other Income": parse("Income.OtherIncome"),
    "Cost of Goods Sold": parse("Expense.CostOfSales"),
    "Expense": parse("Expense.Operating"),
    "Other Expense": parse("Expense.NonOperating"),
}

# Platform key → (the platform's name for its type field, the platform's type for a stored
# `fullyQualifiedCategory`, that type's place in the taxonomy).
PLATFORM_TYPES: Mapping[str, tuple[str, Mapping[str, str], Mapping[str, Path]]] = {
    XERO_KEY: (
        "Xero account Type",
        {category: xero_type for xero_type, (_, category) in xero_mapping.ACCOUNT_TYPES.items()},
        XERO_TYPES,
    ),
    QUICKBOOKS_KEY: (
        "QuickBooks AccountType",
        {category: qb_type for qb_type, category in quickbooks_mapping.ACCOUNT_CATEGORIES.items()},
        QUICKBOOKS_TYPES,
    ),
}
PLATFORM_TYPES = {**PLATFORM_TYPES, QUICKBOOKS_SANDBOX_KEY: PLATFORM_TYPES[QUICKBOOKS_KEY]}


def platform_type(platform_key: str, account: Mapping[str, object]) -> tuple[str, str, Path] | None:
    """The platform's own type of a stored account, its field's name, and where the type sits in the
    taxonomy; None for a platform without a table or a category the connector did not write."""
    known = PLATFORM_TYPES.get(platform_key)
    category = account.get("fullyQualifiedCategory")
    if known is None or not isinstance(category, str):
        return None
    field, types_by_category, paths = known
    native = types_by_category.get(category)
    if native is None or native not in paths:
        return None
    return field, native, paths[native]
