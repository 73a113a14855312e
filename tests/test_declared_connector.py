"""Connectors declared in YAML: the declaration is checked on load; pagination (cursor, page, offset),
incremental reads, deletions and mapping work against a small commerce API; retries honour Retry-After and
give up clearly; and end to end, a merchant's connection authorized on its behalf links and syncs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema_rs
import pytest

from ledgerlink.connectors.base import (
    AuthorizationLost,
    AuthorizationRejected,
    Batch,
    FetchRequest,
    PlatformFailed,
    RateLimitExceeded,
)
from ledgerlink.connectors.declared import connector as declared
from ledgerlink.connectors.declared.connector import DeclaredConnector
from ledgerlink.connectors.declared.spec import DeclarationInvalid, load
from ledgerlink.kit import outbound
from ledgerlink.kit.clock import utcnow
from ledgerlink.records import fields
from tests.support.partner_commerce import API_KEY, PartnerCommerce, PartnerCommerceServer, declaration
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer, own_server


@pytest.fixture
def partner() -> Iterator[PartnerCommerceServer]:
    server = PartnerCommerceServer(PartnerCommerce().seed()).start()
    yield server
    server.stop()


def connector_for(server: PartnerCommerceServer, tmp_path: Path, timeout: float = 5.0) -> DeclaredConnector:
    path = tmp_path / "partner.yaml"
    path.write_text(declaration(server.base_url, timeout))
    # The partner's test server is on loopback, which only an operator's allowance opens.
    return DeclaredConnector(load(path), rules=outbound.policy("127.0.0.0/8"))


def fetch(connector: DeclaredConnector, data_type: str, since=None, credentials=None) -> list[Batch]:
    request = FetchRequest(
        data_type=data_type,
        company_id=uuid.uuid4(),
        connection_id=uuid.uuid4(),
        credentials=credentials or {"apiKey": API_KEY},
        linked_at=utcnow(),
        as_of=utcnow(),
        since=since,
    )

    async def collect() -> list[Batch]:
        return [batch async for batch in connector.fetch(request)]

    return asyncio.run(collect())


def records_of(batches: list[Batch]) -> list[dict]:
    return [record for batch in batches for record in batch.records]


# --- the declaration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("key: lqai", "key: LQAI!"), "key"),
        (("commerce-customers:", "commerce-shoppers:"), "commerce-shoppers is not a data type"),
        (("    path: /shop\n    single: true", "    path: /shop"), "commerce-companyInfo is one object"),
        (("customerName: full_name", "customerName: {from: full_name, value: x}"), "exactly one of"),
        (
            ("customerName: full_name", "customerName: {from: full_name, cents: true, round: 2}"),
            "round cannot go",
        ),
        (('value: "{credentials.apiKey}"', 'value: "{credentials.secret}"'), "names no declared credential"),
        (('/api"', '/api/{credentials.apiKey}"'), "base_url cannot use credentials"),
        (("style: cursor,", "style: sideways,"), "pagination"),
        (("type: api_key,", "type: magic,"), "auth"),
    ],
)
def test_a_bad_declaration_is_refused_saying_where(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = declaration("http://127.0.0.1:9/api")
    assert change[0] in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(DeclarationInvalid, match=message) as refused:
        DeclaredConnector(load(path))
    assert str(path) in str(refused.value) or "lqai" in str(refused.value)


# --- reading through the connector --------------------------------------------------------------------


def test_pages_of_each_style_are_read_and_mapped(partner: PartnerCommerceServer, tmp_path: Path) -> None:
    connector = connector_for(partner, tmp_path)
    assert connector.info.key == "lqai" and connector.info.credential_fields[0].secret
    orders = records_of(fetch(connector, "commerce-orders"))
    assert [o["id"] for o in orders] == [f"o{n}" for n in range(1, 24)]
    order = next(o for o in orders if o["id"] == "o3")
    source = partner.api.orders["o3"]
    assert order == {
        "id": "o3",
        "orderNumber": "#1003",
        "currency": "GBP",
        "createdDate": source["created_at"],
        "sourceModifiedDate": source["updated_at"],
        "totalAmount": 37.5,
        "totalTaxAmount": 7.5,
        "customerRef": {"id": source["customer_id"]},
        "orderLineItems": [
            {
                "id": "o3-l1",
                "quantity": 3,
                "unitPrice": 10.0,
                "totalAmount": 37.5,
                "totalTaxAmount": 7.5,
                "productRef": {"id": "p1"},
            }
        ],
        "payments": [{"id": "pay3", "amount": 37.5, "status": "Paid"}],
    }
    customers = records_of(fetch(connector, "commerce-customers"))
    products = records_of(fetch(connector, "commerce-products"))
    (shop,) = records_of(fetch(connector, "commerce-companyInfo"))
    assert len(customers) == 7 and len(products) == 5
    assert shop == {
        "companyName": "Partner Shop Ltd",
        "companyLegalName": "Partner Shop Ltd",
        "baseCurrency": "GBP",
    }
    # Cursor pages of 10, numbered pages of 3, offsets of 2.
    paths = [path for path, _ in partner.api.requests]
    assert (
        paths.count("/api/orders") == 3
        and paths.count("/api/customers") == 3
        and paths.count("/api/products") == 3
    )
    # Every record has Codat's shape.
    for data_type, records in (
        ("commerce-orders", orders),
        ("commerce-customers", customers),
        ("commerce-products", products),
        ("commerce-companyInfo", [shop]),
    ):
        validator = jsonschema_rs.validator_for(fields.record_schema(data_type))
        for record in records:
            validator.validate(record)


def test_incremental_reads_ask_for_changes_and_report_deletions(
    partner: PartnerCommerceServer, tmp_path: Path
) -> None:
    connector = connector_for(partner, tmp_path)
    fetch(connector, "commerce-orders")
    since = utcnow()
    partner.api.clock = since.replace(microsecond=0)
    partner.api.change_order("o4", status="deleted")
    partner.api.change_order("o5", total_cents=99)
    partner.api.add_order(24)
    partner.api.requests.clear()
    batches = fetch(connector, "commerce-orders", since=since)
    assert partner.api.requests[0][1]["updated_since"] == since.isoformat().replace("+00:00", "Z")
    assert sorted(r["id"] for r in records_of(batches)) == ["o24", "o5"]
    assert [i for batch in batches for i in batch.deleted_ids] == ["o4"]
    assert next(r for r in records_of(batches) if r["id"] == "o5")["totalAmount"] == 0.99


def test_rate_limits_are_waited_out_as_the_platform_asks(
    partner: PartnerCommerceServer, tmp_path: Path, monkeypatch
) -> None:
    connector = connector_for(partner, tmp_path)
    partner.api.trouble.rate_limited, partner.api.trouble.retry_after = 1, "1"
    started = time.monotonic()
    assert len(records_of(fetch(connector, "commerce-customers"))) == 7
    assert time.monotonic() - started >= 1.0
    # A storm outlasting the patience ends the pull as rate limited.
    monkeypatch.setattr(declared, "RATE_LIMIT_PATIENCE", 2.5)
    partner.api.trouble.rate_limited, partner.api.trouble.retry_after = 100, "1"
    with pytest.raises(RateLimitExceeded, match="did not clear"):
        fetch(connector, "commerce-customers")


def test_server_errors_are_retried_then_fail_clearly(partner: PartnerCommerceServer, tmp_path: Path) -> None:
    connector = connector_for(partner, tmp_path)
    partner.api.trouble.failing = 2
    assert len(records_of(fetch(connector, "commerce-orders"))) == 23
    partner.api.trouble.failing = 50
    with pytest.raises(PlatformFailed, match="answered 503 at /orders 4 times"):
        fetch(connector, "commerce-orders")


def test_hanging_answers_time_out(partner: PartnerCommerceServer, tmp_path: Path) -> None:
    connector = connector_for(partner, tmp_path, timeout=0.2)
    partner.api.trouble.hang_seconds = 1.0
    with pytest.raises(
        PlatformFailed, match=r"could not be reached at /shop \(ReadTimeout\) after 4 attempts"
    ):
        fetch(connector, "commerce-companyInfo")


def test_malformed_pages_and_refused_keys(partner: PartnerCommerceServer, tmp_path: Path) -> None:
    connector = connector_for(partner, tmp_path)
    partner.api.trouble.malformed = 1
    with pytest.raises(PlatformFailed, match="without a list of records at 'orders'"):
        fetch(connector, "commerce-orders")
    with pytest.raises(AuthorizationLost, match=r"refused the connection's credentials \(401\)"):
        fetch(connector, "commerce-orders", credentials={"apiKey": "stolen"})
    with pytest.raises(AuthorizationRejected, match="needs apiKey"):
        connector.check_credentials({"apiKey": "  "})
    with pytest.raises(AuthorizationRejected, match="did not accept these credentials"):
        asyncio.run(connector.verify_credentials({"apiKey": "stolen"}))
    asyncio.run(connector.verify_credentials({"apiKey": API_KEY}))


def test_oauth2_client_credentials(tmp_path: Path) -> None:
    """The token comes from the platform's token endpoint (through Authlib) and opens the API."""
    seen: list[str] = []

    def platform(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            body = dict(httpx.QueryParams(request.content.decode()))
            assert body["grant_type"] == "client_credentials" and body.get("scope") == "read"
            assert request.headers["authorization"].startswith("Basic ")
            return httpx.Response(
                200, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}
            )
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"shop": {"name": "OAuth Shop", "currency": "EUR"}})

    text = (
        declaration("http://partner.test/api")
        .replace(
            'auth: {type: api_key, header: X-Api-Key, value: "{credentials.apiKey}"}',
            'auth: {type: oauth2_client_credentials, token_url: "http://partner.test/oauth/token", '
            'client_id: "{credentials.clientId}", client_secret: "{credentials.apiKey}", scope: read}',
        )
        .replace("credentials:\n", "credentials:\n  - {name: clientId, label: Client id}\n")
    )
    path = tmp_path / "oauth.yaml"
    path.write_text(text)
    connector = DeclaredConnector(load(path), transport=httpx.MockTransport(platform))
    (shop,) = records_of(
        fetch(connector, "commerce-companyInfo", credentials={"clientId": "id-1", "apiKey": "s3"})
    )
    assert shop["companyName"] == "OAuth Shop" and seen == ["Bearer tok-1"]


