"""The Xero connector end to end against the fake Xero (`tests/support/fakes/xero.py`), every request and
response of which is validated against Xero's official specs: the OAuth flow and tenant discovery, first syncs
through the pull runner, incremental changes and deletions, 30-minute tokens rotating, 429 storms with
Retry-After, the daily limit, 5xx retries, and revoked grants turning the connection Deauthorized."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import jsonschema_rs
import pytest
from cryptography.fernet import Fernet

from ledgerlink.connectors import registry
from ledgerlink.connectors.xero.connector import DATA_TYPES, XeroConnector
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.kit.errors import BadRequest
from ledgerlink.oauth import flow, tokens
from ledgerlink.records import fields
from tests.support.connectors import (
    connection_of,
    consent_and_link,
    expire_stored_token,
    pending_connection,
    pull,
    runtime_on,
    stored,
)
from tests.support.fakes.xero import XeroFake, day_date, ms_date
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-xero-tests"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()
DEMO_TENANT = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "xero_tests")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fake() -> Iterator[XeroFake]:
    server = XeroFake(CLIENT_ID, CLIENT_SECRET, CALLBACK).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def xero(fake: XeroFake, monkeypatch: pytest.MonkeyPatch) -> Iterator[XeroConnector]:
    """The registered Xero connector, pointed at the fake; small pages so paging is exercised."""
    connector = fake.connector(CLIENT_ID, CLIENT_SECRET, page_size=2)
    monkeypatch.setitem(registry.CONNECTORS, "gbol", connector)
    fake.reset()
    yield connector
    assert fake.violations == [], "every request and response must follow Xero's spec"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


async def link(run: Runtime) -> uuid.UUID:
    """A company, a PendingAuth Xero connection, consent at the fake, and the callback completed."""
    _, connection_id = await pending_connection(run, "gbol", "Xero Co")
    await consent_and_link(run, connection_id)
    return connection_id


def demo_invoices(fake: XeroFake, kind: str) -> dict[str, dict]:
    return {k: v for k, v in fake.tenant(DEMO_TENANT).records["Invoices"].items() if v["Type"] == kind}


async def test_link_discovers_the_tenant_and_the_first_sync_maps_every_type(
    runtime: Runtime, fake: XeroFake
) -> None:
    other = fake.add_tenant("Second Organisation Ltd")
    fake.consent_tenants = [DEMO_TENANT]
    connection_id = await link(runtime)
    fake.consent_tenants = []
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Linked"
    opened = runtime.secrets.open(connection.sealed_authorization)
    assert opened["xero"] == {"tenantId": DEMO_TENANT, "tenantName": "Demo Company (NZ)"}
    issued = fake.tokens[-1]
    assert issued.access_token.encode() not in connection.sealed_authorization
    # The identity API was asked for this consent's organisations only.
    connections_asked = [q for p, q, _ in fake.requests if p.lower() == "/connections"]
    assert connections_asked[-1].get("authEventId") == fake.auth_event
    assert other.tenant_id not in {c.tenant_id for c in fake.grant}

    for data_type in DATA_TYPES:
        finished = await pull(runtime, connection_id, data_type)
        assert finished.status == "Complete", (data_type, finished.status_description)

    invoices = await stored(runtime, connection_id, "invoices")
    live = {k for k, v in demo_invoices(fake, "ACCREC").items() if v["Status"] not in ("VOIDED", "DELETED")}
    assert {k for k, (_, deleted) in invoices.items() if not deleted} == live
    assert set(await stored(runtime, connection_id, "bills")) <= set(demo_invoices(fake, "ACCPAY"))
    customers = await stored(runtime, connection_id, "customers")
    assert customers and all(r["customerName"] for r, _ in customers.values())
    (company,) = (await stored(runtime, connection_id, "company")).values()
    assert company[0]["companyName"] == "Dev Evangelist - Sid Test 3 (NZ-2016-02)"
    statements = await stored(runtime, connection_id, "balanceSheet")
    assert len(statements) == 24  # the default monthsToSync, two report calls of twelve months

    # Every stored record follows Codat's schema for its type.
    for data_type in DATA_TYPES:
        validator = jsonschema_rs.validator_for(fields.record_schema(data_type))
        for record, _ in (await stored(runtime, connection_id, data_type)).values():
            document = (
                {
                    k: v
                    for k, v in record.items()
                    if k not in ("id", "currency", "reportBasis", "modifiedDate")
                }
                if data_type in ("balanceSheet", "profitAndLoss")
                else record
            )
            errors = [str(e) for e in validator.iter_errors(document)]
            assert not errors, (data_type, errors[:2])
    # Paged endpoints were read page by page; every API call named the tenant.
    pages = [q.get("page") for p, q, _ in fake.requests if p.endswith("/Invoices")]
    assert "2" in pages
    assert all(h.get("xero-tenant-id") == DEMO_TENANT for p, _, h in fake.requests if "/api.xro/" in p)


async def test_incremental_pulls_send_if_modified_since_and_map_archived_and_voided_to_deletions(
    runtime: Runtime, fake: XeroFake
) -> None:
    connection_id = await link(runtime)
    for data_type in ("invoices", "customers"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    first = await stored(runtime, connection_id, "invoices")

    paid = next(k for k, v in demo_invoices(fake, "ACCREC").items() if v["Status"] == "PAID")
    open_one = next(k for k, v in demo_invoices(fake, "ACCREC").items() if v["Status"] == "AUTHORISED")
    fake.update("Invoices", open_one, Status="VOIDED")
    fake.update("Invoices", paid, Reference="Paid by cheque")
    new_id = str(uuid.uuid4())
    template = fake.tenant().records["Invoices"][paid]
    fake.put(
        "Invoices",
        {
            **template,
            "InvoiceID": new_id,
            "InvoiceNumber": "INV-9001",
            "Status": "AUTHORISED",
            "AmountDue": 46.0,
            "AmountPaid": 0.0,
            "Payments": [],
            "Date": day_date(datetime.now(UTC).date()),
        },
    )
    archived = next(
        k
        for k, v in fake.tenant().records["Contacts"].items()
        if v.get("IsCustomer") and v["ContactStatus"] == "ACTIVE"
    )
    fake.update("Contacts", archived, ContactStatus="ARCHIVED")
    fake.requests.clear()

    assert (await pull(runtime, connection_id, "invoices")).status == "Complete"
    assert (await pull(runtime, connection_id, "customers")).status == "Complete"
    invoice_calls = [h for p, _, h in fake.requests if p.endswith("/Invoices")]
    assert invoice_calls and all("if-modified-since" in h for h in invoice_calls)

    invoices = await stored(runtime, connection_id, "invoices")
    assert invoices[open_one][1] is True  # voided → deleted
    assert invoices[paid][0]["note"] == "Paid by cheque" and invoices[paid][1] is False
    assert invoices[new_id][0]["invoiceNumber"] == "INV-9001" and invoices[new_id][0]["status"] == "Submitted"
    unchanged = set(first) - {open_one, paid}
    assert all(invoices[k] == first[k] for k in unchanged)
    customers = await stored(runtime, connection_id, "customers")
    assert customers[archived][1] is True  # archived → deleted


async def test_thirty_minute_tokens_rotate_and_an_early_expiry_is_renewed(
    runtime: Runtime, fake: XeroFake
) -> None:
    connection_id = await link(runtime)
    original = tokens.stored_tokens(runtime.secrets, await connection_of(runtime, connection_id))
    assert original.expires_at - time.time() == pytest.approx(1800, abs=5)  # Xero's lifetime
    refreshes = fake.token_requests["refresh_token"]

    # Thirty minutes on, on both clocks: the pull refreshes first, presenting the refresh token once.
    fake.advance(1801)
    await expire_stored_token(runtime, connection_id)
    assert (await pull(runtime, connection_id, "company")).status == "Complete"
    assert fake.token_requests["refresh_token"] == refreshes + 1
    assert fake.refresh_tokens_presented[-1] == original.refresh_token
    rotated = tokens.stored_tokens(runtime.secrets, await connection_of(runtime, connection_id))
    assert rotated.refresh_token != original.refresh_token
    assert (
        tokens.stored_beside(runtime.secrets, await connection_of(runtime, connection_id))["xero"]["tenantId"]
        == DEMO_TENANT
    )

    # Xero's clock runs ahead of ledgerlink's: the API refuses a token ledgerlink thought valid; the
    # connector renews it once (with the rotated refresh token) and carries on.
    fake.advance(1801)
    assert (await pull(runtime, connection_id, "taxRates")).status == "Complete"
    assert fake.token_requests["refresh_token"] == refreshes + 2
    assert fake.refresh_tokens_presented[-1] == rotated.refresh_token
    # The rotated-out refresh token no longer works.
    assert any(t.refresh_token == original.refresh_token and t.revoked for t in fake.tokens)


async def test_a_429_storm_is_waited_out_as_retry_after_says(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    before = fake.offset
    fake.storm.extend([("minute", 7.0), ("minute", 3.0), ("concurrent", 1.0), ("minute", 12.0)])
    finished = await pull(runtime, connection_id, "invoices")
    assert finished.status == "Complete", finished.status_description
    assert not fake.storm
    # The connector slept exactly what Retry-After said (on the fake's clock), never calling early.
    assert fake.offset - before == pytest.approx(23.0)
    assert await stored(runtime, connection_id, "invoices")


async def test_the_daily_limit_ends_the_pull_rate_limited(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    fake.storm.append(("day", 43_200.0))
    finished = await pull(runtime, connection_id, "invoices")
    assert finished.status == "RateLimitError" and "day" in finished.status_description
    assert (await connection_of(runtime, connection_id)).status == "Linked"


async def test_server_errors_are_retried_with_backoff(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    fake.failures.extend([500, 503])
    finished = await pull(runtime, connection_id, "items")
    assert finished.status == "Complete"
    assert await stored(runtime, connection_id, "items")


async def test_a_revoked_grant_deauthorizes_the_connection(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    fake.revoke_grant()
    # The access token is refused (revoked) before ledgerlink thinks it expired: the renewal's refresh is
    # refused too (invalid_grant), so the grant is gone.
    finished = await pull(runtime, connection_id, "invoices")
    assert finished.status == "AuthError"
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Deauthorized"
    (error,) = [e for e in connection.data_connection_errors if e["status"] == "Active"]
    assert error["statusCode"] == "401" and "invalid_grant" in error["errorMessage"]
    # A Deauthorized connection is not pulled again until the business links it again.
    with pytest.raises(BadRequest):
        await pull(runtime, connection_id, "invoices")


async def test_statements_come_from_monthly_report_columns(runtime: Runtime, fake: XeroFake) -> None:
    connection_id = await link(runtime)
    today = datetime.now(UTC).date()
    sales = {
        "AccountID": "e0a5d892-9f9f-44f0-a153-5cb7db125170",
        "AccountType": "REVENUE",
        "AccountName": "Sales",
    }
    bank = {
        "AccountID": "6f7594f2-f059-4d56-9e67-47ac9733bfe9",
        "AccountType": "BANK",
        "AccountName": "Business Bank",
    }
    fake.put(
        "Journals",
        {
            "JournalID": str(uuid.uuid4()),
            "JournalDate": day_date(today.replace(day=1)),
            "JournalNumber": 9001,
            "CreatedDateUTC": ms_date(time.time()),
            "SourceType": "CASHREC",
            "SourceID": str(uuid.uuid4()),
            "JournalLines": [
                {
                    "JournalLineID": str(uuid.uuid4()),
                    **bank,
                    "NetAmount": 250.0,
                    "GrossAmount": 250.0,
                    "TaxAmount": 0.0,
                },
                {
                    "JournalLineID": str(uuid.uuid4()),
                    **sales,
                    "NetAmount": -250.0,
                    "GrossAmount": -250.0,
                    "TaxAmount": 0.0,
                },
            ],
        },
    )
    for data_type in ("profitAndLoss", "balanceSheet"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    month = f"{today.year:04d}-{today.month:02d}"
    profit = (await stored(runtime, connection_id, "profitAndLoss"))[month][0]
    assert profit["income"]["value"] == 250.0 and profit["netProfit"] == 250.0
    assert profit["fromDate"] == f"{month}-01T00:00:00"
    sheet = (await stored(runtime, connection_id, "balanceSheet"))[month][0]
    bank_line = sheet["assets"]["items"][0]["items"]
    assert {"accountId": bank["AccountID"], "name": "Business Bank", "value": 250.0, "items": []} in bank_line
    assert sheet["equity"]["value"] >= 250.0
