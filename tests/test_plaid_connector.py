"""The Plaid connector end to end against the fake Plaid (`tests/support/fakes/plaid.py`), every API request
and response of which is validated against Plaid's official spec: the link (link token, the business
completing Plaid Link, the public token exchanged), first syncs through the pull runner, incremental changes
through `/transactions/sync` cursors kept between pulls (and kept back when a pull fails), a pass restarted
when the item changes mid-pagination, `ITEM_LOGIN_REQUIRED` turning the connection Deauthorized, 429s and
5xx."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import jsonschema_rs
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from ledgerlink.config import Settings
from ledgerlink.connectors import registry
from ledgerlink.connectors.plaid.connector import DATA_TYPES, KEY, PlaidConfig, PlaidConnector
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.lending import report_types
from ledgerlink.lending.bank_categories import CATEGORIES
from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.reports import service as reports
from ledgerlink.lending.reports.models import Report
from ledgerlink.link import service as link_service
from ledgerlink.records import fields
from tests.support.connectors import connection_of, pending_connection, pull, runtime_on, stored
from tests.support.fakes.plaid import Item, PlaidFake, days_ago, result_of
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

PUBLIC_URL = "http://ledgerlink.test"
CLIENT_ID = "ledgerlink-plaid-tests"
SECRET = "s3cret-" + uuid.uuid4().hex
KEY_BYTES = Fernet.generate_key()
CHECKING = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"
WALMART = "lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje"
DOORDASH_PENDING = "yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0"


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "plaid_tests")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fake() -> Iterator[PlaidFake]:
    server = PlaidFake(CLIENT_ID, SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def config(fake: PlaidFake, *, client_id: str | None = CLIENT_ID, secret: str | None = SECRET) -> PlaidConfig:
    return PlaidConfig(
        client_id=client_id,
        secret=secret,
        api_url=fake.base_url,
        link_script_url=fake.script_url,
        country_codes=("US", "GB"),
    )


@pytest.fixture(autouse=True)
def plaid(fake: PlaidFake, sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaidConnector]:
    """The registered Plaid connector, pointed at the fake; one transaction a page, so paging is exercised;
    sleeps recorded rather than waited."""

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    connector = PlaidConnector(config(fake), sleep=sleep, page_size=1)
    monkeypatch.setitem(registry.CONNECTORS, KEY, connector)
    fake.reset()
    yield connector
    assert fake.violations == [], "every request and response must follow Plaid's spec"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY_BYTES, PUBLIC_URL) as run:
        yield run


async def complete_plaid_link(fake: PlaidFake, link_token: str, institution_id: str | None = None) -> str:
    """The business in Plaid Link (consent page, a bank chosen, Continue); Link's onSuccess public token."""
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{fake.base_url}/link/consent", params={"token": link_token})
        assert page.status_code == 200 and "Select your bank" in page.text
        form = {"token": link_token, "action": "continue"}
        if institution_id:
            form["institution_id"] = institution_id
        done = await http.post(f"{fake.base_url}/link/consent", data=form)
    message = result_of(done.text)
    assert message["type"] == "success", message
    return message["public_token"]


async def link_widget(run: Runtime, company_id: uuid.UUID, connection_id: uuid.UUID, token: str) -> None:
    async with run.sessionmaker() as session, session.begin():
        entry = await link_service.load(session, str(company_id), for_update=True)
        connection = link_service.connection_in(entry, str(connection_id))
        await link_service.link_with_widget(session, entry, connection, token, run.secrets, run.urls)


async def link(run: Runtime, connector: PlaidConnector, fake: PlaidFake) -> tuple[uuid.UUID, Item]:
    """Link token → the business completes Plaid Link → public token → exchanged; the connection linked."""
    company_id, connection_id = await pending_connection(run, KEY, "Plaid Co")
    started = await connector.start_widget(
        company_id=company_id,
        connection_id=connection_id,
        client_name="Plaid Co",
        app=connector.environment_app_credentials(),
    )
    public_token = await complete_plaid_link(fake, started["token"])
    await link_widget(run, company_id, connection_id, public_token)
    return connection_id, fake.item()


def sync_cursors(fake: PlaidFake) -> list[str | None]:
    return [body.get("cursor") for path, body in fake.requests if path == "/transactions/sync"]