def test_only_addresses_the_operator_allows_are_called(
    partner: PartnerCommerceServer, tmp_path: Path
) -> None:
    path = tmp_path / "partner.yaml"
    path.write_text(declaration(partner.base_url))
    # On loopback, which the default policy refuses: loading says so, and a pull calls nothing.
    closed = DeclaredConnector(load(path), rules=outbound.policy(""))
    with pytest.raises(
        DeclarationInvalid, match=r"lqai: http://127\.0\.0\.1:.* 127\.0\.0\.1 is a loopback address"
    ):
        closed.check_addresses()
    before = len(partner.api.requests)
    started = time.monotonic()
    with pytest.raises(
        PlatformFailed, match=r"was not called at /orders: 127\.0\.0\.1 is a loopback address"
    ):
        fetch(closed, "commerce-orders")
    assert time.monotonic() - started < 1  # refused at once, not retried
    assert len(partner.api.requests) == before
    connector_for(partner, tmp_path).check_addresses()  # opened by the allow list

    # A token URL that credentials (which API clients send) fill in is vetted like the rest.
    path.write_text(
        declaration(partner.base_url)
        .replace(
            'auth: {type: api_key, header: X-Api-Key, value: "{credentials.apiKey}"}',
            'auth: {type: oauth2_client_credentials, token_url: "{credentials.tokenUrl}", '
            'client_id: "{credentials.apiKey}", client_secret: "{credentials.apiKey}"}',
        )
        .replace("credentials:\n", "credentials:\n  - {name: tokenUrl, label: Token URL}\n")
    )
    steered = DeclaredConnector(load(path), rules=outbound.policy("127.0.0.1/32"))
    steered.check_addresses()
    with pytest.raises(
        PlatformFailed, match=r"token endpoint could not be reached \(127\.0\.0\.2 is a loopback"
    ):
        fetch(steered, "commerce-orders", credentials={"apiKey": API_KEY, "tokenUrl": "http://127.0.0.2:9/t"})


