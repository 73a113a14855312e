"""How the Portal's record browser shows values: money, dates, names in words, statements by period (pure
functions over the JSON the read API answers with, and the data types' schemas)."""

from __future__ import annotations

from ledgerlink.portal import formats, record_views
from ledgerlink.portal.formats import CellKind
from ledgerlink.records import registry


def props(key: str):
    return registry.query_properties(registry.BY_KEY[key])


def test_headers_are_words() -> None:
    assert formats.words("amountDue") == "Amount due"
    assert formats.words("invoiceNumber") == "Invoice number"
    assert formats.words("metadata.isDeleted") == "Metadata is deleted"
    assert formats.words("netOperatingProfit") == "Net operating profit"
    assert formats.words("id") == "Id"


def test_money_has_its_currency_and_that_currencys_decimals() -> None:
    assert formats.money(1349.1, "GBP") == "1,349.10 GBP"
    assert formats.money(-20, "USD") == "-20.00 USD"
    assert formats.money(1500, "JPY") == "1,500 JPY"
    assert formats.money(1.5, "KWD") == "1.500 KWD"
    assert formats.money(7, None) == "7.00"


def test_dates_are_days_and_instants_are_utc_moments() -> None:
    issued = formats.moment("2024-01-05T00:00:00")
    assert (issued.text, issued.kind, issued.moment) == ("2024-01-05", CellKind.DATE, None)
    modified = formats.moment("2024-01-05T23:30:00+02:00")
    assert (modified.text, modified.kind) == ("2024-01-05 21:30:00 UTC", CellKind.INSTANT)
    assert modified.moment == "2024-01-05T21:30:00+00:00"
    assert formats.moment("2024-01-05T10:15:00Z").text == "2024-01-05 10:15:00 UTC"
    assert formats.moment("not a date").kind is CellKind.TEXT


def test_a_page_of_invoices_shows_money_in_the_records_currency_and_headers_in_words() -> None:
    invoices = [
        {"id": "i1", "invoiceNumber": "INV-1", "issueDate": "2024-01-05T00:00:00", "status": "Submitted",
         "totalAmount": 1349.1, "amountDue": 0, "currency": "GBP", "currencyRate": 1.0},
        {"id": "i2", "invoiceNumber": "INV-2", "issueDate": "2024-02-01T00:00:00", "status": "Paid",
         "totalAmount": 12000, "amountDue": 12000, "currency": "JPY"},
    ]  # fmt: skip
    page = record_views.record_page(invoices, "id", props("invoices"), {}, None, 2, 1, 20)
    assert page.columns == ["Invoice number", "Issue date", "Status", "Total amount"]
    assert [[c.text for c in row.cells] for row in page.rows] == [
        ["INV-1", "2024-01-05", "Submitted", "1,349.10 GBP"],
        ["INV-2", "2024-02-01", "Paid", "12,000 JPY"],
    ]
    assert page.rows[0].cells[3].numeric and not page.rows[0].cells[0].numeric
    assert '"currencyRate": 1.0' in page.rows[0].json


def test_a_bank_transaction_takes_its_accounts_currency() -> None:
    transactions = [{"id": "t1", "accountId": "a1", "description": "Rent", "amount": -950.5, "balance": 10}]
    page = record_views.record_page(
        transactions, "id", props("bankTransactions"), {"a1": "EUR"}, "accountId", 1, 1, 20
    )
    assert page.columns == ["Description", "Amount", "Balance"]
    assert [c.text for c in page.rows[0].cells] == ["Rent", "-950.50 EUR", "10.00 EUR"]


def test_rates_and_quantities_are_not_money() -> None:
    rate = formats.cell("effectiveTaxRate", 20, props("taxRates").get("effectiveTaxRate"), "GBP")
    assert (rate.text, rate.kind) == ("20", CellKind.NUMBER)


def test_company_info_is_its_fields_in_words() -> None:
    info = {"companyName": "Acme", "baseCurrency": "GBP", "createdDate": "2020-01-01T09:00:00Z",
            "addresses": [{"type": "Billing"}], "registrationNumber": ""}  # fmt: skip
    single = record_views.single_record(info, props("company"))
    assert [(label, value.text) for label, value in single.fields] == [
        ("Company name", "Acme"),
        ("Base currency", "GBP"),
        ("Created date", "2020-01-01 09:00:00 UTC"),
    ]
    assert '"addresses"' in single.json


def test_a_statement_is_lines_by_period_with_sub_lines_matched_across_periods() -> None:
    line = {"name": "Income", "value": 150.0, "items": [{"accountId": "a1", "name": "Sales", "value": 150.0}]}
    older = {"name": "Income", "value": 90.0, "items": [
        {"accountId": "a2", "name": "Interest", "value": 40.0},
        {"accountId": "a1", "name": "Sales", "value": 50.0},
    ]}  # fmt: skip
    statement = {
        "reportBasis": "Accrual",
        "currency": "GBP",
        "reports": [
            {"fromDate": "2024-02-01T00:00:00", "toDate": "2024-02-29T00:00:00",
             "income": line, "netProfit": 150},
            {"fromDate": "2024-01-01T00:00:00", "toDate": "2024-01-31T00:00:00",
             "income": older, "netProfit": 90},
        ],
    }  # fmt: skip
    view = record_views.statement_view(statement)
    assert (view.currency, view.basis) == ("GBP", "Accrual")
    assert view.periods == ["2024-02-01 to 2024-02-29", "2024-01-01 to 2024-01-31"]
    assert [(row.label, row.depth, [c.text for c in row.cells], row.total) for row in view.lines] == [
        ("Income", 0, ["150.00 GBP", "90.00 GBP"], True),
        ("Sales", 1, ["150.00 GBP", "50.00 GBP"], False),
        ("Interest", 1, ["", "40.00 GBP"], False),
        ("Net profit", 0, ["150.00 GBP", "90.00 GBP"], True),
    ]
