"""Each platform's own account types, mapped into the taxonomy: the strongest evidence a record carries.

A Xero or QuickBooks account reaches the record store with Codat's `fullyQualifiedCategory`, which those
connectors derive one-to-one from the platform's own type (Xero's `Type`, QuickBooks' `AccountType`): the
platform's type is read back from it (`platform_type`), so a rule here speaks the platform's vocabulary and
the tables in `docs/connectors/lending-categories.md` can be checked against the connectors' own tables.
QuickBooks' `AccountSubType` follows the type in the category (`Asset.Current.Bank.Checking`), as Codat
writes QuickBooks' categories, and places the account deeper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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

# QuickBooks' `AccountSubType` (kept after the type in `fullyQualifiedCategory`): the detail a bookkeeper
# picked from QuickBooks' list for the type. Subtypes placed no deeper than their type are left out.
QUICKBOOKS_SUBTYPES: Mapping[str, Path] = {
    name: parse(path)
    for name, path in {
        # Bank and other current assets
        "CashOnHand": "Asset.Current.Cash",
        "Checking": "Asset.Current.Bank",
        "Savings": "Asset.Current.Bank",
        "MoneyMarket": "Asset.Current.Bank",
        "TrustAccounts": "Asset.Current.Bank",
        "RentsHeldInTrust": "Asset.Current.Bank",
        "AllowanceForBadDebts": "Asset.Current.Receivables.AllowanceForDoubtfulAccounts",
        "DevelopmentCosts": "Asset.NonCurrent.IntangibleAssets.OtherIntangibles",
        "EmployeeCashAdvances": "Asset.Current.Receivables.OtherReceivables",
        "OtherCurrentAssets": "Asset.Current.OtherCurrentAssets",
        "Inventory": "Asset.Current.Inventory",
        "Investment_MortgageRealEstateLoans": "Asset.Current.ShortTermInvestments",
        "Investment_Other": "Asset.Current.ShortTermInvestments",
        "Investment_TaxExemptSecurities": "Asset.Current.ShortTermInvestments",
        "Investment_USGovernmentObligations": "Asset.Current.ShortTermInvestments",
        "LoansToOfficers": "Asset.Current.Receivables.DueFromRelatedParties",
        "LoansToOthers": "Asset.Current.Receivables.OtherReceivables",
        "LoansToStockholders": "Asset.Current.Receivables.DueFromRelatedParties",
        "PrepaidExpenses": "Asset.Current.AccruedDeferredAssets.PrepaidExpenses",
        "Retainage": "Asset.Current.Receivables.OtherReceivables",
        "UndepositedFunds": "Asset.Current.UndepositedFunds",
        "AccountsReceivable": "Asset.Current.Receivables.AccountsReceivables",
        # Fixed and other assets
        "AccumulatedAmortization": "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        "AccumulatedDepletion": "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        "AccumulatedDepreciation": "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        "Buildings": "Asset.NonCurrent.PropertyPlantEquipment.LandBuildings",
        "Land": "Asset.NonCurrent.PropertyPlantEquipment.LandBuildings",
        "DepletableAssets": "Asset.NonCurrent.PropertyPlantEquipment",
        "FixedAssetComputers": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "FixedAssetCopiers": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "FixedAssetFurniture": "Asset.NonCurrent.PropertyPlantEquipment.FurnitureFixtures",
        "FixedAssetPhone": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "FixedAssetPhotoVideo": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "FixedAssetSoftware": "Asset.NonCurrent.IntangibleAssets.OtherIntangibles",
        "FixedAssetOtherToolsEquipment": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "FurnitureAndFixtures": "Asset.NonCurrent.PropertyPlantEquipment.FurnitureFixtures",
        "IntangibleAssets": "Asset.NonCurrent.IntangibleAssets.OtherIntangibles",
        "LeaseholdImprovements": "Asset.NonCurrent.PropertyPlantEquipment.LeaseholdImprovements",
        "MachineryAndEquipment": "Asset.NonCurrent.PropertyPlantEquipment.MachineryEquipment",
        "Vehicles": "Asset.NonCurrent.PropertyPlantEquipment.Vehicles",
        "Goodwill": "Asset.NonCurrent.IntangibleAssets.Goodwill",
        "Licenses": "Asset.NonCurrent.IntangibleAssets.OtherIntangibles",
        "OrganizationalCosts": "Asset.NonCurrent.IntangibleAssets.OtherIntangibles",
        "LeaseBuyout": "Asset.NonCurrent.OtherNonCurrentAssets",
        "OtherLongTermAssets": "Asset.NonCurrent.OtherNonCurrentAssets",
        "SecurityDeposits": "Asset.NonCurrent.OtherNonCurrentAssets",
        # Liabilities
        "AccountsPayable": "Liability.Current.AccountsPayable",
        "CreditCard": "Liability.Current.Debt.CreditCards",
        "DirectDepositPayable": "Liability.Current.Personnel.PayrollPayable",
        "LineOfCredit": "Liability.Current.Debt.LineOfCredit",
        "LoanPayable": "Liability.Current.Debt.LoansPayable",
        "OtherCurrentLiabilities": "Liability.Current.OtherCurrentLiabilities",
        "PayrollClearing": "Liability.Current.Personnel.PayrollPayable",
        "PayrollTaxPayable": "Liability.Current.Personnel.PayrollTaxesPayable",
        "PrepaidExpensesPayable": "Liability.Current.AccruedLiabilities",
        "RentsInTrustLiability": "Liability.Current.OtherCurrentLiabilities",
        "TrustAccountsLiabilities": "Liability.Current.OtherCurrentLiabilities",
        "FederalIncomeTaxPayable": "Liability.Current.Taxes.IncomeTaxPayable",
        "InsurancePayable": "Liability.Current.AccruedLiabilities",
        "SalesTaxPayable": "Liability.Current.Taxes.SalesTaxPayable",
        "StateLocalIncomeTaxPayable": "Liability.Current.Taxes.IncomeTaxPayable",
        "NotesPayable": "Liability.NonCurrent.LongTermDebt.LoansPayable",
        "OtherLongTermLiabilities": "Liability.NonCurrent.OtherNonCurrentLiabilities",
        "ShareholderNotesPayable": "Liability.NonCurrent.DueToRelatedParties",
        # Equity
        "OpeningBalanceEquity": "Equity.OtherReserves",
        "PartnersEquity": "Equity.OwnersEquity",
        "RetainedEarnings": "Equity.RetainedEarnings.CapitalIncomeReserve",
        "AccumulatedAdjustment": "Equity.OtherReserves",
        "OwnersEquity": "Equity.OwnersEquity",
        "PaidInCapitalOrSurplus": "Equity.ShareCapital.SharePremium",
        "PartnerContributions": "Equity.OwnersEquity.Contributions",
        "PartnerDistributions": "Equity.OwnersEquity.Drawings",
        "PreferredStock": "Equity.ShareCapital.PreferredStock",
        "CommonStock": "Equity.ShareCapital.CommonStock",
        "TreasuryStock": "Equity.ShareCapital",
        "EstimatedTaxes": "Equity.OwnersEquity.Drawings",
        "Healthcare": "Equity.OwnersEquity.Drawings",
        "PersonalIncome": "Equity.OwnersEquity.Contributions",
        "PersonalExpense": "Equity.OwnersEquity.Drawings",
        # Income
        "NonProfitIncome": "Income.Revenue",
        "OtherPrimaryIncome": "Income.Revenue",
        "SalesOfProductIncome": "Income.Revenue.Wholesale",
        "ServiceFeeIncome": "Income.Revenue.Services",
        "DiscountsRefundsGiven": "Income.Revenue.DiscountsReturns",
        "UnappliedCashPaymentIncome": "Income.Revenue",
        "DividendIncome": "Income.OtherIncome.Miscellaneous",
        "InterestEarned": "Income.OtherIncome.InterestIncome",
        "OtherInvestmentIncome": "Income.OtherIncome.Miscellaneous",
        "OtherMiscellaneousIncome": "Income.OtherIncome.Miscellaneous",
        "TaxExemptInterest": "Income.OtherIncome.InterestIncome",
        "GainLossOnSaleOfFixedAssets": "Income.OtherIncome.GainOnDisposal",
        "GainLossOnSaleOfInvestments": "Income.OtherIncome.GainOnDisposal",
        # Cost of goods sold
        "EquipmentRentalCos": "Expense.CostOfSales",
        "OtherCostsOfServiceCos": "Expense.CostOfSales",
        "ShippingFreightDeliveryCos": "Expense.CostOfSales.Freight",
        "SuppliesMaterialsCogs": "Expense.CostOfSales.Inventory",
        "CostOfLaborCos": "Expense.CostOfSales.DirectLabor",
        # Expenses
        "AdvertisingPromotional": "Expense.Operating.Marketing",
        "Auto": "Expense.Operating.Travel.MotorVehicle",
        "BadDebts": "Expense.Operating.NonCash.BadDebts",
        "BankCharges": "Expense.Operating.BankCharges",
        "CharitableContributions": "Expense.NonOperating.Donations",
        "CommissionsAndFees": "Expense.CostOfSales.MerchantFees",
        "CostOfLabor": "Expense.Operating.Personnel.Wages",
        "DuesSubscriptions": "Expense.Operating.SalesGeneralAdministrative.Licenses",
        "Entertainment": "Expense.Operating.Travel.Entertainment",
        "EntertainmentMeals": "Expense.Operating.Travel.Entertainment",
        "EquipmentRental": "Expense.Operating.Leases.EquipmentRentLease",
        "FinanceCosts": "Expense.NonOperating.Interest",
        "GlobalTaxExpense": "Expense.NonOperating.Taxes",
        "Insurance": "Expense.Operating.SalesGeneralAdministrative.Insurance",
        "InterestPaid": "Expense.NonOperating.Interest",
        "LegalProfessionalFees": "Expense.Operating.SalesGeneralAdministrative.ProfessionalFees",
        "OfficeExpenses": "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses",
        "OfficeGeneralAdministrativeExpenses": "Expense.Operating.SalesGeneralAdministrative",
        "OtherBusinessExpenses": "Expense.Operating.SalesGeneralAdministrative",
        "OtherMiscellaneousServiceCost": "Expense.Operating.SalesGeneralAdministrative",
        "PromotionalMeals": "Expense.Operating.Marketing",
        "RentOrLeaseOfBuildings": "Expense.Operating.Leases.BuildingRentLease",
        "RepairMaintenance": "Expense.Operating.SalesGeneralAdministrative.RepairsMaintenance",
        "ShippingFreightDelivery": "Expense.CostOfSales.Freight",
        "SuppliesMaterials": "Expense.Operating.SalesGeneralAdministrative.OfficeExpenses",
        "Travel": "Expense.Operating.Travel.TravelAccommodation",
        "TravelMeals": "Expense.Operating.Travel.TravelAccommodation",
        "Utilities": "Expense.Operating.SalesGeneralAdministrative.Utilities",
        "PayrollExpenses": "Expense.Operating.Personnel.Wages",
        "TaxesPaid": "Expense.NonOperating.Taxes",
        "Depreciation": "Expense.Operating.NonCash.Depreciation",
        "Amortization": "Expense.Operating.NonCash.Amortization",
        "ExchangeGainOrLoss": "Expense.NonOperating.ForeignExchange",
        "PenaltiesSettlements": "Expense.NonOperating.Other",
        "OtherMiscellaneousExpense": "Expense.NonOperating.Other",
        "HomeOffice": "Expense.Operating.Leases.BuildingRentLease",
        "VehicleLease": "Expense.Operating.Leases.EquipmentRentLease",
        "Vehicle": "Expense.Operating.Travel.MotorVehicle",
        "VehicleInsurance": "Expense.Operating.Travel.MotorVehicle",
        "VehicleRepairs": "Expense.Operating.Travel.MotorVehicle",
        "ParkingAndTolls": "Expense.Operating.Travel.MotorVehicle",
        "WashAndRoadServices": "Expense.Operating.Travel.MotorVehicle",
        "GasAndFuel": "Expense.Operating.Travel.MotorVehicle",
    }.items()
}


@dataclass(frozen=True)
class PlatformTypes:
    """One platform's own classification of accounts, and how to read it back from a stored record."""

    type_field: str
    # The `fullyQualifiedCategory` the connector writes for each of the platform's types.
    by_category: Mapping[str, str]
    types: Mapping[str, Path]
    subtype_field: str | None = None
    subtypes: Mapping[str, Path] | None = None


