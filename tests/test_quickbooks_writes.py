"""Writes to QuickBooks Online against the fake QuickBooks (`tests/support/fakes/quickbooks.py` and its
writes, `quickbooks_writes.py`).

Through the real server and its worker: every type the connector writes created (push → Success → the pull
it queues → read back in Codat's shape), an invoice updated and a journal entry deleted through the PUT and
DELETE routes, a ValidationFault and an unknown record ending the push Failed (400 with its validation
errors, 404), and Codat's loan writeback through `codat-lending` showing on the balance sheet. Run as the
worker runs them against a connection of the test's own database: sparse updates and deletes, faults as
Codat's validation errors, `requestid` making a retried push write once, a stale SyncToken read again and
retried, a throttle waited out, an expired token renewed mid-push, an unknown record as `RecordNotFound`,
and a card loan on the balance sheet. Every request the connector sends is one Intuit would accept
(`fake.violations == []`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import jsonschema_rs
import pytest
from cryptography.fernet import Fernet

from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthClientCredentials
from ledgerlink.connectors.base import PushRejected, PushRequest, RecordNotFound
from ledgerlink.connectors.quickbooks.connector import QuickBooksConnector, QuickBooksUrls
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.oauth import flow, tokens
from ledgerlink.records import fields
from ledgerlink.records import registry as data_types
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
from tests.support.fakes.quickbooks import QuickBooksFake
from tests.support.loan_writeback import write_back_loan
from tests.support.pulls import wait_for_pulls
from tests.support.receivables import lending_sdk
from tests.support.server import RunningServer, own_server, separate_database
from tests.support.waits import wait_until

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-quickbooks-writes"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()
API_KEY = "quickbooks-writes-" + uuid.uuid4().hex

INVOICE = {
    "customerRef": {"id": "3"},
    "invoiceNumber": "W-100",
    "issueDate": "2024-03-01T00:00:00",
    "dueDate": "2024-03-31T00:00:00",
    "currency": "USD",
    "lineItems": [
        {
            "description": "Design work",
            "unitAmount": 75,
            "quantity": 2,
            "accountRef": {"id": "82"},
            "itemRef": {"id": "4"},
            "taxRateRef": {"id": "NON"},
        }
    ],
    "note": "Thanks",
}


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "quickbooks_writes")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fake() -> Iterator[QuickBooksFake]:
    server = QuickBooksFake(CLIENT_ID, CLIENT_SECRET, CALLBACK).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def quickbooks_server(
    postgres: str, fake: QuickBooksFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server of the module's own whose QuickBooks is the fake: a connection's `linkUrl` links it at once
    (the fake consents)."""
    env = {
        "LEDGERLINK_OAUTH_QHYG_CLIENT_ID": CLIENT_ID,
        "LEDGERLINK_OAUTH_QHYG_CLIENT_SECRET": CLIENT_SECRET,
        "LEDGERLINK_QUICKBOOKS_AUTHORIZE_URL": fake.authorize_url,
        "LEDGERLINK_QUICKBOOKS_TOKEN_URL": fake.token_url,
        "LEDGERLINK_QUICKBOOKS_API_URL": fake.api_url,
    }
    directory = tmp_path_factory.mktemp("quickbooks-writes")
    with own_server(postgres, directory, "quickbooks_writes_server", api_key=API_KEY, env=env) as running:
        fake.clients[CLIENT_ID].redirect_uris[:] = [CALLBACK, running.base_url + flow.CALLBACK_PATH]
        yield running


@pytest.fixture(scope="module")
def linked(quickbooks_server: RunningServer) -> dict[str, str]:
    """A company whose QuickBooks connection is linked through its `linkUrl`, its first pull done: company
    info only (what the tests read is pulled after the pushes that write it)."""
    with quickbooks_server.client() as api:
        company = api.post("/companies", json={"name": "QuickBooks Writes Ltd"}).json()
        settings = api.get(f"/companies/{company['id']}/syncSettings").json()["settings"]
        first = [{**s, "fetchOnFirstLink": s["dataType"] == "company"} for s in settings]
        saved = api.post(f"/companies/{company['id']}/syncSettings", json={"settings": first})
        assert saved.status_code == 204, saved.text
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "qhyg"}).json()
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            browser.get(connection["linkUrl"])
        linked = api.get(f"/companies/{company['id']}/connections/{connection['id']}").json()
        assert linked["status"] == "Linked", linked
        wait_for_pulls(api, company["id"], timeout=90)
    return {"company": company["id"], "connection": connection["id"]}