# --- end to end: the merchant's connection authorized on its behalf (Sync for Commerce, seed 000) -----


@pytest.fixture(scope="module")
def partner_server() -> Iterator[PartnerCommerceServer]:
    server = PartnerCommerceServer(PartnerCommerce().seed()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def commerce_server(
    postgres: str, partner_server: PartnerCommerceServer, tmp_path_factory
) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("declared")
    (directory / "partner.yaml").write_text(declaration(partner_server.base_url))
    with own_server(
        postgres,
        directory / "server",
        "declared",
        api_key="declared-key",
        env={"LEDGERLINK_DECLARED_CONNECTORS": str(directory / "partner.yaml")},
    ) as running:
        yield running


def test_authorized_on_the_merchants_behalf_then_synced(
    commerce_server: RunningServer, partner_server
) -> None:
    with commerce_server.client() as api:
        integration = api.get("/integrations/lqai").json()
        assert integration["name"] == "Partner Commerce" and integration["sourceType"] == "Commerce"
        company = api.post("/companies", json={"name": "12345678", "description": "Merchant Ltd"}).json()
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "lqai"}).json()
        assert connection["status"] == "PendingAuth"
        path = f"/companies/{company['id']}/connections/{connection['id']}"
        refused = api.put(f"{path}/authorization", json={"apiKey": "not-the-key"})
        assert refused.status_code == 400 and "did not accept" in refused.json()["error"]
        assert api.get(path).json()["status"] == "PendingAuth"
        linked = api.put(f"{path}/authorization", json={"apiKey": API_KEY})
        assert linked.status_code == 200 and linked.json()["status"] == "Linked"
        pulls = wait_for_pulls(api, company["id"], at_least=4)
        assert {p["dataType"]: p["status"] for p in pulls} == {
            "commerce-orders": "Complete",
            "commerce-customers": "Complete",
            "commerce-products": "Complete",
            "commerce-companyInfo": "Complete",
        }
        orders = api.get(f"{path}/data/commerce-orders", params={"pageSize": 100, "orderBy": "id"}).json()
        assert orders["totalResults"] == 23
        assert api.get(f"{path}/data/commerce-orders/o7").json()["totalAmount"] == 87.5
        assert api.get(f"{path}/data/commerce-info").json()["companyName"] == "Partner Shop Ltd"
        big = api.get(f"{path}/data/commerce-orders", params={"query": "totalAmount>250"}).json()
        assert {o["id"] for o in big["results"]} == {"o21", "o22", "o23"}
        # The platform then fails a refresh with a malformed page: the pull says why, the data stays.
        partner_server.api.trouble.malformed = 1
        refreshed = api.post(
            f"/companies/{company['id']}/data/queue/commerce-orders",
            params={"connectionId": connection["id"]},
        ).json()
        deadline = time.monotonic() + 30
        while (pull := api.get(f"/companies/{company['id']}/data/history/{refreshed['id']}").json())[
            "status"
        ] in ("Queued", "Fetching", "Mapping", "Validating", "Processing"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert pull["status"] == "FetchError" and "without a list of records" in pull["statusDescription"]
        assert api.get(f"{path}/data/commerce-orders").json()["totalResults"] == 23
    assert API_KEY not in commerce_server.log()


def test_the_partners_sales_are_posted_to_the_merchants_books(
    commerce_server: RunningServer, partner_server
) -> None:
    """Seed 000 end to end with the partner's own API (`lqai`): the start URL makes the merchant, the client
    authorizes the partner connection on their behalf, the accounting Sandbox links, the configuration is
    chosen, and a day of the partner's orders becomes one journal entry in the books."""
    from tests.support.commerce import company_named

    with commerce_server.client() as api:
        merchant = f"partner-{uuid.uuid4().hex[:8]}"
        started = api.get("/config/sync/commerce/lqai/mqjo/start", params={"merchantIdentifier": merchant})
        assert started.status_code == 200, started.text
        company = company_named(api, merchant)
        for connection in company["dataConnections"]:
            body = {"apiKey": API_KEY} if connection["integrationKey"] == "lqai" else {}
            linked = api.put(
                f"/companies/{company['id']}/connections/{connection['id']}/authorization", json=body
            )
            assert linked.status_code == 200, linked.text
        wait_for_pulls(api, company["id"], at_least=8)
        config = api.get(f"/config/companies/{company['id']}/sync/commerce").json()
        c = config["configuration"]
        # The partner's API has no tax rates or payment methods of its own: one account takes every payment.
        assert c["sales"]["taxRates"] == {} and c["payments"]["accounts"] == {}

        def first(account: dict) -> dict:
            return {"selectedAccountId": account["accountOptions"][0]["id"]}

        chosen = api.post(
            f"/config/companies/{company['id']}/sync/commerce",
            json={
                "schedule": {"startDate": "2099-01-01T00:00:00Z", "timeZone": "UTC"},  # never scheduled here
                "configuration": {
                    "sales": {"accounts": {k: first(a) for k, a in c["sales"]["accounts"].items()}},
                    "newPayments": {"accounts": {"default": first(c["newPayments"]["accounts"]["default"])}},
                    "fees": {"accounts": {"fees": first(c["fees"]["accounts"]["fees"])}},
                },
            },
        )
        assert chosen.status_code == 200, chosen.text
        requested = api.post(
            f"/meta/companies/{company['id']}/sync/commerce/historic",
            json={"dateRange": {"start": "2026-01-05T00:00:00Z", "finish": "2026-01-06T00:00:00Z"}},
        )
        assert requested.status_code == 200, requested.text
        status_path = (
            f"/companies/{company['id']}/sync/commerce/syncs/{requested.json()['commerceSyncId']}/status"
        )
        deadline = time.monotonic() + 60
        while (status := api.get(status_path).json())["syncStatusCode"] in (1000, 1010):
            assert time.monotonic() < deadline, status
            time.sleep(0.3)
        assert status["syncStatusCode"] == 2000, status
        wait_for_pulls(api, company["id"])
        (entry,) = api.get(
            f"/companies/{company['id']}/data/journalEntries",
            params={"query": "description~Partner Commerce sales"},
        ).json()["results"]
        sums: dict[str, float] = {}
        for line in entry["journalLines"]:
            kind = line["description"].split(" 2026")[0]
            sums[kind] = round(sums.get(kind, 0) + line["netAmount"], 2)
        orders = partner_server.api.orders.values()
        assert sums == {
            "Sales": -sum(o["total_cents"] - o["tax_cents"] for o in orders) / 100,
            "Sales tax": -sum(o["tax_cents"] for o in orders) / 100,
            "Payments": sum(p["amount_cents"] for o in orders for p in o["payments"]) / 100,
        }
