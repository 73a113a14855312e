"""A stateful fake of QuickBooks Online: OAuth2 (the Authlib server of `support/oauth_server.py`, rotating
refresh tokens, `realmId` added to the redirect as Intuit adds it) and the Accounting API v3 endpoints the
connector uses: the query language, change data capture, company info, preferences, two reports, and the
writes of `quickbooks_writes.py` (create, sparse update, delete, read one).

There is no official machine-readable spec of QuickBooks' API to validate against, so the shapes follow
Intuit's published API reference (developer.intuit.com, Accounting API v3): entities as their "Sample
Object" JSON (`Id`, `SyncToken`, `MetaData.CreateTime/LastUpdatedTime`, `{"value", "name"}` references),
`QueryResponse` with `startPosition`/`maxResults`, `CDCResponse` with CDC's `{"status": "Deleted"}`
tombstones, `Fault`/`Error` bodies with Intuit's codes (3200 AuthenticationFailed, 3100
ApplicationAuthorizationFailed, 3001 ThrottleExceeded, 4000 QueryParserError), and report JSON with
`Header`, `Columns.Column[].MetaData` and nested `Rows.Row` sections named by `group`. The seed records are
modelled on Intuit's US sample company. Requests are checked as Intuit would refuse them (the query
grammar, `minorversion`, `Accept: application/json`, CDC's 30-day window); a malformed request is kept in
`violations` (tests assert there is none) and answered with a ValidationFault.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.common import FakeClock
from tests.support.fakes.quickbooks_writes import WRITABLE, QuickBooksWrites, ledger_postings
from tests.support.oauth_server import USER, OAuthTestServer

SCOPE = "com.intuit.quickbooks.accounting"
REALM_ID = "9130357766900536"
API_PREFIX = "/v3"
# Intuit's sample companies keep Pacific time: timestamps carry its offset.
PACIFIC = timezone(timedelta(hours=-7))
NAME_LISTS = frozenset({"Account", "Customer", "Vendor", "Item", "TaxCode", "TaxRate"})
# What the fake serves: every entity it takes writes of, and the tax entities (read only).
ENTITIES = (*WRITABLE, "TaxCode", "TaxRate")
# CDC serves every entity but these (Intuit's ChangeDataCapture business rules).
NOT_IN_CDC = frozenset({"TaxCode", "TaxRate"})
CDC_LOOKBACK = timedelta(days=30)
MAX_RESULTS = 1000

_QUERY = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<direction>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE,
)
_ACTIVE = re.compile(r"^active\s*(?:=\s*(?P<one>true|false)|in\s*\((?P<set>[\w\s,]+)\))$", re.IGNORECASE)
_UPDATED = re.compile(
    r"^metadata\.lastupdatedtime\s*(?P<op>>=|<=|>|<|=)\s*'(?P<moment>[^']+)'$", re.IGNORECASE
)


def stamp(moment: float) -> str:
    """A moment as QuickBooks writes it: whole seconds, the company's offset."""
    return datetime.fromtimestamp(int(moment), PACIFIC).isoformat()


def parse_moment(value: str) -> float:
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=PACIFIC)).timestamp()


def _meta(created: str, updated: str | None = None) -> dict[str, str]:
    return {"CreateTime": created, "LastUpdatedTime": updated or created}


def _ref(value: str, name: str | None = None) -> dict[str, str]:
    return {"value": value, "name": name} if name else {"value": value}


def _address(id_: str, line1: str, city: str, region: str, postal: str) -> dict[str, str]:
    return {"Id": id_, "Line1": line1, "City": city, "CountrySubDivisionCode": region, "PostalCode": postal}


def _account(
    id_: str, name: str, classification: str, kind: str, sub: str, balance: float = 0.0, **more: Any
):
    return {
        "Name": name,
        "SubAccount": False,
        "FullyQualifiedName": name,
        "Active": True,
        "Classification": classification,
        "AccountType": kind,
        "AccountSubType": sub,
        "CurrentBalance": balance,
        "CurrentBalanceWithSubAccounts": balance,
        "CurrencyRef": _ref("USD", "United States Dollar"),
        "domain": "QBO",
        "sparse": False,
        "Id": id_,
        "SyncToken": "0",
        "MetaData": _meta("2024-01-08T10:12:02-07:00", "2024-03-01T14:02:10-07:00"),
        **more,
    }


def _contact(id_: str, display: str, given: str, family: str, email: str, phone: str, address: dict, **more):
    return {
        "GivenName": given,
        "FamilyName": family,
        "DisplayName": display,
        "PrintOnCheckName": display,
        "CompanyName": display,
        "FullyQualifiedName": display,
        "Active": True,
        "PrimaryPhone": {"FreeFormNumber": phone},
        "PrimaryEmailAddr": {"Address": email},
        "BillAddr": address,
        "Balance": 0,
        "CurrencyRef": _ref("USD", "United States Dollar"),
        "domain": "QBO",
        "sparse": False,
        "Id": id_,
        "SyncToken": "0",
        "MetaData": _meta("2024-01-08T16:49:28-07:00", "2024-02-13T09:14:33-07:00"),
        **more,
    }


def _sales_line(
    n: int,
    item: tuple[str, str],
    account: tuple[str, str],
    qty: float,
    price: float,
    text: str,
    tax: str = "NON",
) -> dict[str, Any]:
    return {
        "Id": str(n),
        "LineNum": n,
        "Description": text,
        "Amount": round(qty * price, 2),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {
            "ItemRef": _ref(*item),
            "ItemAccountRef": _ref(*account),
            "UnitPrice": price,
            "Qty": qty,
            # US companies mark a line taxable or not; the rate is the transaction's (`TxnTaxDetail`).
            "TaxCodeRef": _ref(tax),
        },
    }


