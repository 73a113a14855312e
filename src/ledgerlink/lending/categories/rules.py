"""The categorization rules as tables: classification words, nominal code ranges per chart, name keywords.

Each table row names a place in the taxonomy; `suggestions` weighs the rows an account matches. Tables,
not branches, so that a reviewer reads a rule as a line and the accuracy bench can say which row misled.
The charts' code ranges are those of the public default charts the platforms and bookkeepers ship (Sage's
UK 4-digit chart, Xero's 3-digit default chart, the common US 4-digit chart, MYOB's `1-1000` style in
Australia); the keywords are the words accountants use in account names in each language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ledgerlink.lending.categories.taxonomy import Path, parse

# --------------------------------------------------------------------- classification (Codat's words)
# A word of a `fullyQualifiedCategory` below its top level (`Asset.Current.AccountsReceivable`), lowercased
# without spaces, under each top level it can appear below. Later words refine earlier ones.
CLASSIFICATION_WORDS: Mapping[str, Mapping[str, str]] = {
    "Asset": {
        "current": "Asset.Current",
        "currentasset": "Asset.Current",
        "currentassets": "Asset.Current",
        "othercurrentasset": "Asset.Current.OtherCurrentAssets",
        "bank": "Asset.Current.Bank",
        "bankaccount": "Asset.Current.Bank",
        "cash": "Asset.Current.Cash",
        "cashandcashequivalents": "Asset.Current.Bank",
        "inventory": "Asset.Current.Inventory",
        "stock": "Asset.Current.Inventory",
        "accountsreceivable": "Asset.Current.Receivables.AccountsReceivables",
        "acctrec": "Asset.Current.Receivables.AccountsReceivables",
        "debtors": "Asset.Current.Receivables.AccountsReceivables",
        "receivable": "Asset.Current.Receivables",
        "receivables": "Asset.Current.Receivables",
        "prepayment": "Asset.Current.AccruedDeferredAssets.PrepaidExpenses",
        "prepayments": "Asset.Current.AccruedDeferredAssets.PrepaidExpenses",
        "prepaidexpenses": "Asset.Current.AccruedDeferredAssets.PrepaidExpenses",
        "noncurrent": "Asset.NonCurrent",
        "noncurrentasset": "Asset.NonCurrent",
        "otherasset": "Asset.NonCurrent.OtherNonCurrentAssets",
        "fixed": "Asset.NonCurrent.PropertyPlantEquipment",
        "fixedasset": "Asset.NonCurrent.PropertyPlantEquipment",
        "fixedassets": "Asset.NonCurrent.PropertyPlantEquipment",
        "accumulateddepreciation": "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        "intangible": "Asset.NonCurrent.IntangibleAssets",
        "intangibles": "Asset.NonCurrent.IntangibleAssets",
    },
    "Liability": {
        "current": "Liability.Current",
        "currentliability": "Liability.Current",
        "othercurrentliability": "Liability.Current.OtherCurrentLiabilities",
        "accountspayable": "Liability.Current.AccountsPayable",
        "acctpay": "Liability.Current.AccountsPayable",
        "creditors": "Liability.Current.AccountsPayable",
        "creditcard": "Liability.Current.Debt.CreditCards",
        "tax": "Liability.Current.Taxes",
        "salestax": "Liability.Current.Taxes.SalesTaxPayable",
        "vat": "Liability.Current.Taxes.SalesTaxPayable",
        "gst": "Liability.Current.Taxes.SalesTaxPayable",
        "payroll": "Liability.Current.Personnel",
        "accruals": "Liability.Current.AccruedLiabilities",
        "noncurrent": "Liability.NonCurrent",
        "longtermliability": "Liability.NonCurrent",
        "longterm": "Liability.NonCurrent",
        "loan": "Liability.NonCurrent.LongTermDebt.LoansPayable",
        "loans": "Liability.NonCurrent.LongTermDebt.LoansPayable",
    },
    "Equity": {
        "sharecapital": "Equity.ShareCapital",
        "capital": "Equity.ShareCapital",
        "retainedearnings": "Equity.RetainedEarnings",
        "drawings": "Equity.OwnersEquity.Drawings",
        "reserves": "Equity.OtherReserves",
    },
    "Income": {
        "revenue": "Income.Revenue",
        "sales": "Income.Revenue",
        "services": "Income.Revenue.Services",
        "other": "Income.OtherIncome",
        "otherincome": "Income.OtherIncome",
        "interest": "Income.OtherIncome.InterestIncome",
    },
    "Expense": {
        "costofsales": "Expense.CostOfSales",
        "costofgoodssold": "Expense.CostOfSales",
        "directcosts": "Expense.CostOfSales",
        "goods": "Expense.CostOfSales.Inventory",
        "subcontractors": "Expense.CostOfSales.Subcontractors",
        "operating": "Expense.Operating",
        "overheads": "Expense.Operating",
        "expense": "Expense.Operating",
        "expenses": "Expense.Operating",
        "marketing": "Expense.Operating.Marketing",
        "payroll": "Expense.Operating.Personnel.Wages",
        "rent": "Expense.Operating.Leases.BuildingRentLease",
        "utilities": "Expense.Operating.SalesGeneralAdministrative.Utilities",
        "travel": "Expense.Operating.Travel",
        "office": "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses",
        "software": "Expense.Operating.SalesGeneralAdministrative.Software",
        "professional": "Expense.Operating.SalesGeneralAdministrative.ProfessionalFees",
        "depreciation": "Expense.Operating.NonCash.Depreciation",
        "amortization": "Expense.Operating.NonCash.Amortization",
        "bankcharges": "Expense.Operating.BankCharges",
        "finance": "Expense.NonOperating.Interest",
        "interest": "Expense.NonOperating.Interest",
        "tax": "Expense.NonOperating.Taxes",
        "other": "Expense.NonOperating",
        "otherexpense": "Expense.NonOperating",
        "nonoperating": "Expense.NonOperating",
    },
}


# ------------------------------------------------------------------------------ nominal code ranges
@dataclass(frozen=True)
class CodeRange:
    low: int
    high: int
    path: Path


@dataclass(frozen=True)
class Chart:
    """A family of charts of accounts: which codes it uses, and what its ranges hold."""

    name: str
    # The countries whose books use it (ISO 3166 alpha-2); empty: any country.
    countries: frozenset[str]
    # The platforms whose default chart it is (the rule is surer there); empty: none in particular.
    platforms: frozenset[str]
    digits: int
    ranges: tuple[CodeRange, ...]


def _ranges(*rows: tuple[int, int, str]) -> tuple[CodeRange, ...]:
    return tuple(CodeRange(low, high, parse(path)) for low, high, path in rows)


# Sage's UK chart (4 digits), which most UK charts outside Xero follow.
UK_SAGE = Chart(
    "UK 4-digit chart (Sage layout)",
    frozenset({"GB", "IE"}),
    frozenset(),
    4,
    _ranges(
        (0, 999, "Asset.NonCurrent.PropertyPlantEquipment"),
        (10, 19, "Asset.NonCurrent.PropertyPlantEquipment.LandBuildings"),
        (20, 20, "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment"),
        (30, 30, "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment"),
        (40, 40, "Asset.NonCurrent.PropertyPlantEquipment.FurnitureFixtures"),
        (50, 50, "Asset.NonCurrent.PropertyPlantEquipment.Vehicles"),
        (11, 11, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (21, 21, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (31, 31, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (41, 41, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (51, 51, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (1000, 1999, "Asset.Current"),
        (1000, 1099, "Asset.Current.Inventory"),
        (1100, 1199, "Asset.Current.Receivables"),
        (1100, 1100, "Asset.Current.Receivables.AccountsReceivables"),
        (1101, 1102, "Asset.Current.Receivables.OtherReceivables"),
        (1103, 1103, "Asset.Current.AccruedDeferredAssets.PrepaidExpenses"),
        (1200, 1229, "Asset.Current.Bank"),
        (1230, 1239, "Asset.Current.Cash"),
        (1240, 1299, "Asset.Current.Bank"),
        (2000, 2299, "Liability.Current"),
        (2100, 2100, "Liability.Current.AccountsPayable"),
        (2109, 2109, "Liability.Current.AccruedLiabilities"),
        (2200, 2209, "Liability.Current.Taxes.SalesTaxPayable"),
        (2210, 2219, "Liability.Current.Personnel.PayrollTaxesPayable"),
        (2220, 2229, "Liability.Current.Personnel.PayrollPayable"),
        (2230, 2239, "Liability.Current.Personnel.PensionPayable"),
        (2300, 2399, "Liability.NonCurrent.LongTermDebt"),
        (2300, 2300, "Liability.NonCurrent.LongTermDebt.LoansPayable"),
        (2310, 2310, "Liability.NonCurrent.LongTermDebt.FinanceLeases"),
        (3000, 3999, "Equity"),
        (3000, 3099, "Equity.ShareCapital"),
        (3100, 3199, "Equity.OtherReserves"),
        (3200, 3299, "Equity.RetainedEarnings"),
        (4000, 4999, "Income"),
        (4000, 4899, "Income.Revenue"),
        (4900, 4999, "Income.OtherIncome"),
        (5000, 6999, "Expense.CostOfSales"),
        (5000, 5999, "Expense.CostOfSales.Inventory"),
        (6000, 6099, "Expense.CostOfSales.DirectLabor"),
        (7000, 9999, "Expense.Operating"),
        (7000, 7099, "Expense.Operating.Personnel"),
        (7000, 7005, "Expense.Operating.Personnel.Wages"),
        (7006, 7006, "Expense.Operating.Personnel.PayrollTaxes"),
        (7007, 7007, "Expense.Operating.Personnel.Pension"),
        (7100, 7199, "Expense.Operating.Leases.BuildingRentLease"),
        (7200, 7299, "Expense.Operating.SalesGeneralAdministrative.Utilities"),
        (7300, 7399, "Expense.Operating.Travel.MotorVehicle"),
        (7400, 7499, "Expense.Operating.Travel.TravelAccommodation"),
        (7403, 7404, "Expense.Operating.Travel.Entertainment"),
        (7500, 7599, "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses"),
        (7502, 7503, "Expense.Operating.SalesGeneralAdministrative.Telecommunications"),
        (7600, 7699, "Expense.Operating.SalesGeneralAdministrative.ProfessionalFees"),
        (7700, 7799, "Expense.Operating.Leases.EquipmentRentLease"),
        (7800, 7899, "Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance"),
        (7900, 7999, "Expense.NonOperating.Interest"),
        (7901, 7901, "Expense.Operating.BankCharges"),
        (8000, 8099, "Expense.Operating.NonCash.Depreciation"),
        (8100, 8199, "Expense.Operating.NonCash.BadDebts"),
        (8200, 8299, "Expense.Operating.SalesGeneralAdministrative"),
        (9000, 9999, "Expense.NonOperating"),
    ),
)

# Xero's default chart (3 digits), the same layout in the UK, Australia, New Zealand and the US.
XERO_DEFAULT = Chart(
    "Xero default chart (3 digits)",
    frozenset(),
    frozenset({"gbol"}),
    3,
    _ranges(
        (90, 99, "Asset.Current.Bank"),
        (200, 299, "Income"),
        (200, 259, "Income.Revenue"),
        (260, 299, "Income.OtherIncome"),
        (270, 270, "Income.OtherIncome.InterestIncome"),
        (300, 399, "Expense.CostOfSales"),
        (310, 319, "Expense.CostOfSales.Inventory"),
        (320, 324, "Expense.CostOfSales.DirectLabor"),
        (400, 499, "Expense.Operating"),
        (400, 400, "Expense.Operating.Marketing"),
        (401, 401, "Expense.Operating.SalesGeneralAdministrative.ProfessionalFees"),
        (404, 404, "Expense.Operating.BankCharges"),
        (408, 408, "Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance"),
        (416, 416, "Expense.Operating.NonCash.Depreciation"),
        (420, 420, "Expense.Operating.Travel.Entertainment"),
        (425, 425, "Expense.CostOfSales.Freight"),
        (429, 429, "Expense.Operating.SalesGeneralAdministrative"),
        (433, 433, "Expense.Operating.SalesGeneralAdministrative.Insurance"),
        (437, 437, "Expense.NonOperating.Interest"),
        (441, 441, "Expense.Operating.SalesGeneralAdministrative.ProfessionalFees"),
        (445, 445, "Expense.Operating.SalesGeneralAdministrative.Utilities"),
        (449, 449, "Expense.Operating.Travel.MotorVehicle"),
        (453, 453, "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses"),
        (461, 461, "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses"),
        (469, 469, "Expense.Operating.Leases.BuildingRentLease"),
        (473, 473, "Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance"),
        (477, 477, "Expense.Operating.Personnel.Wages"),
        (478, 478, "Expense.Operating.Personnel.Pension"),
        (485, 485, "Expense.Operating.Marketing"),
        (489, 489, "Expense.Operating.SalesGeneralAdministrative.Telecommunications"),
        (493, 494, "Expense.Operating.Travel.TravelAccommodation"),
        (497, 499, "Expense.NonOperating.ForeignExchange"),
        (500, 509, "Expense.NonOperating.Taxes.CorporationTaxes"),
        (600, 699, "Asset.Current"),
        (610, 610, "Asset.Current.Receivables.AccountsReceivables"),
        (611, 611, "Asset.Current.Receivables.AllowanceForDoubtfulAccounts"),
        (620, 620, "Asset.Current.AccruedDeferredAssets.PrepaidExpenses"),
        (630, 630, "Asset.Current.Inventory"),
        (700, 799, "Asset.NonCurrent"),
        (710, 710, "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment"),
        (720, 720, "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment"),
        (711, 711, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (721, 721, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (800, 899, "Liability.Current"),
        (800, 800, "Liability.Current.AccountsPayable"),
        (801, 801, "Liability.Current.AccountsPayable"),
        (820, 820, "Liability.Current.Taxes.SalesTaxPayable"),
        (825, 825, "Liability.Current.Personnel.PayrollTaxesPayable"),
        (826, 826, "Liability.Current.Personnel.PensionPayable"),
        (830, 830, "Liability.Current.Taxes.IncomeTaxPayable"),
        (840, 840, "Liability.Current.OtherCurrentLiabilities"),
        (850, 879, "Liability.Current.OtherCurrentLiabilities"),
        (860, 860, "Liability.Current.OtherCurrentLiabilities"),
        (880, 880, "Equity.OwnersEquity.Drawings"),
        (881, 881, "Equity.OwnersEquity.Contributions"),
        (900, 949, "Liability.NonCurrent.LongTermDebt.LoansPayable"),
        (950, 999, "Equity"),
        (960, 960, "Equity.RetainedEarnings.CapitalIncomeReserve"),
        (970, 970, "Equity.ShareCapital.CommonStock"),
    ),
)

# The common US layout (4 digits; QuickBooks' account numbers, NetSuite's and most bookkeepers' follow it),
# also used in Canada and, without MYOB's dash, in Australia.
US_4_DIGIT = Chart(
    "US 4-digit chart",
    frozenset({"US", "CA", "AU", "NZ"}),
    frozenset(),
    4,
    _ranges(
        (1000, 1999, "Asset"),
        (1000, 1499, "Asset.Current"),
        (1000, 1099, "Asset.Current.Bank"),
        (1100, 1199, "Asset.Current.Receivables"),
        (1200, 1299, "Asset.Current.Inventory"),
        (1300, 1399, "Asset.Current.AccruedDeferredAssets.PrepaidExpenses"),
        (1500, 1999, "Asset.NonCurrent"),
        (1500, 1699, "Asset.NonCurrent.PropertyPlantEquipment"),
        (1700, 1799, "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization"),
        (1800, 1899, "Asset.NonCurrent.IntangibleAssets"),
        (2000, 2999, "Liability"),
        (2000, 2499, "Liability.Current"),
        (2000, 2099, "Liability.Current.AccountsPayable"),
        (2100, 2199, "Liability.Current.AccruedLiabilities"),
        (2200, 2299, "Liability.Current.Taxes.SalesTaxPayable"),
        (2300, 2399, "Liability.Current.Personnel"),
        (2500, 2999, "Liability.NonCurrent"),
        (2500, 2799, "Liability.NonCurrent.LongTermDebt"),
        (3000, 3999, "Equity"),
        (3000, 3099, "Equity.ShareCapital"),
        (3900, 3999, "Equity.RetainedEarnings"),
        (4000, 4999, "Income.Revenue"),
        (5000, 5999, "Expense.CostOfSales"),
        (6000, 7999, "Expense.Operating"),
        (8000, 8999, "Income.OtherIncome"),
        (9000, 9999, "Expense.NonOperating"),
    ),
)

# MYOB's layout in Australia and New Zealand: `1-1100`, the first digit the account's class.
MYOB = Chart(
    "MYOB chart (`1-1100`)",
    frozenset({"AU", "NZ"}),
    frozenset(),
    5,
    _ranges(
        (10000, 19999, "Asset"),
        (11000, 11999, "Asset.Current"),
        (11100, 11199, "Asset.Current.Bank"),
        (11200, 11299, "Asset.Current.Receivables.AccountsReceivables"),
        (11300, 11399, "Asset.Current.Inventory"),
        (12000, 12999, "Asset.NonCurrent.PropertyPlantEquipment"),
        (20000, 29999, "Liability"),
        (21000, 21999, "Liability.Current"),
        (21100, 21199, "Liability.Current.Debt.CreditCards"),
        (21200, 21299, "Liability.Current.AccountsPayable"),
        (21300, 21399, "Liability.Current.Taxes.SalesTaxPayable"),
        (21400, 21499, "Liability.Current.Personnel"),
        (22000, 22999, "Liability.NonCurrent"),
        (30000, 39999, "Equity"),
        (40000, 49999, "Income.Revenue"),
        (50000, 59999, "Expense.CostOfSales"),
        (60000, 69999, "Expense.Operating"),
        (80000, 89999, "Income.OtherIncome"),
        (90000, 99999, "Expense.NonOperating"),
    ),
)

# The same layout with five digits (`17000 Accumulated Depreciation`), as larger US charts number it.
US_5_DIGIT = Chart(
    "US 5-digit chart",
    frozenset({"US", "CA"}),
    frozenset(),
    5,
    tuple(CodeRange(r.low * 10, r.high * 10 + 9, r.path) for r in US_4_DIGIT.ranges),
)

CHARTS: tuple[Chart, ...] = (UK_SAGE, XERO_DEFAULT, US_4_DIGIT, US_5_DIGIT, MYOB)


# --------------------------------------------------------------------------------- name keywords
# Language → rows of (the words, as they appear in account names, lowercased and without accents; the
# places they point at, one per top level they can appear under). A row's words are alternatives.
_K = tuple[tuple[str, ...], tuple[str, ...]]

_ENGLISH: tuple[_K, ...] = (
    # Words that say only which side an account is on; they settle the top level when the record's type
    # does not, and the more specific words place it.
    (("expense", "expenses", "cost", "costs", "charges", "fees paid"), ("Expense",)),
    (("income", "revenue", "revenues", "earnings"), ("Income",)),
    (("payable", "payables", "liability", "liabilities", "owed"), ("Liability",)),
    (("receivable", "asset", "assets"), ("Asset",)),
    (("equity",), ("Equity",)),
    (
        (
            "bank",
            "current account",
            "checking",
            "cheque account",
            "savings",
            "deposit account",
            "paypal",
            "stripe",
        ),
        ("Asset.Current.Bank", "Liability.Current.Bank"),
    ),
    (("overdraft",), ("Liability.Current.Bank", "Asset.Current.Bank")),
    (("petty cash", "cash on hand", "cash in hand", "till", "float", "cash"), ("Asset.Current.Cash",)),
    (
        ("undeposited funds", "clearing", "suspense"),
        ("Asset.Current.UndepositedFunds", "Liability.Current.OtherCurrentLiabilities"),
    ),
    (
        ("inventory", "stock", "raw materials", "work in progress", "finished goods", "goods for resale"),
        ("Asset.Current.Inventory", "Expense.CostOfSales.Inventory"),
    ),
    (
        ("accounts receivable", "trade debtors", "debtors", "debtors control", "receivables", "a r"),
        ("Asset.Current.Receivables.AccountsReceivables",),
    ),
    (
        ("provision for doubtful debts", "allowance for doubtful accounts", "bad debt provision"),
        ("Asset.Current.Receivables.AllowanceForDoubtfulAccounts",),
    ),
    (
        ("other debtors", "sundry debtors", "deposits paid", "other receivables"),
        ("Asset.Current.Receivables.OtherReceivables",),
    ),
    (
        ("prepayments", "prepayment", "prepaid expenses", "prepaid"),
        ("Asset.Current.AccruedDeferredAssets.PrepaidExpenses",),
    ),
    (("accrued income",), ("Asset.Current.AccruedDeferredAssets.AccruedIncome",)),
    (
        (
            "directors loan",
            "director loan",
            "directors current account",
            "shareholder loan",
            "loan to director",
            "due from",
            "intercompany",
        ),
        ("Asset.Current.Receivables.DueFromRelatedParties", "Liability.Current.DueToRelatedParties"),
    ),
    (
        ("freehold", "land", "buildings", "property"),
        (
            "Asset.NonCurrent.PropertyPlantEquipment.LandBuildings",
            "Expense.Operating.Leases.BuildingRentLease",
        ),
    ),
    (
        ("leasehold improvements", "leasehold"),
        ("Asset.NonCurrent.PropertyPlantEquipment.LeaseholdImprovements",),
    ),
    (
        (
            "plant and machinery",
            "machinery",
            "equipment",
            "office equipment",
            "computer equipment",
            "computers",
            "plant",
        ),
        (
            "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
            "Expense.Operating.Leases.EquipmentRentLease",
        ),
    ),
    (
        ("furniture", "fixtures and fittings", "fixtures", "fittings"),
        ("Asset.NonCurrent.PropertyPlantEquipment.FurnitureFixtures",),
    ),
    (
        ("motor vehicle", "vehicle", "motor", "car", "auto", "automobile", "truck"),
        ("Asset.NonCurrent.PropertyPlantEquipment.Vehicles", "Expense.Operating.Travel.MotorVehicle"),
    ),
    (
        (
            "accumulated depreciation",
            "accum depreciation",
            "acc dep",
            "accum dep",
            "less accumulated",
            "accumulated amortization",
        ),
        ("Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",),
    ),
    (
        ("depreciation",),
        (
            "Expense.Operating.NonCash.Depreciation",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (
        ("amortization", "amortisation"),
        (
            "Expense.Operating.NonCash.Amortization",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (("goodwill",), ("Asset.NonCurrent.IntangibleAssets.Goodwill",)),
    (
        ("patents", "trademarks", "intellectual property", "intangible", "intangibles", "development costs"),
        ("Asset.NonCurrent.IntangibleAssets.OtherIntangibles",),
    ),
    (
        ("investments", "investment"),
        ("Asset.NonCurrent.LongTermInvestments", "Asset.Current.ShortTermInvestments"),
    ),
    (
        ("accounts payable", "trade creditors", "creditors", "creditors control", "payables", "a p"),
        ("Liability.Current.AccountsPayable",),
    ),
    # Owed to staff for what they paid on the business's behalf.
    (("unpaid expense claims", "expense claims"), ("Liability.Current.Personnel",)),
    (
        ("accruals", "accrued liabilities", "accrued expenses", "accrued"),
        ("Liability.Current.AccruedLiabilities",),
    ),
    (("credit card", "amex", "visa", "mastercard", "charge card"), ("Liability.Current.Debt.CreditCards",)),
    (
        ("line of credit", "revolving credit", "invoice finance", "factoring"),
        ("Liability.Current.Debt.LineOfCredit",),
    ),
    (
        ("loan", "loans", "mortgage", "notes payable", "bank loan", "borrowings"),
        (
            "Liability.NonCurrent.LongTermDebt.LoansPayable",
            "Liability.Current.Debt.LoansPayable",
            "Asset.Current.Receivables.OtherReceivables",
        ),
    ),
    (
        ("hire purchase", "finance lease", "lease liability", "capital lease"),
        ("Liability.NonCurrent.LongTermDebt.FinanceLeases",),
    ),
    (
        ("vat", "gst", "sales tax", "hst", "pst", "value added tax", "bas"),
        ("Liability.Current.Taxes.SalesTaxPayable", "Asset.Current.Receivables.TaxReceivable"),
    ),
    (
        ("corporation tax", "income tax", "tax payable", "taxes payable", "provision for tax"),
        ("Liability.Current.Taxes.IncomeTaxPayable", "Expense.NonOperating.Taxes.CorporationTaxes"),
    ),
    (
        ("deferred tax",),
        (
            "Liability.NonCurrent.DeferredTaxLiabilities",
            "Asset.NonCurrent.DeferredTaxAssets",
            "Expense.NonOperating.Taxes.DeferredTaxes",
        ),
    ),
    (
        (
            "paye",
            "national insurance",
            "payroll tax",
            "payroll taxes",
            "withholding",
            "payg",
            "employee tax",
            "social security",
            "medicare",
            "futa",
            "suta",
        ),
        ("Liability.Current.Personnel.PayrollTaxesPayable", "Expense.Operating.Personnel.PayrollTaxes"),
    ),
    (
        ("wages payable", "net wages", "salaries payable", "payroll liabilities", "payroll clearing"),
        ("Liability.Current.Personnel.PayrollPayable",),
    ),
    (
        ("pension", "pensions", "superannuation", "401k", "401 k", "retirement"),
        ("Liability.Current.Personnel.PensionPayable", "Expense.Operating.Personnel.Pension"),
    ),
    (
        ("deferred revenue", "deferred income", "unearned revenue", "customer deposits", "income in advance"),
        ("Liability.Current.DeferredRevenue",),
    ),
    (
        (
            "share capital",
            "ordinary shares",
            "common stock",
            "capital stock",
            "issued capital",
            "paid in capital",
            "paid up capital",
        ),
        ("Equity.ShareCapital.CommonStock",),
    ),
    (("preference shares", "preferred stock"), ("Equity.ShareCapital.PreferredStock",)),
    (("share premium", "additional paid in capital"), ("Equity.ShareCapital.SharePremium",)),
    (
        (
            "retained earnings",
            "retained profits",
            "profit and loss account",
            "accumulated profits",
            "accumulated losses",
        ),
        ("Equity.RetainedEarnings.CapitalIncomeReserve",),
    ),
    (
        ("current year earnings", "current year profit", "net income"),
        ("Equity.RetainedEarnings.CurrentYearEarnings",),
    ),
    (("dividends", "dividend"), ("Equity.RetainedEarnings.Dividends", "Income.OtherIncome.Miscellaneous")),
    (
        (
            "drawings",
            "owner draw",
            "owners draw",
            "owner s draw",
            "owner drawings",
            "owner s pay",
            "distributions",
        ),
        ("Equity.OwnersEquity.Drawings",),
    ),
    (
        (
            "funds introduced",
            "owner contribution",
            "owners contribution",
            "capital introduced",
            "owner investment",
            "owners investment",
            "owner s investment",
            "owners equity",
            "owner s equity",
            "partner capital",
        ),
        ("Equity.OwnersEquity.Contributions",),
    ),
    (("opening balance equity", "revaluation reserve", "reserves", "reserve"), ("Equity.OtherReserves",)),
    (("sales", "revenue", "turnover", "income from sales", "fees", "fee income"), ("Income.Revenue",)),
    (
        ("online sales", "shopify", "amazon", "ebay", "etsy", "web sales", "ecommerce", "e commerce"),
        ("Income.Revenue.Online",),
    ),
    (("wholesale", "trade sales"), ("Income.Revenue.Wholesale",)),
    (("retail", "shop sales", "store sales"), ("Income.Revenue.Retail",)),
    (
        (
            "services",
            "service income",
            "consulting income",
            "consultancy income",
            "labour income",
            "professional fees income",
        ),
        ("Income.Revenue.Services",),
    ),
    (
        ("subscriptions", "subscription", "membership", "memberships"),
        ("Expense.Operating.Marketing", "Income.Revenue.Subscriptions"),
    ),
    (("recurring revenue", "subscription income", "subscription revenue"), ("Income.Revenue.Subscriptions",)),
    (
        ("discounts", "discount", "returns", "refunds", "rebates", "allowances"),
        ("Income.Revenue.DiscountsReturns", "Expense.CostOfSales.Inventory"),
    ),
    (
        (
            "other income",
            "other revenue",
            "sundry income",
            "miscellaneous income",
            "misc income",
            "rental income",
            "royalties",
            "commission received",
            "commissions received",
        ),
        ("Income.OtherIncome.Miscellaneous",),
    ),
    (
        ("interest income", "interest received", "interest earned", "bank interest received"),
        ("Income.OtherIncome.InterestIncome",),
    ),
    (
        ("grant", "grants", "subsidy", "subsidies", "furlough", "jobkeeper", "ppp"),
        ("Income.OtherIncome.Grants",),
    ),
    (
        ("gain on disposal", "gain on sale", "profit on disposal", "exchange gain", "fx gain"),
        ("Income.OtherIncome.GainOnDisposal",),
    ),
    (
        (
            "cost of goods sold",
            "cost of sales",
            "cogs",
            "purchases",
            "materials",
            "direct costs",
            "cost of goods",
        ),
        ("Expense.CostOfSales.Inventory",),
    ),
    (
        (
            "direct wages",
            "direct labour",
            "direct labor",
            "productive labour",
            "cost of labour",
            "cost of labor",
        ),
        ("Expense.CostOfSales.DirectLabor",),
    ),
    (
        ("subcontractors", "subcontractor", "sub contractors", "subcontracted", "outsourced"),
        ("Expense.CostOfSales.Subcontractors",),
    ),
    (
        ("freight", "carriage", "shipping", "delivery", "postage", "courier", "haulage"),
        ("Expense.CostOfSales.Freight", "Expense.Operating.Marketing"),
    ),
    (
        (
            "merchant fees",
            "merchant",
            "payment processing",
            "card fees",
            "stripe fees",
            "paypal fees",
            "transaction fees",
            "selling fees",
        ),
        ("Expense.CostOfSales.MerchantFees",),
    ),
    (
        (
            "bank charges",
            "bank fees",
            "bank service charges",
            "bank charge",
            "credit card charges",
            "card charges",
        ),
        ("Expense.Operating.BankCharges",),
    ),
    (
        ("rent", "rent and rates", "rates", "premises", "office rent", "occupancy", "lease"),
        ("Expense.Operating.Leases.BuildingRentLease",),
    ),
    (
        ("equipment hire", "equipment rental", "equipment lease", "hire", "rental"),
        ("Expense.Operating.Leases.EquipmentRentLease",),
    ),
    (
        ("advertising", "marketing", "promotion", "promotions", "publicity", "sponsorship", "advertisement"),
        ("Expense.Operating.Marketing",),
    ),
    (
        ("bad debts", "bad debt", "doubtful debts", "bad debt expense"),
        ("Expense.Operating.NonCash.BadDebts",),
    ),
    (
        (
            "wages",
            "salaries",
            "salary",
            "payroll",
            "staff costs",
            "directors remuneration",
            "remuneration",
            "employee costs",
            "gross wages",
            "officers compensation",
            "compensation",
        ),
        ("Expense.Operating.Personnel.Wages", "Liability.Current.Personnel.PayrollPayable"),
    ),
    (
        ("employers ni", "employer s ni", "employers national insurance", "payroll tax expense"),
        ("Expense.Operating.Personnel.PayrollTaxes",),
    ),
    (
        (
            "staff welfare",
            "staff training",
            "training",
            "employee benefits",
            "health insurance",
            "recruitment",
            "staff entertainment",
            "uniforms",
            "workers compensation",
            "benefits",
        ),
        ("Expense.Operating.Personnel.EmployeeBenefits",),
    ),
    (
        (
            "contractors",
            "contract labour",
            "contract labor",
            "casual labour",
            "temporary staff",
            "agency staff",
        ),
        ("Expense.Operating.Personnel.Contractors",),
    ),
    (
        (
            "general expenses",
            "general and administrative",
            "administrative expenses",
            "sundry expenses",
            "sundries",
            "miscellaneous expenses",
            "office and general",
        ),
        ("Expense.Operating.SalesGeneralAdministrative",),
    ),
    (
        ("light", "heat", "power", "electricity", "gas", "water", "utilities", "heating", "energy"),
        ("Expense.Operating.SalesGeneralAdministrative.Utilities",),
    ),
    (
        ("telephone", "phone", "mobile", "internet", "broadband", "telecommunications", "communications"),
        ("Expense.Operating.SalesGeneralAdministrative.Telecommunications",),
    ),
    (
        ("printing", "stationery", "office supplies", "office expenses", "supplies", "office"),
        ("Expense.Operating.SalesGeneralAdministrative.OfficeExpenses",),
    ),
    (
        (
            "accountancy",
            "accounting fees",
            "audit",
            "legal",
            "legal fees",
            "professional fees",
            "consulting",
            "consultancy",
            "bookkeeping",
            "solicitors",
            "attorney",
        ),
        ("Expense.Operating.SalesGeneralAdministrative.ProfessionalFees",),
    ),
    (("insurance",), ("Expense.Operating.SalesGeneralAdministrative.Insurance",)),
    (
        ("repairs", "maintenance", "repairs and maintenance", "cleaning", "janitorial"),
        ("Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance",),
    ),
    (
        ("software", "computer", "it", "hosting", "saas", "computer expenses", "it services"),
        ("Expense.Operating.SalesGeneralAdministrative.Software",),
    ),
    (
        ("licenses", "licences", "license", "licence", "permits", "dues", "memberships and dues"),
        ("Expense.Operating.SalesGeneralAdministrative.Licenses",),
    ),
    (
        (
            "fuel",
            "petrol",
            "diesel",
            "mileage",
            "parking",
            "tolls",
            "motor expenses",
            "vehicle expenses",
            "automobile expense",
        ),
        ("Expense.Operating.Travel.MotorVehicle",),
    ),
    (
        ("travel", "travelling", "traveling", "accommodation", "subsistence", "airfare", "hotels", "meals"),
        ("Expense.Operating.Travel.TravelAccommodation",),
    ),
    (
        ("entertainment", "client entertainment", "meals and entertainment", "hospitality"),
        ("Expense.Operating.Travel.Entertainment", "Expense.Operating.Personnel.EmployeeBenefits"),
    ),
    (
        ("research", "research and development", "r d", "development"),
        ("Expense.Operating.ResearchDevelopment",),
    ),
    (
        ("donations", "charitable", "charity", "contributions", "political"),
        ("Expense.NonOperating.Donations",),
    ),
    (
        (
            "interest paid",
            "interest expense",
            "finance charges",
            "loan interest",
            "finance costs",
            "bank interest",
        ),
        ("Expense.NonOperating.Interest",),
    ),
    (("interest",), ("Expense.NonOperating.Interest", "Income.OtherIncome.InterestIncome")),
    (
        ("loss on disposal", "loss on sale", "write off", "written off", "impairment"),
        ("Expense.NonOperating.LossOnDisposal",),
    ),
    (
        (
            "exchange",
            "foreign exchange",
            "currency",
            "fx",
            "revaluation",
            "realised",
            "unrealised",
            "realized",
            "unrealized",
        ),
        ("Expense.NonOperating.ForeignExchange", "Income.OtherIncome.GainOnDisposal"),
    ),
    (("penalties", "fines", "penalty"), ("Expense.NonOperating.Other",)),
    (("rounding",), ("Liability.Current.OtherCurrentLiabilities", "Expense.NonOperating.Other")),
)

_FRENCH: tuple[_K, ...] = (
    (("charges", "frais"), ("Expense",)),
    (("produits",), ("Income",)),
    (("banque", "compte courant", "compte bancaire"), ("Asset.Current.Bank", "Liability.Current.Bank")),
    (("caisse",), ("Asset.Current.Cash",)),
    (("stock", "stocks", "marchandises"), ("Asset.Current.Inventory", "Expense.CostOfSales.Inventory")),
    (("clients", "creances clients"), ("Asset.Current.Receivables.AccountsReceivables",)),
    (("fournisseurs", "dettes fournisseurs"), ("Liability.Current.AccountsPayable",)),
    (("tva",), ("Liability.Current.Taxes.SalesTaxPayable", "Asset.Current.Receivables.TaxReceivable")),
    (("emprunt", "emprunts"), ("Liability.NonCurrent.LongTermDebt.LoansPayable",)),
    (("capital social", "capital"), ("Equity.ShareCapital.CommonStock",)),
    (("report a nouveau", "resultat", "reserves"), ("Equity.RetainedEarnings.CapitalIncomeReserve",)),
    (("ventes", "chiffre d affaires", "prestations de services"), ("Income.Revenue",)),
    (("achats",), ("Expense.CostOfSales.Inventory",)),
    (("salaires", "remunerations"), ("Expense.Operating.Personnel.Wages",)),
    (("charges sociales", "cotisations sociales", "urssaf"), ("Expense.Operating.Personnel.PayrollTaxes",)),
    (("loyer", "loyers"), ("Expense.Operating.Leases.BuildingRentLease",)),
    (("publicite",), ("Expense.Operating.Marketing",)),
    (("frais bancaires", "services bancaires"), ("Expense.Operating.BankCharges",)),
    (
        ("amortissements", "dotations aux amortissements"),
        (
            "Expense.Operating.NonCash.Depreciation",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (
        ("interets", "charges financieres"),
        ("Expense.NonOperating.Interest", "Income.OtherIncome.InterestIncome"),
    ),
    (("impot sur les societes",), ("Expense.NonOperating.Taxes.CorporationTaxes",)),
    (("assurance", "assurances"), ("Expense.Operating.SalesGeneralAdministrative.Insurance",)),
    (("honoraires",), ("Expense.Operating.SalesGeneralAdministrative.ProfessionalFees",)),
    (("telephone",), ("Expense.Operating.SalesGeneralAdministrative.Telecommunications",)),
    (("deplacements", "voyages"), ("Expense.Operating.Travel.TravelAccommodation",)),
)

_GERMAN: tuple[_K, ...] = (
    (("aufwand", "aufwendungen", "kosten"), ("Expense",)),
    (("ertrage",), ("Income",)),
    (("bank", "girokonto", "bankkonto"), ("Asset.Current.Bank", "Liability.Current.Bank")),
    (("kasse",), ("Asset.Current.Cash",)),
    (("vorrate", "warenbestand", "waren"), ("Asset.Current.Inventory", "Expense.CostOfSales.Inventory")),
    (
        ("forderungen", "debitoren", "forderungen aus lieferungen und leistungen"),
        ("Asset.Current.Receivables.AccountsReceivables",),
    ),
    (
        ("verbindlichkeiten", "kreditoren", "verbindlichkeiten aus lieferungen und leistungen"),
        ("Liability.Current.AccountsPayable",),
    ),
    (
        ("umsatzsteuer", "vorsteuer", "mehrwertsteuer"),
        ("Liability.Current.Taxes.SalesTaxPayable", "Asset.Current.Receivables.TaxReceivable"),
    ),
    (("darlehen", "kredit"), ("Liability.NonCurrent.LongTermDebt.LoansPayable",)),
    (("stammkapital", "grundkapital", "gezeichnetes kapital"), ("Equity.ShareCapital.CommonStock",)),
    (("gewinnvortrag", "rucklagen"), ("Equity.RetainedEarnings.CapitalIncomeReserve",)),
    (("umsatzerlose", "erlose", "umsatz"), ("Income.Revenue",)),
    (("wareneingang", "materialaufwand", "einkauf"), ("Expense.CostOfSales.Inventory",)),
    (("lohne", "gehalter", "lohne und gehalter"), ("Expense.Operating.Personnel.Wages",)),
    (("sozialabgaben", "soziale abgaben"), ("Expense.Operating.Personnel.PayrollTaxes",)),
    (("miete", "raumkosten"), ("Expense.Operating.Leases.BuildingRentLease",)),
    (("werbung", "werbekosten"), ("Expense.Operating.Marketing",)),
    (("bankgebuhren", "nebenkosten des geldverkehrs"), ("Expense.Operating.BankCharges",)),
    (
        ("abschreibungen",),
        (
            "Expense.Operating.NonCash.Depreciation",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (("zinsen", "zinsaufwand"), ("Expense.NonOperating.Interest", "Income.OtherIncome.InterestIncome")),
    (("korperschaftsteuer", "gewerbesteuer"), ("Expense.NonOperating.Taxes.CorporationTaxes",)),
    (("versicherungen", "versicherung"), ("Expense.Operating.SalesGeneralAdministrative.Insurance",)),
    (("reisekosten",), ("Expense.Operating.Travel.TravelAccommodation",)),
    (("telefon",), ("Expense.Operating.SalesGeneralAdministrative.Telecommunications",)),
)

_SPANISH: tuple[_K, ...] = (
    (("gastos", "gasto"), ("Expense",)),
    (("banco", "bancos", "cuenta corriente"), ("Asset.Current.Bank", "Liability.Current.Bank")),
    (("caja",), ("Asset.Current.Cash",)),
    (
        ("inventario", "existencias", "mercaderias"),
        ("Asset.Current.Inventory", "Expense.CostOfSales.Inventory"),
    ),
    (("clientes", "cuentas por cobrar"), ("Asset.Current.Receivables.AccountsReceivables",)),
    (("proveedores", "cuentas por pagar"), ("Liability.Current.AccountsPayable",)),
    (("iva",), ("Liability.Current.Taxes.SalesTaxPayable", "Asset.Current.Receivables.TaxReceivable")),
    (("prestamo", "prestamos"), ("Liability.NonCurrent.LongTermDebt.LoansPayable",)),
    (("capital social",), ("Equity.ShareCapital.CommonStock",)),
    (("resultados acumulados", "reservas"), ("Equity.RetainedEarnings.CapitalIncomeReserve",)),
    (("ventas", "ingresos"), ("Income.Revenue",)),
    (("compras", "costo de ventas", "coste de ventas"), ("Expense.CostOfSales.Inventory",)),
    (("sueldos", "salarios", "nominas"), ("Expense.Operating.Personnel.Wages",)),
    (("seguridad social",), ("Expense.Operating.Personnel.PayrollTaxes",)),
    (("alquiler", "arrendamientos"), ("Expense.Operating.Leases.BuildingRentLease",)),
    (("publicidad",), ("Expense.Operating.Marketing",)),
    (("comisiones bancarias", "gastos bancarios"), ("Expense.Operating.BankCharges",)),
    (
        ("amortizacion", "depreciacion"),
        (
            "Expense.Operating.NonCash.Depreciation",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (("intereses",), ("Expense.NonOperating.Interest", "Income.OtherIncome.InterestIncome")),
    (
        ("impuesto sobre sociedades", "impuesto sobre la renta"),
        ("Expense.NonOperating.Taxes.CorporationTaxes",),
    ),
    (("seguros",), ("Expense.Operating.SalesGeneralAdministrative.Insurance",)),
)

_DUTCH: tuple[_K, ...] = (
    (("kosten",), ("Expense",)),
    (("opbrengsten",), ("Income",)),
    (("bank", "rekening courant"), ("Asset.Current.Bank", "Liability.Current.Bank")),
    (("kas",), ("Asset.Current.Cash",)),
    (("voorraad", "voorraden"), ("Asset.Current.Inventory", "Expense.CostOfSales.Inventory")),
    (("debiteuren",), ("Asset.Current.Receivables.AccountsReceivables",)),
    (("crediteuren",), ("Liability.Current.AccountsPayable",)),
    (("btw",), ("Liability.Current.Taxes.SalesTaxPayable", "Asset.Current.Receivables.TaxReceivable")),
    (("lening", "leningen"), ("Liability.NonCurrent.LongTermDebt.LoansPayable",)),
    (("aandelenkapitaal", "geplaatst kapitaal"), ("Equity.ShareCapital.CommonStock",)),
    (("winstreserve", "algemene reserve"), ("Equity.RetainedEarnings.CapitalIncomeReserve",)),
    (("omzet", "verkopen"), ("Income.Revenue",)),
    (("inkopen", "inkoopwaarde"), ("Expense.CostOfSales.Inventory",)),
    (("lonen", "salarissen", "lonen en salarissen"), ("Expense.Operating.Personnel.Wages",)),
    (("huur",), ("Expense.Operating.Leases.BuildingRentLease",)),
    (("reclame",), ("Expense.Operating.Marketing",)),
    (("bankkosten",), ("Expense.Operating.BankCharges",)),
    (
        ("afschrijving", "afschrijvingen"),
        (
            "Expense.Operating.NonCash.Depreciation",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
    ),
    (("rente",), ("Expense.NonOperating.Interest", "Income.OtherIncome.InterestIncome")),
    (("vennootschapsbelasting",), ("Expense.NonOperating.Taxes.CorporationTaxes",)),
    (("verzekeringen",), ("Expense.Operating.SalesGeneralAdministrative.Insurance",)),
)

KEYWORDS: Mapping[str, tuple[_K, ...]] = {
    "en": _ENGLISH,
    "fr": _FRENCH,
    "de": _GERMAN,
    "es": _SPANISH,
    "nl": _DUTCH,
}

# The languages of a country's charts (ISO 3166 alpha-2); English is always tried, as account names in
# every country borrow it.
COUNTRY_LANGUAGES: Mapping[str, tuple[str, ...]] = {
    "FR": ("fr",),
    "BE": ("fr", "nl"),
    "LU": ("fr", "de"),
    "CH": ("de", "fr"),
    "DE": ("de",),
    "AT": ("de",),
    "ES": ("es",),
    "MX": ("es",),
    "AR": ("es",),
    "CO": ("es",),
    "CL": ("es",),
    "NL": ("nl",),
    "CA": ("fr",),
}

# Contra accounts: a name placing an account here (accumulated depreciation) outweighs evidence filing it
# with the assets it offsets (Xero's FIXED type, a fixed-asset code range, "Office Equipment" in its name).
CONTRA: Mapping[str, tuple[str, ...]] = {
    "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization": (
        "Asset.NonCurrent.PropertyPlantEquipment",
        "Asset.NonCurrent.IntangibleAssets",
    ),
}

# How much each kind of rule is trusted on its own (0–1): the platform's own type is a bookkeeper's
# deliberate choice, a classification word and a name keyword are strong, a code range depends on the
# chart being the one assumed.
WEIGHTS: Mapping[str, float] = {
    "type": 0.6,
    "platform type": 0.85,
    "classification": 0.7,
    "nominal code": 0.5,
    "nominal code (platform chart)": 0.65,
    "name keyword": 0.75,
}
