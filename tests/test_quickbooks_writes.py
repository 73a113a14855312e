"""Writes to QuickBooks Online against the fake QuickBooks (`tests/support/fakes/quickbooks.py` and its
writes, `quickbooks_writes.py`): every type the connector writes, created through the real server (push →
Success → the pull it queues → read back in Codat's shape), and, run as the worker runs them against a
connection of the test's own database, sparse updates and deletes, Intuit's ValidationFault as Codat's
validation errors, `requestid` making a retried push write once, a stale SyncToken read again and retried,
a throttle waited out, an expired token renewed mid-push, and an unknown record as `RecordNotFound`. Every
request the connector sends is one Intuit would accept (`fake.violations == []`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthClientCredentials
from ledgerlink.connectors.base import PushRejected, PushRequest, RecordNotFound
from ledgerlink.connectors.quickbooks.connector import QuickBooksConnector, QuickBooksUrls
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.oauth import flow, tokens
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
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-quickbooks-writes"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()

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
    return await registry.CONNECTORS["qhyg"].push(request)


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
    assert again["id"] == "108" and "108" in fake.deleted["Bill"]


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
