"""The QuickBooks Online connector end to end against the fake QuickBooks
(`tests/support/fakes/quickbooks.py`): the OAuth flow with the `realmId` of Intuit's redirect, first syncs
through the pull runner, incremental queries on `Metadata.LastUpdatedTime` and deletions from change data
capture, hour-long tokens rotating, 429 storms with and without Retry-After, 5xx retries, and revoked grants
(fault 3200, invalid_grant) turning the connection Deauthorized."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import jsonschema_rs
import pytest
from cryptography.fernet import Fernet

from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthClientCredentials
from ledgerlink.connectors.base import AuthorizationRejected, FetchRequest
from ledgerlink.connectors.quickbooks.connector import (
    DATA_TYPES,
    QuickBooksConnector,
    QuickBooksSandboxConnector,
    QuickBooksUrls,
)
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
from tests.support.fakes.quickbooks import REALM_ID, QuickBooksFake
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-quickbooks-tests"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "quickbooks_tests")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fake() -> Iterator[QuickBooksFake]:
    server = QuickBooksFake(CLIENT_ID, CLIENT_SECRET, CALLBACK).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def quickbooks(fake: QuickBooksFake, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuickBooksConnector]:
    """The registered QuickBooks connector, pointed at the fake; small pages so paging is exercised."""
    connector = QuickBooksConnector(
        QuickBooksUrls(authorize=fake.authorize_url, token=fake.token_url, api=fake.api_url),
        client=OAuthClientCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
        sleep=fake.sleep,
        page_size=2,
    )
    monkeypatch.setitem(registry.CONNECTORS, "qhyg", connector)
    fake.reset()
    yield connector
    assert fake.violations == [], "every request must be one Intuit would accept"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


async def link(run: Runtime) -> uuid.UUID:
    """A company, a PendingAuth QuickBooks connection, consent at the fake, and the callback completed with
    the callback's extra parameters, as `/link/oauth/callback` hands them over."""
    _, connection_id = await pending_connection(run, "qhyg", "QuickBooks Co")
    await consent_and_link(run, connection_id)
    return connection_id


def queries(fake: QuickBooksFake, entity: str) -> list[str]:
    return [
        q["query"]
        for p, q, _ in fake.requests
        if p.endswith("/query") and f"FROM {entity} " in q["query"] + " "
    ]


async def test_link_keeps_the_realm_and_the_first_sync_maps_every_type(
    runtime: Runtime, fake: QuickBooksFake
) -> None:
    connection_id = await link(runtime)
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Linked"
    opened = runtime.secrets.open(connection.sealed_authorization)
    assert opened["quickbooks"] == {"realmId": REALM_ID, "companyName": "Sandbox Company_US_1"}
    issued = fake.tokens[-1]
    assert issued.access_token.encode() not in connection.sealed_authorization
    assert issued.refresh_token.encode() not in connection.sealed_authorization

    for data_type in DATA_TYPES:
        finished = await pull(runtime, connection_id, data_type)
        assert finished.status == "Complete", (data_type, finished.status_description)

    invoices = await stored(runtime, connection_id, "invoices")
    assert set(invoices) == set(fake.entities["Invoice"])
    assert invoices["145"][0]["status"] == "PartiallyPaid" and invoices["130"][0]["status"] == "Paid"
    customers = await stored(runtime, connection_id, "customers")
    # Inactive customers are read too (`Active IN (true, false)`), archived rather than deleted.
    assert customers["9"][0]["status"] == "Archived" and customers["9"][1] is False
    assert {k for k, _ in (await stored(runtime, connection_id, "bankAccounts")).items()} == {
        "35",
        "36",
        "41",
        "92",
    }
    (company,) = (await stored(runtime, connection_id, "company")).values()
    assert company[0]["companyName"] == "Sandbox Company_US_1" and company[0]["baseCurrency"] == "USD"
    assert company[0]["accountingPlatformRef"] == REALM_ID
    assert len(await stored(runtime, connection_id, "balanceSheet")) == 24  # the default monthsToSync

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
    # Paged queries: the first page's size, then the next start position; every call named the realm.
    assert any("STARTPOSITION 3 MAXRESULTS 2" in q for q in queries(fake, "Invoice"))
    assert all(f"/company/{REALM_ID}/" in p for p, _, _ in fake.requests)
    assert not [p for p, _, _ in fake.requests if p.endswith("/cdc")]  # a first pull needs no CDC


