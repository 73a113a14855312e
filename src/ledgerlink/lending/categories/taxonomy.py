"""The standard account taxonomy of Codat's Lending API, as data: every category a path of up to five levels.

Where it comes from. Codat names its categories by level (`Expense` › `Operating` › `Leases` ›
`BuildingRentLease`) and shows them in `Codat-Lending.yaml`'s examples of the categorized profit and loss
and balance sheet (`EnhancedFinancialReport`); every path those examples use is here, spelt as Codat spells
it, and marked `codat=True`. Codat does not publish the whole list in its specs (its docs point at
`GET /data/assess/accounts/categories`), so the rest of the tree is ledgerlink's: the same naming (PascalCase
level names, the same five top levels and the current/non-current, operating/non-operating splits), filling
in what a credit analyst's spreading template needs (cash, receivables, fixed assets, debt, tax, payroll,
the operating expense lines) so that every account of a UK, US or Australian chart has a home.

A category is any node of the tree, not only a leaf: `("Liability", "NonCurrent")` is a category (Codat's
own example uses it), so an account is placed as deep as the evidence goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_LEVELS = 5

Path = tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """One node of the taxonomy: its path, a name for people, what belongs in it, whether Codat uses it."""

    path: Path
    display_name: str
    description: str
    codat: bool

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


# (path, description); `*` after a level name marks a path Codat's spec examples use.
# A description says what an analyst files there; a node without one is described from its children.
_TREE: tuple[tuple[str, str], ...] = (
    ("Asset*", "What the business owns or is owed."),
    ("Asset.Current*", "Assets turned into cash within a year."),
    (
        "Asset.Current.Bank*",
        "Money in bank current, savings and deposit accounts, and payment-provider balances.",
    ),
    ("Asset.Current.Cash", "Cash on the premises: petty cash, tills, cash floats."),
    ("Asset.Current.Inventory*", "Stock held for sale, raw materials and work in progress."),
    ("Asset.Current.Receivables", "Amounts others owe the business, due within a year."),
    ("Asset.Current.Receivables.AccountsReceivables*", "Customers' unpaid invoices (trade debtors)."),
    (
        "Asset.Current.Receivables.AllowanceForDoubtfulAccounts",
        "Provision against receivables not expected in.",
    ),
    (
        "Asset.Current.Receivables.TaxReceivable",
        "Tax the authorities owe the business: VAT, GST or sales tax.",
    ),
    (
        "Asset.Current.Receivables.DueFromRelatedParties",
        "Loans to directors, owners, staff or group companies.",
    ),
    ("Asset.Current.Receivables.OtherReceivables", "Deposits paid and other short-term amounts owed."),
    ("Asset.Current.AccruedDeferredAssets", "Costs paid ahead and income earned but not yet billed."),
    ("Asset.Current.AccruedDeferredAssets.PrepaidExpenses*", "Expenses paid in advance (prepayments)."),
    ("Asset.Current.AccruedDeferredAssets.AccruedIncome", "Income earned and not yet invoiced."),
    ("Asset.Current.ShortTermInvestments", "Investments to be sold within a year."),
    ("Asset.Current.UndepositedFunds", "Payments received and not yet banked; clearing accounts."),
    ("Asset.Current.OtherCurrentAssets", "Current assets that fit no other category."),
    ("Asset.NonCurrent*", "Assets held for longer than a year."),
    ("Asset.NonCurrent.PropertyPlantEquipment", "Tangible fixed assets at cost."),
    ("Asset.NonCurrent.PropertyPlantEquipment.LandBuildings", "Land, buildings and freehold property."),
    ("Asset.NonCurrent.PropertyPlantEquipment.LeaseholdImprovements", "Improvements to leased premises."),
    ("Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment", "Plant, machinery, office and computers."),
    ("Asset.NonCurrent.PropertyPlantEquipment.FurnitureFixtures", "Furniture, fixtures and fittings."),
    ("Asset.NonCurrent.PropertyPlantEquipment.Vehicles", "Motor vehicles owned by the business."),
    (
        "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization*",
        "Depreciation and amortization charged to date against fixed assets (a negative asset).",
    ),
    ("Asset.NonCurrent.IntangibleAssets", "Non-physical assets."),
    ("Asset.NonCurrent.IntangibleAssets.Goodwill", "Goodwill bought with a business."),
    ("Asset.NonCurrent.IntangibleAssets.OtherIntangibles", "Patents, trademarks, software and licences."),
    (
        "Asset.NonCurrent.LongTermInvestments",
        "Shares, bonds and interests in other companies held long term.",
    ),
    ("Asset.NonCurrent.DeferredTaxAssets", "Tax to be recovered in future years."),
    ("Asset.NonCurrent.OtherNonCurrentAssets", "Long-term deposits and other non-current assets."),
    ("Liability*", "What the business owes."),
    ("Liability.Current*", "Amounts due within a year."),
    ("Liability.Current.AccountsPayable*", "Suppliers' unpaid bills (trade creditors)."),
    ("Liability.Current.AccruedLiabilities*", "Costs incurred and not yet billed (accruals)."),
    ("Liability.Current.Bank*", "Overdrawn bank accounts and rounding or clearing balances with the bank."),
    ("Liability.Current.Debt*", "Borrowing due within a year."),
    ("Liability.Current.Debt.CreditCards*", "Business credit card balances."),
    ("Liability.Current.Debt.LoansPayable*", "Loans and the current portion of longer loans."),
    ("Liability.Current.Debt.LineOfCredit", "Revolving credit facilities and invoice finance."),
    ("Liability.Current.Personnel*", "Amounts owed to or for staff."),
    ("Liability.Current.Personnel.PayrollPayable", "Net wages and salaries owed to staff."),
    (
        "Liability.Current.Personnel.PayrollTaxesPayable",
        "PAYE, national insurance, withholding and payroll taxes.",
    ),
    ("Liability.Current.Personnel.PensionPayable*", "Pension and superannuation contributions owed."),
    ("Liability.Current.Taxes", "Taxes owed to the authorities."),
    ("Liability.Current.Taxes.SalesTaxPayable", "VAT, GST or sales tax owed."),
    ("Liability.Current.Taxes.IncomeTaxPayable", "Corporation or income tax owed."),
    ("Liability.Current.DeferredRevenue", "Customers' payments for goods or services not yet delivered."),
    (
        "Liability.Current.DueToRelatedParties",
        "Directors' and owners' loans to the business, group balances.",
    ),
    ("Liability.Current.OtherCurrentLiabilities", "Current liabilities that fit no other category."),
    ("Liability.NonCurrent*", "Amounts due after more than a year."),
    ("Liability.NonCurrent.LongTermDebt", "Borrowing due after more than a year."),
    ("Liability.NonCurrent.LongTermDebt.LoansPayable", "Bank and other loans, mortgages and notes payable."),
    ("Liability.NonCurrent.LongTermDebt.FinanceLeases", "Hire purchase and finance lease obligations."),
    ("Liability.NonCurrent.DeferredTaxLiabilities", "Tax to be paid in future years."),
    (
        "Liability.NonCurrent.DueToRelatedParties",
        "Long-term loans from directors, owners or group companies.",
    ),
    ("Liability.NonCurrent.OtherNonCurrentLiabilities", "Provisions and other long-term liabilities."),
    ("Equity*", "The owners' interest in the business."),
    ("Equity.ShareCapital*", "Capital the owners put in."),
    ("Equity.ShareCapital.CommonStock*", "Ordinary shares and owners' capital."),
    ("Equity.ShareCapital.PreferredStock", "Preference shares."),
    ("Equity.ShareCapital.SharePremium", "Amounts paid for shares above their nominal value."),
    ("Equity.RetainedEarnings*", "Profits kept in the business."),
    ("Equity.RetainedEarnings.CapitalIncomeReserve*", "Profits of earlier years kept in the business."),
    ("Equity.RetainedEarnings.CurrentYearEarnings", "This year's profit or loss, before it is closed."),
    ("Equity.RetainedEarnings.Dividends", "Dividends declared to shareholders."),
    ("Equity.OwnersEquity", "A sole trader's or partners' capital accounts."),
    ("Equity.OwnersEquity.Contributions", "Money the owners put into the business."),
    ("Equity.OwnersEquity.Drawings", "Money the owners took out of the business."),
    ("Equity.OtherReserves", "Revaluation and other reserves; opening balance equity."),
    ("Income*", "What the business earns."),
    ("Income.Revenue*", "Income from the business's trade."),
    ("Income.Revenue.Online*", "Sales through online shops and marketplaces."),
    ("Income.Revenue.Wholesale*", "Sales of goods to other businesses."),
    ("Income.Revenue.Retail", "Sales of goods to consumers in person."),
    ("Income.Revenue.Services", "Fees for services and work performed."),
    ("Income.Revenue.Subscriptions", "Recurring subscription and membership income."),
    ("Income.Revenue.DiscountsReturns", "Discounts given and refunds (reduce revenue)."),
    ("Income.OtherIncome", "Income outside the trade."),
    ("Income.OtherIncome.InterestIncome", "Interest received on deposits and loans."),
    ("Income.OtherIncome.Grants", "Government grants and subsidies."),
    ("Income.OtherIncome.GainOnDisposal", "Gains on selling assets, and foreign exchange gains."),
    ("Income.OtherIncome.Miscellaneous", "Rental, royalty, commission and other sundry income."),
    ("Expense*", "What the business spends."),
    ("Expense.CostOfSales*", "Costs that rise and fall with sales."),
    ("Expense.CostOfSales.Inventory*", "Purchases of goods for resale and materials, stock movements."),
    ("Expense.CostOfSales.DirectLabor", "Wages of staff making the product or delivering the service."),
    ("Expense.CostOfSales.Subcontractors", "Subcontracted work sold on to customers."),
    ("Expense.CostOfSales.Freight", "Carriage and freight on goods bought and sold."),
    ("Expense.CostOfSales.MerchantFees", "Card, payment-provider and marketplace fees on sales."),
    ("Expense.Operating*", "The costs of running the business."),
    ("Expense.Operating.BankCharges*", "Bank fees and charges."),
    ("Expense.Operating.Leases*", "Rent and lease payments."),
    ("Expense.Operating.Leases.BuildingRentLease*", "Rent of premises."),
    ("Expense.Operating.Leases.EquipmentRentLease*", "Hire and operating leases of equipment and vehicles."),
    ("Expense.Operating.Marketing*", "Advertising, marketing, promotion, postage and subscriptions."),
    ("Expense.Operating.NonCash*", "Charges that move no cash."),
    ("Expense.Operating.NonCash.Amortization*", "Amortization of intangible assets."),
    ("Expense.Operating.NonCash.Depreciation*", "Depreciation of fixed assets."),
    ("Expense.Operating.NonCash.BadDebts", "Bad and doubtful debts written off."),
    ("Expense.Operating.Personnel*", "Staff costs."),
    ("Expense.Operating.Personnel.Wages", "Wages, salaries and directors' remuneration."),
    ("Expense.Operating.Personnel.PayrollTaxes", "Employer's national insurance and payroll taxes."),
    ("Expense.Operating.Personnel.Pension", "Employer's pension and superannuation contributions."),
    ("Expense.Operating.Personnel.EmployeeBenefits*", "Staff welfare, training, entertainment, benefits."),
    ("Expense.Operating.Personnel.Contractors", "Contract and temporary staff."),
    ("Expense.Operating.SalesGeneralAdministrative*", "General running costs of the office."),
    ("Expense.Operating.SalesGeneralAdministrative.Utilities", "Light, heat, power, water."),
    ("Expense.Operating.SalesGeneralAdministrative.Telecommunications", "Telephone, mobile, internet."),
    ("Expense.Operating.SalesGeneralAdministrative.OfficeExpenses", "Stationery, printing and supplies."),
    ("Expense.Operating.SalesGeneralAdministrative.ProfessionalFees", "Accountancy, audit and legal fees."),
    ("Expense.Operating.SalesGeneralAdministrative.Insurance", "Business insurance premiums."),
    ("Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance", "Repairs, maintenance, cleaning."),
    ("Expense.Operating.SalesGeneralAdministrative.Software", "Software, IT services and computer costs."),
    ("Expense.Operating.SalesGeneralAdministrative.Licenses", "Licences, permits, dues and levies."),
    ("Expense.Operating.Travel*", "Travel and vehicle running costs."),
    ("Expense.Operating.Travel.MotorVehicle", "Fuel, servicing and running costs of vehicles."),
    ("Expense.Operating.Travel.TravelAccommodation", "Fares, hotels and subsistence."),
    ("Expense.Operating.Travel.Entertainment", "Client entertainment and meals."),
    ("Expense.Operating.ResearchDevelopment", "Research and development."),
    ("Expense.NonOperating*", "Costs outside the running of the business."),
    ("Expense.NonOperating.Donations*", "Charitable and political donations."),
    ("Expense.NonOperating.Interest*", "Interest paid on loans, overdrafts and finance."),
    ("Expense.NonOperating.Taxes*", "Taxes on profit."),
    ("Expense.NonOperating.Taxes.CorporationTaxes*", "Corporation or income tax on the business's profit."),
    ("Expense.NonOperating.Taxes.DeferredTaxes", "Deferred tax charges."),
    ("Expense.NonOperating.LossOnDisposal", "Losses on selling assets, write-offs and impairments."),
    ("Expense.NonOperating.ForeignExchange", "Realised and unrealised currency losses and gains."),
    ("Expense.NonOperating.Other", "Penalties, fines and other non-operating costs."),
)


def _display_name(level: str) -> str:
    """`SalesGeneralAdministrative` → `Sales general administrative`: how a person reads a level name."""
    words = re.findall(r"[A-Z][a-z]*|[a-z]+", level)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else level


def _build() -> tuple[Category, ...]:
    built = []
    for dotted, description in _TREE:
        codat = dotted.endswith("*")
        path = tuple(dotted.rstrip("*").split("."))
        built.append(Category(path, _display_name(path[-1]), description, codat))
    return tuple(built)


TAXONOMY: tuple[Category, ...] = _build()
BY_PATH: dict[Path, Category] = {category.path: category for category in TAXONOMY}
TOP_LEVELS: tuple[str, ...] = tuple(c.path[0] for c in TAXONOMY if len(c.path) == 1)
# The two statements' sides: which top levels a profit and loss shows, and which a balance sheet.
PROFIT_AND_LOSS_TYPES = frozenset({"Income", "Expense"})
BALANCE_SHEET_TYPES = frozenset({"Asset", "Liability", "Equity"})


def lookup(path: Path) -> Category | None:
    return BY_PATH.get(tuple(path))


def is_category(path: Path) -> bool:
    return tuple(path) in BY_PATH


def parse(dotted: str) -> Path:
    """`Expense.Operating.Travel` → its path (no check that it is a category: see `is_category`)."""
    return tuple(part.strip() for part in dotted.split("."))


def children(path: Path) -> Iterator[Category]:
    depth = len(path) + 1
    return (c for c in TAXONOMY if len(c.path) == depth and c.path[: depth - 1] == tuple(path))


def leaves() -> Iterator[Category]:
    """The most specific categories: those with no children."""
    parents = {c.path[:-1] for c in TAXONOMY}
    return (c for c in TAXONOMY if c.path not in parents)


def _check() -> None:
    for category in TAXONOMY:
        assert len(category.path) <= MAX_LEVELS, category.path
        assert len(category.path) == 1 or category.path[:-1] in BY_PATH, f"{category.dotted}: no parent"
    assert len(BY_PATH) == len(TAXONOMY), "a path is listed twice"


_check()
