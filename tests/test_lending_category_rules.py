"""The categorization rules, pure: the taxonomy's shape, and what `suggest` makes of accounts from each
kind of evidence (platform type, classification, nominal code per chart, name keywords per language)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledgerlink.connectors.quickbooks import mapping as quickbooks_mapping
from ledgerlink.connectors.xero import mapping as xero_mapping
from ledgerlink.lending.categories import platforms, rules, taxonomy
from ledgerlink.lending.categories.suggestions import suggest


def dotted(account: dict, platform: str = "mqjo", country: str | None = "GB") -> str:
    return ".".join(suggest(account, platform_key=platform, country=country).path)


def test_taxonomy_holds_every_category_codat_s_examples_use_with_at_most_five_levels() -> None:
    # The paths of Codat-Lending.yaml's examples of the categorized statements (copied here: the spec is
    # read-only reference material, not a run-time input).
    codat = {
        "Asset.Current.AccruedDeferredAssets.PrepaidExpenses",
        "Asset.Current.Bank",
        "Asset.Current.Inventory",
        "Asset.Current.Receivables.AccountsReceivables",
        "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        "Equity.RetainedEarnings.CapitalIncomeReserve",
        "Equity.ShareCapital.CommonStock",
        "Expense.CostOfSales.Inventory",
        "Expense.NonOperating.Donations",
        "Expense.NonOperating.Interest",
        "Expense.NonOperating.Taxes.CorporationTaxes",
        "Expense.Operating.BankCharges",
        "Expense.Operating.Leases.BuildingRentLease",
        "Expense.Operating.Leases.EquipmentRentLease",
        "Expense.Operating.Marketing",
        "Expense.Operating.NonCash.Amortization",
        "Expense.Operating.NonCash.Depreciation",
        "Expense.Operating.Personnel.EmployeeBenefits",
        "Expense.Operating.SalesGeneralAdministrative",
        "Expense.Operating.Travel",
        "Income.Revenue.Online",
        "Income.Revenue.Wholesale",
        "Liability.Current.AccountsPayable",
        "Liability.Current.AccruedLiabilities",
        "Liability.Current.Bank",
        "Liability.Current.Debt.CreditCards",
        "Liability.Current.Debt.LoansPayable",
        "Liability.Current.Personnel.PensionPayable",
        "Liability.NonCurrent",
    }
    assert codat <= {c.dotted for c in taxonomy.TAXONOMY if c.codat}
    assert taxonomy.TOP_LEVELS == ("Asset", "Liability", "Equity", "Income", "Expense")
    for category in taxonomy.TAXONOMY:
        assert 1 <= len(category.path) <= taxonomy.MAX_LEVELS
        assert category.description and category.display_name
        assert len(category.path) == 1 or taxonomy.is_category(category.path[:-1])
    assert taxonomy.lookup(("Expense", "Operating", "SalesGeneralAdministrative")).display_name == (
        "Sales general administrative"
    )
    assert not taxonomy.is_category(("Expense", "Nonsense"))


def test_every_rule_table_points_into_the_taxonomy() -> None:
    places = [p for table in rules.CLASSIFICATION_WORDS.values() for p in map(taxonomy.parse, table.values())]
    places += [r.path for chart in rules.CHARTS for r in chart.ranges]
    places += [taxonomy.parse(p) for rows in rules.KEYWORDS.values() for _, paths in rows for p in paths]
    places += [*platforms.XERO_TYPES.values(), *platforms.QUICKBOOKS_TYPES.values()]
    places += list(platforms.QUICKBOOKS_SUBTYPES.values())
    assert [p for p in places if not taxonomy.is_category(p)] == []
    for top, table in rules.CLASSIFICATION_WORDS.items():
        assert all(taxonomy.parse(p)[0] == top for p in table.values())


def test_every_type_the_xero_and_quickbooks_connectors_write_has_a_place() -> None:
    assert set(platforms.XERO_TYPES) == set(xero_mapping.ACCOUNT_TYPES)
    assert set(platforms.QUICKBOOKS_TYPES) == set(quickbooks_mapping.ACCOUNT_CATEGORIES)
    for xero_type, (kind, _) in xero_mapping.ACCOUNT_TYPES.items():
        assert platforms.XERO_TYPES[xero_type][0] == kind


def test_the_platform_s_own_type_places_an_account_its_name_cannot() -> None:
    # A name no keyword knows: only Xero's type (read back from the stored classification) says where.
    category = xero_mapping.ACCOUNT_TYPES["PREPAYMENT"][1]
    account = {"name": "Zqx 77", "type": "Asset", "fullyQualifiedCategory": category}
    suggestion = suggest(account, platform_key="gbol", country="GB")
    assert suggestion.path == ("Asset", "Current", "AccruedDeferredAssets", "PrepaidExpenses")
    assert "Xero account Type 'PREPAYMENT'" in suggestion.reason
    qb = {"name": "Zqx 78", "type": "Liability", "fullyQualifiedCategory": "Liability.Current.CreditCard"}
    assert dotted(qb, "qhyg", "US") == "Liability.Current.Debt.CreditCards"


def test_quickbooks_subtypes_kept_by_the_connector_place_an_account_deeper() -> None:
    from tests.support.fakes.quickbooks import seed_entities

    entity = {
        "Id": "7",
        "Name": "Zqx 79",
        "Classification": "Expense",
        "AccountType": "Expense",
        "AccountSubType": "RentOrLeaseOfBuildings",
        "Active": True,
        "MetaData": {
            "CreateTime": "2024-01-08T10:12:02-07:00",
            "LastUpdatedTime": "2024-01-08T10:12:02-07:00",
        },
    }
    record = quickbooks_mapping.account(entity)
    suggestion = suggest(record, platform_key="qhyg", country="US")
    assert suggestion.path == ("Expense", "Operating", "Leases", "BuildingRentLease")
    assert "QuickBooks AccountType 'Expense'" in suggestion.reason
    assert "QuickBooks AccountSubType 'RentOrLeaseOfBuildings'" in suggestion.reason
    # Every subtype the fake QuickBooks' chart uses is placed.
    for account in seed_entities()["Account"]:
        if account.get("AccountSubType"):
            assert account["AccountSubType"] in platforms.QUICKBOOKS_SUBTYPES, account["AccountSubType"]


def test_the_mapping_tables_page_is_current() -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "document_lending_categories.py"
    checked = subprocess.run([sys.executable, str(script), "--check"], check=False)
    assert checked.returncode == 0, "docs/connectors/lending-categories.md is stale: run the script"


def test_nominal_code_ranges_depend_on_the_country_s_chart() -> None:
    # The same code means different things in a UK Sage-style chart and a US chart.
    account = {"name": "Account 1", "nominalCode": "1230"}
    assert dotted(account, country="GB") == "Asset.Current.Cash"
    assert dotted(account, country="US") == "Asset.Current.Inventory"
    # A 3-digit code is read on Xero's default chart when the connection is Xero.
    assert dotted({"name": "Account 2", "nominalCode": "820"}, "gbol", "AU") == (
        "Liability.Current.Taxes.SalesTaxPayable"
    )
    # MYOB's dashed codes in Australia.
    assert dotted({"name": "Account 3", "nominalCode": "2-1200"}, country="AU") == (
        "Liability.Current.AccountsPayable"
    )
    # Unknown country: country-bound charts are not tried, so a bare code says nothing.
    assert (
        suggest({"name": "Account 4", "nominalCode": "1230"}, platform_key="mqjo", country=None).levels == ()
    )


@pytest.mark.parametrize(
    ("name", "kind", "country", "expected"),
    [
        ("Motor Vehicle Expenses", "Expense", "GB", "Expense.Operating.Travel.MotorVehicle"),
        ("Motor Vehicles", "Asset", "GB", "Asset.NonCurrent.PropertyPlantEquipment.Vehicles"),
        ("Interest Paid", "Expense", "US", "Expense.NonOperating.Interest"),
        ("Interest Income", "Income", "AU", "Income.OtherIncome.InterestIncome"),
        (
            "Accum. Depreciation - Vehicles",
            "Asset",
            "US",
            "Asset.NonCurrent.AccumulatedDepreciationDepletionAmortization",
        ),
        ("Superannuation Payable", "Liability", "AU", "Liability.Current.Personnel.PensionPayable"),
        ("GST", "Liability", "AU", "Liability.Current.Taxes.SalesTaxPayable"),
        (
            "Telephone & Internet",
            "Expense",
            "GB",
            "Expense.Operating.SalesGeneralAdministrative.Telecommunications",
        ),
        ("Loyers et charges locatives", "Expense", "FR", "Expense.Operating.Leases.BuildingRentLease"),
        ("Löhne und Gehälter", "Expense", "DE", "Expense.Operating.Personnel.Wages"),
        ("Intereses de préstamos", "Expense", "ES", "Expense.NonOperating.Interest"),
        ("Debiteuren", "Asset", "NL", "Asset.Current.Receivables.AccountsReceivables"),
    ],
)
def test_name_keywords_in_the_chart_s_language_under_the_account_s_type(
    name: str, kind: str, country: str, expected: str
) -> None:
    assert dotted({"name": name, "type": kind}, country=country) == expected


def test_the_account_type_settles_the_top_level_against_a_keyword() -> None:
    # "Depreciation" on an asset is accumulated depreciation, on an expense the charge.
    assert dotted({"name": "Depreciation", "type": "Asset"}).startswith("Asset.NonCurrent.Accumulated")
    assert dotted({"name": "Depreciation", "type": "Expense"}) == "Expense.Operating.NonCash.Depreciation"


def test_a_suggestion_gives_a_confidence_per_level_and_the_rules_that_agreed() -> None:
    strong = suggest(
        {
            "name": "Rent",
            "type": "Expense",
            "nominalCode": "7100",
            "fullyQualifiedCategory": "Expense.Operating",
        },
        platform_key="mqjo",
        country="GB",
    )
    weak = suggest({"name": "Rent"}, platform_key="mqjo", country="GB")
    assert strong.path == weak.path == ("Expense", "Operating", "Leases", "BuildingRentLease")
    assert all(0 < level.confidence <= 100 for level in strong.levels)
    assert strong.levels[-1].confidence > weak.levels[-1].confidence
    for part in (
        "type 'Expense'",
        "nominal code '7100'",
        "name keyword 'rent' (en)",
        "fullyQualifiedCategory",
    ):
        assert part in strong.reason
    # Evidence that pointed elsewhere is named as outweighed.
    mixed = suggest(
        {"name": "Rent", "type": "Expense", "nominalCode": "7600"}, platform_key="mqjo", country="GB"
    )
    assert "Outweighed: nominal code '7600'" in mixed.reason


def test_an_account_nothing_recognizes_gets_no_category_and_says_so() -> None:
    suggestion = suggest({"id": "x", "name": "Zqxv"}, platform_key="mqjo", country="GB")
    assert suggestion.levels == () and suggestion.reason.startswith("No rule matched")


def test_ten_thousand_accounts_are_categorized_in_a_few_seconds_at_most() -> None:
    names = ["Sales", "Rent", "Wages and Salaries", "Bank Fees", "Office Equipment", "VAT", "Zqxv"]
    accounts = [
        {"name": f"{names[i % len(names)]} {i}", "nominalCode": str(1000 + i % 9000), "type": "Expense"}
        for i in range(10_000)
    ]
    started = time.perf_counter()
    for account in accounts:
        suggest(account, platform_key="mqjo", country="GB")
    assert time.perf_counter() - started < 3


def test_the_platform_s_type_is_counted_once_not_again_as_its_classification() -> None:
    category = xero_mapping.ACCOUNT_TYPES["EXPENSE"][1]
    suggestion = suggest(
        {"name": "Zqx 80", "type": "Expense", "fullyQualifiedCategory": category},
        platform_key="gbol",
        country="GB",
    )
    assert "Xero account Type 'EXPENSE'" in suggestion.reason
    assert "fullyQualifiedCategory" not in suggestion.reason
    # Elsewhere the classification's words are read.
    other = suggest(
        {"name": "Zqx 81", "type": "Expense", "fullyQualifiedCategory": category},
        platform_key="mqjo",
        country="GB",
    )
    assert f"fullyQualifiedCategory {category!r}" in other.reason


def test_a_contra_account_s_name_outweighs_where_it_is_filed() -> None:
    # Xero files accumulated depreciation under FIXED, with the assets it offsets; the name says what it is.
    fixed = xero_mapping.ACCOUNT_TYPES["FIXED"][1]
    account = {
        "name": "Less Accumulated Depreciation on Tools",
        "type": "Asset",
        "fullyQualifiedCategory": fixed,
    }
    suggestion = suggest(account, platform_key="gbol", country="GB")
    assert suggestion.path == ("Asset", "NonCurrent", "AccumulatedDepreciationDepletionAmortization")
    assert "filed with the assets it offsets" in suggestion.reason
    # The asset itself stays with the fixed assets.
    tools = suggest({**account, "name": "Tools and Equipment"}, platform_key="gbol", country="GB")
    assert tools.path[:3] == ("Asset", "NonCurrent", "PropertyPlantEquipment")