def _subtotal(amount: float) -> dict[str, Any]:
    return {"Amount": amount, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}


def _invoice(
    id_: str,
    number: str,
    customer: tuple[str, str],
    day: str,
    lines: list,
    total: float,
    balance: float,
    linked: list | None = None,
    tax: float = 0.0,
    **more: Any,
) -> dict[str, Any]:
    return {
        "AllowIPNPayment": False,
        "AllowOnlinePayment": False,
        "AllowOnlineCreditCardPayment": False,
        "AllowOnlineACHPayment": False,
        "domain": "QBO",
        "sparse": False,
        "Id": id_,
        "SyncToken": "0",
        "MetaData": _meta(f"{day}T13:16:17-07:00", f"{day}T13:16:17-07:00"),
        "CustomField": [],
        "DocNumber": number,
        "TxnDate": day,
        "CurrencyRef": _ref("USD", "United States Dollar"),
        "LinkedTxn": linked or [],
        "Line": [*lines, _subtotal(round(total - tax, 2))],
        "TxnTaxDetail": {"TotalTax": tax},
        "CustomerRef": _ref(*customer),
        "DueDate": (date.fromisoformat(day) + timedelta(days=30)).isoformat(),
        "TotalAmt": total,
        "ApplyTaxAfterDiscount": False,
        "PrintStatus": "NotSet",
        "EmailStatus": "NotSet",
        "Balance": balance,
        **more,
    }


