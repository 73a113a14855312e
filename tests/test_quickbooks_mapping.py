"""The QuickBooks mapping, record by record: for each data type a QuickBooks entity (Intuit's API reference
shapes, the fake's sample company) and the exact Codat record it becomes, checked against Codat's schema
for that type (`records/schemas`); CDC tombstones become deletions; reports become monthly statements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import pytest

from ledgerlink.connectors.codat_shapes import ReportColumn
from ledgerlink.connectors.quickbooks import mapping
from ledgerlink.data import statements
from ledgerlink.records import fields
from tests.support.fakes.quickbooks import COMPANY_INFO, PREFERENCES, REALM_ID, seed_entities

SEEDS = {entity: {e["Id"]: e for e in records} for entity, records in seed_entities().items()}
ACTIVE = {"isDeleted": False}


@dataclass
class Case:
    data_type: str
    function: Callable[..., Any]
    quickbooks: dict[str, Any]
    codat: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "chartOfAccounts",
        mapping.account,
        SEEDS["Account"]["35"],
        {
            "id": "35",
            "nominalCode": "1001",
            "name": "Checking",
            "fullyQualifiedCategory": "Asset.Current.Bank.Checking",
            "fullyQualifiedName": "Asset.Current.Bank.Checking.Checking",
            "currency": "USD",
            "currentBalance": 1201.0,
            "type": "Asset",
            "status": "Active",
            "isBankAccount": True,
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-03-01T21:02:10Z",
        },
    ),
    Case(
        "chartOfAccounts",
        mapping.account,
        SEEDS["Account"]["92"],
        {
            "id": "92",
            "name": "Old Savings",
            "fullyQualifiedCategory": "Asset.Current.Bank.Savings",
            "fullyQualifiedName": "Asset.Current.Bank.Savings.Old Savings",
            "currency": "USD",
            "currentBalance": 0.0,
            "type": "Asset",
            "status": "Archived",
            "isBankAccount": True,
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-03-01T21:02:10Z",
        },
    ),
    Case(
        "bankAccounts",
        mapping.bank_account,
        SEEDS["Account"]["41"],
        {
            "id": "41",
            "accountName": "Mastercard",
            "accountType": "Credit",
            "currency": "USD",
            "balance": -157.72,
            "status": "Active",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-03-01T21:02:10Z",
        },
    ),
    Case(
        "customers",
        mapping.customer,
        SEEDS["Customer"]["1"],
        {
            "id": "1",
            "customerName": "Amy's Bird Sanctuary",
            "contactName": "Amy Lauterbach",
            "emailAddress": "Birds@Intuit.com",
            "defaultCurrency": "USD",
            "phone": "(650) 555-3311",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "4581 Finch St.",
                    "city": "Bayshore",
                    "region": "CA",
                    "postalCode": "94326",
                },
                {
                    "type": "Delivery",
                    "line1": "4581 Finch St.",
                    "city": "Bayshore",
                    "region": "CA",
                    "postalCode": "94326",
                },
            ],
            "contacts": [],
            "status": "Active",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-13T16:14:33Z",
        },
    ),
    Case(
        "suppliers",
        mapping.supplier,
        SEEDS["Vendor"]["43"],
        {
            "id": "43",
            "supplierName": "Lee Advertising",
            "contactName": "Lee Dalton",
            "emailAddress": "advertising@intuit.com",
            "defaultCurrency": "USD",
            "phone": "(650) 554-4433",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "776 Middlefield Rd.",
                    "city": "Palo Alto",
                    "region": "CA",
                    "postalCode": "94303",
                }
            ],
            "taxNumber": "XXXXXX8293",
            "status": "Active",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-13T16:14:33Z",
        },
    ),
    Case(
        "invoices",
        mapping.invoice,
        SEEDS["Invoice"]["145"],
        {
            "id": "145",
            "invoiceNumber": "1038",
            "customerRef": {"id": "20", "companyName": "Red Rock Diner"},
            "salesOrderRefs": [],
            "issueDate": "2024-02-05T00:00:00",
            "dueDate": "2024-03-06T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "description": "Fountain Pump",
                    "unitAmount": 15.0,
                    "quantity": 10.0,
                    "subTotal": 150.0,
                    "totalAmount": 150.0,
                    "accountRef": {"id": "79", "name": "Sales of Product Income"},
                    "taxRateRef": {"id": "TAX"},
                    "itemRef": {"id": "11", "name": "Pump"},
                }
            ],
            "paymentAllocations": [
                {
                    "payment": {"id": "146", "currency": "USD"},
                    "allocation": {"currency": "USD", "currencyRate": 1.0},
                }
            ],
            "withholdingTax": [],
            "totalDiscount": 0.0,
            "subTotal": 150.0,
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "totalTaxAmount": 6.0,
            "totalAmount": 156.0,
            "amountDue": 70.0,
            "discountPercentage": 0.0,
            "status": "PartiallyPaid",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-05T20:16:17Z",
        },
    ),
    # A tax-inclusive company in another currency, with a bundle, a percentage discount and a memo.
    Case(
        "invoices",
        mapping.invoice,
        {
            "Id": "201",
            "DocNumber": "INV-201",
            "TxnDate": "2024-04-02",
            "DueDate": "2024-05-02",
            "CustomerRef": {"value": "7", "name": "Maple Bistro"},
            "CurrencyRef": {"value": "CAD", "name": "Canadian Dollar"},
            "ExchangeRate": 0.74,
            "GlobalTaxCalculation": "TaxInclusive",
            "CustomerMemo": {"value": "Net 30"},
            "Line": [
                {
                    "Id": "1",
                    "DetailType": "GroupLineDetail",
                    "GroupLineDetail": {
                        "GroupItemRef": {"value": "19", "name": "Garden kit"},
                        "Quantity": 1,
                        "Line": [
                            {
                                "Id": "2",
                                "Description": "Rocks",
                                "Amount": 100.0,
                                "DetailType": "SalesItemLineDetail",
                                "SalesItemLineDetail": {
                                    "ItemRef": {"value": "20", "name": "Rocks"},
                                    "UnitPrice": 25,
                                    "Qty": 4,
                                    "TaxCodeRef": {"value": "5"},
                                    "TaxInclusiveAmt": 113.0,
                                },
                            }
                        ],
                    },
                },
                {"Amount": 100.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
                {
                    "Amount": 10.0,
                    "DetailType": "DiscountLineDetail",
                    "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
                },
            ],
            "TxnTaxDetail": {"TotalTax": 11.7},
            "TotalAmt": 101.7,
            "Balance": 101.7,
            "MetaData": {
                "CreateTime": "2024-04-02T09:00:00-07:00",
                "LastUpdatedTime": "2024-04-02T09:00:00-07:00",
            },
        },
        {
            "id": "201",
            "invoiceNumber": "INV-201",
            "customerRef": {"id": "7", "companyName": "Maple Bistro"},
            "salesOrderRefs": [],
            "issueDate": "2024-04-02T00:00:00",
            "dueDate": "2024-05-02T00:00:00",
            "currency": "CAD",
            "currencyRate": 0.74,
            "lineItems": [
                {
                    "description": "Rocks",
                    "unitAmount": 25.0,
                    "quantity": 4.0,
                    "subTotal": 100.0,
                    "taxAmount": 13.0,
                    "totalAmount": 113.0,
                    "taxRateRef": {"id": "5"},
                    "itemRef": {"id": "20", "name": "Rocks"},
                }
            ],
            "paymentAllocations": [],
            "withholdingTax": [],
            "totalDiscount": 10.0,
            "subTotal": 90.0,
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "totalTaxAmount": 11.7,
            "totalAmount": 101.7,
            "amountDue": 101.7,
            "discountPercentage": 10.0,
            "status": "Submitted",
            "note": "Net 30",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-04-02T16:00:00Z",
        },
    ),
    Case(
        "bills",
        mapping.bill,
        SEEDS["Bill"]["108"],
        {
            "id": "108",
            "supplierRef": {"id": "41", "supplierName": "Hicks Hardware"},
            "purchaseOrderRefs": [],
            "issueDate": "2024-02-14T00:00:00",
            "dueDate": "2024-03-15T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "unitAmount": 10.0,
                    "quantity": 25.0,
                    "subTotal": 250.0,
                    "totalAmount": 250.0,
                    "taxRateRef": {"id": "NON"},
                    "itemRef": {"id": "11", "name": "Pump"},
                }
            ],
            "paymentAllocations": [],
            "withholdingTax": [],
            "status": "Open",
            "subTotal": 250.0,
            "taxAmount": 0.0,
            "totalAmount": 250.0,
            "amountDue": 250.0,
            "note": "Pumps for the spring jobs",
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-14T18:30:00Z",
        },
    ),
    Case(
        "bills",
        mapping.bill,
        SEEDS["Bill"]["25"],
        {
            "id": "25",
            "reference": "B-1042",
            "supplierRef": {"id": "30", "supplierName": "Books by Bessie"},
            "purchaseOrderRefs": [],
            "issueDate": "2024-02-10T00:00:00",
            "dueDate": "2024-03-11T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "description": "Books for the design library",
                    "unitAmount": 75.0,
                    "quantity": 1.0,
                    "subTotal": 75.0,
                    "totalAmount": 75.0,
                    "accountRef": {"id": "7", "name": "Advertising"},
                    "taxRateRef": {"id": "NON"},
                }
            ],
            "paymentAllocations": [
                {
                    "payment": {"id": "26", "currency": "USD"},
                    "allocation": {"currency": "USD", "currencyRate": 1.0},
                }
            ],
            "withholdingTax": [],
            "status": "Paid",
            "subTotal": 75.0,
            "taxAmount": 0.0,
            "totalAmount": 75.0,
            "amountDue": 0.0,
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-12T16:01:00Z",
        },
    ),
    Case(
        "payments",
        mapping.payment,
        SEEDS["Payment"]["146"],
        {
            "id": "146",
            "customerRef": {"id": "20", "companyName": "Red Rock Diner"},
            "accountRef": {"id": "35", "name": "Checking"},
            "paymentMethodRef": {"id": "2", "name": "Check"},
            "totalAmount": 136.0,
            "currency": "USD",
            "currencyRate": 1.0,
            "date": "2024-02-09T00:00:00",
            "note": "Part payment; the rest on account",
            "lines": [
                {
                    "amount": 86.0,
                    "links": [{"type": "Invoice", "id": "145", "amount": -86.0, "currencyRate": 1.0}],
                    "allocatedOnDate": "2024-02-09T00:00:00",
                },
                {
                    "amount": 50.0,
                    "links": [{"type": "PaymentOnAccount", "id": "20", "amount": -50.0, "currencyRate": 1.0}],
                    "allocatedOnDate": "2024-02-09T00:00:00",
                },
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-09T17:01:12Z",
        },
    ),
    # A credit memo applied to an invoice: nothing paid, the credit used up.
    Case(
        "payments",
        mapping.payment,
        {
            "Id": "171",
            "CustomerRef": {"value": "3", "name": "Cool Cars"},
            "TotalAmt": 0,
            "UnappliedAmt": 0,
            "TxnDate": "2024-03-01",
            "CurrencyRef": {"value": "USD"},
            "Line": [
                {"Amount": 50.0, "LinkedTxn": [{"TxnId": "129", "TxnType": "Invoice"}]},
                {"Amount": 50.0, "LinkedTxn": [{"TxnId": "170", "TxnType": "CreditMemo"}]},
            ],
            "MetaData": {
                "CreateTime": "2024-03-01T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-01T10:00:00-07:00",
            },
        },
        {
            "id": "171",
            "customerRef": {"id": "3", "companyName": "Cool Cars"},
            "totalAmount": 0.0,
            "currency": "USD",
            "currencyRate": 1.0,
            "date": "2024-03-01T00:00:00",
            "lines": [
                {
                    "amount": 50.0,
                    "links": [{"type": "Invoice", "id": "129", "amount": -50.0, "currencyRate": 1.0}],
                    "allocatedOnDate": "2024-03-01T00:00:00",
                },
                {
                    "amount": -50.0,
                    "links": [{"type": "CreditNote", "id": "170", "amount": 50.0, "currencyRate": 1.0}],
                    "allocatedOnDate": "2024-03-01T00:00:00",
                },
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-03-01T17:00:00Z",
        },
    ),
    Case(
        "billPayments",
        mapping.bill_payment,
        SEEDS["BillPayment"]["26"],
        {
            "id": "26",
            "supplierRef": {"id": "30", "supplierName": "Books by Bessie"},
            "accountRef": {"id": "35", "name": "Checking"},
            "totalAmount": 75.0,
            "currency": "USD",
            "currencyRate": 1.0,
            "date": "2024-02-12T00:00:00",
            "reference": "1",
            "lines": [
                {
                    "amount": 75.0,
                    "links": [{"type": "Bill", "id": "25", "amount": -75.0, "currencyRate": 1.0}],
                    "allocatedOnDate": "2024-02-12T00:00:00",
                }
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-12T16:01:00Z",
        },
    ),
    Case(
        "journalEntries",
        mapping.journal_entry,
        SEEDS["JournalEntry"]["10"],
        {
            "id": "10",
            "description": "JE-2",
            "postedOn": "2024-02-20T00:00:00",
            "createdOn": "2024-02-20T22:30:00Z",
            "updatedOn": "2024-02-21T15:00:00Z",
            "journalLines": [
                {
                    "description": "Spring campaign",
                    "netAmount": 120.0,
                    "currency": "USD",
                    "accountRef": {"id": "7", "name": "Advertising"},
                    "tracking": {"recordRefs": [{"id": "43", "dataType": "suppliers"}]},
                },
                {"netAmount": -120.0, "currency": "USD", "accountRef": {"id": "41", "name": "Mastercard"}},
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-21T15:00:00Z",
        },
    ),
    Case(
        "items",
        mapping.item,
        SEEDS["Item"]["11"],
        {
            "id": "11",
            "name": "Pump",
            "code": "P461-17",
            "itemStatus": "Active",
            "type": "Inventory",
            "isBillItem": True,
            "billItem": {
                "description": "Fountain Pump",
                "unitPrice": 10.0,
                "accountRef": {"id": "80", "name": "Cost of Goods Sold"},
            },
            "isInvoiceItem": True,
            "invoiceItem": {
                "description": "Fountain Pump",
                "unitPrice": 15.0,
                "accountRef": {"id": "79", "name": "Sales of Product Income"},
            },
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-02-06T20:16:17Z",
        },
    ),
    Case(
        "items",
        mapping.item,
        SEEDS["Item"]["4"],
        {
            "id": "4",
            "name": "Design",
            "itemStatus": "Active",
            "type": "Service",
            "isBillItem": False,
            "isInvoiceItem": True,
            "invoiceItem": {
                "description": "Custom Design",
                "unitPrice": 75.0,
                "accountRef": {"id": "82", "name": "Design income"},
            },
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-01-08T23:41:38Z",
        },
    ),
    Case(
        "taxRates",
        mapping.tax_rate,
        SEEDS["TaxCode"]["2"],
        {
            "id": "2",
            "name": "Tucson",
            "code": "Tucson",
            "status": "Active",
            "effectiveTaxRate": 4.0,
            "totalTaxRate": 4.0,
            "components": [
                {"name": "AZ State tax", "rate": 3.0, "isCompound": False},
                {"name": "Tucson City", "rate": 1.0, "isCompound": False},
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-01-08T20:42:17Z",
        },
        {"rates": SEEDS["TaxRate"]},
    ),
    # Quebec's compound tax: QST charged on the amount plus GST.
    Case(
        "taxRates",
        mapping.tax_rate,
        {
            "Id": "8",
            "Name": "GST/QST QC - 9.975",
            "Active": False,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {"TaxRateRef": {"value": "11", "name": "GST"}, "TaxTypeApplicable": "TaxOnAmount"},
                    {"TaxRateRef": {"value": "12", "name": "QST"}, "TaxTypeApplicable": "TaxOnTax"},
                ]
            },
            "MetaData": {
                "CreateTime": "2024-01-08T13:42:17-07:00",
                "LastUpdatedTime": "2024-01-08T13:42:17-07:00",
            },
        },
        {
            "id": "8",
            "name": "GST/QST QC - 9.975",
            "code": "GST/QST QC - 9.975",
            "status": "Archived",
            "effectiveTaxRate": 15.4738,
            "totalTaxRate": 14.975,
            "components": [
                {"name": "GST", "rate": 5.0, "isCompound": False},
                {"name": "QST", "rate": 9.975, "isCompound": True},
            ],
            "metadata": ACTIVE,
            "sourceModifiedDate": "2024-01-08T20:42:17Z",
        },
        {
            "rates": {
                "11": {"Id": "11", "Name": "GST", "RateValue": 5},
                "12": {"Id": "12", "Name": "QST", "RateValue": 9.975},
            }
        },
    ),
    Case(
        "company",
        mapping.company,
        {
            **COMPANY_INFO,
            "PrimaryPhone": {"FreeFormNumber": "(650) 944-4444"},
            "WebAddr": {"URI": "https://example.com"},
        },
        {
            "companyName": "Sandbox Company_US_1",
            "accountingPlatformRef": REALM_ID,
            "companyLegalName": "Sandbox Company_US_1",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "123 Sierra Way",
                    "city": "San Pablo",
                    "region": "CA",
                    "postalCode": "87999",
                }
            ],
            "phoneNumbers": [{"number": "(650) 944-4444", "type": "Primary"}],
            "webLinks": [{"type": "Website", "url": "https://example.com"}],
            "ledgerLockDate": "2024-01-31T00:00:00",
            "financialYearStartDate": "2024-01-01T00:00:00",
            "baseCurrency": "USD",
            "createdDate": "2024-01-08T17:00:00Z",
        },
        {
            "realm_id": REALM_ID,
            "preferences": {
                **PREFERENCES,
                "AccountingInfoPrefs": {**PREFERENCES["AccountingInfoPrefs"], "BookCloseDate": "2024-01-31"},
            },
        },
    ),
    # Transfers, direct costs and incomes, credit notes and purchase orders, in Intuit's sample shapes.
    Case(
        "transfers",
        mapping.transfer,
        {
            "Id": "201",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-08",
            "Amount": 800.0,
            "FromAccountRef": {"value": "41", "name": "Mastercard"},
            "ToAccountRef": {"value": "35", "name": "Checking"},
            "PrivateNote": "Card drawdown",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "201",
            "description": "Card drawdown",
            "date": "2024-03-08T00:00:00",
            "from": {"accountRef": {"id": "41", "name": "Mastercard"}, "currency": "USD", "amount": 800.0},
            "to": {"accountRef": {"id": "35", "name": "Checking"}, "currency": "USD", "amount": 800.0},
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
    Case(
        "directCosts",
        mapping.direct_cost,
        {
            "Id": "202",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-09",
            "PaymentType": "CreditCard",
            "AccountRef": {"value": "41", "name": "Mastercard"},
            "EntityRef": {"value": "43", "name": "Lee Advertising", "type": "Vendor"},
            "DocNumber": "DC-1",
            "TotalAmt": 25.0,
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Line": [
                {
                    "Id": "1",
                    "Description": "Ads",
                    "Amount": 25.0,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": "7", "name": "Advertising"},
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            ],
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "202",
            "reference": "DC-1",
            "issueDate": "2024-03-09T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "description": "Ads",
                    "unitAmount": 25.0,
                    "quantity": 1.0,
                    "subTotal": 25.0,
                    "totalAmount": 25.0,
                    "accountRef": {"id": "7", "name": "Advertising"},
                    "taxRateRef": {"id": "NON"},
                }
            ],
            "paymentAllocations": [
                {
                    "payment": {
                        "id": "202",
                        "accountRef": {"id": "41", "name": "Mastercard"},
                        "currency": "USD",
                        "paidOnDate": "2024-03-09T00:00:00",
                        "totalAmount": 25.0,
                    },
                    "allocation": {
                        "currency": "USD",
                        "currencyRate": 1.0,
                        "allocatedOnDate": "2024-03-09T00:00:00",
                        "totalAmount": 25.0,
                    },
                }
            ],
            "subTotal": 25.0,
            "taxAmount": 0.0,
            "totalAmount": 25.0,
            "contactRef": {"id": "43", "dataType": "suppliers"},
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
    Case(
        "directIncomes",
        mapping.direct_income,
        {
            "Id": "203",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-10",
            "DepositToAccountRef": {"value": "35", "name": "Checking"},
            "TotalAmt": 12.5,
            "PrivateNote": "Interest",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Line": [
                {
                    "Id": "1",
                    "Amount": 12.5,
                    "DetailType": "DepositLineDetail",
                    "DepositLineDetail": {
                        "AccountRef": {"value": "89", "name": "Interest Earned"},
                        "Entity": {"value": "20", "name": "Red Rock Diner", "type": "Customer"},
                    },
                }
            ],
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "203",
            "note": "Interest",
            "issueDate": "2024-03-10T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "unitAmount": 12.5,
                    "quantity": 1.0,
                    "subTotal": 12.5,
                    "totalAmount": 12.5,
                    "accountRef": {"id": "89", "name": "Interest Earned"},
                }
            ],
            "paymentAllocations": [
                {
                    "payment": {
                        "id": "203",
                        "accountRef": {"id": "35", "name": "Checking"},
                        "currency": "USD",
                        "paidOnDate": "2024-03-10T00:00:00",
                        "totalAmount": 12.5,
                    },
                    "allocation": {
                        "currency": "USD",
                        "currencyRate": 1.0,
                        "allocatedOnDate": "2024-03-10T00:00:00",
                        "totalAmount": 12.5,
                    },
                }
            ],
            "subTotal": 12.5,
            "taxAmount": 0.0,
            "totalAmount": 12.5,
            "contactRef": {"id": "20", "dataType": "customers"},
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
    Case(
        "creditNotes",
        mapping.credit_note,
        {
            "Id": "204",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-11",
            "DocNumber": "1040",
            "CustomerRef": {"value": "20", "name": "Red Rock Diner"},
            "TotalAmt": 30.0,
            "RemainingCredit": 10.0,
            "Balance": 10.0,
            "CustomerMemo": {"value": "Two pumps returned"},
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "TxnTaxDetail": {"TotalTax": 0},
            "Line": [
                {
                    "Id": "1",
                    "LineNum": 1,
                    "Description": "Pump",
                    "Amount": 30.0,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": "11", "name": "Pump"},
                        "ItemAccountRef": {"value": "79", "name": "Sales of Product Income"},
                        "UnitPrice": 15,
                        "Qty": 2,
                        "TaxCodeRef": {"value": "NON"},
                    },
                },
                {"Amount": 30.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
            ],
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "204",
            "issueDate": "2024-03-11T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "description": "Pump",
                    "unitAmount": 15.0,
                    "quantity": 2.0,
                    "subTotal": 30.0,
                    "totalAmount": 30.0,
                    "accountRef": {"id": "79", "name": "Sales of Product Income"},
                    "taxRateRef": {"id": "NON"},
                    "itemRef": {"id": "11", "name": "Pump"},
                }
            ],
            "paymentAllocations": [],
            "withholdingTax": [],
            "subTotal": 30.0,
            "totalTaxAmount": 0.0,
            "totalAmount": 30.0,
            "remainingCredit": 10.0,
            "status": "PartiallyPaid",
            "creditNoteNumber": "1040",
            "customerRef": {"id": "20", "companyName": "Red Rock Diner"},
            "totalDiscount": 0.0,
            "discountPercentage": 0.0,
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "note": "Two pumps returned",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
    Case(
        "billCreditNotes",
        mapping.bill_credit_note,
        {
            "Id": "205",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-12",
            "DocNumber": "VC-1",
            "VendorRef": {"value": "41", "name": "Hicks Hardware"},
            "TotalAmt": 40.0,
            "Balance": 0,
            "APAccountRef": {"value": "33", "name": "Accounts Payable (A/P)"},
            "PrivateNote": "Hoses returned",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Line": [
                {
                    "Id": "1",
                    "Amount": 40.0,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7", "name": "Advertising"}},
                }
            ],
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "205",
            "issueDate": "2024-03-12T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "unitAmount": 40.0,
                    "quantity": 1.0,
                    "subTotal": 40.0,
                    "totalAmount": 40.0,
                    "accountRef": {"id": "7", "name": "Advertising"},
                }
            ],
            "paymentAllocations": [],
            "withholdingTax": [],
            "subTotal": 40.0,
            "totalTaxAmount": 0.0,
            "totalAmount": 40.0,
            "remainingCredit": 0.0,
            "status": "Paid",
            "billCreditNoteNumber": "VC-1",
            "supplierRef": {"id": "41", "supplierName": "Hicks Hardware"},
            "totalDiscount": 0.0,
            "discountPercentage": 0.0,
            "note": "Hoses returned",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
    Case(
        "purchaseOrders",
        mapping.purchase_order,
        {
            "Id": "206",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-03-08T10:00:00-07:00",
                "LastUpdatedTime": "2024-03-08T10:00:00-07:00",
            },
            "TxnDate": "2024-03-13",
            "DueDate": "2024-04-12",
            "DocNumber": "1005",
            "VendorRef": {"value": "41", "name": "Hicks Hardware"},
            "TotalAmt": 40.0,
            "POStatus": "Open",
            "Memo": "Spring stock",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Line": [
                {
                    "Id": "1",
                    "Amount": 40.0,
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": {"value": "11", "name": "Pump"},
                        "UnitPrice": 10,
                        "Qty": 4,
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            ],
            "domain": "QBO",
            "sparse": False,
        },
        {
            "id": "206",
            "purchaseOrderNumber": "1005",
            "supplierRef": {"id": "41", "supplierName": "Hicks Hardware"},
            "issueDate": "2024-03-13T00:00:00",
            "paymentDueDate": "2024-04-12T00:00:00",
            "currency": "USD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "unitAmount": 10.0,
                    "quantity": 4.0,
                    "subTotal": 40.0,
                    "totalAmount": 40.0,
                    "taxRateRef": {"id": "NON"},
                    "itemRef": {"id": "11", "name": "Pump"},
                }
            ],
            "status": "Open",
            "totalDiscount": 0.0,
            "subTotal": 40.0,
            "totalTaxAmount": 0.0,
            "totalAmount": 40.0,
            "note": "Spring stock",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2024-03-08T17:00:00Z",
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.data_type}-{case.quickbooks.get('Id')}")
def test_entity_becomes_the_codat_record(case: Case) -> None:
    mapped = case.function(case.quickbooks, **case.context)
    assert mapped == case.codat
    errors = [
        str(e) for e in jsonschema_rs.validator_for(fields.record_schema(case.data_type)).iter_errors(mapped)
    ]
    assert not errors, errors[:3]


def test_cdc_tombstones_become_deletions_and_live_entities_do_not() -> None:
    tombstone = {
        "domain": "QBO",
        "status": "Deleted",
        "Id": "979",
        "MetaData": {"LastUpdatedTime": "2015-12-23T12:55:50-08:00"},
    }
    assert mapping.deleted(tombstone) == mapping.Deleted("979")
    assert mapping.deleted(SEEDS["Invoice"]["130"]) is None


def test_balance_and_void_decide_the_document_status() -> None:
    invoice = SEEDS["Invoice"]["129"]
    assert mapping.invoice(invoice)["status"] == "Submitted"
    assert mapping.invoice({**invoice, "Balance": 0})["status"] == "Paid"
    voided = {**invoice, "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}
    assert mapping.invoice(voided)["status"] == "Void"
    assert mapping.bill({**SEEDS["Bill"]["108"], "Balance": 100.0})["status"] == "PartiallyPaid"


def test_allocation_and_link_signs_per_document_type_are_codats() -> None:
    """QuickBooks keeps what a payment applied on the payment: a document's allocations name the payment and
    carry no amount to sign, and the payment's lines carry Codat's signs per document type (a link to an
    invoice or bill reduces what is due: negative; to a credit note or vendor credit, it uses the credit
    up: positive, the line negative)."""
    linked = [{"TxnId": "p1", "TxnType": "Payment"}, {"TxnId": "c1", "TxnType": "CreditMemo"}]
    invoice = mapping.invoice({**SEEDS["Invoice"]["129"], "LinkedTxn": linked})
    assert [a["payment"]["id"] for a in invoice["paymentAllocations"]] == ["p1", "c1"]
    assert all("totalAmount" not in a["payment"] for a in invoice["paymentAllocations"])
    assert all("totalAmount" not in a["allocation"] for a in invoice["paymentAllocations"])

    def signs(mapped: dict[str, Any]) -> dict[str, tuple[float, float]]:
        return {
            link["type"]: (line["amount"], link["amount"])
            for line in mapped["lines"]
            for link in line["links"]
        }

    def paying(document: str, credit: str) -> dict[str, Any]:
        """A payment of 50 towards a document with 20 of a credit applied (QuickBooks' line amounts)."""
        lines = [(50.0, document), (20.0, credit)]
        return {
            "Id": "1",
            "Line": [{"Amount": a, "LinkedTxn": [{"TxnId": "t", "TxnType": k}]} for a, k in lines],
        }

    assert signs(mapping.payment(paying("Invoice", "CreditMemo"))) == {
        "Invoice": (50.0, -50.0),
        "CreditNote": (-20.0, 20.0),
    }
    assert signs(mapping.bill_payment(paying("Bill", "VendorCredit"))) == {
        "Bill": (50.0, -50.0),
        "CreditNote": (-20.0, 20.0),
    }


def test_dates_and_timestamps() -> None:
    assert mapping.codat_date("2024-02-05") == "2024-02-05T00:00:00"
    assert mapping.codat_timestamp("2015-06-30T15:09:07-07:00") == "2015-06-30T22:09:07Z"
    assert (
        mapping.financial_year_start(
            {"FiscalYearStartMonth": "April", "MetaData": {"CreateTime": "2024-02-01T00:00:00-07:00"}}
        )
        == "2023-04-01T00:00:00"
    )


def _column(title: str, start: str, end: str) -> dict[str, Any]:
    meta = [
        {"Name": "StartDate", "Value": start},
        {"Name": "EndDate", "Value": end},
        {"Name": "ColKey", "Value": title},
    ]
    return {"ColTitle": title, "ColType": "Money", "MetaData": meta}


def _data(name: str, account: str | None, *values: str) -> dict[str, Any]:
    first = {"value": name, "id": account} if account else {"value": name}
    return {"ColData": [first, *({"value": v} for v in values)], "type": "Data"}


def _summary(title: str, *values: str) -> dict[str, Any]:
    return {"ColData": [{"value": title}, *({"value": v} for v in values)]}


COLUMNS = {
    "Column": [
        {"ColTitle": "", "ColType": "Account", "MetaData": [{"Name": "ColKey", "Value": "account"}]},
        _column("Feb 2024", "2024-02-01", "2024-02-29"),
        _column("Mar 2024", "2024-03-01", "2024-03-31"),
        {"ColTitle": "Total", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "total"}]},
    ]
}
# Intuit's ProfitAndLoss JSON (summarize_column_by=Month): an account with a sub-account is a section.
PROFIT_AND_LOSS_REPORT = {
    "Header": {
        "ReportName": "ProfitAndLoss",
        "ReportBasis": "Accrual",
        "Currency": "USD",
        "SummarizeColumnsBy": "Month",
    },
    "Columns": COLUMNS,
    "Rows": {
        "Row": [
            {
                "Header": {"ColData": [{"value": "Income"}, {"value": ""}, {"value": ""}, {"value": ""}]},
                "Rows": {
                    "Row": [
                        _data("Design income", "82", "375.00", "500.00", "875.00"),
                        {
                            "Header": {
                                "ColData": [
                                    {"value": "Landscaping Services", "id": "45"},
                                    {"value": "100.00"},
                                    {"value": "0.00"},
                                    {"value": "100.00"},
                                ]
                            },
                            "Rows": {"Row": [_data("Job Materials", "46", "200.00", "50.00", "250.00")]},
                            "Summary": _summary("Total Landscaping Services", "300.00", "50.00", "350.00"),
                            "type": "Section",
                        },
                    ]
                },
                "Summary": _summary("Total Income", "675.00", "550.00", "1225.00"),
                "type": "Section",
                "group": "Income",
            },
            {
                "Header": {"ColData": [{"value": "Cost of Goods Sold"}]},
                "Rows": {"Row": [_data("Cost of Goods Sold", "80", "60.00", "40.00", "100.00")]},
                "Summary": _summary("Total Cost of Goods Sold", "60.00", "40.00", "100.00"),
                "type": "Section",
                "group": "COGS",
            },
            {
                "Summary": _summary("Gross Profit", "615.00", "510.00", "1125.00"),
                "type": "Section",
                "group": "GrossProfit",
            },
            {
                "Header": {"ColData": [{"value": "Expenses"}]},
                "Rows": {"Row": [_data("Advertising", "7", "120.00", "0.00", "120.00")]},
                "Summary": _summary("Total Expenses", "120.00", "0.00", "120.00"),
                "type": "Section",
                "group": "Expenses",
            },
            {
                "Summary": _summary("Net Operating Income", "495.00", "510.00", "1005.00"),
                "type": "Section",
                "group": "NetOperatingIncome",
            },
            {
                "Header": {"ColData": [{"value": "Other Income"}]},
                "Rows": {"Row": [_data("Interest Earned", "89", "0.00", "5.00", "5.00")]},
                "Summary": _summary("Total Other Income", "0.00", "5.00", "5.00"),
                "type": "Section",
                "group": "OtherIncome",
            },
            {
                "Summary": _summary("Net Other Income", "0.00", "5.00", "5.00"),
                "type": "Section",
                "group": "NetOtherIncome",
            },
            {
                "Summary": _summary("Net Income", "495.00", "515.00", "1010.00"),
                "type": "Section",
                "group": "NetIncome",
            },
        ]
    },
}