PLATFORM_TYPES: Mapping[str, PlatformTypes] = {
    XERO_KEY: PlatformTypes(
        "Xero account Type",
        {category: xero_type for xero_type, (_, category) in xero_mapping.ACCOUNT_TYPES.items()},
        XERO_TYPES,
    ),
    QUICKBOOKS_KEY: PlatformTypes(
        "QuickBooks AccountType",
        {category: qb_type for qb_type, category in quickbooks_mapping.ACCOUNT_CATEGORIES.items()},
        QUICKBOOKS_TYPES,
        "QuickBooks AccountSubType",
        QUICKBOOKS_SUBTYPES,
    ),
}
PLATFORM_TYPES = {**PLATFORM_TYPES, QUICKBOOKS_SANDBOX_KEY: PLATFORM_TYPES[QUICKBOOKS_KEY]}


def platform_types(platform_key: str, account: Mapping[str, object]) -> list[tuple[str, Path]]:
    """The platform's own type (and subtype) of a stored account, each as (what it is, where the taxonomy
    places it); empty for a platform without tables or a category the connector did not write."""
    known = PLATFORM_TYPES.get(platform_key)
    category = account.get("fullyQualifiedCategory")
    if known is None or not isinstance(category, str):
        return []
    # The type's category, then (QuickBooks) the subtype after it.
    parts = category.split(".")
    for cut in range(len(parts), 0, -1):
        native = known.by_category.get(".".join(parts[:cut]))
        if native is not None:
            break
    else:
        return []
    found = []
    if native in known.types:
        found.append((f"{known.type_field} {native!r}", known.types[native]))
    subtype = ".".join(parts[cut:])
    if subtype and known.subtypes is not None and subtype in known.subtypes:
        found.append((f"{known.subtype_field} {subtype!r}", known.subtypes[subtype]))
    return found