def seed_entities() -> dict[str, list[dict[str, Any]]]:
    """The sample company's books, in the shapes of Intuit's API reference."""
    accounts = [
        _account("35", "Checking", "Asset", "Bank", "Checking", 1201.0, AcctNum="1001"),
        _account("36", "Savings", "Asset", "Bank", "Savings", 800.0),
        _account("41", "Mastercard", "Liability", "Credit Card", "CreditCard", -157.72),
        _account(
            "84", "Accounts Receivable (A/R)", "Asset", "Accounts Receivable", "AccountsReceivable", 5281.52
        ),
        _account("4", "Undeposited Funds", "Asset", "Other Current Asset", "UndepositedFunds", 2062.52),
        _account("81", "Inventory Asset", "Asset", "Other Current Asset", "Inventory", 596.25),
        _account(
            "33", "Accounts Payable (A/P)", "Liability", "Accounts Payable", "AccountsPayable", -1602.67
        ),
        _account("30", "Opening Balance Equity", "Equity", "Equity", "OpeningBalanceEquity", -9337.5),
        _account(
            "82",
            "Design income",
            "Revenue",
            "Income",
            "ServiceFeeIncome",
            Description="Income from design work",
        ),
        _account("79", "Sales of Product Income", "Revenue", "Income", "SalesOfProductIncome"),
        _account("80", "Cost of Goods Sold", "Expense", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
        _account("7", "Advertising", "Expense", "Expense", "AdvertisingPromotional"),
        _account("89", "Interest Earned", "Revenue", "Other Income", "InterestEarned"),
        _account("92", "Old Savings", "Asset", "Bank", "Savings", Active=False),
    ]
    customers = [
        _contact(
            "1",
            "Amy's Bird Sanctuary",
            "Amy",
            "Lauterbach",
            "Birds@Intuit.com",
            "(650) 555-3311",
            _address("2", "4581 Finch St.", "Bayshore", "CA", "94326"),
            Taxable=False,
            ShipAddr=_address("2", "4581 Finch St.", "Bayshore", "CA", "94326"),
            Job=False,
            BillWithParent=False,
            PreferredDeliveryMethod="Print",
        ),
        _contact(
            "3",
            "Cool Cars",
            "Grace",
            "Pariente",
            "Cool_Cars@intuit.com",
            "(415) 555-9933",
            _address("3", "65 Ocean Dr.", "Half Moon Bay", "CA", "94213"),
            Taxable=True,
        ),
        _contact(
            "20",
            "Red Rock Diner",
            "Stephanie",
            "Martini",
            "qbwebsamplecompany@yahoo.com",
            "(650) 555-4973",
            _address("21", "500 Red Rock Rd.", "Bayshore", "CA", "94326"),
            Taxable=True,
        ),
        _contact(
            "9",
            "Gevelber Photography",
            "Lisa",
            "Gevelber",
            "Photography@intuit.com",
            "(415) 222-4345",
            _address("10", "1103 Cherry Ln.", "San Pablo", "CA", "87999"),
            Active=False,
        ),
    ]
    vendors = [
        _contact(
            "30",
            "Books by Bessie",
            "Bessie",
            "Williams",
            "Books@Intuit.com",
            "(650) 555-7745",
            _address("31", "15 Main St.", "Palo Alto", "CA", "94303"),
            AcctNum="1345",
            Vendor1099=False,
        ),
        _contact(
            "41",
            "Hicks Hardware",
            "Geoff",
            "Hicks",
            "hardware@intuit.com",
            "(650) 555-0000",
            _address("42", "42 Main St.", "Middlefield", "CA", "94303"),
            Vendor1099=False,
        ),
        _contact(
            "43",
            "Lee Advertising",
            "Lee",
            "Dalton",
            "advertising@intuit.com",
            "(650) 554-4433",
            _address("44", "776 Middlefield Rd.", "Palo Alto", "CA", "94303"),
            Vendor1099=False,
            TaxIdentifier="XXXXXX8293",
        ),
    ]
    items = [
        {
            "Name": "Design",
            "Description": "Custom Design",
            "Active": True,
            "FullyQualifiedName": "Design",
            "Taxable": False,
            "UnitPrice": 75,
            "Type": "Service",
            "IncomeAccountRef": _ref("82", "Design income"),
            "PurchaseCost": 0,
            "TrackQtyOnHand": False,
            "domain": "QBO",
            "sparse": False,
            "Id": "4",
            "SyncToken": "0",
            "MetaData": _meta("2024-01-08T16:41:38-07:00", "2024-01-08T16:41:38-07:00"),
        },
        {
            "Name": "Pump",
            "Description": "Fountain Pump",
            "PurchaseDesc": "Fountain Pump",
            "Sku": "P461-17",
            "Active": True,
            "FullyQualifiedName": "Pump",
            "Taxable": True,
            "UnitPrice": 15,
            "Type": "Inventory",
            "IncomeAccountRef": _ref("79", "Sales of Product Income"),
            "PurchaseCost": 10,
            "ExpenseAccountRef": _ref("80", "Cost of Goods Sold"),
            "AssetAccountRef": _ref("81", "Inventory Asset"),
            "TrackQtyOnHand": True,
            "QtyOnHand": 25,
            "InvStartDate": "2024-01-08",
            "domain": "QBO",
            "sparse": False,
            "Id": "11",
            "SyncToken": "2",
            "MetaData": _meta("2024-01-08T16:51:22-07:00", "2024-02-06T13:16:17-07:00"),
        },
    ]
    design = (("4", "Design"), ("82", "Design income"))
    pump = (("11", "Pump"), ("79", "Sales of Product Income"))
    invoices = [
        _invoice(
            "130",
            "1037",
            ("1", "Amy's Bird Sanctuary"),
            "2024-02-01",
            [_sales_line(1, *design, 5, 75, "Custom Design")],
            375.0,
            0.0,
            linked=[{"TxnId": "131", "TxnType": "Payment"}],
            CustomerMemo={"value": "Thank you!"},
        ),
        _invoice(
            "129",
            "1036",
            ("3", "Cool Cars"),
            "2024-02-03",
            [_sales_line(1, *design, 8, 75, "Custom Design"), _sales_line(2, *pump, 6, 15, "Fountain Pump")],
            690.0,
            690.0,
        ),
        _invoice(
            "145",
            "1038",
            ("20", "Red Rock Diner"),
            "2024-02-05",
            [_sales_line(1, *pump, 10, 15, "Fountain Pump", "TAX")],
            156.0,
            70.0,
            linked=[{"TxnId": "146", "TxnType": "Payment"}],
            tax=6.0,
            TxnTaxDetail={"TxnTaxCodeRef": _ref("2"), "TotalTax": 6.0},
        ),
    ]
    bills = [
        {
            "SyncToken": "2",
            "domain": "QBO",
            "APAccountRef": _ref("33", "Accounts Payable (A/P)"),
            "VendorRef": _ref("30", "Books by Bessie"),
            "TxnDate": "2024-02-10",
            "TotalAmt": 75.0,
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "DocNumber": "B-1042",
            "LinkedTxn": [{"TxnId": "26", "TxnType": "BillPaymentCheck"}],
            "SalesTermRef": _ref("3"),
            "DueDate": "2024-03-11",
            "sparse": False,
            "Line": [
                {
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": 75.0,
                    "Id": "1",
                    "Description": "Books for the design library",
                    "AccountBasedExpenseLineDetail": {
                        "TaxCodeRef": _ref("NON"),
                        "AccountRef": _ref("7", "Advertising"),
                        "BillableStatus": "NotBillable",
                    },
                }
            ],
            "Balance": 0,
            "Id": "25",
            "MetaData": _meta("2024-02-10T10:05:42-07:00", "2024-02-12T09:01:00-07:00"),
        },
        {
            "SyncToken": "0",
            "domain": "QBO",
            "APAccountRef": _ref("33", "Accounts Payable (A/P)"),
            "VendorRef": _ref("41", "Hicks Hardware"),
            "TxnDate": "2024-02-14",
            "TotalAmt": 250.0,
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "DueDate": "2024-03-15",
            "sparse": False,
            "PrivateNote": "Pumps for the spring jobs",
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 250.0,
                    "Id": "1",
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": _ref("11", "Pump"),
                        "UnitPrice": 10,
                        "Qty": 25,
                        "TaxCodeRef": _ref("NON"),
                        "BillableStatus": "NotBillable",
                    },
                }
            ],
            "Balance": 250.0,
            "Id": "108",
            "LinkedTxn": [],
            "MetaData": _meta("2024-02-14T11:30:00-07:00", "2024-02-14T11:30:00-07:00"),
        },
    ]
    payments = [
        {
            "CustomerRef": _ref("1", "Amy's Bird Sanctuary"),
            "DepositToAccountRef": _ref("4"),
            "TotalAmt": 375.0,
            "UnappliedAmt": 0,
            "ProcessPayment": False,
            "domain": "QBO",
            "sparse": False,
            "Id": "131",
            "SyncToken": "0",
            "PaymentRefNum": "1045",
            "MetaData": _meta("2024-02-08T13:25:54-07:00", "2024-02-08T13:25:54-07:00"),
            "TxnDate": "2024-02-08",
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "Line": [{"Amount": 375.0, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
        },
        {
            "CustomerRef": _ref("20", "Red Rock Diner"),
            "DepositToAccountRef": _ref("35", "Checking"),
            "PaymentMethodRef": _ref("2", "Check"),
            "TotalAmt": 136.0,
            "UnappliedAmt": 50.0,
            "ProcessPayment": False,
            "domain": "QBO",
            "sparse": False,
            "Id": "146",
            "SyncToken": "0",
            "MetaData": _meta("2024-02-09T10:01:12-07:00", "2024-02-09T10:01:12-07:00"),
            "TxnDate": "2024-02-09",
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "PrivateNote": "Part payment; the rest on account",
            "Line": [{"Amount": 86.0, "LinkedTxn": [{"TxnId": "145", "TxnType": "Invoice"}]}],
        },
    ]
    bill_payments = [
        {
            "VendorRef": _ref("30", "Books by Bessie"),
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": _ref("35", "Checking"), "PrintStatus": "NeedToPrint"},
            "TotalAmt": 75.0,
            "domain": "QBO",
            "sparse": False,
            "Id": "26",
            "SyncToken": "0",
            "MetaData": _meta("2024-02-12T09:01:00-07:00", "2024-02-12T09:01:00-07:00"),
            "DocNumber": "1",
            "TxnDate": "2024-02-12",
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "Line": [{"Amount": 75.0, "LinkedTxn": [{"TxnId": "25", "TxnType": "Bill"}]}],
        }
    ]
    journal_entries = [
        {
            "Adjustment": False,
            "domain": "QBO",
            "sparse": False,
            "Id": "9",
            "SyncToken": "0",
            "MetaData": _meta("2024-01-09T09:00:00-07:00", "2024-01-09T09:00:00-07:00"),
            "DocNumber": "JE-1",
            "TxnDate": "2024-01-09",
            "PrivateNote": "Opening balance",
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "Line": [
                {
                    "Id": "0",
                    "Description": "Opening balance",
                    "Amount": 1000.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": _ref("35", "Checking")},
                },
                {
                    "Id": "1",
                    "Description": "Opening balance",
                    "Amount": 1000.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": _ref("30", "Opening Balance Equity"),
                    },
                },
            ],
        },
        {
            "Adjustment": False,
            "domain": "QBO",
            "sparse": False,
            "Id": "10",
            "SyncToken": "1",
            "MetaData": _meta("2024-02-20T15:30:00-07:00", "2024-02-21T08:00:00-07:00"),
            "DocNumber": "JE-2",
            "TxnDate": "2024-02-20",
            "CurrencyRef": _ref("USD", "United States Dollar"),
            "Line": [
                {
                    "Id": "0",
                    "Description": "Spring campaign",
                    "Amount": 120.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": _ref("7", "Advertising"),
                        "Entity": {"Type": "Vendor", "EntityRef": _ref("43", "Lee Advertising")},
                    },
                },
                {
                    "Id": "1",
                    "Amount": 120.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": _ref("41", "Mastercard"),
                    },
                },
            ],
        },
    ]
    tax_rates = [
        {
            "Name": "AZ State tax",
            "Description": "Sales Tax",
            "Active": True,
            "RateValue": 3,
            "AgencyRef": _ref("1"),
            "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [{"RateValue": 3, "EffectiveDate": "2024-01-01T00:00:00-07:00"}],
            "domain": "QBO",
            "sparse": False,
            "Id": "3",
            "SyncToken": "0",
            "MetaData": _meta("2024-01-08T13:42:17-07:00", "2024-01-08T13:42:17-07:00"),
        },
        {
            "Name": "Tucson City",
            "Description": "Sales Tax",
            "Active": True,
            "RateValue": 1,
            "AgencyRef": _ref("2"),
            "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [{"RateValue": 1, "EffectiveDate": "2024-01-01T00:00:00-07:00"}],
            "domain": "QBO",
            "sparse": False,
            "Id": "4",
            "SyncToken": "0",
            "MetaData": _meta("2024-01-08T13:42:17-07:00", "2024-01-08T13:42:17-07:00"),
        },
    ]
    tax_codes = [
        {
            "Name": "Tucson",
            "Description": "Tucson",
            "Active": True,
            "Taxable": True,
            "TaxGroup": True,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": _ref("3", "AZ State tax"),
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    },
                    {
                        "TaxRateRef": _ref("4", "Tucson City"),
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    },
                ]
            },
            "PurchaseTaxRateList": {"TaxRateDetail": []},
            "domain": "QBO",
            "sparse": False,
            "Id": "2",
            "SyncToken": "0",
            "MetaData": _meta("2024-01-08T13:42:17-07:00", "2024-01-08T13:42:17-07:00"),
        }
    ]
    return {
        "Account": accounts,
        "Customer": customers,
        "Vendor": vendors,
        "Item": items,
        "Invoice": invoices,
        "Bill": bills,
        "Payment": payments,
        "BillPayment": bill_payments,
        "JournalEntry": journal_entries,
        "CreditMemo": [],
        "VendorCredit": [],
        "PurchaseOrder": [],
        "Transfer": [],
        "Purchase": [],
        "Deposit": [],
        "TaxRate": tax_rates,
        "TaxCode": tax_codes,
    }