def test_report_columns_are_found_by_their_start_dates() -> None:
    assert mapping.report_columns(PROFIT_AND_LOSS_REPORT) == {"2024-02-01": 1, "2024-03-01": 2}


def test_profit_and_loss_column_becomes_a_monthly_statement() -> None:
    column = ReportColumn(2, "2024-03", "2024-03-01T00:00:00", "2024-03-31T00:00:00")
    record = mapping.profit_and_loss(PROFIT_AND_LOSS_REPORT, column, "USD")
    assert record == {
        "id": "2024-03",
        "currency": "USD",
        "reportBasis": "Accrual",
        "fromDate": "2024-03-01T00:00:00",
        "toDate": "2024-03-31T00:00:00",
        "income": {
            "name": "Income",
            "value": 550.0,
            "items": [
                {"accountId": "82", "name": "Design income", "value": 500.0, "items": []},
                {
                    "accountId": "45",
                    "name": "Landscaping Services",
                    "value": 50.0,
                    "items": [{"accountId": "46", "name": "Job Materials", "value": 50.0, "items": []}],
                },
            ],
        },
        "costOfSales": {
            "name": "Cost of Sales",
            "value": 40.0,
            "items": [{"accountId": "80", "name": "Cost of Goods Sold", "value": 40.0, "items": []}],
        },
        "grossProfit": 510.0,
        "expenses": {
            "name": "Expenses",
            "value": 0.0,
            "items": [{"accountId": "7", "name": "Advertising", "value": 0.0, "items": []}],
        },
        "netOperatingProfit": 510.0,
        "otherExpenses": {"name": "Other Expenses", "value": 0.0, "items": []},
        "otherIncome": {
            "name": "Other Income",
            "value": 5.0,
            "items": [{"accountId": "89", "name": "Interest Earned", "value": 5.0, "items": []}],
        },
        "netOtherIncome": 5.0,
        "netProfit": 515.0,
    }
    _valid_statement("profitAndLoss", record)


