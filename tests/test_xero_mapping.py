"""The Xero mapping, record by record: for each data type a Xero record and the exact Codat record it
becomes, checked against Codat's schema for that type (`records/schemas`); archived, voided and deleted
records become deletions; reports become monthly statements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import pytest

from ledgerlink.connectors.codat_shapes import ReportColumn
from ledgerlink.connectors.xero import mapping
from ledgerlink.data import statements
from ledgerlink.records import fields
from tests.support.fakes.xero import spec_example


@dataclass
class Case:
    data_type: str
    function: Callable[..., Any]
    xero: dict[str, Any]
    context: dict[str, Any]
    codat: Any


CASES = [
    Case(
        "chartOfAccounts",
        mapping.account,
        {
            "AccountID": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80",
            "Code": "200",
            "Name": "Sales",
            "Type": "REVENUE",
            "TaxType": "OUTPUT2",
            "Status": "ACTIVE",
            "Description": "Income from any normal business activity",
            "UpdatedDateUTC": "/Date(1552357188083+0000)/",
        },
        {"base_currency": "NZD"},
        {
            "id": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80",
            "nominalCode": "200",
            "name": "Sales",
            "description": "Income from any normal business activity",
            "fullyQualifiedCategory": "Income.Revenue",
            "fullyQualifiedName": "Income.Revenue.Sales",
            "currency": "NZD",
            "type": "Income",
            "status": "Active",
            "isBankAccount": False,
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-12T02:19:48Z",
        },
    ),
    Case(
        "bankAccounts",
        mapping.bank_account,
        {
            "AccountID": "ebd06280-af70-4bed-97c6-7451a454ad85",
            "Code": "091",
            "Name": "Business Savings Account",
            "Type": "BANK",
            "Status": "ACTIVE",
            "BankAccountNumber": "0209087654321050",
            "BankAccountType": "BANK",
            "CurrencyCode": "NZD",
            "UpdatedDateUTC": "/Date(1552357188083+0000)/",
        },
        {},
        {
            "id": "ebd06280-af70-4bed-97c6-7451a454ad85",
            "accountName": "Business Savings Account",
            "accountType": "Debit",
            "nominalCode": "091",
            "accountNumber": "0209087654321050",
            "currency": "NZD",
            "status": "Active",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-12T02:19:48Z",
        },
    ),
    Case(
        "customers",
        mapping.customer,
        {
            "ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c",
            "ContactStatus": "ACTIVE",
            "Name": "Katherine Warren",
            "FirstName": "Katherine",
            "LastName": "Warren",
            "CompanyNumber": "NumberBusiness1234",
            "EmailAddress": "kat.warren@clampett.com",
            "TaxNumber": "",
            "Addresses": [
                {"AddressType": "STREET", "City": "", "Region": "", "PostalCode": "", "Country": ""},
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "1 Main St",
                    "AddressLine2": "Suite 4",
                    "City": "Palo Alto",
                    "Region": "CA",
                    "PostalCode": "94020",
                    "Country": "United States",
                },
            ],
            "Phones": [
                {"PhoneType": "DDI", "PhoneNumber": ""},
                {
                    "PhoneType": "DEFAULT",
                    "PhoneNumber": "847-1294",
                    "PhoneAreaCode": "(626)",
                    "PhoneCountryCode": "1",
                },
            ],
            "ContactPersons": [
                {"FirstName": "Sam", "LastName": "Warren", "EmailAddress": "sam@clampett.com"}
            ],
            "UpdatedDateUTC": "/Date(1503348544227+0000)/",
            "IsSupplier": True,
            "IsCustomer": True,
            "DefaultCurrency": "USD",
        },
        {},
        {
            "id": "5cc8cf28-567e-4d43-b287-687cfcaec47c",
            "customerName": "Katherine Warren",
            "contactName": "Katherine Warren",
            "emailAddress": "kat.warren@clampett.com",
            "defaultCurrency": "USD",
            "phone": "+1 (626) 847-1294",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "1 Main St",
                    "line2": "Suite 4",
                    "city": "Palo Alto",
                    "region": "CA",
                    "country": "United States",
                    "postalCode": "94020",
                }
            ],
            "registrationNumber": "NumberBusiness1234",
            "status": "Active",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2017-08-21T20:49:04Z",
            "contacts": [{"name": "Sam Warren", "email": "sam@clampett.com", "status": "Active"}],
        },
    ),
    Case(
        "suppliers",
        mapping.supplier,
        {
            "ContactID": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b",
            "ContactStatus": "ACTIVE",
            "Name": "Parker and Co",
            "FirstName": "Lisa",
            "LastName": "Parker",
            "EmailAddress": "lparker@parkerandco.com",
            "TaxNumber": "12-345-678",
            "Addresses": [],
            "Phones": [],
            "UpdatedDateUTC": "/Date(1503348546760+0000)/",
            "IsSupplier": True,
            "IsCustomer": False,
        },
        {},
        {
            "id": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b",
            "supplierName": "Parker and Co",
            "contactName": "Lisa Parker",
            "emailAddress": "lparker@parkerandco.com",
            "addresses": [],
            "taxNumber": "12-345-678",
            "status": "Active",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2017-08-21T20:49:06Z",
        },
    ),
    Case(
        "invoices",
        mapping.invoice,
        {
            "Type": "ACCREC",
            "InvoiceID": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
            "InvoiceNumber": "INV-0002",
            "Reference": "Red Fish, Blue Fish",
            "Payments": [
                {
                    "PaymentID": "99ea7f6b-c513-4066-bc27-b7c65dcd76c2",
                    "Date": "/Date(1543449600000+0000)/",
                    "Amount": 20.0,
                    "CurrencyRate": 1.0,
                }
            ],
            "CreditNotes": [
                {
                    "CreditNoteID": "249f15fa-f2a7-4acc-8769-0984103f2225",
                    "CreditNoteNumber": "CN-0005",
                    "AppliedAmount": 6.0,
                    "Date": "/Date(1543449600000+0000)/",
                }
            ],
            "AmountDue": 20.0,
            "AmountPaid": 20.0,
            "AmountCredited": 6.0,
            "CurrencyRate": 0.5,
            "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7", "Name": "Barney Rubble-83203"},
            "Date": "/Date(1539993600000+0000)/",
            "DueDate": "/Date(1546128000000+0000)/",
            "Status": "AUTHORISED",
            "LineAmountTypes": "Inclusive",
            "LineItems": [
                {
                    "Description": "Fish",
                    "Quantity": 2.0,
                    "UnitAmount": 23.0,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT2",
                    "TaxAmount": 6.0,
                    "LineAmount": 46.0,
                    "Item": {"ItemID": "c8c54d65-f3f2-452d-926e-bf450b12fb07", "Name": "Guitars"},
                    "Tracking": [
                        {
                            "TrackingCategoryID": "22f10184-0deb-44ae-a312-b1f6ea70e51f",
                            "TrackingOptionID": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11",
                            "Name": "Region",
                            "Option": "North",
                        }
                    ],
                }
            ],
            "SubTotal": 40.0,
            "TotalTax": 6.0,
            "Total": 46.0,
            "UpdatedDateUTC": "/Date(1541176592690+0000)/",
            "CurrencyCode": "USD",
        },
        {"account_ids": {"200": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80"}},
        {
            "id": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
            "invoiceNumber": "INV-0002",
            "customerRef": {
                "id": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
                "companyName": "Barney Rubble-83203",
            },
            "salesOrderRefs": [],
            "issueDate": "2018-10-20T00:00:00",
            "dueDate": "2018-12-30T00:00:00",
            "currency": "USD",
            "currencyRate": 2.0,
            "lineItems": [
                {
                    "description": "Fish",
                    "unitAmount": 23.0,
                    "quantity": 2.0,
                    "subTotal": 40.0,
                    "taxAmount": 6.0,
                    "totalAmount": 46.0,
                    "accountRef": {"id": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80"},
                    "taxRateRef": {"id": "OUTPUT2"},
                    "itemRef": {"id": "c8c54d65-f3f2-452d-926e-bf450b12fb07", "name": "Guitars"},
                    "trackingCategoryRefs": [{"id": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11", "name": "North"}],
                }
            ],
            "paymentAllocations": [
                {
                    "payment": {
                        "id": "99ea7f6b-c513-4066-bc27-b7c65dcd76c2",
                        "currency": "USD",
                        "currencyRate": 1.0,
                        "paidOnDate": "2018-11-29T00:00:00",
                        "totalAmount": 20.0,
                    },
                    "allocation": {
                        "currency": "USD",
                        "currencyRate": 2.0,
                        "allocatedOnDate": "2018-11-29T00:00:00",
                        "totalAmount": -20.0,
                    },
                },
                {
                    "payment": {
                        "id": "249f15fa-f2a7-4acc-8769-0984103f2225",
                        "reference": "CN-0005",
                        "currency": "USD",
                        "paidOnDate": "2018-11-29T00:00:00",
                        "totalAmount": 6.0,
                    },
                    "allocation": {
                        "currency": "USD",
                        "currencyRate": 2.0,
                        "allocatedOnDate": "2018-11-29T00:00:00",
                        "totalAmount": -6.0,
                    },
                },
            ],
            "subTotal": 40.0,
            "withholdingTax": [],
            "totalDiscount": 0.0,
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "totalTaxAmount": 6.0,
            "totalAmount": 46.0,
            "amountDue": 20.0,
            "discountPercentage": 0.0,
            "status": "PartiallyPaid",
            "note": "Red Fish, Blue Fish",
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2018-11-02T16:36:32Z",
        },
    ),
    Case(
        "bills",
        mapping.bill,
        {
            "Type": "ACCPAY",
            "InvoiceID": "7ef31b20-de17-4312-8382-412f869b1510",
            "InvoiceNumber": "SUP-991",
            "Reference": "",
            "AmountDue": 115.0,
            "AmountPaid": 0.0,
            "CurrencyRate": 1.0,
            "Contact": {"ContactID": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "Name": "Parker and Co"},
            "Date": "/Date(1539993600000+0000)/",
            "DueDate": "/Date(1546128000000+0000)/",
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Paper",
                    "Quantity": 10.0,
                    "UnitAmount": 10.0,
                    "AccountID": "e0a5d892-9f9f-44f0-a153-5cb7db125170",
                    "AccountCode": "400",
                    "TaxType": "INPUT2",
                    "TaxAmount": 15.0,
                    "LineAmount": 100.0,
                }
            ],
            "SubTotal": 100.0,
            "TotalTax": 15.0,
            "Total": 115.0,
            "UpdatedDateUTC": "/Date(1541176592690+0000)/",
            "CurrencyCode": "NZD",
        },
        {"account_ids": {}},
        {
            "id": "7ef31b20-de17-4312-8382-412f869b1510",
            "reference": "SUP-991",
            "supplierRef": {"id": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "supplierName": "Parker and Co"},
            "purchaseOrderRefs": [],
            "issueDate": "2018-10-20T00:00:00",
            "dueDate": "2018-12-30T00:00:00",
            "currency": "NZD",
            "currencyRate": 1.0,
            "lineItems": [
                {
                    "description": "Paper",
                    "unitAmount": 10.0,
                    "quantity": 10.0,
                    "subTotal": 100.0,
                    "taxAmount": 15.0,
                    "totalAmount": 115.0,
                    "accountRef": {"id": "e0a5d892-9f9f-44f0-a153-5cb7db125170"},
                    "taxRateRef": {"id": "INPUT2"},
                }
            ],
            "paymentAllocations": [],
            "subTotal": 100.0,
            "withholdingTax": [],
            "status": "Open",
            "taxAmount": 15.0,
            "totalAmount": 115.0,
            "amountDue": 115.0,
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2018-11-02T16:36:32Z",
        },
    ),
    Case(
        "creditNotes",
        mapping.credit_note,
        {
            "CreditNoteID": "249f15fa-f2a7-4acc-8769-0984103f2225",
            "CreditNoteNumber": "CN-0005",
            "Payments": [],
            "CurrencyRate": 1.0,
            "Type": "ACCRECCREDIT",
            "Reference": "US Tour",
            "RemainingCredit": 28.5,
            "Allocations": [
                {
                    "Amount": 6.0,
                    "Date": "/Date(1543449600000+0000)/",
                    "Invoice": {
                        "InvoiceID": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
                        "InvoiceNumber": "INV-0002",
                    },
                }
            ],
            "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8", "Name": "Liam Gallagher"},
            "Date": "/Date(1551744000000+0000)/",
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [],
            "SubTotal": 30.0,
            "TotalTax": 4.5,
            "Total": 34.5,
            "UpdatedDateUTC": "/Date(1551812346157+0000)/",
            "CurrencyCode": "NZD",
        },
        {},
        {
            "id": "249f15fa-f2a7-4acc-8769-0984103f2225",
            "withholdingTax": [],
            "totalAmount": 34.5,
            "totalDiscount": 0.0,
            "subTotal": 30.0,
            "totalTaxAmount": 4.5,
            "discountPercentage": 0.0,
            "remainingCredit": 28.5,
            "status": "PartiallyPaid",
            "issueDate": "2019-03-05T00:00:00",
            "currency": "NZD",
            "currencyRate": 1.0,
            "lineItems": [],
            "paymentAllocations": [
                {
                    "payment": {
                        "id": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
                        "reference": "INV-0002",
                        "currency": "NZD",
                        "paidOnDate": "2018-11-29T00:00:00",
                        "totalAmount": -6.0,
                    },
                    "allocation": {
                        "currency": "NZD",
                        "currencyRate": 1.0,
                        "allocatedOnDate": "2018-11-29T00:00:00",
                        "totalAmount": 6.0,
                    },
                }
            ],
            "note": "US Tour",
            "creditNoteNumber": "CN-0005",
            "customerRef": {"id": "430fa14a-f945-44d3-9f97-5df5e28441b8", "companyName": "Liam Gallagher"},
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-05T18:59:06Z",
        },
    ),
    Case(
        "billCreditNotes",
        mapping.bill_credit_note,
        {
            "CreditNoteID": "5b5a8f7e-2e2b-4d8e-8a86-3b36a1e3c0a1",
            "CreditNoteNumber": "SCN-12",
            "CurrencyRate": 1.0,
            "Type": "ACCPAYCREDIT",
            "RemainingCredit": 0.0,
            "Allocations": [],
            "Payments": [],
            "Contact": {"ContactID": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "Name": "Parker and Co"},
            "Date": "/Date(1551744000000+0000)/",
            "FullyPaidOnDate": "/Date(1551830400000+0000)/",
            "Status": "PAID",
            "LineAmountTypes": "NoTax",
            "LineItems": [],
            "SubTotal": 12.0,
            "TotalTax": 0.0,
            "Total": 12.0,
            "UpdatedDateUTC": "/Date(1551812346157+0000)/",
            "CurrencyCode": "NZD",
        },
        {},
        {
            "id": "5b5a8f7e-2e2b-4d8e-8a86-3b36a1e3c0a1",
            "withholdingTax": [],
            "totalAmount": 12.0,
            "totalDiscount": 0.0,
            "subTotal": 12.0,
            "totalTaxAmount": 0.0,
            "discountPercentage": 0.0,
            "remainingCredit": 0.0,
            "status": "Paid",
            "issueDate": "2019-03-05T00:00:00",
            "allocatedOnDate": "2019-03-06T00:00:00",
            "currency": "NZD",
            "currencyRate": 1.0,
            "lineItems": [],
            "paymentAllocations": [],
            "billCreditNoteNumber": "SCN-12",
            "supplierRef": {"id": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "supplierName": "Parker and Co"},
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-05T18:59:06Z",
        },
    ),
    Case(
        "payments",
        mapping.payment,
        {
            "PaymentID": "99ea7f6b-c513-4066-bc27-b7c65dcd76c2",
            "Date": "/Date(1543449600000+0000)/",
            "Amount": 46.0,
            "Reference": "Cheque 55",
            "CurrencyRate": 1.0,
            "PaymentType": "ACCRECPAYMENT",
            "Status": "AUTHORISED",
            "UpdatedDateUTC": "/Date(1541176592690+0000)/",
            "Account": {"AccountID": "5690f1e8-1d02-4893-90c2-ee1a69eff942", "Code": "970"},
            "Invoice": {
                "Type": "ACCREC",
                "InvoiceID": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
                "InvoiceNumber": "INV-0002",
                "Contact": {
                    "ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
                    "Name": "Barney Rubble-83203",
                },
                "CurrencyCode": "NZD",
            },
        },
        {},
        {
            "id": "99ea7f6b-c513-4066-bc27-b7c65dcd76c2",
            "customerRef": {
                "id": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
                "companyName": "Barney Rubble-83203",
            },
            "accountRef": {"id": "5690f1e8-1d02-4893-90c2-ee1a69eff942"},
            "totalAmount": 46.0,
            "currency": "NZD",
            "currencyRate": 1.0,
            "date": "2018-11-29T00:00:00",
            "reference": "Cheque 55",
            "lines": [
                {
                    "amount": 46.0,
                    "links": [
                        {
                            "type": "Invoice",
                            "id": "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
                            "amount": -46.0,
                            "currencyRate": 1.0,
                        }
                    ],
                    "allocatedOnDate": "2018-11-29T00:00:00",
                }
            ],
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2018-11-02T16:36:32Z",
        },
    ),
    Case(
        "billPayments",
        mapping.bill_payment,
        {
            "PaymentID": "b356e488-4727-4473-b2b3-ec36b4b7ea3a",
            "Date": "/Date(1543449600000+0000)/",
            "Amount": 115.0,
            "Reference": "",
            "CurrencyRate": 1.0,
            "PaymentType": "ACCPAYPAYMENT",
            "Status": "AUTHORISED",
            "UpdatedDateUTC": "/Date(1541176592690+0000)/",
            "Account": {"AccountID": "5690f1e8-1d02-4893-90c2-ee1a69eff942", "Name": "Business Bank"},
            "Invoice": {
                "Type": "ACCPAY",
                "InvoiceID": "7ef31b20-de17-4312-8382-412f869b1510",
                "Contact": {"ContactID": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "Name": "Parker and Co"},
                "CurrencyCode": "NZD",
            },
        },
        {},
        {
            "id": "b356e488-4727-4473-b2b3-ec36b4b7ea3a",
            "supplierRef": {"id": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", "supplierName": "Parker and Co"},
            "accountRef": {"id": "5690f1e8-1d02-4893-90c2-ee1a69eff942", "name": "Business Bank"},
            "totalAmount": 115.0,
            "currency": "NZD",
            "currencyRate": 1.0,
            "date": "2018-11-29T00:00:00",
            "lines": [
                {
                    "amount": 115.0,
                    "links": [
                        {
                            "type": "Bill",
                            "id": "7ef31b20-de17-4312-8382-412f869b1510",
                            "amount": -115.0,
                            "currencyRate": 1.0,
                        }
                    ],
                    "allocatedOnDate": "2018-11-29T00:00:00",
                }
            ],
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2018-11-02T16:36:32Z",
        },
    ),
    Case(
        "bankTransactions",
        mapping.bank_transaction,
        {
            "BankTransactionID": "db54aab0-ad40-4ced-bcff-0940ba20db2c",
            "BankAccount": {
                "AccountID": "6f7594f2-f059-4d56-9e67-47ac9733bfe9",
                "Code": "088",
                "Name": "Business Wells Fargo",
            },
            "Type": "SPEND",
            "IsReconciled": True,
            "Reference": "",
            "Contact": {"ContactID": "9c2c64de-12c9-4167-b503-e2c0e1aa1f49", "Name": "sam"},
            "Date": "/Date(1476316800000+0000)/",
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Coffee beans", "LineAmount": 10}],
            "SubTotal": 10,
            "TotalTax": 0,
            "Total": 10,
            "UpdatedDateUTC": "/Date(1476389616437+0000)/",
            "CurrencyCode": "USD",
        },
        {},
        {
            "id": "db54aab0-ad40-4ced-bcff-0940ba20db2c",
            "accountId": "6f7594f2-f059-4d56-9e67-47ac9733bfe9",
            "clearedOnDate": "2016-10-13T00:00:00",
            "description": "Coffee beans",
            "reconciled": True,
            "amount": -10.0,
            "transactionType": "Debit",
            "sourceModifiedDate": "2016-10-13T20:13:36Z",
        },
    ),
    Case(
        "journalEntries",
        mapping.journal,
        {
            "JournalID": "1b31feeb-aa23-404c-8c19-24c827c53661",
            "JournalDate": "/Date(1539993600000+0000)/",
            "JournalNumber": 1,
            "CreatedDateUTC": "/Date(1541176243467+0000)/",
            "Reference": "Red Fish, Blue Fish",
            "SourceID": "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2",
            "SourceType": "ACCREC",
            "JournalLines": [
                {
                    "JournalLineID": "81e6b1bf-d812-4f87-8dc4-698558ae043e",
                    "AccountID": "b94495d0-44ab-4199-a1d0-427a4877e100",
                    "AccountCode": "610",
                    "AccountType": "CURRENT",
                    "AccountName": "Accounts Receivable",
                    "Description": "",
                    "NetAmount": 40.0,
                    "GrossAmount": 40.0,
                    "TaxAmount": 0.0,
                    "TrackingCategories": [],
                },
                {
                    "JournalLineID": "ad221a8c-ebee-4c1b-88ed-d574e27e8803",
                    "AccountID": "e0a5d892-9f9f-44f0-a153-5cb7db125170",
                    "AccountCode": "200",
                    "AccountType": "REVENUE",
                    "AccountName": "Sales",
                    "Description": "Acme Tires",
                    "NetAmount": -40.0,
                    "GrossAmount": -40.0,
                    "TaxAmount": 0.0,
                    "TrackingCategories": [
                        {
                            "TrackingCategoryID": "22f10184-0deb-44ae-a312-b1f6ea70e51f",
                            "TrackingOptionID": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11",
                            "Name": "Region",
                            "Option": "North",
                        }
                    ],
                },
            ],
        },
        {},
        {
            "id": "1b31feeb-aa23-404c-8c19-24c827c53661",
            "description": "Red Fish, Blue Fish",
            "postedOn": "2018-10-20T00:00:00",
            "createdOn": "2018-11-02T16:30:43Z",
            "updatedOn": "2018-11-02T16:30:43Z",
            "journalLines": [
                {
                    "netAmount": 40.0,
                    "accountRef": {
                        "id": "b94495d0-44ab-4199-a1d0-427a4877e100",
                        "name": "Accounts Receivable",
                    },
                },
                {
                    "description": "Acme Tires",
                    "netAmount": -40.0,
                    "accountRef": {"id": "e0a5d892-9f9f-44f0-a153-5cb7db125170", "name": "Sales"},
                    "tracking": {
                        "recordRefs": [
                            {"id": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11", "dataType": "trackingCategories"}
                        ]
                    },
                },
            ],
            "recordRef": {"id": "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2", "dataType": "invoices"},
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2018-11-02T16:30:43Z",
        },
    ),
    Case(
        "journalEntries",
        mapping.manual_journal,
        {
            "Date": "/Date(1553126400000+0000)/",
            "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "UpdatedDateUTC": "/Date(1552357188083+0000)/",
            "ManualJournalID": "0b159335-606b-485f-b51b-97b3b32bad32",
            "Narration": "Owner's drawings",
            "JournalLines": [
                {
                    "LineAmount": 100.0,
                    "AccountID": "ebd06280-af70-4bed-97c6-7451a454ad85",
                    "Description": "Cash",
                },
                {"LineAmount": -100.0, "AccountCode": "880", "Description": "Drawings"},
            ],
        },
        {},
        {
            "id": "0b159335-606b-485f-b51b-97b3b32bad32",
            "description": "Owner's drawings",
            "postedOn": "2019-03-21T00:00:00",
            "updatedOn": "2019-03-12T02:19:48Z",
            "journalLines": [
                {
                    "description": "Cash",
                    "netAmount": 100.0,
                    "accountRef": {"id": "ebd06280-af70-4bed-97c6-7451a454ad85"},
                },
                {"description": "Drawings", "netAmount": -100.0, "accountRef": {"id": "880"}},
            ],
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-12T02:19:48Z",
        },
    ),
    Case(
        "items",
        mapping.item,
        {
            "ItemID": "c8c54d65-f3f2-452d-926e-bf450b12fb07",
            "Code": "123",
            "Description": "Guitars Fender Strat",
            "PurchaseDescription": "Fender Strat from the wholesaler",
            "UpdatedDateUTC": "/Date(1551981476267+0000)/",
            "PurchaseDetails": {"UnitPrice": 3000.0, "AccountCode": "300", "TaxType": "INPUT2"},
            "SalesDetails": {"UnitPrice": 5000.0, "AccountCode": "200", "TaxType": "OUTPUT2"},
            "Name": "Guitars",
            "IsTrackedAsInventory": True,
            "IsSold": True,
            "IsPurchased": True,
        },
        {"account_ids": {"200": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80"}},
        {
            "id": "c8c54d65-f3f2-452d-926e-bf450b12fb07",
            "name": "Guitars",
            "code": "123",
            "itemStatus": "Active",
            "type": "Inventory",
            "isBillItem": True,
            "billItem": {
                "unitPrice": 3000.0,
                "accountRef": {"id": "300"},
                "taxRateRef": {"id": "INPUT2"},
                "description": "Fender Strat from the wholesaler",
            },
            "isInvoiceItem": True,
            "invoiceItem": {
                "unitPrice": 5000.0,
                "accountRef": {"id": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80"},
                "taxRateRef": {"id": "OUTPUT2"},
                "description": "Guitars Fender Strat",
            },
            "metadata": {"isDeleted": False},
            "sourceModifiedDate": "2019-03-07T17:57:56Z",
        },
    ),
    Case(
        "taxRates",
        mapping.tax_rate,
        {
            "Name": "15% GST on Expenses",
            "TaxType": "INPUT2",
            "ReportTaxType": "INPUT",
            "DisplayTaxRate": 15.0,
            "EffectiveRate": 15.0,
            "Status": "ACTIVE",
            "TaxComponents": [{"Name": "GST", "Rate": 15.0, "IsCompound": False, "IsNonRecoverable": False}],
        },
        {},
        {
            "id": "INPUT2",
            "name": "15% GST on Expenses",
            "code": "INPUT2",
            "status": "Active",
            "effectiveTaxRate": 15.0,
            "totalTaxRate": 15.0,
            "components": [{"name": "GST", "rate": 15.0, "isCompound": False}],
            "metadata": {"isDeleted": False},
        },
    ),
    Case(
        "trackingCategories",
        mapping.tracking_categories,
        {
            "Name": "Region",
            "Status": "ACTIVE",
            "TrackingCategoryID": "22f10184-0deb-44ae-a312-b1f6ea70e51f",
            "Options": [
                {
                    "TrackingOptionID": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11",
                    "Name": "North",
                    "Status": "ACTIVE",
                },
                {
                    "TrackingOptionID": "7b2f3c1d-4e5a-4b6c-8d9e-0f1a2b3c4d5e",
                    "Name": "South",
                    "Status": "ARCHIVED",
                },
            ],
        },
        {},
        [
            {
                "id": "22f10184-0deb-44ae-a312-b1f6ea70e51f",
                "name": "Region",
                "status": "Active",
                "hasChildren": True,
                "metadata": {"isDeleted": False},
            },
            {
                "id": "1d4a5f2e-0c3b-4c5a-9b31-3c5f2a1e4d11",
                "name": "North",
                "status": "Active",
                "parentId": "22f10184-0deb-44ae-a312-b1f6ea70e51f",
                "hasChildren": False,
                "metadata": {"isDeleted": False},
            },
            mapping.Deleted(id="7b2f3c1d-4e5a-4b6c-8d9e-0f1a2b3c4d5e"),
        ],
    ),
    Case(
        "company",
        mapping.company,
        {
            "Name": "Dev Evangelist - Sid Test 3 (NZ-2016-02)",
            "LegalName": "Sid Test 3 Limited",
            "BaseCurrency": "NZD",
            "CountryCode": "NZ",
            "TaxNumber": "071-138-054",
            "RegistrationNumber": "1234567",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 3,
            "PeriodLockDate": "/Date(1546214400000+0000)/",
            "CreatedDateUTC": "/Date(1455827393000)/",
            "ShortCode": "!mBdtL",
            "OrganisationID": "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b",
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "23 Main Street",
                    "City": "Wellington",
                    "PostalCode": "6011",
                    "Country": "New Zealand",
                }
            ],
            "Phones": [
                {
                    "PhoneType": "OFFICE",
                    "PhoneNumber": "555-1234",
                    "PhoneAreaCode": "04",
                    "PhoneCountryCode": "64",
                }
            ],
            "ExternalLinks": [
                {"LinkType": "Website", "Url": "https://sidtest.example"},
                {"LinkType": "Twitter", "Url": "https://twitter.com/sidtest"},
            ],
        },
        {},
        {
            "companyName": "Dev Evangelist - Sid Test 3 (NZ-2016-02)",
            "accountingPlatformRef": "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b",
            "companyLegalName": "Sid Test 3 Limited",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "23 Main Street",
                    "city": "Wellington",
                    "country": "New Zealand",
                    "postalCode": "6011",
                }
            ],
            "phoneNumbers": [{"number": "+64 04 555-1234", "type": "Landline"}],
            "webLinks": [
                {"type": "Website", "url": "https://sidtest.example"},
                {"type": "Social", "url": "https://twitter.com/sidtest"},
            ],
            "ledgerLockDate": "2018-12-31T00:00:00",
            "registrationNumber": "1234567",
            "taxNumber": "071-138-054",
            "financialYearStartDate": "2015-04-01T00:00:00",
            "baseCurrency": "NZD",
            "sourceUrls": {
                "Organisation": "https://go.xero.com/organisationlogin/default.aspx?shortcode=!mBdtL"
            },
            "createdDate": "2016-02-18T20:29:53Z",
        },
    ),
]

BALANCE_SHEET_APRIL_2019 = {
    "id": "2019-04",
    "currency": "NZD",
    "date": "2019-04-30T00:00:00",
    "assets": {
        "name": "Assets",
        "value": 179533.09,
        "items": [
            {
                "name": "Bank",
                "value": 296.37,
                "items": [
                    {
                        "accountId": "041207d2-3d61-4e5d-8c1a-b9236955a71c",
                        "name": "Country Savings",
                        "value": -1850.0,
                        "items": [],
                    },
                    {
                        "accountId": "300f3bde-3a5c-4035-9ec5-45b09777679a",
                        "name": "My Big Bank",
                        "value": 2146.37,
                        "items": [],
                    },
                ],
            },
            {
                "name": "Current Assets",
                "value": 179355.72,
                "items": [
                    {
                        "accountId": "b94495d0-44ab-4199-a1d0-427a4877e100",
                        "name": "Accounts Receivable",
                        "value": 154355.72,
                        "items": [],
                    },
                    {
                        "accountId": "53a12a15-7e9b-4a31-85f4-a7cee6d04215",
                        "name": "Inventory",
                        "value": 25000.0,
                        "items": [],
                    },
                ],
            },
            {
                "name": "Fixed Assets",
                "value": -119.0,
                "items": [
                    {
                        "accountId": "7132cab3-ce56-4389-8e47-8f60d4c137f8",
                        "name": "Office Equipment",
                        "value": -119.0,
                        "items": [],
                    }
                ],
            },
        ],
    },
    "liabilities": {
        "name": "Liabilities",
        "value": -5915.21,
        "items": [
            {
                "name": "Current Liabilities",
                "value": -5915.21,
                "items": [
                    {
                        "accountId": "a2a4795b-a01f-40eb-afa6-a34b4514875d",
                        "name": "Accounts Payable",
                        "value": -3469.0,
                        "items": [],
                    },
                    {
                        "accountId": "17d9a4a0-3181-4803-a96b-f0dbe589091b",
                        "name": "GST",
                        "value": -2446.21,
                        "items": [],
                    },
                ],
            }
        ],
    },
    "netAssets": 185448.3,
    "equity": {
        "name": "Equity",
        "value": 185448.29,
        "items": [
            {
                "name": "Equity",
                "value": 185448.29,
                "items": [
                    {
                        "accountId": "00000000-0000-0000-0000-000000000000",
                        "name": "Current Year Earnings",
                        "value": 114.62,
                        "items": [],
                    },
                    {
                        "accountId": "136ebd08-60ea-4592-8982-be92c153b53a",
                        "name": "Owner A Drawings",
                        "value": 28752.0,
                        "items": [],
                    },
                    {
                        "accountId": "5690f1e8-1d02-4893-90c2-ee1a69eff942",
                        "name": "Owner A Funds Introduced",
                        "value": -50.0,
                        "items": [],
                    },
                    {
                        "accountId": "7fc16c06-c342-4f32-995f-889b5f9996fd",
                        "name": "Retained Earnings",
                        "value": 156631.67,
                        "items": [],
                    },
                ],
            }
        ],
    },
}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.data_type}-{c.function.__name__}" for c in CASES])
def test_each_xero_record_becomes_this_codat_record(case: Case) -> None:
    assert case.function(case.xero, **case.context) == case.codat
    validator = jsonschema_rs.validator_for(fields.record_schema(case.data_type))
    for record in case.codat if isinstance(case.codat, list) else [case.codat]:
        if isinstance(record, dict):
            errors = [str(error) for error in validator.iter_errors(record)]
            assert not errors, errors[:3]


GONE = [
    (mapping.account, {"AccountID": "a1", "Status": "ARCHIVED"}, "a1"),
    (mapping.bank_account, {"AccountID": "a2", "Status": "ARCHIVED", "Type": "BANK"}, "a2"),
    (mapping.customer, {"ContactID": "c1", "ContactStatus": "ARCHIVED"}, "c1"),
    (mapping.supplier, {"ContactID": "c2", "ContactStatus": "GDPRREQUEST"}, "c2"),
    (mapping.invoice, {"InvoiceID": "i1", "Status": "VOIDED"}, "i1"),
    (mapping.bill, {"InvoiceID": "i2", "Status": "DELETED"}, "i2"),
    (mapping.credit_note, {"CreditNoteID": "n1", "Status": "VOIDED"}, "n1"),
    (mapping.bill_credit_note, {"CreditNoteID": "n2", "Status": "DELETED"}, "n2"),
    (mapping.payment, {"PaymentID": "p1", "Status": "DELETED"}, "p1"),
    (mapping.bill_payment, {"PaymentID": "p2", "Status": "DELETED"}, "p2"),
    (mapping.bank_transaction, {"BankTransactionID": "b1", "Status": "DELETED"}, "b1"),
    (mapping.manual_journal, {"ManualJournalID": "m1", "Status": "VOIDED"}, "m1"),
    (mapping.tax_rate, {"TaxType": "OLDGST", "Status": "DELETED"}, "OLDGST"),
]


@pytest.mark.parametrize(("function", "xero", "record_id"), GONE, ids=[g[2] for g in GONE])
def test_archived_voided_and_deleted_records_are_deletions(function, xero, record_id) -> None:
    assert function(xero) == mapping.Deleted(record_id)


def test_an_archived_tracking_category_deletes_its_options_too() -> None:
    category = {
        "TrackingCategoryID": "t1",
        "Name": "Region",
        "Status": "ARCHIVED",
        "Options": [{"TrackingOptionID": "o1"}],
    }
    assert mapping.tracking_categories(category) == [mapping.Deleted("t1"), mapping.Deleted("o1")]


def test_document_statuses() -> None:
    base = {"InvoiceID": "i", "Total": 10, "TotalTax": 0, "Date": "/Date(0+0000)/"}

    def status(**fields: Any) -> str:
        return mapping.invoice({**base, **fields})["status"]

    assert status(Status="DRAFT", AmountDue=10) == "Draft"
    assert status(Status="SUBMITTED", AmountDue=10) == "Submitted"
    assert status(Status="AUTHORISED", AmountDue=10, AmountPaid=0) == "Submitted"
    assert status(Status="AUTHORISED", AmountDue=4, AmountPaid=6) == "PartiallyPaid"
    assert status(Status="PAID", AmountDue=0, AmountPaid=10) == "Paid"
    assert mapping.bill({**base, "Status": "AUTHORISED", "AmountDue": 10})["status"] == "Open"


def test_allocation_signs_per_document_type_are_codats() -> None:
    """Codat's examples: an invoice's or bill's allocation is negative (amountDue = total + allocations), its
    payment positive; a credit note's allocation is positive (remainingCredit = total - allocations), its
    refund negative. Each document below is paid 30 of 100 by a payment and 20 by a credit applied."""
    paid = {"PaymentID": "p", "Date": "/Date(0+0000)/", "Amount": 30}
    credit = {"CreditNoteID": "c", "Date": "/Date(0+0000)/", "AppliedAmount": 20}
    document = {"Date": "/Date(0+0000)/", "Status": "AUTHORISED", "Total": 100, "AmountDue": 50}
    invoice = mapping.invoice({**document, "InvoiceID": "i", "Payments": [paid], "CreditNotes": [credit]})
    bill = mapping.bill({**document, "InvoiceID": "b", "Payments": [paid], "CreditNotes": [credit]})
    applied = {"Amount": 20, "Date": "/Date(0+0000)/", "Invoice": {"InvoiceID": "i"}}
    note = {
        **document,
        "CreditNoteID": "c",
        "RemainingCredit": 50,
        "Payments": [paid],
        "Allocations": [applied],
    }
    credit_note = mapping.credit_note(note)
    bill_credit_note = mapping.bill_credit_note(note)

    def signs(record: Any) -> list[tuple[float, float]]:
        return [
            (a["payment"]["totalAmount"], a["allocation"]["totalAmount"])
            for a in record["paymentAllocations"]
        ]

    def allocated(record: Any) -> float:
        return sum(a["allocation"]["totalAmount"] for a in record["paymentAllocations"])

    assert signs(invoice) == signs(bill) == [(30.0, -30.0), (20.0, -20.0)]
    assert signs(credit_note) == signs(bill_credit_note) == [(-30.0, 30.0), (-20.0, 20.0)]
    for owed in (invoice, bill):
        assert owed["amountDue"] == owed["totalAmount"] + allocated(owed)
    for credit_record in (credit_note, bill_credit_note):
        assert credit_record["remainingCredit"] == credit_record["totalAmount"] - allocated(credit_record)


def test_dates_and_currency_rates() -> None:
    assert mapping.codat_date("/Date(1539993600000+0000)/") == "2018-10-20T00:00:00"
    assert mapping.codat_date("2019-03-11T00:00:00") == "2019-03-11T00:00:00"
    assert mapping.codat_timestamp("/Date(1541176290160+1300)/") == "2018-11-02T16:31:30Z"
    assert mapping.currency_rate(0.8) == 1.25 and mapping.currency_rate(None) == 1.0


def test_balance_sheet_report_column_becomes_a_monthly_statement() -> None:
    report = spec_example("/Reports/BalanceSheet")["Reports"][0]
    column = ReportColumn(
        index=1, month="2019-04", from_date="2019-04-01T00:00:00", to_date="2019-04-30T00:00:00"
    )
    record = mapping.balance_sheet(report, column, "NZD")
    assert record == BALANCE_SHEET_APRIL_2019
    _valid_statement("balanceSheet", record)
    # The third column is February's snapshot.
    february = mapping.balance_sheet(
        report, ReportColumn(3, "2019-02", "2019-02-01T00:00:00", "2019-02-28T00:00:00"), "NZD"
    )
    assert february["assets"]["items"][0]["items"][0] == {
        "accountId": "041207d2-3d61-4e5d-8c1a-b9236955a71c",
        "name": "Country Savings",
        "value": 0.0,
        "items": [],
    }


PROFIT_AND_LOSS_REPORT = {
    "ReportType": "ProfitAndLoss",
    "Rows": [
        {"RowType": "Header", "Cells": [{"Value": ""}, {"Value": "Apr 19"}, {"Value": "Mar 19"}]},
        {
            "RowType": "Section",
            "Title": "Income",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [
                        {"Value": "Sales", "Attributes": [{"Value": "s1", "Id": "account"}]},
                        {"Value": "1000.00"},
                        {"Value": "800.00"},
                    ],
                },
                {
                    "RowType": "SummaryRow",
                    "Cells": [{"Value": "Total Income"}, {"Value": "1000.00"}, {"Value": "800.00"}],
                },
            ],
        },
        {
            "RowType": "Section",
            "Title": "Less Cost of Sales",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [
                        {"Value": "Purchases", "Attributes": [{"Value": "c1", "Id": "account"}]},
                        {"Value": "400.00"},
                        {"Value": "300.00"},
                    ],
                },
            ],
        },
        {
            "RowType": "Section",
            "Title": "",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [{"Value": "Gross Profit"}, {"Value": "600.00"}, {"Value": "500.00"}],
                }
            ],
        },
        {
            "RowType": "Section",
            "Title": "Plus Other Income",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [
                        {"Value": "Interest Income", "Attributes": [{"Value": "i1", "Id": "account"}]},
                        {"Value": "5.00"},
                        {"Value": "0.00"},
                    ],
                },
            ],
        },
        {
            "RowType": "Section",
            "Title": "Less Operating Expenses",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [
                        {"Value": "Rent", "Attributes": [{"Value": "r1", "Id": "account"}]},
                        {"Value": "250.00"},
                        {"Value": "250.00"},
                    ],
                },
            ],
        },
        {
            "RowType": "Section",
            "Title": "",
            "Rows": [
                {
                    "RowType": "Row",
                    "Cells": [{"Value": "Net Profit"}, {"Value": "355.00"}, {"Value": "250.00"}],
                }
            ],
        },
    ],
}


def test_profit_and_loss_report_column_becomes_a_monthly_statement() -> None:
    column = ReportColumn(
        index=2, month="2019-03", from_date="2019-03-01T00:00:00", to_date="2019-03-31T00:00:00"
    )
    record = mapping.profit_and_loss(PROFIT_AND_LOSS_REPORT, column, "NZD")

    def part(name: str, title: str, account: str, label: str, value: float) -> dict[str, Any]:
        return {
            "name": name,
            "value": value,
            "items": [
                {
                    "name": title,
                    "value": value,
                    "items": [{"accountId": account, "name": label, "value": value, "items": []}],
                }
            ],
        }

    assert record == {
        "id": "2019-03",
        "currency": "NZD",
        "reportBasis": "Accrual",
        "fromDate": "2019-03-01T00:00:00",
        "toDate": "2019-03-31T00:00:00",
        "income": part("Income", "Income", "s1", "Sales", 800.0),
        "costOfSales": part("Cost of Sales", "Less Cost of Sales", "c1", "Purchases", 300.0),
        "grossProfit": 500.0,
        "expenses": part("Expenses", "Less Operating Expenses", "r1", "Rent", 250.0),
        "netOperatingProfit": 250.0,
        "otherExpenses": {"name": "Other Expenses", "value": 0, "items": []},
        "otherIncome": part("Other Income", "Plus Other Income", "i1", "Interest Income", 0.0),
        "netOtherIncome": 0.0,
        "netProfit": 250.0,
    }
    _valid_statement("profitAndLoss", record)
    april = mapping.profit_and_loss(PROFIT_AND_LOSS_REPORT, ReportColumn(1, "2019-04", "", ""), "NZD")
    assert (april["grossProfit"], april["netOtherIncome"], april["netProfit"]) == (600.0, 5.0, 355.0)


def _valid_statement(key: str, record: dict[str, Any]) -> None:
    envelope = ("id", "currency", "reportBasis", "reportInput")
    report = {k: v for k, v in record.items() if k not in envelope}
    errors = [str(e) for e in jsonschema_rs.validator_for(fields.record_schema(key)).iter_errors(report)]
    assert not errors, errors[:3]
    response = fields.response_schema(key)
    assembled = statements.assemble(key, [record], 1, 1, None)
    errors = [str(e) for e in jsonschema_rs.validator_for(response).iter_errors(assembled)]
    assert not errors, errors[:3]