COMPANY_INFO = {
    "CompanyName": "Sandbox Company_US_1",
    "LegalName": "Sandbox Company_US_1",
    "CompanyAddr": _address("1", "123 Sierra Way", "San Pablo", "CA", "87999"),
    "CustomerCommunicationAddr": _address("1", "123 Sierra Way", "San Pablo", "CA", "87999"),
    "LegalAddr": _address("1", "123 Sierra Way", "San Pablo", "CA", "87999"),
    "PrimaryPhone": {},
    "CompanyStartDate": "2024-01-08",
    "FiscalYearStartMonth": "January",
    "Country": "US",
    "Email": {"Address": "noreply@quickbooks.com"},
    "WebAddr": {},
    "SupportedLanguages": "en",
    "NameValue": [{"Name": "NeoEnabled", "Value": "true"}, {"Name": "IndustryType", "Value": "Landscaping"}],
    "domain": "QBO",
    "sparse": False,
    "Id": "1",
    "SyncToken": "4",
    "MetaData": _meta("2024-01-08T10:00:00-07:00", "2024-02-01T12:00:00-07:00"),
}
PREFERENCES = {
    "AccountingInfoPrefs": {
        "TrackDepartments": False,
        "ClassTrackingPerTxn": False,
        "CustomerTerminology": "Customers",
    },
    "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
    "domain": "QBO",
    "sparse": False,
    "Id": "1",
    "SyncToken": "2",
    "MetaData": _meta("2024-01-08T10:00:00-07:00", "2024-01-08T10:00:00-07:00"),
}


