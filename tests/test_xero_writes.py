"""Xero writes against the fake Xero (`tests/support/fakes/xero.py`, every request and response validated
against Xero's spec): each type's create, update and delete through the connector and the push service, read
back by a pull in Codat's shape; Xero's validation errors as Codat's `validation.errors`; the push's key as
Xero's `Idempotency-Key`; 429s, a refreshed token and a grant without the write scopes; and a create end to
end through the real server (`test_a_push_through_the_server_is_read_back_through_the_read_api`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import PushRejected, PushRequest, RecordNotFound
from ledgerlink.connectors.xero.connector import XeroConnector
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.oauth import flow, tokens
from ledgerlink.push import schemas
from ledgerlink.push import service as pushes
from ledgerlink.records.registry import Operation
from tests.support.connectors import (
    connection_of,
    consent_and_link,
    expire_stored_token,
    pending_connection,
    pull,
    runtime_on,
    stored,
)
from tests.support.fakes.xero import READ_SCOPES, SCOPES, XeroFake, seed_records, serving
from tests.support.loan_writeback import write_back_loan
from tests.support.pulls import wait_for_pulls
from tests.support.receivables import lending_sdk
from tests.support.server import RunningServer, separate_database

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-xero-writes"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()
# The spec's example revenue account (code 200).
SALES = next(a["AccountID"] for a in seed_records()["Accounts"] if a.get("Code") == "200")
TAG = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "xero_writes")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fake() -> Iterator[XeroFake]:
    server = XeroFake(CLIENT_ID, CLIENT_SECRET, CALLBACK).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def xero(fake: XeroFake, monkeypatch: pytest.MonkeyPatch) -> Iterator[XeroConnector]:
    connector = fake.connector(CLIENT_ID, CLIENT_SECRET)
    monkeypatch.setitem(registry.CONNECTORS, "gbol", connector)
    fake.reset()
    fake.clients[CLIENT_ID].scope = SCOPES
    yield connector
    assert fake.violations == [], "every request and response must follow Xero's spec"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


async def link(run: Runtime) -> uuid.UUID:
    _, connection_id = await pending_connection(run, "gbol", "Xero Writes Ltd")
    await consent_and_link(run, connection_id)
    return connection_id


async def push(
    run: Runtime,
    connection_id: uuid.UUID,
    data_type: str,
    record: dict[str, Any],
    *,
    operation: Operation = Operation.CREATE,
    record_id: str | None = None,
    key: str | None = None,
    unchecked: bool = False,
) -> dict[str, Any]:
    """The connector's push, given what `push.service` gives it (the stored grant, renewable tokens), of a
    record Codat's create model takes (what Xero refuses is Xero's to say, not the model's)."""
    if operation is not Operation.DELETE and not unchecked:
        schemas.check_record(data_type, record)
    connection = await connection_of(run, connection_id)
    request = PushRequest(
        data_type=data_type,
        company_id=connection.company_id,
        connection_id=connection_id,
        credentials=run.secrets.open(connection.sealed_authorization),
        linked_at=connection.linked_at or connection.created_at,
        record=record,
        idempotency_key=key or str(uuid.uuid4()),
        access_token=tokens.access_tokens(run, connection_id),
        operation=operation,
        record_id=record_id,
    )
    return await registry.CONNECTORS["gbol"].push(request)


async def pushed(run: Runtime, connection_id: uuid.UUID, data_type: str, record: dict[str, Any]) -> Any:
    """A create through the push service, run as the worker runs it: the finished operation."""
    connection = await connection_of(run, connection_id)
    async with run.sessionmaker() as session, session.begin():
        operation = await pushes.request_push(
            session,
            company_id=connection.company_id,
            connection_id=connection_id,
            data_type=data_type,
            record=record,
            sync_on_complete=False,
        )
    return await pushes.run_push(run, operation.id)


async def read_back(run: Runtime, connection_id: uuid.UUID, data_type: str) -> dict[str, tuple[dict, bool]]:
    finished = await pull(run, connection_id, data_type)
    assert finished.status == "Complete", finished.status_description
    return await stored(run, connection_id, data_type)


def bank_id(fake: XeroFake) -> str:
    return next(a["AccountID"] for a in fake.tenant().records["Accounts"].values() if a["Type"] == "BANK")