async def test_link_exchanges_the_public_token_and_the_first_sync_maps_every_type(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, item = await link(runtime, plaid, fake)
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Linked"
    # The link token was asked for the transactions product, for the company, with the client's name.
    link_body = next(body for path, body in fake.requests if path == "/link/token/create")
    assert link_body["user"] == {"client_user_id": str(connection.company_id)}
    assert link_body["products"] == ["transactions"] and link_body["client_name"] == "Plaid Co"
    assert link_body["country_codes"] == ["US", "GB"]
    # The access token is sealed, never stored in clear.
    opened = runtime.secrets.open(connection.sealed_authorization)
    assert opened["plaid"] == {
        "accessToken": item.access_token,
        "itemId": item.item_id,
        "institution": {"id": "ins_109512", "name": "Houndstooth Bank"},
    }
    assert item.access_token.encode() not in connection.sealed_authorization

    for data_type in DATA_TYPES:
        finished = await pull(runtime, connection_id, data_type)
        assert finished.status == "Complete", (data_type, finished.status_description)

    accounts = await stored(runtime, connection_id, "banking-accounts")
    assert set(accounts) == set(item.accounts)
    checking = accounts[CHECKING][0]
    assert checking["institution"] == {"id": "ins_109512", "name": "Houndstooth Bank"}
    assert checking["type"] == "Debit" and checking["currency"] == "USD"
    transactions = await stored(runtime, connection_id, "banking-transactions")
    assert set(transactions) == {WALMART, DOORDASH_PENDING}
    assert transactions[WALMART][0]["amount"] == -72.1
    assert "postedDate" not in transactions[DOORDASH_PENDING][0]
    categories = await stored(runtime, connection_id, "banking-transactionCategories")
    assert categories["FOOD_AND_DRINK_FAST_FOOD"][0]["parentId"] == "FOOD_AND_DRINK"
    assert set(categories) == {
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_FAST_FOOD",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_SUPERSTORES",
    }
    balances = await stored(runtime, connection_id, "banking-accountBalances")
    today = datetime.now(UTC).date().isoformat()
    assert {record["date"] for record, _ in balances.values()} == {f"{today}T00:00:00Z"}
    assert len(balances) == len(item.accounts)

    for data_type in DATA_TYPES:
        validator = jsonschema_rs.validator_for(fields.record_schema(data_type))
        for record, _ in (await stored(runtime, connection_id, data_type)).values():
            errors = [str(e) for e in validator.iter_errors(record)]
            assert not errors, (data_type, errors[:2])
    # One transaction a page: the pass followed `has_more` through several pages.
    assert len(sync_cursors(fake)) >= 3


async def test_incremental_pulls_read_only_the_changes_since_the_kept_cursor(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, item = await link(runtime, plaid, fake)
    first = await pull(runtime, connection_id, "banking-transactions")
    assert first.status == "Complete" and first.checkpoint
    kept_cursor = json.loads(first.checkpoint)["cursor"]

    new = fake.add_transaction(
        item, amount=-1250.0, name="ACME PAYROLL", merchant_name=None, date=days_ago(1), pending=False
    )
    fake.modify_transaction(item, WALMART, merchant_name="Walmart Supercenter")
    posted = fake.post_pending(item, DOORDASH_PENDING)
    fake.requests.clear()

    second = await pull(runtime, connection_id, "banking-transactions")
    assert second.status == "Complete", second.status_description
    cursors = sync_cursors(fake)
    assert cursors[0] == kept_cursor  # started where the last pull left off
    assert second.records_modified == 4  # added, modified, the cleared one added, the pending one removed

    transactions = await stored(runtime, connection_id, "banking-transactions")
    assert transactions[new["transaction_id"]][0]["amount"] == 1250.0
    assert transactions[WALMART][0]["merchantName"] == "Walmart Supercenter"
    assert transactions[DOORDASH_PENDING][1] is True  # removed → deleted
    cleared = transactions[posted["transaction_id"]][0]
    assert (
        cleared["postedDate"] == "2023-09-28T15:10:09Z" and transactions[posted["transaction_id"]][1] is False
    )

    # Nothing changed since: the next pull asks from the newest cursor and changes nothing.
    fake.requests.clear()
    third = await pull(runtime, connection_id, "banking-transactions")
    assert third.status == "Complete" and third.records_modified == 0
    assert sync_cursors(fake) == [json.loads(second.checkpoint)["cursor"]]


async def test_a_failed_pull_leaves_the_cursor_of_the_last_successful_one(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, item = await link(runtime, plaid, fake)
    first = await pull(runtime, connection_id, "banking-transactions")
    kept_cursor = json.loads(first.checkpoint)["cursor"]
    added = fake.add_transaction(item, date=days_ago(2))
    fake.requests.clear()
    fake.failures.extend([500, 502, 503, 500, 500])  # more than the client retries

    failed = await pull(runtime, connection_id, "banking-transactions")
    assert failed.status == "FetchError" and "HTTP 500" in failed.status_description
    assert failed.checkpoint is None
    assert (await connection_of(runtime, connection_id)).status == "Linked"

    fake.requests.clear()
    retried = await pull(runtime, connection_id, "banking-transactions")
    assert retried.status == "Complete"
    assert sync_cursors(fake)[0] == kept_cursor
    assert added["transaction_id"] in await stored(runtime, connection_id, "banking-transactions")


async def test_a_change_during_pagination_restarts_the_pass(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, item = await link(runtime, plaid, fake)
    assert (await pull(runtime, connection_id, "banking-transactions")).status == "Complete"
    for days in (3, 4, 5):
        fake.add_transaction(item, date=days_ago(days))
    late: list[dict] = []
    fake.after_sync_page = lambda changed: late.append(fake.add_transaction(changed, date=days_ago(1)))
    fake.requests.clear()

    finished = await pull(runtime, connection_id, "banking-transactions")
    assert finished.status == "Complete", finished.status_description
    cursors = sync_cursors(fake)
    # The second page was refused (the item changed), and the pass began again from the kept cursor.
    assert cursors.count(cursors[0]) == 2
    transactions = await stored(runtime, connection_id, "banking-transactions")
    assert late and late[0]["transaction_id"] in transactions
    assert len([1 for _, deleted in transactions.values() if not deleted]) == 2 + 3 + 1


async def test_item_login_required_deauthorizes_the_connection(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, item = await link(runtime, plaid, fake)
    item.error = "ITEM_LOGIN_REQUIRED"
    finished = await pull(runtime, connection_id, "banking-accounts")
    assert finished.status == "AuthError" and "ITEM_LOGIN_REQUIRED" in finished.status_description
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "Deauthorized"
    (error,) = [e for e in connection.data_connection_errors if e["status"] == "Active"]
    assert error["statusCode"] == "401"


async def test_429s_are_waited_out_then_end_the_pull_rate_limited(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector, sleeps: list[float]
) -> None:
    connection_id, _ = await link(runtime, plaid, fake)
    sleeps.clear()
    fake.rate_limits.extend([3.0, None])
    finished = await pull(runtime, connection_id, "banking-accounts")
    assert finished.status == "Complete"
    # Retry-After as Plaid said it; without one, the client's own backoff.
    assert sleeps == [3.0, 2.0]

    fake.rate_limits.extend([None] * 10)
    limited = await pull(runtime, connection_id, "banking-accounts")
    assert limited.status == "RateLimitError"
    assert (await connection_of(runtime, connection_id)).status == "Linked"

    fake.reset()
    fake.rate_limits.append(3600.0)  # longer than a worker is held: ends the pull at once
    assert (await pull(runtime, connection_id, "banking-accountBalances")).status == "RateLimitError"


async def test_server_errors_are_retried_with_backoff(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector, sleeps: list[float]
) -> None:
    connection_id, _ = await link(runtime, plaid, fake)
    sleeps.clear()
    fake.failures.extend([500, 503])
    finished = await pull(runtime, connection_id, "banking-accountBalances")
    assert finished.status == "Complete"
    assert sleeps == [0.5, 1.0]
    assert await stored(runtime, connection_id, "banking-accountBalances")


async def test_the_institution_is_looked_up_when_the_item_does_not_name_it(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    fake.item_names_institution = False
    company_id, connection_id = await pending_connection(runtime, KEY, "Plaid Co")
    started = await plaid.start_widget(
        company_id=company_id,
        connection_id=connection_id,
        client_name="X",
        app=plaid.environment_app_credentials(),
    )
    platypus = next(i for i, inst in fake.institutions.items() if inst["name"] == "First Platypus Bank")
    public_token = await complete_plaid_link(fake, started["token"], platypus)
    await link_widget(runtime, company_id, connection_id, public_token)
    opened = runtime.secrets.open((await connection_of(runtime, connection_id)).sealed_authorization)
    assert opened["plaid"]["institution"] == {"id": platypus, "name": "First Platypus Bank"}
    assert any(path == "/institutions/get_by_id" for path, _ in fake.requests)


async def test_a_refused_public_token_fails_the_link_and_stores_nothing(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    company_id, connection_id = await pending_connection(runtime, KEY, "Plaid Co")
    with pytest.raises(link_service.WidgetFailed, match="INVALID_PUBLIC_TOKEN"):
        await link_widget(runtime, company_id, connection_id, "public-sandbox-made-up")
    connection = await connection_of(runtime, connection_id)
    assert connection.status == "PendingAuth" and connection.sealed_authorization is None


async def test_plaid_is_usable_only_with_the_clients_keys(fake: PlaidFake) -> None:
    def available(connector: PlaidConnector) -> bool:
        return connector.is_usable(connector.environment_app_credentials())

    assert available(PlaidConnector(config(fake)))
    assert not available(PlaidConnector(config(fake, client_id=None)))
    assert not available(PlaidConnector(config(fake, secret="")))
    policy = link_service.widget_policy(PlaidConnector(config(fake)).widget)
    assert f"script-src 'self' {fake.base_url};" in policy and f"frame-src {fake.base_url};" in policy
    # The default settings point at Plaid itself.
    default = PlaidConfig.from_settings(Settings(plaid_client_id="id", plaid_secret="secret"))
    assert default.url_for(default.environment) == "https://production.plaid.com"
    assert default.link_script_url == "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
    sandbox = PlaidConfig.from_settings(Settings(plaid_environment="sandbox"))
    assert sandbox.url_for(sandbox.environment) == "https://sandbox.plaid.com"
    # A client's keys may be of either environment, so Link's page may call either.
    assert PlaidConnector(default).widget.connect_origins == (
        "https://sandbox.plaid.com",
        "https://production.plaid.com",
    )


async def test_a_relink_brings_a_new_item_whose_history_replaces_the_old(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    connection_id, first = await link(runtime, plaid, fake)
    only_in_first = fake.add_transaction(first, name="Only in the first item")["transaction_id"]
    for data_type in ("banking-accounts", "banking-transactions"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    assert not (await stored(runtime, connection_id, "banking-transactions"))[only_in_first][1]
    first.error = "ITEM_LOGIN_REQUIRED"
    assert (await pull(runtime, connection_id, "banking-accounts")).status == "AuthError"

    # The business links again: Plaid Link makes a new item (update mode is not used).
    connection = await connection_of(runtime, connection_id)
    started = await plaid.start_widget(
        company_id=connection.company_id,
        connection_id=connection_id,
        client_name="Plaid Co",
        app=plaid.environment_app_credentials(),
    )
    await link_widget(
        runtime, connection.company_id, connection_id, await complete_plaid_link(fake, started["token"])
    )
    second = fake.item()
    assert (
        second.item_id != first.item_id and (await connection_of(runtime, connection_id)).status == "Linked"
    )
    for data_type in ("banking-accounts", "banking-transactions"):
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    # The new item's pass started without the old item's cursor, and the old item's own record is gone.
    assert sync_cursors(fake)[-1] is None or sync_cursors(fake).count(None) >= 2
    transactions = await stored(runtime, connection_id, "banking-transactions")
    assert transactions[only_in_first][1] is True
    assert {tid for tid, (_, deleted) in transactions.items() if not deleted} == set(second.transactions())


async def test_plaid_transactions_land_in_the_categorized_bank_statement(
    runtime: Runtime, fake: PlaidFake, plaid: PlaidConnector
) -> None:
    """A categorized bank statement of a company banking through Plaid: every posted transaction Plaid
    gave (not the pending one), categorized in the taxonomy, on its account with Plaid's institution."""
    connection_id, item = await link(runtime, plaid, fake)
    payout = fake.add_transaction(
        item, amount=-1840.5, name="STRIPE PAYMENTS UK LTD TRANSFER", merchant_name=None, date=days_ago(2),
        pending=False,
    )  # fmt: skip
    for data_type in DATA_TYPES:
        assert (await pull(runtime, connection_id, data_type)).status == "Complete"
    report_types.register_all()
    now = datetime.now(UTC)
    async with runtime.sessionmaker() as session, session.begin():
        company_id = (await connection_of(runtime, connection_id)).company_id
        report = Report(
            company_id=company_id, type="categorizedBankStatement", status="InProgress", requested_at=now,
            updated_at=now, pulls=[], attempts=0,
        )  # fmt: skip
        session.add(report)
    done = await reports.run_report(runtime, report.id)
    assert done.status == "Complete", done.error_message
    async with runtime.sessionmaker() as session:
        rows = {
            t.transaction_id: t
            for t in await session.scalars(
                select(StatementTransaction).where(StatementTransaction.report_id == report.id)
            )
        }
        accounts = (
            await session.scalars(select(StatementAccount).where(StatementAccount.report_id == report.id))
        ).all()
    assert set(rows) == {WALMART, payout["transaction_id"]}
    assert rows[WALMART].amount == Decimal("-72.1") and rows[WALMART].account_id == CHECKING
    assert rows[payout["transaction_id"]].amount == Decimal("1840.5")
    paths = {category.path for category in CATEGORIES}
    assert all(tuple(t.levels) in paths and t.reason for t in rows.values())
    assert rows[payout["transaction_id"]].levels[0] == "Income"
    assert done.result == {"transactions": 2, "accounts": len(item.accounts), "overridden": 0}
    checking = next(a for a in accounts if a.account_id == CHECKING)
    assert checking.platform_name == "Plaid" and checking.provider == "Houndstooth Bank"
    assert checking.transactions == 2 and checking.money_out == Decimal("72.1")