async def test_incremental_pulls_query_changes_and_cdc_reports_deletions(
    runtime: Runtime, fake: QuickBooksFake
) -> None:
    connection_id = await link(runtime)
    for data_type in ("invoices", "customers"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    first = await stored(runtime, connection_id, "invoices")

    fake.update("Invoice", "129", Balance=0.0, LinkedTxn=[{"TxnId": "150", "TxnType": "Payment"}])
    fake.delete("Invoice", "130")
    template = fake.entities["Invoice"]["145"]
    new_id = fake.new_id()
    fake.put("Invoice", {**template, "Id": new_id, "DocNumber": "1040", "Balance": 156.0, "LinkedTxn": []})
    fake.update("Customer", "3", Active=False)
    fake.requests.clear()

    assert (await pull(runtime, connection_id, "invoices")).status == "Complete"
    assert (await pull(runtime, connection_id, "customers")).status == "Complete"
    invoice_queries = queries(fake, "Invoice")
    assert invoice_queries and all("Metadata.LastUpdatedTime >= '" in q for q in invoice_queries)
    cdc = [q for p, q, _ in fake.requests if p.endswith("/cdc")]
    assert [q["entities"] for q in cdc] == ["Invoice", "Customer"] and all(q["changedSince"] for q in cdc)

    invoices = await stored(runtime, connection_id, "invoices")
    assert invoices["130"][1] is True  # deleted at QuickBooks → deleted here
    assert invoices["129"][0]["status"] == "Paid"
    assert invoices[new_id][0]["invoiceNumber"] == "1040" and invoices[new_id][0]["status"] == "Submitted"
    assert invoices["145"] == first["145"]
    customers = await stored(runtime, connection_id, "customers")
    assert customers["3"][0]["status"] == "Archived" and customers["3"][1] is False


async def test_cdc_is_not_asked_beyond_its_thirty_day_window(
    runtime: Runtime, fake: QuickBooksFake, quickbooks
) -> None:
    await link(runtime)
    token = fake.tokens[-1].access_token
    fake.deleted["Bill"]["999"] = time.time()
    fake.requests.clear()
    now = datetime.now(UTC)

    async def pages(since: datetime) -> list:
        request = FetchRequest(
            data_type="bills",
            company_id=uuid.uuid4(),
            connection_id=uuid.uuid4(),
            credentials={"quickbooks": {"realmId": REALM_ID}, "oauth": {"access_token": token}},
            linked_at=now,
            as_of=now,
            since=since,
        )
        return [batch async for batch in quickbooks.fetch(request)]

    assert [b.deleted_ids for b in await pages(now - timedelta(days=2))] == [["999"]]
    fake.requests.clear()
    assert await pages(now - timedelta(days=45)) == []
    assert [p for p, _, _ in fake.requests if p.endswith("/cdc")] == []


async def test_hour_long_tokens_rotate_and_a_fault_3200_renews_once(
    runtime: Runtime, fake: QuickBooksFake
) -> None:
    connection_id = await link(runtime)
    original = tokens.stored_tokens(runtime.secrets, await connection_of(runtime, connection_id))
    assert original.expires_at - time.time() == pytest.approx(3600, abs=5)  # Intuit's lifetime
    refreshes = fake.token_requests["refresh_token"]

    # An hour on, on both clocks: the pull refreshes first, presenting the refresh token once.
    fake.advance(3601)
    await expire_stored_token(runtime, connection_id)
    assert (await pull(runtime, connection_id, "company")).status == "Complete"
    assert fake.token_requests["refresh_token"] == refreshes + 1
    assert fake.refresh_tokens_presented[-1] == original.refresh_token
    rotated = tokens.stored_tokens(runtime.secrets, await connection_of(runtime, connection_id))
    assert rotated.refresh_token != original.refresh_token
    beside = tokens.stored_beside(runtime.secrets, await connection_of(runtime, connection_id))
    assert beside["quickbooks"]["realmId"] == REALM_ID

    # Intuit refuses a token ledgerlink thought valid (HTTP 401, fault 3200): renewed once, with the
    # rotated refresh token, and the pull carries on.
    fake.advance(3601)
    assert (await pull(runtime, connection_id, "taxRates")).status == "Complete"
    assert fake.token_requests["refresh_token"] == refreshes + 2
    assert fake.refresh_tokens_presented[-1] == rotated.refresh_token
    assert any(t.refresh_token == original.refresh_token and t.revoked for t in fake.tokens)

    # The same fault inside a 200 (as Intuit sometimes answers) is treated alike.
    fake.faults_in_200.append("3200")
    assert (await pull(runtime, connection_id, "items")).status == "Complete"
    assert fake.token_requests["refresh_token"] == refreshes + 3


async def test_a_429_storm_is_waited_out_as_retry_after_says(runtime: Runtime, fake: QuickBooksFake) -> None:
    connection_id = await link(runtime)
    before = fake.offset
    # Intuit's ThrottleExceeded (fault 3001); one without Retry-After waits out the minute window.
    fake.storm.extend([7.0, 3.0, None, 12.0])
    finished = await pull(runtime, connection_id, "invoices")
    assert finished.status == "Complete", finished.status_description
    assert not fake.storm
    assert fake.offset - before == pytest.approx(82.0)
    assert await stored(runtime, connection_id, "invoices")


async def test_a_storm_beyond_the_budget_ends_the_pull_rate_limited(
    runtime: Runtime, fake: QuickBooksFake
) -> None:
    connection_id = await link(runtime)
    fake.storm.append(3600.0)
    finished = await pull(runtime, connection_id, "bills")
    assert finished.status == "RateLimitError" and "3600" in finished.status_description
    fake.storm.extend([1.0] * 9)
    finished = await pull(runtime, connection_id, "bills")
    assert finished.status == "RateLimitError"
    assert (await connection_of(runtime, connection_id)).status == "Linked"


async def test_server_errors_are_retried_with_backoff(runtime: Runtime, fake: QuickBooksFake) -> None:
    connection_id = await link(runtime)
    before = fake.offset
    fake.failures.extend([500, 503])
    finished = await pull(runtime, connection_id, "items")
    assert finished.status == "Complete"
    assert fake.offset - before == pytest.approx(1.5)  # 0.5 s, then 1 s
    assert await stored(runtime, connection_id, "items")


async def test_a_revoked_grant_deauthorizes_the_connection(runtime: Runtime, fake: QuickBooksFake) -> None:
    connection_id = await link(runtime)
    fake.revoke_grant()
    # The access token is refused (fault 3200) before ledgerlink thought it expired; the renewal's refresh
    # is refused too (invalid_grant): the grant is gone.
    finished = await pull(runtime, connection_id, "invoices")
    assert finished.status == "AuthError"
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Deauthorized"
    (error,) = [e for e in connection.data_connection_errors if e["status"] == "Active"]
    assert error["statusCode"] == "401" and "invalid_grant" in error["errorMessage"]
    with pytest.raises(BadRequest):
        await pull(runtime, connection_id, "invoices")


async def test_a_consent_without_the_realm_it_opens_is_refused(
    runtime: Runtime, fake: QuickBooksFake, quickbooks
) -> None:
    await link(runtime)
    token = fake.tokens[-1].access_token
    with pytest.raises(AuthorizationRejected, match="did not say which company"):
        await quickbooks.after_authorization(token, {})
    # A realm the token does not open (fault 3100, HTTP 403) is refused too.
    with pytest.raises(AuthorizationRejected, match="no longer authorized"):
        await quickbooks.after_authorization(token, {"realmId": "1234"})
    assert await quickbooks.after_authorization(token, {"realmId": REALM_ID}) == {
        "quickbooks": {"realmId": REALM_ID, "companyName": "Sandbox Company_US_1"}
    }


async def test_statements_come_from_monthly_report_columns(runtime: Runtime, fake: QuickBooksFake) -> None:
    connection_id = await link(runtime)
    today = datetime.now(UTC).date()
    fake.put(
        "JournalEntry",
        {
            "Id": fake.new_id(),
            "TxnDate": today.replace(day=1).isoformat(),
            "DocNumber": "JE-9",
            "CurrencyRef": {"value": "USD"},
            "domain": "QBO",
            "Line": [
                {
                    "Id": "0",
                    "Amount": 250.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": "35", "name": "Checking"},
                    },
                },
                {
                    "Id": "1",
                    "Amount": 250.0,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": "82", "name": "Design income"},
                    },
                },
            ],
        },
    )
    for data_type in ("profitAndLoss", "balanceSheet"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    month = f"{today.year:04d}-{today.month:02d}"
    profit = (await stored(runtime, connection_id, "profitAndLoss"))[month][0]
    assert profit["income"]["items"] == [
        {"accountId": "82", "name": "Design income", "value": 250.0, "items": []}
    ]
    assert profit["netProfit"] == 250.0 and profit["fromDate"] == f"{month}-01T00:00:00"
    sheet = (await stored(runtime, connection_id, "balanceSheet"))[month][0]
    bank = sheet["assets"]["items"][0]["items"][0]
    assert bank["name"] == "Bank Accounts"
    assert {"accountId": "35", "name": "Checking", "value": 1250.0, "items": []} in bank["items"]
    assert sheet["equity"]["value"] == sheet["netAssets"]
    reports = [q for p, q, _ in fake.requests if "/reports/" in p]
    assert reports[-1]["summarize_column_by"] == "Month"


def test_the_sandbox_is_its_own_integration_at_intuits_sandbox_address() -> None:
    sandbox = QuickBooksSandboxConnector(client=OAuthClientCredentials(client_id="x", client_secret="y"))
    assert sandbox.info.key == "ndsk" and sandbox.info.is_sandbox and sandbox.oauth.key == "ndsk"
    assert sandbox.urls.api == "https://sandbox-quickbooks.api.intuit.com/v3"
    production = QuickBooksConnector(client=OAuthClientCredentials(client_id="x", client_secret="y"))
    assert production.urls.api == "https://quickbooks.api.intuit.com/v3"
    assert production.oauth.authorize_url == "https://appcenter.intuit.com/connect/oauth2"
    assert set(production.info.data_types) == set(sandbox.info.data_types)