BALANCE_SHEET_REPORT = {
    "Header": {"ReportName": "BalanceSheet", "ReportBasis": "Accrual", "Currency": "USD"},
    "Columns": COLUMNS,
    "Rows": {
        "Row": [
            {
                "Header": {"ColData": [{"value": "ASSETS"}]},
                "Rows": {
                    "Row": [
                        {
                            "Header": {"ColData": [{"value": "Current Assets"}]},
                            "Rows": {
                                "Row": [
                                    {
                                        "Header": {"ColData": [{"value": "Bank Accounts"}]},
                                        "Rows": {
                                            "Row": [_data("Checking", "35", "1000.00", "1201.00", "1201.00")]
                                        },
                                        "Summary": _summary(
                                            "Total Bank Accounts", "1000.00", "1201.00", "1201.00"
                                        ),
                                        "type": "Section",
                                        "group": "BankAccounts",
                                    }
                                ]
                            },
                            "Summary": _summary("Total Current Assets", "1000.00", "1201.00", "1201.00"),
                            "type": "Section",
                            "group": "CurrentAssets",
                        }
                    ]
                },
                "Summary": _summary("TOTAL ASSETS", "1000.00", "1201.00", "1201.00"),
                "type": "Section",
                "group": "TotalAssets",
            },
            {
                "Header": {"ColData": [{"value": "LIABILITIES AND EQUITY"}]},
                "Rows": {
                    "Row": [
                        {
                            "Header": {"ColData": [{"value": "Liabilities"}]},
                            "Rows": {"Row": [_data("Mastercard", "41", "0.00", "157.72", "157.72")]},
                            "Summary": _summary("Total Liabilities", "0.00", "157.72", "157.72"),
                            "type": "Section",
                            "group": "Liabilities",
                        },
                        {
                            "Header": {"ColData": [{"value": "Equity"}]},
                            "Rows": {
                                "Row": [
                                    _data("Opening Balance Equity", "30", "1000.00", "1000.00", "1000.00"),
                                    _data("Net Income", None, "0.00", "43.28", "43.28"),
                                ]
                            },
                            "Summary": _summary("Total Equity", "1000.00", "1043.28", "1043.28"),
                            "type": "Section",
                            "group": "Equity",
                        },
                    ]
                },
                "Summary": _summary("TOTAL LIABILITIES AND EQUITY", "1000.00", "1201.00", "1201.00"),
                "type": "Section",
                "group": "TotalLiabilitiesAndEquity",
            },
        ]
    },
}


