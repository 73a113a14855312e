"""Codat's create models (`records/creates.py`) of every type Codat writes, and the push options derived from
them: bodies shaped as Codat's docs and spec show them pass, the documented bad inputs are refused with one
validation item per problem (as `POST .../push/{dataType}` answers them), and every type's options are Codat's
`PushOption` as its spec and both SDKs that read them say."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from codat_lending.models.shared import PushOption as LendingPushOption
from codat_platform.models.shared import PushOption as PlatformPushOption

from ledgerlink.kit.errors import BadRequest
from ledgerlink.push.schemas import check_record
from ledgerlink.records import registry
from tests.support.spec_schemas import component_validator

_LINE = {"description": "Widgets", "unitAmount": 10, "quantity": 3, "accountRef": {"id": "4000"}}
_ALLOCATION = {
    "payment": {"accountRef": {"id": "bank-1"}, "paidOnDate": "2024-06-20", "totalAmount": 36},
    "allocation": {"allocatedOnDate": "2024-06-20", "totalAmount": 36},
}

# A valid body of each type Codat writes, as Codat's docs and its spec's create models show them (the loan
# writeback guide's bank account, account, supplier, transfer and direct cost among them).
VALID: dict[str, dict[str, Any]] = {
    "bankAccounts": {
        "accountName": "Lender Loan Account",
        "accountType": "Credit",
        "accountNumber": "12345678",
        "currency": "GBP",
        "institution": "Codat Lending",
        "nominalCode": "2100",
    },
    "bankTransactions": {
        "accountId": "bank-1",
        "transactions": [
            {
                "id": "txn-1",
                "clearedOnDate": "2024-06-20T00:00:00",
                "description": "Loan drawdown",
                "amount": 5000.00,
                "balance": 5000.00,
                "reconciled": False,
                "transactionType": "Credit",
            }
        ],
    },
    "billCreditNotes": {
        "billCreditNoteNumber": "BCN-1",
        "supplierRef": {"id": "sup-1"},
        "issueDate": "2024-06-20",
        "currency": "GBP",
        "lineItems": [_LINE],
        "status": "Submitted",
        "totalAmount": 30,
    },
    "billPayments": {
        "supplierRef": {"id": "sup-1"},
        "accountRef": {"id": "bank-1"},
        "totalAmount": 50,
        "date": "2024-06-21T00:00:00Z",
        "lines": [
            {"amount": 30, "links": [{"type": "Bill", "id": "bill-1", "amount": -30}]},
            {"amount": 20, "links": [{"type": "PaymentOnAccount"}]},
        ],
    },
    "bills": {
        "reference": "SUP-INV-7",
        "supplierRef": {"id": "sup-1"},
        "issueDate": "2024-06-20",
        "dueDate": "2024-07-20",
        "currency": "GBP",
        "lineItems": [{**_LINE, "taxRateRef": {"id": "VAT20"}, "isDirectCost": False}],
        "status": "Open",
        "subTotal": 30,
        "taxAmount": 6,
        "totalAmount": 36,
    },
    "chartOfAccounts": {
        "nominalCode": "7900",
        "name": "Loan interest",
        "description": "Interest paid on the business loan",
        "fullyQualifiedCategory": "Expense.Finance",
        "fullyQualifiedName": "Expense.Finance.Loan interest",
        "currency": "GBP",
        "currentBalance": 0,
        "type": "Expense",
        "status": "Active",
    },
    "creditNotes": {
        "customerRef": {"id": "cus-1"},
        "issueDate": "2024-06-20",
        "lineItems": [_LINE],
        "status": "Submitted",
    },
    "customers": {
        "customerName": "Acme Ltd",
        "emailAddress": "accounts@acme.example",
        "addresses": [{"type": "Billing", "line1": "1 High St", "city": "Leeds", "postalCode": "LS1 1AA"}],
        "contacts": [
            {"name": "Ann", "phone": [{"number": "0113 000", "type": "Landline"}], "status": "Active"}
        ],
        "status": "Active",
        "defaultCurrency": "GBP",
    },
    "directCosts": {
        "reference": "Loan interest June",
        "contactRef": {"id": "sup-lender", "dataType": "suppliers"},
        "issueDate": "2024-06-30",
        "currency": "GBP",
        "lineItems": [{"unitAmount": 36, "quantity": 1, "accountRef": {"id": "7900"}}],
        "paymentAllocations": [_ALLOCATION],
        "subTotal": 36,
        "taxAmount": 0,
        "totalAmount": 36,
    },
    "directIncomes": {
        "issueDate": "2024-06-30",
        "currency": "GBP",
        "lineItems": [{"unitAmount": 36, "quantity": 1, "accountRef": {"id": "4000"}}],
        "paymentAllocations": [_ALLOCATION],
    },
    "invoices": {
        "customerRef": {"id": "cus-1"},
        "issueDate": "2024-06-20",
        "dueDate": "2024-07-20",
        "lineItems": [_LINE],
        "status": "Draft",
    },
    "items": {
        "name": "Widget",
        "code": "W-1",
        "itemStatus": "Active",
        "type": "Inventory",
        "isBillItem": True,
        "billItem": {"unitPrice": 6, "accountRef": {"id": "5000"}},
        "isInvoiceItem": True,
        "invoiceItem": {"unitPrice": 10, "accountRef": {"id": "4000"}},
    },
    "journalEntries": {
        "postedOn": "2024-06-20",
        "journalLines": [
            {"netAmount": 100, "accountRef": {"id": "1200"}},
            {"netAmount": -100, "accountRef": {"id": "4000"}},
        ],
    },
    "journals": {"name": "Loans", "journalCode": "LN", "status": "Active"},
    "payments": {
        "customerRef": {"id": "cus-1"},
        "accountRef": {"id": "bank-1"},
        "totalAmount": 80,
        "date": "2024-06-21",
        "lines": [
            {"amount": 50, "links": [{"type": "Invoice", "id": "inv-1", "amount": -50}]},
            {"amount": 20, "links": [{"type": "PaymentOnAccount", "amount": -20}]},
            {"amount": 10},
        ],
    },
    "purchaseOrders": {
        "supplierRef": {"id": "sup-1"},
        "issueDate": "2024-06-20",
        "expectedDeliveryDate": "2024-06-30",
        "shipTo": {"contact": {"name": "Stores"}, "address": {"type": "Delivery", "line1": "Unit 4"}},
        "status": "Open",
        "lineItems": [{"description": "Widgets", "unitAmount": 6, "quantity": 10, "itemRef": {"id": "W-1"}}],
    },
    "suppliers": {"supplierName": "Codat Lending", "status": "Active", "defaultCurrency": "GBP"},
    "transfers": {
        "description": "Loan repayment",
        "date": "2024-07-01T00:00:00",
        "from": {"accountRef": {"id": "bank-1"}, "amount": 500, "currency": "GBP"},
        "to": {"accountRef": {"id": "loan-1"}, "amount": 500, "currency": "GBP"},
    },
}


def test_every_type_codat_writes_has_a_model_and_a_valid_body() -> None:
    assert set(VALID) == {data_type.key for data_type in registry.WRITABLE}


@pytest.mark.parametrize("data_type", sorted(VALID))
def test_codat_s_bodies_pass(data_type: str) -> None:
    body = copy.deepcopy(VALID[data_type])
    assert check_record(data_type, body) == VALID[data_type]
    # Fields the model does not name are the platform's (Codat's `supplementalData`, say).
    check_record(data_type, {**body, "supplementalData": {"content": {"x": {"y": 1}}}})


def _refused(data_type: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(BadRequest) as refused:
        check_record(data_type, body)
    assert refused.value.validation_errors is not None
    return [(item["itemId"], item["message"]) for item in refused.value.validation_errors]


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in keys}


# Each bad body and the field path of each problem in it: one validation item per problem.
BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    ("bills", _without(VALID["bills"], "supplierRef", "issueDate"), ["supplierRef", "issueDate"]),
    ("bills", {**VALID["bills"], "lineItems": []}, ["lineItems"]),
    ("bills", {**VALID["bills"], "status": "Approved", "dueDate": "next week"}, ["dueDate", "status"]),
    (
        "bills",
        {**VALID["bills"], "lineItems": [{**_LINE, "unitAmount": 10.001, "accountRef": {"id": ""}}]},
        ["lineItems.0.unitAmount", "lineItems.0.accountRef.id"],
    ),
    (
        "billPayments",
        {**VALID["billPayments"], "lines": [{"amount": 5, "links": [{"type": "Bill", "amount": -5}]}]},
        ["lines.0.links.0"],
    ),
    (
        "billPayments",
        {**VALID["billPayments"], "lines": [{"amount": 5, "links": [{"type": "Cheque"}]}]},
        ["lines.0.links.0.type"],
    ),
    ("billCreditNotes", _without(VALID["billCreditNotes"], "lineItems"), ["lineItems"]),
    ("purchaseOrders", {**VALID["purchaseOrders"], "status": "Sent"}, ["status"]),
    (
        "payments",
        {**VALID["payments"], "lines": [{"amount": 1, "links": [{"type": "Invoice"}]}]},
        ["lines.0.links.0"],
    ),
    # Codat: the lines' amounts make the total, and a line's links take exactly its amount.
    ("payments", {**VALID["payments"], "totalAmount": 90}, ["lines"]),
    (
        "billPayments",
        {
            **VALID["billPayments"],
            "lines": [{"amount": 50, "links": [{"type": "Bill", "id": "b", "amount": -40}]}],
        },
        ["lines.0.links"],
    ),
    ("chartOfAccounts", _without(VALID["chartOfAccounts"], "type"), ["type"]),
    ("chartOfAccounts", {**VALID["chartOfAccounts"], "type": "Revenue"}, ["type"]),
    (
        "bankAccounts",
        {**VALID["bankAccounts"], "accountType": "Savings", "currency": "POUNDS"},
        [
            "accountType",
            "currency",
        ],
    ),
    ("bankTransactions", {**VALID["bankTransactions"], "transactions": []}, ["transactions"]),
    (
        "bankTransactions",
        {"transactions": [{"amount": "lots"}, {"amount": 1, "transactionType": "Wire"}]},
        ["transactions.0.amount", "transactions.1.transactionType"],
    ),
    ("transfers", _without(VALID["transfers"], "from", "date"), ["date", "from"]),
    (
        "transfers",
        {**VALID["transfers"], "to": {"accountRef": {"id": "loan-1"}, "amount": -5}},
        ["to.amount"],
    ),
    (
        "directCosts",
        _without(VALID["directCosts"], "paymentAllocations", "currency"),
        [
            "currency",
            "paymentAllocations",
        ],
    ),
    (
        "directIncomes",
        {**VALID["directIncomes"], "paymentAllocations": [{"payment": {}}]},
        [
            "paymentAllocations.0.payment.accountRef",
            "paymentAllocations.0.allocation",
        ],
    ),
    ("items", _without(VALID["items"], "isBillItem"), ["isBillItem"]),
    ("items", {**VALID["items"], "type": "Gadget"}, ["type"]),
    ("customers", {**VALID["customers"], "customerName": "  "}, ["customerName"]),
    ("customers", _without(VALID["customers"], "customerName"), ["customerName"]),
    ("creditNotes", {**VALID["creditNotes"], "issueDate": "20/06/2024"}, ["issueDate"]),
    ("journals", {"name": ""}, ["name"]),
    ("invoices", {**VALID["invoices"], "status": "Sent"}, ["status"]),
]


@pytest.mark.parametrize(("data_type", "body", "problems"), BAD)
def test_documented_bad_inputs_are_refused_one_item_each(
    data_type: str, body: dict[str, Any], problems: list[str]
) -> None:
    items = _refused(data_type, body)
    assert sorted(item_id for item_id, _ in items) == sorted(problems), items
    assert all(message for _, message in items)


def test_the_existing_rules_keep_their_words() -> None:
    unbalanced = copy.deepcopy(VALID["journalEntries"])
    unbalanced["journalLines"][1]["netAmount"] = -90
    ((item_id, message),) = _refused("journalEntries", unbalanced)
    assert item_id == "journalLines" and "must balance" in message and "10.00" in message
    ((item_id, message),) = _refused("suppliers", {"supplierName": " "})
    assert item_id == "supplierName" and "must not be blank" in message
    ((item_id, message),) = _refused("payments", {**VALID["payments"], "totalAmount": 80.005})
    assert item_id == "totalAmount" and "to the penny" in message


@pytest.mark.parametrize("data_type", [data_type.key for data_type in registry.WRITABLE])
def test_each_type_s_options_are_codat_s_push_option(data_type: str) -> None:
    create_model = registry.create_model(data_type)
    assert create_model is not None
    option = json.loads(json.dumps(create_model.push_option))
    for spec in ("Codat-Platform.yaml", "Codat-Lending.yaml"):
        errors = [error.message for error in component_validator(spec, "PushOption").iter_errors(option)]
        assert errors == [], (spec, errors[:3])
    # Both SDKs that read options parse them.
    platform = PlatformPushOption.model_validate(option)
    lending = LendingPushOption.model_validate(option)
    assert platform.required is True and lending.display_name == option["displayName"]
    # The options say what the model does: the required fields, and every field's words.
    required = {
        field.alias or name for name, field in create_model.schema.model_fields.items() if field.is_required()
    }
    assert {key for key, prop in option["properties"].items() if prop["required"]} == required
    for prop in _walk(option):
        assert prop["displayName"] and prop["description"], prop
        for choice in prop.get("options") or []:
            assert choice["description"] and choice["type"] == "String" and choice["required"] is False


def _walk(option: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for prop in (option.get("properties") or {}).values():
        found += [prop, *_walk(prop)]
    return found


def test_options_carry_the_model_s_types_enums_and_rules() -> None:
    bill_payment = registry.create_model("billPayments")
    assert bill_payment is not None
    lines = bill_payment.push_option["properties"]["lines"]
    assert lines["type"] == "Array" and lines["properties"]["amount"]["type"] == "Number"
    links = lines["properties"]["links"]
    assert (
        links["required"] is False and "PaymentOnAccount" in links["validation"]["information"][0]["details"]
    )
    link_types = [choice["value"] for choice in links["properties"]["type"]["options"]]
    assert link_types[0] == "Bill" and "PaymentOnAccount" in link_types
    transfer = registry.create_model("transfers")
    assert transfer is not None
    options = transfer.push_option["properties"]
    assert options["date"]["type"] == "DateTime" and options["from"]["type"] == "Object"
    assert options["from"]["properties"]["accountRef"]["properties"]["id"]["required"] is True
    items = registry.create_model("items")
    assert items is not None and items.push_option["properties"]["isBillItem"]["type"] == "Boolean"