def line(amount: float, account: str = SALES, **extra: Any) -> dict[str, Any]:
    return {
        "description": "Consulting",
        "quantity": 2,
        "unitAmount": amount,
        "accountRef": {"id": account},
        **extra,
    }


def document(party: str, party_id: str, day: str, *lines: dict[str, Any], status: str | None = None) -> dict:
    """An invoice's, bill's or credit note's create shape (`party`: customerRef or supplierRef)."""
    record: dict[str, Any] = {party: {"id": party_id}, "issueDate": day, "lineItems": list(lines)}
    if status is not None:
        record["status"] = status
    return record


def paying(
    party: str, party_id: str, account: str, amount: float, day: str, kind: str, document_id: str
) -> dict[str, Any]:
    """A payment's or bill payment's create shape: `amount` from `account` to one document of `kind`."""
    return {
        party: {"id": party_id},
        "accountRef": {"id": account},
        "totalAmount": amount,
        "date": day,
        "lines": [{"amount": amount, "links": [{"type": kind, "id": document_id, "amount": -amount}]}],
    }


def same(pushed_record: dict[str, Any], read: dict[str, Any]) -> None:
    """What the push returned is what the pull read."""
    assert {k: read.get(k) for k in pushed_record} == pushed_record


async def test_creates_of_every_type_are_read_back_by_a_pull(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    bank = bank_id(fake)

    account = await push(
        runtime,
        connection_id,
        "chartOfAccounts",
        {
            "nominalCode": "4100",
            "name": f"Consulting {TAG}",
            "fullyQualifiedCategory": "Income.Revenue",
            "type": "Income",
        },
    )
    assert account["type"] == "Income" and account["fullyQualifiedCategory"] == "Income.Revenue"
    bank_account = await push(
        runtime,
        connection_id,
        "bankAccounts",
        {
            "accountName": f"Loan {TAG}",
            "accountType": "Credit",
            "accountNumber": "12-3456-0001",
            "currency": "NZD",
        },
    )
    assert bank_account["accountType"] == "Credit"
    customer = await push(
        runtime,
        connection_id,
        "customers",
        {
            "customerName": f"Writes Customer {TAG}",
            "contactName": "Ada Lovelace",
            "emailAddress": "ada@example.com",
            "phone": "+64 9 555 0101",
            "addresses": [
                {"type": "Billing", "line1": "1 Queen St", "city": "Auckland", "postalCode": "1010"}
            ],
            "status": "Active",
        },
    )
    supplier = (
        await pushed(runtime, connection_id, "suppliers", {"supplierName": f"Writes Supplier {TAG}"})
    ).created_record
    item = await push(
        runtime,
        connection_id,
        "items",
        {
            "name": "Widget",
            "code": f"W-{TAG}",
            "type": "NonInventory",
            "isBillItem": False,
            "isInvoiceItem": True,
            "invoiceItem": {"description": "A widget", "unitPrice": 20, "accountRef": {"id": SALES}},
        },
    )
    invoice_op = await pushed(
        runtime,
        connection_id,
        "invoices",
        {
            "customerRef": {"id": customer["id"]},
            "issueDate": "2024-03-01T00:00:00",
            "dueDate": "2024-03-31T00:00:00",
            "status": "Submitted",
            "lineItems": [
                line(150, taxRateRef={"id": "OUTPUT2"}),
                line(20, itemRef={"id": item["id"]}, quantity=1),
            ],
        },
    )
    assert invoice_op.status == "Success", invoice_op.validation
    invoice = invoice_op.created_record
    assert (
        invoice["totalAmount"] == 365.0 and invoice["amountDue"] == 365.0 and invoice["status"] == "Submitted"
    )
    bill = await push(
        runtime,
        connection_id,
        "bills",
        {
            "supplierRef": {"id": supplier["id"]},
            "reference": f"SUP-{TAG}",
            "issueDate": "2024-03-02T00:00:00",
            "status": "Open",
            "lineItems": [line(80)],
        },
    )
    assert bill["reference"] == f"SUP-{TAG}" and bill["amountDue"] == 160.0
    payment_op = await pushed(
        runtime,
        connection_id,
        "payments",
        paying("customerRef", customer["id"], bank, 100, "2024-03-10T00:00:00", "Invoice", invoice["id"]),
    )
    assert payment_op.status == "Success", payment_op.validation
    bill_payment = await push(
        runtime,
        connection_id,
        "billPayments",
        paying("supplierRef", supplier["id"], bank, 160, "2024-03-11T00:00:00", "Bill", bill["id"]),
    )
    credit_note = await push(
        runtime,
        connection_id,
        "creditNotes",
        document("customerRef", customer["id"], "2024-03-12", line(10), status="Submitted"),
    )
    bill_credit_note = await push(
        runtime,
        connection_id,
        "billCreditNotes",
        document("supplierRef", supplier["id"], "2024-03-12", line(5), status="Draft"),
    )
    assert credit_note["totalAmount"] == 20.0 and bill_credit_note["status"] == "Draft"
    journal_op = await pushed(
        runtime,
        connection_id,
        "journalEntries",
        {
            "description": f"Accrual {TAG}",
            "postedOn": "2024-03-31T00:00:00",
            "journalLines": [
                {"netAmount": 50, "accountRef": {"id": bank}},
                {"netAmount": -50, "accountRef": {"id": SALES}, "description": "Accrued sales"},
            ],
        },
    )
    assert journal_op.status == "Success", journal_op.validation

    written = {
        "chartOfAccounts": account,
        "bankAccounts": bank_account,
        "customers": customer,
        "suppliers": supplier,
        "items": item,
        "billPayments": bill_payment,
        "creditNotes": credit_note,
        "billCreditNotes": bill_credit_note,
        "journalEntries": journal_op.created_record,
        "payments": payment_op.created_record,
    }
    for data_type, record in written.items():
        read = await read_back(runtime, connection_id, data_type)
        assert record["id"] in read, data_type
        same(record, read[record["id"]][0])
    invoices = await read_back(runtime, connection_id, "invoices")
    paid_in_part = invoices[invoice["id"]][0]
    assert paid_in_part["amountDue"] == 265.0 and paid_in_part["status"] == "PartiallyPaid"
    assert [a["payment"]["id"] for a in paid_in_part["paymentAllocations"]] == [payment_op.created_record_id]
    bills = await read_back(runtime, connection_id, "bills")
    assert bills[bill["id"]][0]["status"] == "Paid" and bills[bill["id"]][0]["amountDue"] == 0.0
    # The ledger took the writes: the invoice, payments and the journal are in Xero's journals.
    sources = {j.get("SourceID") for j in fake.tenant().records["Journals"].values()}
    assert {invoice["id"], bill["id"], payment_op.created_record_id} <= sources
    # The writes asked for Xero's idempotency with the push's key.
    writes = [
        h for p, _, h in fake.requests if p.endswith(("/Invoices", "/Payments")) and "idempotency-key" in h
    ]
    assert str(invoice_op.id) in {h["idempotency-key"] for h in writes}


async def test_updates_change_the_record_and_deletes_void_or_delete_it(
    runtime: Runtime, fake: XeroFake
) -> None:
    connection_id = await link(runtime)
    bank = bank_id(fake)
    customer = await push(runtime, connection_id, "customers", {"customerName": f"Update Me {TAG}"})
    renamed = await push(
        runtime,
        connection_id,
        "customers",
        {"customerName": f"Updated {TAG}", "emailAddress": "new@example.com"},
        operation=Operation.UPDATE,
        record_id=customer["id"],
    )
    assert renamed["id"] == customer["id"] and renamed["customerName"] == f"Updated {TAG}"
    supplier = await push(runtime, connection_id, "suppliers", {"supplierName": f"Vendor {TAG}"})
    draft = await push(
        runtime,
        connection_id,
        "invoices",
        document("customerRef", customer["id"], "2024-04-01", line(10), status="Draft"),
    )
    approved = await push(
        runtime,
        connection_id,
        "invoices",
        document("customerRef", customer["id"], "2024-04-01", line(30), status="Draft"),
        operation=Operation.UPDATE,
        record_id=draft["id"],
    )
    assert approved["totalAmount"] == 60.0
    approved = await push(
        runtime,
        connection_id,
        "invoices",
        document("customerRef", customer["id"], "2024-04-01", line(30), status="Submitted"),
        operation=Operation.UPDATE,
        record_id=draft["id"],
    )
    assert approved["status"] == "Submitted"
    bill = await push(
        runtime,
        connection_id,
        "bills",
        document("supplierRef", supplier["id"], "2024-04-02", line(40), status="Draft"),
    )
    bill_payment_bill = await push(
        runtime,
        connection_id,
        "bills",
        document("supplierRef", supplier["id"], "2024-04-02", line(25), status="Open"),
    )
    bill_payment = await push(
        runtime,
        connection_id,
        "billPayments",
        paying("supplierRef", supplier["id"], bank, 50, "2024-04-03", "Bill", bill_payment_bill["id"]),
    )
    journal = await push(
        runtime,
        connection_id,
        "journalEntries",
        {
            "description": "To void",
            "postedOn": "2024-04-04",
            "journalLines": [
                {"netAmount": 12, "accountRef": {"id": bank}},
                {"netAmount": -12, "accountRef": {"id": SALES}},
            ],
        },
    )
    for data_type, record in (
        ("journalEntries", journal),
        ("invoices", draft),
        ("bills", bill),
        ("billPayments", bill_payment),
    ):
        assert (await read_back(runtime, connection_id, data_type))[record["id"]][1] is False

    # The approved invoice is voided, the draft bill deleted, the bill payment deleted (the bill owes again).
    voided = await push(
        runtime, connection_id, "invoices", {}, operation=Operation.DELETE, record_id=draft["id"]
    )
    assert voided["id"] == draft["id"] and voided["totalAmount"] == 60.0
    await push(runtime, connection_id, "bills", {}, operation=Operation.DELETE, record_id=bill["id"])
    await push(
        runtime, connection_id, "billPayments", {}, operation=Operation.DELETE, record_id=bill_payment["id"]
    )
    await push(
        runtime, connection_id, "journalEntries", {}, operation=Operation.DELETE, record_id=journal["id"]
    )
    records = fake.tenant().records
    assert records["Invoices"][draft["id"]]["Status"] == "VOIDED"
    assert records["Invoices"][bill["id"]]["Status"] == "DELETED"
    assert records["Payments"][bill_payment["id"]]["Status"] == "DELETED"
    assert records["ManualJournals"][journal["id"]]["Status"] == "VOIDED"

    invoices = await read_back(runtime, connection_id, "invoices")
    assert invoices[draft["id"]][1] is True
    bills = await read_back(runtime, connection_id, "bills")
    assert bills[bill["id"]][1] is True
    assert bills[bill_payment_bill["id"]][0]["amountDue"] == 50.0
    assert (await read_back(runtime, connection_id, "billPayments"))[bill_payment["id"]][1] is True
    assert (await read_back(runtime, connection_id, "journalEntries"))[journal["id"]][1] is True
    customers = await read_back(runtime, connection_id, "customers")
    assert customers[customer["id"]][0]["customerName"] == f"Updated {TAG}"


async def test_transfers_and_spend_and_receive_money_are_read_back(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    bank = bank_id(fake)
    card = await push(
        runtime,
        connection_id,
        "bankAccounts",
        {
            "accountName": f"Card {TAG}",
            "accountType": "Credit",
            "accountNumber": "4111-0001",
            "currency": "NZD",
        },
    )
    supplier = await push(runtime, connection_id, "suppliers", {"supplierName": f"Spent At {TAG}"})
    customer = await push(runtime, connection_id, "customers", {"customerName": f"Paid By {TAG}"})
    moved = await push(
        runtime,
        connection_id,
        "transfers",
        {
            "description": f"Top up {TAG}",
            "date": "2024-07-01T00:00:00",
            "from": {"accountRef": {"id": card["id"]}, "amount": 500, "currency": "NZD"},
            "to": {"accountRef": {"id": bank}, "amount": 500, "currency": "NZD"},
        },
    )
    assert moved["from"]["amount"] == 500.0 and moved["to"]["accountRef"]["id"] == bank

    def paid_from(account: str, total: float) -> list[dict[str, Any]]:
        return [
            {
                "payment": {"accountRef": {"id": account}, "totalAmount": total},
                "allocation": {"totalAmount": total},
            }
        ]

    cost = await push(
        runtime,
        connection_id,
        "directCosts",
        {
            "contactRef": {"id": supplier["id"], "dataType": "suppliers"},
            "issueDate": "2024-07-02",
            "reference": f"Fees {TAG}",
            "currency": "NZD",
            "lineItems": [line(10)],
            "paymentAllocations": paid_from(card["id"], 20),
        },
    )
    assert (
        cost["totalAmount"] == 20.0
        and cost["paymentAllocations"][0]["payment"]["accountRef"]["id"] == card["id"]
    )
    income = await push(
        runtime,
        connection_id,
        "directIncomes",
        {
            "contactRef": {"id": customer["id"], "dataType": "customers"},
            "issueDate": "2024-07-03",
            "currency": "NZD",
            "lineItems": [line(7)],
            "paymentAllocations": paid_from(bank, 14),
        },
    )
    for data_type, record in (("transfers", moved), ("directCosts", cost), ("directIncomes", income)):
        read = await read_back(runtime, connection_id, data_type)
        same(record, read[record["id"]][0])
    # The card is a liability in Xero's balance sheet: it owes the transfer and the fees paid from it.
    balance = await read_back(runtime, connection_id, "balanceSheet")
    month = max(balance)
    liabilities = balance[month][0]["liabilities"]
    assert liabilities["value"] >= 520.0

    with pytest.raises(PushRejected) as refused:
        await push(
            runtime,
            connection_id,
            "transfers",
            {
                "date": "2024-07-04",
                "from": {"accountRef": {"id": bank}, "amount": 5},
                "to": {"accountRef": {"id": bank}, "amount": 5},
            },
        )
    assert refused.value.errors[0]["itemId"] == "from.accountRef.id"


async def test_purchase_orders_are_created_and_updated(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    supplier = await push(runtime, connection_id, "suppliers", {"supplierName": f"Ordered From {TAG}"})
    order = {
        "supplierRef": {"id": supplier["id"]},
        "issueDate": "2024-08-01",
        "expectedDeliveryDate": "2024-08-15",
        "status": "Draft",
        "lineItems": [{"description": "Paper", "quantity": 10, "unitAmount": 4.5}],
    }
    draft = await push(runtime, connection_id, "purchaseOrders", order)
    assert draft["status"] == "Draft" and draft["totalAmount"] == 45.0 and draft["purchaseOrderNumber"]
    opened = await push(
        runtime,
        connection_id,
        "purchaseOrders",
        {**order, "status": "Open", "note": "Deliver to the back door"},
        operation=Operation.UPDATE,
        record_id=draft["id"],
    )
    assert opened["status"] == "Open" and opened["note"] == "Deliver to the back door"
    read = await read_back(runtime, connection_id, "purchaseOrders")
    same(opened, read[draft["id"]][0])


async def test_an_update_or_delete_of_a_record_xero_does_not_have_is_not_found(runtime: Runtime) -> None:
    connection_id = await link(runtime)
    missing = str(uuid.uuid4())
    with pytest.raises(RecordNotFound):
        await push(
            runtime,
            connection_id,
            "customers",
            {"customerName": "Nobody"},
            operation=Operation.UPDATE,
            record_id=missing,
        )
    for record_id in (missing, "not-a-xero-id"):
        with pytest.raises(RecordNotFound):
            await push(
                runtime, connection_id, "invoices", {}, operation=Operation.DELETE, record_id=record_id
            )
    # A bill's id is not an invoice's: Xero's endpoint is shared, Codat's types are not.
    supplier = await push(runtime, connection_id, "suppliers", {"supplierName": f"Shared {TAG}"})
    bill = await push(
        runtime,
        connection_id,
        "bills",
        document("supplierRef", supplier["id"], "2024-04-02", line(5)),
    )
    with pytest.raises(RecordNotFound):
        await push(runtime, connection_id, "invoices", {}, operation=Operation.DELETE, record_id=bill["id"])


async def test_xero_validation_errors_become_codat_validation_items(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    customer = await push(runtime, connection_id, "customers", {"customerName": f"Validated {TAG}"})
    cases = [
        (
            "invoices",
            document("customerRef", customer["id"], "2024-05-01", line(5, str(uuid.uuid4()))),
            "lineItems.accountRef.id",
            "is not a valid code",
        ),
        (
            "invoices",
            document("customerRef", str(uuid.uuid4()), "2024-05-01", line(5)),
            "customerRef.id",
            "could not be found",
        ),
        ("customers", {"customerName": f"Validated {TAG}"}, "customerName", "already assigned"),
        (
            "invoices",
            document("customerRef", customer["id"], "2024-05-01", line(5, "not-a-xero-id")),
            "lineItems.accountRef.id",
            "could not be found",
        ),
    ]
    for data_type, record, field, words in cases:
        with pytest.raises(PushRejected) as refused:
            await push(runtime, connection_id, data_type, record)
        (error,) = refused.value.errors
        assert error["itemId"] == field and words in error["message"] and error["validatorName"] == "Xero"

    # Through the push service: Failed, 400, Xero's message on Codat's field; nothing written at Xero.
    invoice = await push(
        runtime,
        connection_id,
        "invoices",
        document("customerRef", customer["id"], "2024-05-01", line(5), status="Submitted"),
    )
    before = len(fake.tenant().records["Payments"])
    over = await pushed(
        runtime,
        connection_id,
        "payments",
        paying("customerRef", customer["id"], bank_id(fake), 11, "2024-05-02", "Invoice", invoice["id"]),
    )
    assert over.status == "Failed" and over.status_code == 400
    (error,) = over.validation["errors"]
    assert error["itemId"] == "totalAmount" and "exceeds the amount outstanding" in error["message"]
    assert len(fake.tenant().records["Payments"]) == before
    with pytest.raises(PushRejected) as refused:
        await push(
            runtime,
            connection_id,
            "journalEntries",
            {
                "postedOn": "2024-05-03",
                "journalLines": [
                    {"netAmount": 5, "accountRef": {"id": SALES}},
                    {"netAmount": -4, "accountRef": {"id": bank_id(fake)}},
                ],
            },
            unchecked=True,  # Codat's model refuses it too; Xero's own answer is what is tested
        )
    (error,) = refused.value.errors
    assert error["itemId"] == "journalLines" and "must equal total credits" in error["message"]
    # What Codat's shape allows and Xero cannot hold is refused before Xero is asked.
    with pytest.raises(PushRejected) as refused:
        await push(
            runtime,
            connection_id,
            "payments",
            {
                **paying(
                    "customerRef", customer["id"], bank_id(fake), 10, "2024-05-02", "Invoice", invoice["id"]
                ),
                "lines": [
                    {
                        "amount": 10,
                        "links": [
                            {"type": "Invoice", "id": invoice["id"], "amount": -5},
                            {"type": "Invoice", "id": str(uuid.uuid4()), "amount": -5},
                        ],
                    }
                ],
            },
        )
    (error,) = refused.value.errors
    assert error["itemId"] == "lines" and "exactly one document" in error["message"]


async def test_a_retried_push_with_the_same_key_writes_once(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    key = str(uuid.uuid4())
    record = {"supplierName": f"Once Only {TAG}"}
    first = await push(runtime, connection_id, "suppliers", record, key=key)
    again = await push(runtime, connection_id, "suppliers", record, key=key)
    assert again == first
    named = [c for c in fake.tenant().records["Contacts"].values() if c["Name"] == record["supplierName"]]
    assert len(named) == 1


async def test_429s_are_waited_out_and_an_expired_token_is_renewed_mid_push(
    runtime: Runtime, fake: XeroFake
) -> None:
    connection_id = await link(runtime)
    before = fake.offset
    fake.storm.extend([("minute", 4.0), ("minute", 2.0)])
    created = await push(runtime, connection_id, "customers", {"customerName": f"Patient {TAG}"})
    assert created["customerName"] == f"Patient {TAG}" and not fake.storm
    assert fake.offset - before == pytest.approx(6.0)

    refreshes = fake.token_requests["refresh_token"]
    fake.advance(1801)  # Xero's token expired; ledgerlink still thinks it valid: a 401, renewed once
    renewed = await push(runtime, connection_id, "customers", {"customerName": f"Renewed {TAG}"})
    assert renewed["customerName"] == f"Renewed {TAG}"
    assert fake.token_requests["refresh_token"] == refreshes + 1
    await expire_stored_token(runtime, connection_id)
    assert (await push(runtime, connection_id, "suppliers", {"supplierName": f"Later {TAG}"}))["id"]
    assert (await connection_of(runtime, connection_id)).status == "Linked"


async def test_a_grant_without_write_scopes_fails_the_push_and_keeps_the_connection(
    runtime: Runtime, fake: XeroFake
) -> None:
    fake.clients[CLIENT_ID].scope = READ_SCOPES
    connection_id = await link(runtime)
    assert "accounting.transactions " not in fake.tokens[-1].scope + " "
    failed = await pushed(runtime, connection_id, "suppliers", {"supplierName": f"Read Only {TAG}"})
    assert failed.status == "Failed" and failed.status_code == 400
    assert "write scopes" in failed.error_message and "link it again" in failed.error_message
    assert (await connection_of(runtime, connection_id)).status == "Linked"
    assert not [c for c in fake.tenant().records["Contacts"].values() if c["Name"] == f"Read Only {TAG}"]


# ------------------------------------------------------------------------------------- the real server
SERVER_CLIENT_ID = "ledgerlink-xero-writes-server"
API_KEY = "xero-writes-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def server_fake() -> Iterator[XeroFake]:
    server = XeroFake(SERVER_CLIENT_ID, CLIENT_SECRET, "http://unset").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def xero_server(
    postgres: str, server_fake: XeroFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with serving(
        server_fake,
        postgres,
        tmp_path_factory.mktemp("xero-writes"),
        "xero_writes_server",
        client_id=SERVER_CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_key=API_KEY,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def server_company(xero_server: RunningServer) -> tuple[str, str]:
    """A company whose Xero connection is linked through its `linkUrl` (the fake consents) and pulled."""
    with xero_server.client() as api:
        company = api.post("/companies", json={"name": f"Xero Writes {TAG} Ltd"}).json()
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"}).json()
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            browser.get(connection["linkUrl"])
        pulls = wait_for_pulls(api, company["id"], timeout=90)
        assert all(p["status"] == "Complete" for p in pulls), [(p["dataType"], p["status"]) for p in pulls]
    return company["id"], connection["id"]


def test_a_push_through_the_server_is_read_back_through_the_read_api(
    xero_server, server_fake, server_company
) -> None:
    from tests.support.push_operations import wait_for_push

    company_id, connection_id = server_company
    company = {"id": company_id}
    with xero_server.client() as api:
        base = f"/companies/{company_id}/connections/{connection_id}/push"
        supplier = api.post(f"{base}/suppliers", json={"supplierName": f"Server Supplier {TAG}"}).json()
        done = wait_for_push(api, company["id"], supplier["pushOperationKey"])
        assert done["status"] == "Success", done
        supplier_id = done["changes"][0]["recordRef"]["id"]
        bill = api.post(
            f"{base}/bills",
            json=document("supplierRef", supplier_id, "2024-06-01", line(45), status="Open"),
        ).json()
        done = wait_for_push(api, company["id"], bill["pushOperationKey"])
        assert done["status"] == "Success", done
        refused = api.post(
            f"{base}/bills",
            json=document("supplierRef", supplier_id, "2024-06-01", line(5, str(uuid.uuid4()))),
        ).json()
        failed = wait_for_push(api, company["id"], refused["pushOperationKey"])
        assert failed["status"] == "Failed" and failed["statusCode"] == 400
        assert failed["validation"]["errors"][0]["itemId"] == "lineItems.accountRef.id"
        # The pull each push queued reads the bill back through the read API, as Xero holds it.
        wait_for_pulls(api, company["id"], timeout=90)
        bill_id = done["changes"][0]["recordRef"]["id"]
        read = api.get(f"/companies/{company['id']}/data/bills/{bill_id}").json()
        assert read["supplierRef"]["id"] == supplier_id and read["totalAmount"] == 90.0
        assert read["status"] == "Open" and read["amountDue"] == 90.0

        # Corrected (PUT: the whole bill again), then reversed (DELETE: Xero voids an approved bill).
        corrected = document("supplierRef", supplier_id, "2024-06-01", line(50), status="Open")
        updated = api.put(f"{base}/bills/{bill_id}", json=corrected).json()
        done = wait_for_push(api, company["id"], updated["pushOperationKey"])
        assert done["status"] == "Success" and done["changes"][0]["type"] == "Modified", done
        deleted = api.delete(f"{base}/bills/{bill_id}").json()
        done = wait_for_push(api, company["id"], deleted["pushOperationKey"])
        assert done["status"] == "Success" and done["changes"][0]["type"] == "Deleted", done
        missing = api.put(f"{base}/bills/{uuid.uuid4()}", json=corrected).json()
        done = wait_for_push(api, company["id"], missing["pushOperationKey"])
        assert done["status"] == "Failed" and done["statusCode"] == 404, done
        wait_for_pulls(api, company["id"], timeout=90)
        read = api.get(f"/companies/{company['id']}/data/bills/{bill_id}").json()
        assert read["totalAmount"] == 100.0 and read["metadata"]["isDeleted"] is True
    assert server_fake.tenant().records["Invoices"][bill_id]["Status"] == "VOIDED"
    assert server_fake.violations == []


def test_a_lenders_loan_writeback_shows_the_loan_on_xeros_balance_sheet(
    xero_server, server_fake, server_company
) -> None:
    """Codat's loan writeback (`tests/support/loan_writeback.py`, as on the Sandbox) through `codat-lending`
    on Xero: the loan's account is a credit card account (Xero reports it under current liabilities), owing
    the drawdown less the principal repaid; the interest is an expense paid from it."""
    company_id, connection_id = server_company
    today = datetime.now(UTC).date()
    business = bank_id(server_fake)
    # A new minute at Xero: linking read every type and the pushes before queued pulls, and Xero's 60 calls a
    # minute would otherwise pause the writeback for the rest of the minute (the client waits when Xero says
    # none are left).
    server_fake.reset_limits()
    written = write_back_loan(
        lending_sdk(xero_server),
        company_id,
        connection_id,
        business_bank_account_id=business,
        amount=Decimal("10000.00"),
        drawdown_date=today - timedelta(days=7),
        repayments=[
            (today - timedelta(days=3), Decimal("1000.00"), Decimal("125.50")),
            (today, Decimal("1000.00"), Decimal("110.25")),
        ],
        lender=f"Xero Capital {TAG}",
        # What Xero requires beyond Codat's shape: a bank account's number, an account's code.
        loan_account={"accountNumber": f"LOAN-{TAG}"},
        expense_account={"nominalCode": "4990"},
        timeout=150,
    )
    assert len(written.push_operation_keys) == 3 + 1 + 2 + 2
    with xero_server.client() as api:
        wait_for_pulls(api, company_id, timeout=90)
        for data_type in ("bankAccounts", "transfers", "directCosts", "balanceSheet", "profitAndLoss"):
            assert api.post(f"/companies/{company_id}/data/queue/{data_type}").status_code == 200
        wait_for_pulls(api, company_id, timeout=90)
        connection = f"/companies/{company_id}/connections/{connection_id}/data"
        loan = api.get(f"{connection}/bankAccounts/{written.loan_account_id}").json()
        assert loan["accountType"] == "Credit" and loan["accountNumber"] == f"LOAN-{TAG}"
        deposit = api.get(f"{connection}/transfers/{written.deposit_transfer_id}").json()
        assert deposit["from"]["accountRef"]["id"] == written.loan_account_id
        assert deposit["to"]["accountRef"]["id"] == business and deposit["to"]["amount"] == 10000
        interest = [api.get(f"{connection}/directCosts/{i}").json() for i in written.interest_direct_cost_ids]
        assert [d["totalAmount"] for d in interest] == [125.5, 110.25]
        assert {d["contactRef"]["id"] for d in interest} == {written.lender_supplier_id}
        sheet, profit = (
            latest_statement(api, company_id, kind) for kind in ("balanceSheet", "profitAndLoss")
        )
    assert line_value(sheet["liabilities"], written.loan_account_id) == 8000.0
    assert line_value(profit["expenses"], written.expense_account_id) == 235.75
    assert server_fake.violations == []


def latest_statement(api: httpx.Client, company_id: str, kind: str) -> dict[str, Any]:
    answer = api.get(
        f"/companies/{company_id}/data/financials/{kind}", params={"periodLength": 1, "periodsToCompare": 1}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["reports"][0]


def line_value(part: dict[str, Any], account_id: str) -> float | None:
    """The value of an account's line anywhere in a statement's part, or None."""
    for item in part.get("items", []):
        if item.get("accountId") == account_id:
            return float(item["value"])
        found = line_value(item, account_id)
        if found is not None:
            return found
    return None