@pytest.fixture(autouse=True)
def quickbooks(fake: QuickBooksFake, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuickBooksConnector]:
    connector = QuickBooksConnector(
        QuickBooksUrls(authorize=fake.authorize_url, token=fake.token_url, api=fake.api_url),
        client=OAuthClientCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
        sleep=fake.sleep,
    )
    monkeypatch.setitem(registry.CONNECTORS, "qhyg", connector)
    fake.reset()
    yield connector
    assert fake.violations == [], "every request must be one Intuit would accept"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


@pytest.fixture
async def connection_id(runtime: Runtime) -> uuid.UUID:
    _, connection_id = await pending_connection(runtime, "qhyg", "QuickBooks Writes Co")
    await consent_and_link(runtime, connection_id)
    return connection_id


async def push(
    run: Runtime,
    connection_id: uuid.UUID,
    data_type: str,
    record: dict[str, Any] | None = None,
    *,
    operation: Operation = Operation.CREATE,
    record_id: str | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """The connector's push as the worker runs it (the connection's credentials, its access tokens)."""
    connection = await connection_of(run, connection_id)
    request = PushRequest(
        data_type=data_type,
        company_id=connection.company_id,
        connection_id=connection_id,
        credentials=run.secrets.open(connection.sealed_authorization),
        linked_at=connection.linked_at or connection.created_at,
        record=record or {},
        idempotency_key=key or str(uuid.uuid4()),
        access_token=tokens.access_tokens(run, connection_id),
        operation=operation,
        record_id=record_id,
    )
    answer = await registry.CONNECTORS["qhyg"].push(request)
    if answer == {"id": record_id}:
        return answer  # a delete retried after it was done: QuickBooks has nothing of it left but the id
    # What the push answers is Codat's read shape of the type.
    errors = [
        str(e) for e in jsonschema_rs.validator_for(fields.record_schema(data_type)).iter_errors(answer)
    ]
    assert not errors, (data_type, errors[:2])
    return answer


def writes(fake: QuickBooksFake, entity: str) -> list[dict[str, str]]:
    return [q for p, q, _ in fake.requests if p.endswith(f"/{entity.lower()}")]


async def test_an_invoice_is_created_updated_and_deleted(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    created = await push(runtime, connection_id, "invoices", INVOICE)
    invoice_id = created["id"]
    assert created["invoiceNumber"] == "W-100" and created["totalAmount"] == 150.0
    assert created["customerRef"] == {"id": "3", "companyName": "Cool Cars"}
    assert created["lineItems"][0]["accountRef"]["id"] == "82"  # the item's income account
    assert created["amountDue"] == 150.0 and created["status"] == "Submitted"
    assert (await pull(runtime, connection_id, "invoices")).status == "Complete"
    read, deleted = (await stored(runtime, connection_id, "invoices"))[invoice_id]
    assert not deleted and read["totalAmount"] == 150.0 and read["note"] == "Thanks"

    # An update is the whole record again: QuickBooks gets a sparse update with the SyncToken it holds.
    changed = {**INVOICE, "lineItems": [{**INVOICE["lineItems"][0], "quantity": 3}]}
    updated = await push(
        runtime, connection_id, "invoices", changed, operation=Operation.UPDATE, record_id=invoice_id
    )
    assert updated["id"] == invoice_id and updated["totalAmount"] == 225.0
    assert fake.entities["Invoice"][invoice_id]["SyncToken"] == "1"

    gone = await push(runtime, connection_id, "invoices", operation=Operation.DELETE, record_id=invoice_id)
    assert gone["id"] == invoice_id and gone["totalAmount"] == 225.0  # as it was last
    assert invoice_id not in fake.entities["Invoice"] and invoice_id in fake.deleted["Invoice"]
    # The next incremental pull hears of the delete from change data capture.
    assert (await pull(runtime, connection_id, "invoices")).status == "Complete"
    assert (await stored(runtime, connection_id, "invoices"))[invoice_id][1] is True


async def test_a_validation_fault_becomes_codats_validation_errors(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    # A customer whose name another vendor has (QuickBooks' 6240 Duplicate Name Exists).
    with pytest.raises(PushRejected) as rejected:
        await push(runtime, connection_id, "customers", {"customerName": "Books by Bessie"})
    (error,) = rejected.value.errors
    assert error["itemId"] == "customerName" and "Duplicate Name" in error["message"]
    assert error["validatorName"] == "QuickBooks 6240"
    # An invoice for a customer QuickBooks does not have (2500 Invalid Reference Id).
    with pytest.raises(PushRejected) as rejected:
        await push(runtime, connection_id, "invoices", {**INVOICE, "customerRef": {"id": "999"}})
    assert [e["itemId"] for e in rejected.value.errors] == ["customerRef.id"]
    # A line whose amount is not its unit price times its quantity (6070).
    line = {**INVOICE["lineItems"][0], "subTotal": 100}
    with pytest.raises(PushRejected) as rejected:
        await push(runtime, connection_id, "invoices", {**INVOICE, "lineItems": [line]})
    assert [(e["itemId"], e["validatorName"]) for e in rejected.value.errors] == [
        ("lineItems.subTotal", "QuickBooks 6070")
    ]
    # A payment of more than the invoice still owes (a business validation fault).
    payment = {
        "customerRef": {"id": "20"},
        "totalAmount": 100,
        "date": "2024-03-02T00:00:00",
        "accountRef": {"id": "35"},
        "lines": [{"amount": 100, "links": [{"type": "Invoice", "id": "145", "amount": -100}]}],
    }
    with pytest.raises(PushRejected) as rejected:
        await push(runtime, connection_id, "payments", payment)
    assert [e["itemId"] for e in rejected.value.errors] == ["lines.links.amount"]
    # What QuickBooks has no place for is refused before anything is sent.
    before = len(fake.requests)
    line = {**INVOICE["lineItems"][0]}
    del line["itemRef"]
    with pytest.raises(PushRejected) as rejected:
        await push(runtime, connection_id, "invoices", {**INVOICE, "lineItems": [line]})
    assert [e["itemId"] for e in rejected.value.errors] == ["lineItems.0.itemRef"]
    assert len(fake.requests) == before
    assert fake.entities["Invoice"]["145"]["Balance"] == 70.0  # nothing written


async def test_a_retried_push_writes_once(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    key = str(uuid.uuid4())
    supplier = {"supplierName": "Retried Supplies", "emailAddress": "ap@retried.example"}
    first = await push(runtime, connection_id, "suppliers", supplier, key=key)
    again = await push(runtime, connection_id, "suppliers", supplier, key=key)
    assert again == first
    assert [v for v in fake.entities["Vendor"].values() if v["DisplayName"] == "Retried Supplies"] == [
        fake.entities["Vendor"][first["id"]]
    ]
    assert {q["requestid"] for q in writes(fake, "Vendor")} == {key}
    # A delete retried after QuickBooks did it answers as the first did.
    key = str(uuid.uuid4())
    await push(runtime, connection_id, "bills", operation=Operation.DELETE, record_id="108", key=key)
    again = await push(runtime, connection_id, "bills", operation=Operation.DELETE, record_id="108", key=key)
    assert again == {"id": "108"} and "108" in fake.deleted["Bill"]


async def test_a_stale_sync_token_is_read_again_and_retried_once(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    customer = {"customerName": "Cool Cars", "contactName": "Grace Pariente", "phone": "(415) 555-0000"}
    fake.concurrent_edits.append("3")
    updated = await push(
        runtime, connection_id, "customers", customer, operation=Operation.UPDATE, record_id="3"
    )
    assert updated["phone"] == "(415) 555-0000"
    assert fake.entities["Customer"]["3"]["SyncToken"] == "2"  # theirs, then ours
    requests = writes(fake, "Customer")
    assert len(requests) == 2 and requests[1]["requestid"].endswith("-retry")
    assert (await pull(runtime, connection_id, "customers")).status == "Complete"
    assert (await stored(runtime, connection_id, "customers"))["3"][0]["phone"] == "(415) 555-0000"


async def test_a_throttle_is_waited_out_and_an_expired_token_renewed_mid_push(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    before, refreshes = fake.offset, fake.token_requests["refresh_token"]
    fake.storm.extend([5.0, None])
    created = await push(runtime, connection_id, "customers", {"customerName": "Throttled Co"})
    assert fake.offset - before == pytest.approx(65.0)
    assert fake.entities["Customer"][created["id"]]["DisplayName"] == "Throttled Co"
    # QuickBooks refuses the token ledgerlink thought valid (3200): renewed once, and the write goes on.
    fake.faults_in_200.append("3200")
    await push(runtime, connection_id, "customers", {"customerName": "Renewed Co"})
    assert fake.token_requests["refresh_token"] == refreshes + 1
    # The stored token expired: refreshed before the write.
    fake.advance(3601)
    await expire_stored_token(runtime, connection_id)
    await push(runtime, connection_id, "suppliers", {"supplierName": "Later Ltd"})
    assert fake.token_requests["refresh_token"] == refreshes + 2


async def test_an_unknown_record_is_not_found(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    with pytest.raises(RecordNotFound):
        await push(runtime, connection_id, "bills", operation=Operation.DELETE, record_id="4040")
    with pytest.raises(RecordNotFound):
        await push(
            runtime,
            connection_id,
            "suppliers",
            {"supplierName": "X"},
            operation=Operation.UPDATE,
            record_id="4040",
        )
    # A bank account's id must be a bank account's: an income account is not one.
    with pytest.raises(RecordNotFound):
        await push(
            runtime,
            connection_id,
            "bankAccounts",
            {"accountName": "Not a bank"},
            operation=Operation.UPDATE,
            record_id="82",
        )


# What the server test creates, in order (later records name earlier ones through `{id:<data type>}`), and
# the fields read back as sent.
CREATES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "customers",
        {
            "customerName": "Pushed Customer Ltd",
            "contactName": "Ada Lovelace",
            "emailAddress": "ada@pushed.example",
            "phone": "(650) 555-0101",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": "1 Main St",
                    "city": "Bayshore",
                    "region": "CA",
                    "postalCode": "94326",
                }
            ],
            "defaultCurrency": "USD",
            "status": "Active",
        },
        {"customerName": "Pushed Customer Ltd", "contactName": "Ada Lovelace", "phone": "(650) 555-0101"},
    ),
    (
        "suppliers",
        {"supplierName": "Pushed Supplies", "emailAddress": "ap@supplies.example", "status": "Active"},
        {"supplierName": "Pushed Supplies", "emailAddress": "ap@supplies.example", "status": "Active"},
    ),
    (
        "chartOfAccounts",
        {
            "name": "Loan from Lendco",
            "nominalCode": "2600",
            "type": "Liability",
            "fullyQualifiedCategory": "Liability.NonCurrent",
        },
        {"name": "Loan from Lendco", "nominalCode": "2600", "type": "Liability", "status": "Active"},
    ),
    (
        "bankAccounts",
        {
            "accountName": "Lendco Card Loan",
            "accountType": "Credit",
            "currency": "USD",
            "nominalCode": "2090",
        },
        {"accountName": "Lendco Card Loan", "accountType": "Credit", "nominalCode": "2090"},
    ),
    (
        "items",
        {
            "name": "Consulting",
            "type": "Service",
            "isInvoiceItem": True,
            "invoiceItem": {"description": "An hour", "unitPrice": 120, "accountRef": {"id": "82"}},
            "isBillItem": False,
        },
        {"name": "Consulting", "type": "Service", "isInvoiceItem": True, "isBillItem": False},
    ),
    (
        "invoices",
        {**INVOICE, "customerRef": {"id": "{id:customers}"}, "invoiceNumber": "E2E-1"},
        {"invoiceNumber": "E2E-1", "totalAmount": 150.0, "amountDue": 150.0},
    ),
    (
        "bills",
        {
            "supplierRef": {"id": "{id:suppliers}"},
            "reference": "PS-77",
            "issueDate": "2024-03-03T00:00:00",
            "dueDate": "2024-04-02T00:00:00",
            "lineItems": [
                {"description": "Hoses", "unitAmount": 40, "quantity": 1, "accountRef": {"id": "7"}}
            ],
            "status": "Open",
        },
        {"reference": "PS-77", "totalAmount": 40.0, "status": "Open"},
    ),
    (
        "payments",
        {
            "customerRef": {"id": "{id:customers}"},
            "accountRef": {"id": "35"},
            "totalAmount": 100,
            "date": "2024-03-05T00:00:00",
            "lines": [{"amount": 100, "links": [{"type": "Invoice", "id": "{id:invoices}", "amount": -100}]}],
        },
        {"totalAmount": 100.0},
    ),
    (
        "billPayments",
        {
            "supplierRef": {"id": "{id:suppliers}"},
            "accountRef": {"id": "35"},
            "totalAmount": 40,
            "date": "2024-03-06T00:00:00",
            "lines": [{"amount": 40, "links": [{"type": "Bill", "id": "{id:bills}", "amount": -40}]}],
        },
        {"totalAmount": 40.0},
    ),
    (
        "journalEntries",
        {
            "postedOn": "2024-03-07T00:00:00",
            "description": "Loan drawdown",
            "journalLines": [
                {"netAmount": 5000, "accountRef": {"id": "35"}},
                {"netAmount": -5000, "accountRef": {"id": "{id:chartOfAccounts}"}},
            ],
        },
        {"description": "Loan drawdown"},
    ),
    (
        "creditNotes",
        {
            "customerRef": {"id": "{id:customers}"},
            "creditNoteNumber": "CN-E2E",
            "issueDate": "2024-03-07T00:00:00",
            "lineItems": [
                {
                    "unitAmount": 120,
                    "quantity": 1,
                    "accountRef": {"id": "82"},
                    "itemRef": {"id": "{id:items}"},
                }
            ],
        },
        {"creditNoteNumber": "CN-E2E", "totalAmount": 120.0, "remainingCredit": 120.0},
    ),
    (
        "billCreditNotes",
        {
            "supplierRef": {"id": "{id:suppliers}"},
            "billCreditNoteNumber": "VC-E2E",
            "issueDate": "2024-03-07T00:00:00",
            "lineItems": [{"unitAmount": 10, "quantity": 1, "accountRef": {"id": "7"}}],
        },
        {"billCreditNoteNumber": "VC-E2E", "totalAmount": 10.0},
    ),
    (
        "purchaseOrders",
        {
            "supplierRef": {"id": "{id:suppliers}"},
            "purchaseOrderNumber": "PO-E2E",
            "issueDate": "2024-03-07T00:00:00",
            "lineItems": [{"unitAmount": 10, "quantity": 4, "itemRef": {"id": "11"}}],
        },
        {"purchaseOrderNumber": "PO-E2E", "totalAmount": 40.0, "status": "Open"},
    ),
    (
        "transfers",
        {
            "description": "Card drawdown",
            "date": "2024-03-08T00:00:00",
            "from": {"accountRef": {"id": "{id:bankAccounts}"}, "amount": 800, "currency": "USD"},
            "to": {"accountRef": {"id": "35"}, "amount": 800, "currency": "USD"},
        },
        {"description": "Card drawdown", "date": "2024-03-08T00:00:00"},
    ),
    (
        "directCosts",
        {
            "contactRef": {"id": "{id:suppliers}", "dataType": "suppliers"},
            "issueDate": "2024-03-09T00:00:00",
            "currency": "USD",
            "reference": "DC-1",
            "lineItems": [
                {
                    "description": "Ads",
                    "unitAmount": 25,
                    "quantity": 1,
                    "subTotal": 25,
                    "accountRef": {"id": "7"},
                }
            ],
            "paymentAllocations": [
                {"payment": {"accountRef": {"id": "{id:bankAccounts}"}, "totalAmount": 25}, "allocation": {}}
            ],
            "subTotal": 25,
            "taxAmount": 0,
            "totalAmount": 25,
        },
        {"reference": "DC-1", "totalAmount": 25.0, "issueDate": "2024-03-09T00:00:00"},
    ),
    (
        "directIncomes",
        {
            "contactRef": {"id": "{id:customers}", "dataType": "customers"},
            "issueDate": "2024-03-10T00:00:00",
            "currency": "USD",
            "note": "Interest",
            "lineItems": [{"unitAmount": 12.5, "quantity": 1, "accountRef": {"id": "89"}}],
            "paymentAllocations": [
                {"payment": {"accountRef": {"id": "35"}, "totalAmount": 12.5}, "allocation": {}}
            ],
            "subTotal": 12.5,
            "taxAmount": 0,
            "totalAmount": 12.5,
        },
        {"note": "Interest", "totalAmount": 12.5},
    ),
]


def filled(value: Any, ids: dict[str, str]) -> Any:
    """The record with `{id:<type>}` replaced by the id the push of that type got."""
    if isinstance(value, dict):
        return {k: filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{id:"):
        return ids[value[4:-1]]
    return value


def test_every_type_is_created_through_the_server_and_read_back(
    quickbooks_server: RunningServer, fake: QuickBooksFake, linked: dict[str, str]
) -> None:
    company, connection = {"id": linked["company"]}, {"id": linked["connection"]}
    with quickbooks_server.client() as api:
        base = f"/companies/{company['id']}/connections/{connection['id']}/push"
        ids: dict[str, str] = {}
        for data_type, record, _ in CREATES:
            key = accept(api, "POST", f"{base}/{registry_path(data_type)}", json=filled(record, ids))
            operation = outcome(api, company["id"], key)
            assert operation["status"] == "Success", (data_type, operation)
            (change,) = operation["changes"]
            assert change["type"] == "Created" and change["recordRef"]["dataType"] == data_type
            ids[data_type] = change["recordRef"]["id"]
        wait_for_pulls(api, company["id"], timeout=90)
        for data_type, _, expected in CREATES:
            read = api.get(read_path(company["id"], connection["id"], data_type, ids[data_type]))
            assert read.status_code == 200, (data_type, read.text)
            assert {k: read.json().get(k) for k in expected} == expected, data_type
        # What the payments did to the documents they paid, as the next pull of them reads it.
        for data_type in ("invoices", "bills"):
            assert api.post(f"/companies/{company['id']}/data/queue/{data_type}").status_code == 200
        wait_for_pulls(api, company["id"], timeout=90)
        invoice = api.get(f"/companies/{company['id']}/data/invoices/{ids['invoices']}").json()
        assert (invoice["amountDue"], invoice["status"]) == (50.0, "PartiallyPaid")
        bill = api.get(f"/companies/{company['id']}/data/bills/{ids['bills']}").json()
        assert (bill["amountDue"], bill["status"]) == (0.0, "Paid")

        # An update and deletes through Codat's PUT and DELETE routes: the invoice's lines replaced (what
        # the payment paid stays paid), the journal entry gone, a bill QuickBooks does not have not found.
        invoice_record = next(record for data_type, record, _ in CREATES if data_type == "invoices")
        line = {**invoice_record["lineItems"][0], "quantity": 3}
        changed = filled({**invoice_record, "lineItems": [line]}, ids)
        modified = outcome(
            api, company["id"], accept(api, "PUT", f"{base}/invoices/{ids['invoices']}", json=changed)
        )
        assert modified["status"] == "Success" and modified["changes"][0]["type"] == "Modified", modified
        gone = outcome(
            api, company["id"], accept(api, "DELETE", f"{base}/journalEntries/{ids['journalEntries']}")
        )
        assert gone["status"] == "Success" and gone["changes"][0]["type"] == "Deleted", gone
        # QuickBooks' ValidationFault (a name another vendor has) is the push's validation errors.
        refused = outcome(
            api,
            company["id"],
            accept(api, "POST", f"{base}/customers", json={"customerName": "Hicks Hardware"}),
        )
        assert (refused["status"], refused["statusCode"]) == ("Failed", 400), refused
        (error,) = refused["validation"]["errors"]
        assert error["itemId"] == "customerName" and error["validatorName"] == "QuickBooks 6240", error
        missing = outcome(api, company["id"], accept(api, "DELETE", f"{base}/bills/4040"))
        assert (missing["status"], missing["statusCode"]) == ("Failed", 404), missing
        assert "4040" in missing["errorMessage"]
        wait_for_pulls(api, company["id"], timeout=90)
        invoice = api.get(f"/companies/{company['id']}/data/invoices/{ids['invoices']}").json()
        assert (invoice["totalAmount"], invoice["amountDue"]) == (225.0, 125.0), invoice
        entry = api.get(f"/companies/{company['id']}/data/journalEntries/{ids['journalEntries']}").json()
        assert entry["metadata"]["isDeleted"] is True, entry
    # Paid from the Credit (card) account, the direct cost is QuickBooks' card purchase.
    (purchase,) = fake.entities["Purchase"].values()
    assert purchase["PaymentType"] == "CreditCard" and purchase["EntityRef"]["type"] == "Vendor"
    assert all(q.get("requestid") for p, q, _ in fake.requests if p.rsplit("/", 1)[-1] in WRITTEN_ENTITIES)


WRITTEN_ENTITIES = {
    "customer",
    "vendor",
    "account",
    "item",
    "invoice",
    "bill",
    "payment",
    "billpayment",
    "journalentry",
    "creditmemo",
    "vendorcredit",
    "purchaseorder",
    "transfer",
    "purchase",
    "deposit",
}


def accept(api: httpx.Client, method: str, path: str, **request: Any) -> str:
    """A push the server accepts (Pending): its operation's key."""
    answer = api.request(method, path, **request)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Pending", answer.text
    return str(answer.json()["pushOperationKey"])


def outcome(api: httpx.Client, company_id: str, key: str) -> dict[str, Any]:
    """The push operation once the worker has run it."""

    def finished() -> dict[str, Any] | None:
        operation = api.get(f"/companies/{company_id}/push/{key}").json()
        return operation if operation["status"] != "Pending" else None

    return wait_until(finished, timeout=60, what=f"push {key}")


def registry_path(data_type: str) -> str:
    found = data_types.get(data_type)
    assert found is not None
    return found.path


def read_path(company_id: str, connection_id: str, data_type: str, record_id: str) -> str:
    """Where the read API gives the record (a connection's data types hang under the connection)."""
    found = data_types.get(data_type)
    assert found is not None
    under = f"/connections/{connection_id}" if found.scope is data_types.Scope.CONNECTION else ""
    return f"/companies/{company_id}{under}/data/{found.path}/{record_id}"


async def test_a_card_loan_drawn_and_charged_shows_on_the_balance_sheet(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    loan = await push(
        runtime, connection_id, "bankAccounts", {"accountName": "Card loan", "accountType": "Credit"}
    )
    assert fake.entities["Account"][loan["id"]]["AccountType"] == "Credit Card"
    drawn = {
        "date": "2024-03-08T00:00:00",
        "from": {"accountRef": {"id": loan["id"]}, "amount": 800},
        "to": {"accountRef": {"id": "35"}, "amount": 800},
    }
    moved = await push(runtime, connection_id, "transfers", drawn)
    assert moved["from"]["accountRef"]["id"] == loan["id"] and moved["to"]["amount"] == 800.0
    cost = {
        "issueDate": "2024-03-09T00:00:00",
        "lineItems": [{"unitAmount": 25, "quantity": 1, "accountRef": {"id": "7"}}],
        "paymentAllocations": [{"payment": {"accountRef": {"id": loan["id"]}}, "allocation": {}}],
    }
    charged = await push(runtime, connection_id, "directCosts", cost)
    assert charged["paymentAllocations"][0]["payment"]["accountRef"]["id"] == loan["id"]
    assert fake.entities["Purchase"][charged["id"]]["PaymentType"] == "CreditCard"
    income = {
        "issueDate": "2024-03-10T00:00:00",
        "contactRef": {"id": "20", "dataType": "customers"},
        "lineItems": [{"description": "Interest", "unitAmount": 12.5, "accountRef": {"id": "89"}}],
        "paymentAllocations": [{"payment": {"accountRef": {"id": "35"}}, "allocation": {}}],
    }
    received = await push(runtime, connection_id, "directIncomes", income)
    assert received["totalAmount"] == 12.5 and received["contactRef"] == {"id": "20", "dataType": "customers"}
    assert received["lineItems"][0]["accountRef"] == {"id": "89", "name": "Interest Earned"}
    # The books' balance sheet carries the card loan: drawn 800, charged 25.
    assert (await pull(runtime, connection_id, "balanceSheet")).status == "Complete"
    latest = max(
        (r for r, _ in (await stored(runtime, connection_id, "balanceSheet")).values()),
        key=lambda r: r["date"],
    )
    assert line_of(latest["liabilities"], loan["id"])["value"] == 825.0
    # The seeded 1,000 journal, the drawdown and the interest received.
    assert line_of(latest["assets"], "35")["value"] == 1812.5


def line_of(line: dict[str, Any], account_id: str) -> dict[str, Any]:
    """The report line of an account, wherever it is in the report's tree."""
    if line.get("accountId") == account_id:
        return line
    for item in line.get("items") or []:
        found = line_of(item, account_id)
        if found:
            return found
    return {}


async def test_credit_notes_and_purchase_orders_are_created_and_updated(
    runtime: Runtime, fake: QuickBooksFake, connection_id: uuid.UUID
) -> None:
    pump = {
        "description": "Pump",
        "unitAmount": 15,
        "quantity": 2,
        "accountRef": {"id": "79"},
        "itemRef": {"id": "11"},
    }
    credit = {
        "customerRef": {"id": "20"},
        "creditNoteNumber": "CN-1",
        "issueDate": "2024-03-11",
        "lineItems": [pump],
    }
    created = await push(runtime, connection_id, "creditNotes", credit)
    assert (created["totalAmount"], created["remainingCredit"], created["status"]) == (
        30.0,
        30.0,
        "Submitted",
    )
    updated = await push(
        runtime,
        connection_id,
        "creditNotes",
        {**credit, "lineItems": [{**pump, "quantity": 3}], "note": "Three returned"},
        operation=Operation.UPDATE,
        record_id=created["id"],
    )
    assert (updated["totalAmount"], updated["note"]) == (45.0, "Three returned")

    hoses = {"description": "Hoses", "unitAmount": 40, "quantity": 1, "accountRef": {"id": "7"}}
    vendor_credit = {
        "supplierRef": {"id": "41"},
        "billCreditNoteNumber": "VC-1",
        "issueDate": "2024-03-12",
        "lineItems": [hoses],
    }
    created = await push(runtime, connection_id, "billCreditNotes", vendor_credit)
    assert (created["totalAmount"], created["supplierRef"]["supplierName"]) == (40.0, "Hicks Hardware")
    updated = await push(
        runtime,
        connection_id,
        "billCreditNotes",
        {**vendor_credit, "lineItems": [{**hoses, "unitAmount": 35}]},
        operation=Operation.UPDATE,
        record_id=created["id"],
    )
    assert updated["totalAmount"] == 35.0 and fake.entities["VendorCredit"][created["id"]]["SyncToken"] == "1"

    order = {
        "supplierRef": {"id": "41"},
        "purchaseOrderNumber": "PO-9",
        "issueDate": "2024-03-13",
        "lineItems": [hoses],
    }
    created = await push(runtime, connection_id, "purchaseOrders", order)
    assert (created["status"], created["totalAmount"]) == ("Open", 40.0)
    closed = await push(
        runtime,
        connection_id,
        "purchaseOrders",
        {**order, "status": "Closed"},
        operation=Operation.UPDATE,
        record_id=created["id"],
    )
    assert closed["status"] == "Closed"
    for data_type in ("creditNotes", "billCreditNotes", "purchaseOrders"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    assert (await stored(runtime, connection_id, "purchaseOrders"))[created["id"]][0]["status"] == "Closed"


def test_a_loan_written_back_through_codat_lending_shows_on_the_balance_sheet(
    quickbooks_server: RunningServer, fake: QuickBooksFake, linked: dict[str, str]
) -> None:
    """Codat's loan writeback (`tests/support/loan_writeback.py`, as a lender runs it through
    `codat-lending`) into QuickBooks' books: the loan account is a Credit Card account (a liability), the
    drawdown and repayments transfers, the interest card purchases from the lender."""
    today = datetime.now(UTC).date()
    written = write_back_loan(
        lending_sdk(quickbooks_server),
        linked["company"],
        linked["connection"],
        business_bank_account_id="35",
        amount=Decimal("10000.00"),
        drawdown_date=today - timedelta(days=10),
        repayments=[
            (today - timedelta(days=3), Decimal("1000.00"), Decimal("125.50")),
            (today, Decimal("1000.00"), Decimal("110.25")),
        ],
    )
    loan = fake.entities["Account"][written.loan_account_id]
    assert (loan["AccountType"], loan["Classification"]) == ("Credit Card", "Liability")
    assert fake.entities["Account"][written.expense_account_id]["AccountType"] == "Other Expense"
    moved = [
        fake.entities["Transfer"][i] for i in [written.deposit_transfer_id, *written.repayment_transfer_ids]
    ]
    assert [(t["FromAccountRef"]["value"], t["ToAccountRef"]["value"], t["Amount"]) for t in moved] == [
        (written.loan_account_id, "35", 10000.0),
        ("35", written.loan_account_id, 1125.5),
        ("35", written.loan_account_id, 1110.25),
    ]
    interest = [fake.entities["Purchase"][i] for i in written.interest_direct_cost_ids]
    assert [(p["PaymentType"], p["EntityRef"]["value"], p["TotalAmt"]) for p in interest] == [
        ("CreditCard", written.lender_supplier_id, 125.5),
        ("CreditCard", written.lender_supplier_id, 110.25),
    ]
    with quickbooks_server.client() as api:
        company = linked["company"]
        for data_type in ("balanceSheet", "profitAndLoss"):
            assert api.post(f"/companies/{company}/data/queue/{data_type}").status_code == 200
        wait_for_pulls(api, company, timeout=90)
        (sheet,) = api.get(
            f"/companies/{company}/data/financials/balanceSheet",
            params={"periodLength": 1, "periodsToCompare": 1},
        ).json()["reports"]
        (profit,) = api.get(
            f"/companies/{company}/data/financials/profitAndLoss",
            params={"periodLength": 1, "periodsToCompare": 1},
        ).json()["reports"]
    # Owed: the drawdown less the principal repaid (the interest each repayment paid in is charged back).
    assert line_of(sheet["liabilities"], written.loan_account_id)["value"] == 8000.0
    # The interest charged this month is an expense of the month (the first repayment's may be last month's).
    this_month = 110.25 + (125.5 if (today - timedelta(days=3)).month == today.month else 0.0)
    assert line_of(profit["otherExpenses"], written.expense_account_id)["value"] == this_month