class QuickBooksFake(QuickBooksWrites, FakeClock, OAuthTestServer):
    """`start()`/`stop()`; `api_url` for the connector; `entities` for the books; `advance()` moves its
    clock."""

    def __init__(
        self, client_id: str, client_secret: str, redirect_uri: str, *, consent_page: bool = False
    ) -> None:
        # Intuit's access tokens live an hour.
        super().__init__(
            client_id, client_secret, redirect_uri, access_token_lifetime=3600, consent_page=consent_page
        )
        self.clients[client_id].scope = SCOPE
        self.server.scopes_supported = [SCOPE]
        self.realm_id = REALM_ID
        self.offset = 0.0
        self.lock = threading.Lock()
        self.entities: dict[str, dict[str, dict[str, Any]]] = {}
        # CDC's tombstones: entity → id → when deleted.
        self.deleted: dict[str, dict[str, float]] = {}
        self.company_info: dict[str, Any] = {}
        self.preferences: dict[str, Any] = {}
        self.violations: list[str] = []
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        # Scripted answers: 429s (each with its Retry-After seconds, or None to send none), 5xx statuses,
        # and faults in a 200 (Intuit's way with some errors).
        self.storm: list[float | None] = []
        self.failures: list[int] = []
        self.faults_in_200: list[str] = []
        self.answered: dict[str, tuple[int, dict[str, Any]]] = {}
        self.concurrent_edits: list[str] = []
        self._next_id = 1000
        self.reset()

    # ---------------------------------------------------------------------------------------- control
    def reset_limits(self) -> None:
        with self.lock:
            self.storm.clear()
            self.failures.clear()
            self.faults_in_200.clear()
            self.concurrent_edits.clear()

    def reset(self) -> None:
        """Back to the seeded books, no tombstones, no requests logged and no limits or failures scripted:
        tests sharing the fake each start from here, whatever the tests before did."""
        self.reset_limits()
        with self.lock:
            self.requests.clear()
            self.answered.clear()
            self.entities = {name: {e["Id"]: e for e in records} for name, records in seed_entities().items()}
            self.deleted = {name: {} for name in ENTITIES}
            self.company_info = copy.deepcopy(COMPANY_INFO)
            self.preferences = copy.deepcopy(PREFERENCES)

    def new_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def put(self, entity: str, record: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an entity, stamped as modified now (on the real clock: ledgerlink's pulls ask
        for changes since their own moments), its SyncToken bumped as QuickBooks bumps it."""
        stored = copy.deepcopy(record)
        with self.lock:
            current = self.entities[entity].get(stored["Id"])
            stored["SyncToken"] = str(int(current["SyncToken"]) + 1) if current else "0"
            created = (current or stored).get("MetaData", {}).get("CreateTime") or stamp(time.time())
            stored["MetaData"] = _meta(created, stamp(time.time()))
            self.entities[entity][stored["Id"]] = stored
        return stored

    def update(self, entity: str, entity_id: str, **changes: Any) -> dict[str, Any]:
        return self.put(entity, {**self.entities[entity][entity_id], **changes})

    def delete(self, entity: str, entity_id: str) -> None:
        """A transaction deleted in QuickBooks: gone from queries, a tombstone in CDC."""
        with self.lock:
            del self.entities[entity][entity_id]
            self.deleted[entity][entity_id] = time.time()

    async def _token(self, request: Request) -> Response:
        response = await super()._token(request)
        if response.status_code == 200 and self.tokens:
            # Issued on this fake's clock, so `advance()` ages tokens as it ages everything else.
            self.tokens[-1].issued_at = self.now()
        return response

    async def _authorize(self, request: Request) -> Response:
        """Intuit's redirect carries the consenting company beside `code` and `state`."""
        response = await super()._authorize(request)
        location = response.headers.get("location")
        if location and "code=" in location:
            parts = urlsplit(location)
            query = urlencode([*parse_qsl(parts.query), ("realmId", self.realm_id)])
            response.headers["location"] = urlunsplit(parts._replace(query=query))
        return response

    def _bearer(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return False
        presented = header[len("Bearer ") :]
        for token in self.tokens:
            if token.access_token == presented:
                return not token.revoked and self.now() < token.issued_at + token.expires_in
        return False

    # ---------------------------------------------------------------------------------------- routes
    def routes(self) -> list[Route]:
        company = API_PREFIX + "/company/{realm}"
        return [
            *super().routes(),
            Route(company + "/query", self._query, methods=["GET"]),
            Route(company + "/cdc", self._cdc, methods=["GET"]),
            Route(company + "/companyinfo/{id}", self._company_info, methods=["GET"]),
            Route(company + "/preferences", self._preferences, methods=["GET"]),
            Route(company + "/reports/{report}", self._report, methods=["GET"]),
            Route(company + "/{entity}", self._write, methods=["POST"]),
            Route(company + "/{entity}/{id}", self._read_one, methods=["GET"]),
        ]

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    def _stamp_now(self) -> str:
        return stamp(time.time())

    def _time(self) -> str:
        return datetime.fromtimestamp(self.now(), PACIFIC).isoformat(timespec="milliseconds")

    def _fault(self, status: int, kind: str, code: str, message: str, detail: str) -> JSONResponse:
        error = {
            "Message": f"message={message}; errorCode={int(code):06d}; statusCode={status}",
            "Detail": detail,
            "code": code,
        }
        return JSONResponse(
            {"Fault": {"Error": [error], "type": kind}, "time": self._time()}, status_code=status
        )

    def _invalid(self, problem: str) -> JSONResponse:
        self.violations.append(problem)
        return self._fault(400, "ValidationFault", "4000", "QueryParserError", problem)

    def _admit(self, request: Request) -> Response | None:
        """What Intuit checks before any endpoint answers: the request's form, the token, the company,
        and the throttle."""
        query = dict(request.query_params)
        self.requests.append((request.url.path, query, {k.lower(): v for k, v in request.headers.items()}))
        if "application/json" not in request.headers.get("accept", ""):
            return self._invalid(
                f"{request.url.path}: Accept is not application/json (Intuit would answer XML)"
            )
        if not query.get("minorversion", "").isdigit():
            return self._invalid(f"{request.url.path}: no minorversion")
        if not self._bearer(request):
            return self._fault(
                401, "AUTHENTICATION", "3200", "AuthenticationFailed", "Token expired or revoked"
            )
        if request.path_params["realm"] != self.realm_id:
            return self._fault(
                403, "AUTHORIZATION", "3100", "ApplicationAuthorizationFailed", "No access to this company"
            )
        with self.lock:
            if self.failures:
                return Response("<html>Service unavailable</html>", status_code=self.failures.pop(0))
            if self.storm:
                wait = self.storm.pop(0)
                response = self._fault(429, "SERVICE", "3001", "ThrottleExceeded", "ThrottleExceeded")
                if wait is not None:
                    response.headers["Retry-After"] = str(int(wait))
                return response
            if self.faults_in_200:
                code = self.faults_in_200.pop(0)
                response = self._fault(401, "AUTHENTICATION", code, "AuthenticationFailed", "Token revoked")
                response.status_code = 200
                return response
        return None

    # --------------------------------------------------------------------------------------- queries
    async def _query(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        statement = request.query_params.get("query", "")
        match = _QUERY.match(statement)
        if match is None:
            return self._invalid(f"query: cannot parse {statement!r}")
        entity = next((e for e in ENTITIES if e.lower() == match["entity"].lower()), None)
        if entity is None:
            return self._invalid(f"query: unknown entity {match['entity']}")
        with self.lock:
            records = [copy.deepcopy(r) for r in self.entities[entity].values()]
        active: set[bool] | None = {True} if entity in NAME_LISTS else None
        for condition in re.split(r"\s+and\s+", match["where"] or "", flags=re.IGNORECASE):
            condition = condition.strip()
            if not condition:
                continue
            if (found := _ACTIVE.match(condition)) is not None:
                if entity not in NAME_LISTS:
                    return self._invalid(f"query: {entity} has no Active")
                values = [found["one"]] if found["one"] else [v.strip() for v in found["set"].split(",")]
                active = {v.lower() == "true" for v in values}
            elif (found := _UPDATED.match(condition)) is not None:
                moment, op = parse_moment(found["moment"]), found["op"]
                records = [
                    r for r in records if _compare(parse_moment(r["MetaData"]["LastUpdatedTime"]), op, moment)
                ]
            else:
                return self._invalid(f"query: unsupported condition {condition!r}")
        if active is not None:
            records = [r for r in records if r.get("Active", True) in active]
        if match["order"] and match["order"].lower() != "id":
            return self._invalid(f"query: the fake orders by Id only, not {match['order']}")
        records.sort(key=lambda r: int(r["Id"]), reverse=(match["direction"] or "").lower() == "desc")
        start, size = int(match["start"] or 1), int(match["max"] or 100)
        if start < 1 or not 1 <= size <= MAX_RESULTS:
            return self._invalid(f"query: STARTPOSITION {start} MAXRESULTS {size} out of range")
        page = records[start - 1 : start - 1 + size]
        response: dict[str, Any] = (
            {entity: page, "startPosition": start, "maxResults": len(page)} if page else {}
        )
        return JSONResponse({"QueryResponse": response, "time": self._time()})

    async def _cdc(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        names = [n.strip() for n in request.query_params.get("entities", "").split(",") if n.strip()]
        entities = [next((e for e in ENTITIES if e.lower() == n.lower()), n) for n in names]
        unknown = [e for e in entities if e not in ENTITIES or e in NOT_IN_CDC]
        if not entities or unknown:
            return self._invalid(f"cdc: entities {unknown or names} not supported")
        try:
            since = parse_moment(request.query_params["changedSince"])
        except (KeyError, ValueError):
            return self._invalid("cdc: changedSince missing or not a date-time")
        if since < time.time() - CDC_LOOKBACK.total_seconds():
            return self._invalid("cdc: changedSince is more than 30 days ago")
        responses = []
        for entity in entities:
            with self.lock:
                changed = [
                    copy.deepcopy(r)
                    for r in self.entities[entity].values()
                    if parse_moment(r["MetaData"]["LastUpdatedTime"]) >= since
                ]
                gone = [
                    {
                        "domain": "QBO",
                        "status": "Deleted",
                        "Id": id_,
                        "MetaData": {"LastUpdatedTime": stamp(when)},
                    }
                    for id_, when in self.deleted[entity].items()
                    if when >= since
                ]
            # Intuit: grouped by type, in order of last update; deleted objects after the active ones.
            changed.sort(key=lambda r: parse_moment(r["MetaData"]["LastUpdatedTime"]))
            found = changed + gone
            responses.append(
                {entity: found, "startPosition": 1, "maxResults": len(found), "totalCount": len(found)}
            )
        return JSONResponse({"CDCResponse": [{"QueryResponse": responses}], "time": self._time()})

    async def _company_info(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        if request.path_params["id"] != self.realm_id:
            return self._invalid("companyinfo: the id is the company's realm id")
        return JSONResponse({"CompanyInfo": self.company_info, "time": self._time()})

    async def _preferences(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        return JSONResponse({"Preferences": self.preferences, "time": self._time()})

    # --------------------------------------------------------------------------------------- reports
    async def _report(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        report = request.path_params["report"]
        query = request.query_params
        if report not in ("BalanceSheet", "ProfitAndLoss"):
            return self._invalid(f"reports: the fake has no {report}")
        if query.get("summarize_column_by") != "Month":
            return self._invalid("reports: summarize_column_by=Month expected")
        try:
            start, end = date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"])
        except (KeyError, ValueError):
            return self._invalid("reports: start_date and end_date are dates")
        months = _months(start, end)
        with self.lock:
            accounts = {a["Id"]: a for a in self.entities["Account"].values()}
            postings = ledger_postings(self.entities)
        columns = [
            {"ColTitle": "", "ColType": "Account", "MetaData": [{"Name": "ColKey", "Value": "account"}]}
        ]
        for first, last in months:
            title = f"{first:%b %Y}"
            columns.append(
                {
                    "ColTitle": title,
                    "ColType": "Money",
                    "MetaData": [
                        {"Name": "StartDate", "Value": first.isoformat()},
                        {"Name": "EndDate", "Value": last.isoformat()},
                        {"Name": "ColKey", "Value": title},
                    ],
                }
            )
        columns.append(
            {"ColTitle": "Total", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "total"}]}
        )
        if report == "BalanceSheet":
            rows = _balance_sheet_rows(accounts, postings, months)
        else:
            rows = _profit_and_loss_rows(accounts, postings, months)
        header = {
            "Time": self._time(),
            "ReportName": report,
            "ReportBasis": query.get("accounting_method") or "Accrual",
            "StartPeriod": start.isoformat(),
            "EndPeriod": end.isoformat(),
            "SummarizeColumnsBy": "Month",
            "Currency": self.preferences["CurrencyPrefs"]["HomeCurrency"]["value"],
            "Option": [{"Name": "NoReportData", "Value": "false"}],
        }
        return JSONResponse({"Header": header, "Columns": {"Column": columns}, "Rows": {"Row": rows}})

    def revoke_grant(self, user: str = USER) -> None:
        super().revoke_grant(user)


def _compare(left: float, op: str, right: float) -> bool:
    return {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
        "=": left == right,
    }[op]


def _months(start: date, end: date) -> list[tuple[date, date]]:
    months, first = [], start.replace(day=1)
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        months.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return months


# ----------------------------------------------------------------------------------- report layouts
def _money(value: float) -> str:
    return f"{value:.2f}"


def _signed(line: dict[str, Any]) -> float:
    detail = line["JournalEntryLineDetail"]
    return (-1 if detail["PostingType"] == "Credit" else 1) * float(line["Amount"])


def _section(group: str, title: str, rows: list[dict[str, Any]], totals: list[float]) -> dict[str, Any]:
    return {
        "Header": {"ColData": [{"value": title}] + [{"value": ""} for _ in range(len(totals) + 1)]},
        "Rows": {"Row": rows},
        "Summary": {
            "ColData": [{"value": f"Total {title}"}] + [{"value": _money(v)} for v in [*totals, totals[-1]]]
        },
        "type": "Section",
        "group": group,
    }


def _total(group: str, title: str, values: list[float]) -> dict[str, Any]:
    return {
        "Summary": {"ColData": [{"value": title}] + [{"value": _money(v)} for v in [*values, values[-1]]]},
        "type": "Section",
        "group": group,
    }


def _account_rows(
    accounts: dict[str, dict[str, Any]],
    postings: list[tuple[date, dict[str, Any]]],
    types: tuple[str, ...],
    sign: int,
    in_column: Any,
    width: int,
) -> tuple[list[dict[str, Any]], list[float]]:
    values: dict[str, list[float]] = {}
    for day, line in postings:
        account = accounts.get(line["JournalEntryLineDetail"]["AccountRef"]["value"])
        if account is None or account["AccountType"] not in types:
            continue
        found = values.setdefault(account["Id"], [0.0] * width)
        for column in range(width):
            if in_column(day, column):
                found[column] += sign * _signed(line)
    rows = [
        {
            "ColData": [{"value": accounts[id_]["Name"], "id": id_}]
            + [{"value": _money(v)} for v in [*found, found[-1]]],
            "type": "Data",
        }
        for id_, found in sorted(values.items(), key=lambda item: accounts[item[0]]["Name"])
    ]
    totals = [sum(found[c] for found in values.values()) for c in range(width)]
    return rows, totals


PROFIT_AND_LOSS_LAYOUT = (
    ("Income", "Income", ("Income",), -1),
    ("COGS", "Cost of Goods Sold", ("Cost of Goods Sold",), 1),
    ("Expenses", "Expenses", ("Expense",), 1),
    ("OtherIncome", "Other Income", ("Other Income",), -1),
    ("OtherExpenses", "Other Expenses", ("Other Expense",), 1),
)


def _profit_and_loss_rows(accounts, postings, months) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    width = len(months)

    def in_column(day: date, column: int) -> bool:
        return months[column][0] <= day <= months[column][1]

    totals: dict[str, list[float]] = {}
    sections: dict[str, dict[str, Any]] = {}
    for group, title, types, sign in PROFIT_AND_LOSS_LAYOUT:
        rows, total = _account_rows(accounts, postings, types, sign, in_column, width)
        totals[group] = total
        sections[group] = _section(group, title, rows, total)
    gross = [a - b for a, b in zip(totals["Income"], totals["COGS"], strict=True)]
    operating = [g - e for g, e in zip(gross, totals["Expenses"], strict=True)]
    other = [a - b for a, b in zip(totals["OtherIncome"], totals["OtherExpenses"], strict=True)]
    return [
        sections["Income"],
        sections["COGS"],
        _total("GrossProfit", "Gross Profit", gross),
        sections["Expenses"],
        _total("NetOperatingIncome", "Net Operating Income", operating),
        sections["OtherIncome"],
        sections["OtherExpenses"],
        _total("NetOtherIncome", "Net Other Income", other),
        _total("NetIncome", "Net Income", [o + n for o, n in zip(operating, other, strict=True)]),
    ]


def _balance_sheet_rows(accounts, postings, months) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    width = len(months)

    def as_at(day: date, column: int) -> bool:
        return day <= months[column][1]

    def part(group: str, title: str, types: tuple[str, ...], sign: int) -> tuple[dict[str, Any], list[float]]:
        rows, total = _account_rows(accounts, postings, types, sign, as_at, width)
        return _section(group, title, rows, total), total

    bank, bank_total = part("BankAccounts", "Bank Accounts", ("Bank",), 1)
    receivable, receivable_total = part("AR", "Accounts Receivable", ("Accounts Receivable",), 1)
    other_current, other_current_total = part(
        "OtherCurrentAssets", "Other Current Assets", ("Other Current Asset",), 1
    )
    current_total = [
        a + b + c for a, b, c in zip(bank_total, receivable_total, other_current_total, strict=True)
    ]
    current = _section("CurrentAssets", "Current Assets", [bank, receivable, other_current], current_total)
    fixed, fixed_total = part("FixedAssets", "Fixed Assets", ("Fixed Asset",), 1)
    other_assets, other_assets_total = part("OtherAssets", "Other Assets", ("Other Asset",), 1)
    assets_total = [a + b + c for a, b, c in zip(current_total, fixed_total, other_assets_total, strict=True)]
    assets = _section("TotalAssets", "ASSETS", [current, fixed, other_assets], assets_total)

    payable, payable_total = part("AP", "Accounts Payable", ("Accounts Payable",), -1)
    cards, cards_total = part("CreditCards", "Credit Cards", ("Credit Card",), -1)
    other_liabilities, other_liabilities_total = part(
        "OtherCurrentLiabilities", "Other Current Liabilities", ("Other Current Liability",), -1
    )
    current_liabilities_total = [
        a + b + c for a, b, c in zip(payable_total, cards_total, other_liabilities_total, strict=True)
    ]
    current_liabilities = _section(
        "CurrentLiabilities",
        "Current Liabilities",
        [payable, cards, other_liabilities],
        current_liabilities_total,
    )
    long_term, long_term_total = part(
        "LongTermLiabilities", "Long-Term Liabilities", ("Long Term Liability",), -1
    )
    liabilities_total = [a + b for a, b in zip(current_liabilities_total, long_term_total, strict=True)]
    liabilities = _section("Liabilities", "Liabilities", [current_liabilities, long_term], liabilities_total)

    equity_rows, equity_total = _account_rows(accounts, postings, ("Equity",), -1, as_at, width)
    earnings = [0.0] * width
    profit_and_loss_types = {t for _, _, types, _ in PROFIT_AND_LOSS_LAYOUT for t in types}
    for day, line in postings:
        account = accounts.get(line["JournalEntryLineDetail"]["AccountRef"]["value"])
        if account is not None and account["AccountType"] in profit_and_loss_types:
            for column in range(width):
                if as_at(day, column):
                    earnings[column] -= _signed(line)
    equity_rows.append(
        {
            "ColData": [{"value": "Net Income"}] + [{"value": _money(v)} for v in [*earnings, earnings[-1]]],
            "type": "Data",
        }
    )
    equity_total = [a + b for a, b in zip(equity_total, earnings, strict=True)]
    equity = _section("Equity", "Equity", equity_rows, equity_total)
    both = [a + b for a, b in zip(liabilities_total, equity_total, strict=True)]
    return [
        assets,
        _section("TotalLiabilitiesAndEquity", "LIABILITIES AND EQUITY", [liabilities, equity], both),
    ]