def test_balance_sheet_column_becomes_a_monthly_statement() -> None:
    column = ReportColumn(2, "2024-03", "2024-03-01T00:00:00", "2024-03-31T00:00:00")
    record = mapping.balance_sheet(BALANCE_SHEET_REPORT, column, "USD")
    assert record == {
        "id": "2024-03",
        "currency": "USD",
        "date": "2024-03-31T00:00:00",
        "assets": {
            "name": "Assets",
            "value": 1201.0,
            "items": [
                {
                    "name": "Current Assets",
                    "value": 1201.0,
                    "items": [
                        {
                            "name": "Bank Accounts",
                            "value": 1201.0,
                            "items": [{"accountId": "35", "name": "Checking", "value": 1201.0, "items": []}],
                        }
                    ],
                }
            ],
        },
        "liabilities": {
            "name": "Liabilities",
            "value": 157.72,
            "items": [{"accountId": "41", "name": "Mastercard", "value": 157.72, "items": []}],
        },
        "netAssets": 1043.28,
        "equity": {
            "name": "Equity",
            "value": 1043.28,
            "items": [
                {"accountId": "30", "name": "Opening Balance Equity", "value": 1000.0, "items": []},
                {"name": "Net Income", "value": 43.28, "items": []},
            ],
        },
    }
    _valid_statement("balanceSheet", record)


def _valid_statement(key: str, record: dict[str, Any]) -> None:
    envelope = ("id", "currency", "reportBasis", "reportInput")
    report = {k: v for k, v in record.items() if k not in envelope}
    errors = [str(e) for e in jsonschema_rs.validator_for(fields.record_schema(key)).iter_errors(report)]
    assert not errors, errors[:3]
    assembled = statements.assemble(key, [record], 1, 1, None)
    errors = [str(e) for e in jsonschema_rs.validator_for(fields.response_schema(key)).iter_errors(assembled)]
    assert not errors, errors[:3]
