"""Linking QuickBooks Online in a real browser through the real Link pages, against the fake QuickBooks
(consent page, tokens, the `realmId` Intuit adds to the redirect, then the first-link pulls run by the
server's worker); and QuickBooks not offered when the operator has not configured it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.fakes.quickbooks import REALM_ID, QuickBooksFake
from tests.support.link import ClientSite, own_linking_server
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer

CLIENT_ID = "ledgerlink-quickbooks-link"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "quickbooks-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def fake() -> Iterator[QuickBooksFake]:
    server = QuickBooksFake(CLIENT_ID, CLIENT_SECRET, "http://unset", consent_page=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def quickbooks_server(
    postgres: str, fake: QuickBooksFake, site: ClientSite, tmp_path_factory
) -> Iterator[RunningServer]:
    with own_linking_server(
        postgres,
        tmp_path_factory.mktemp("quickbooks-link"),
        "quickbooks",
        API_KEY,
        site,
        {
            "LEDGERLINK_OAUTH_QHYG_CLIENT_ID": CLIENT_ID,
            "LEDGERLINK_OAUTH_QHYG_CLIENT_SECRET": CLIENT_SECRET,
            "LEDGERLINK_QUICKBOOKS_AUTHORIZE_URL": fake.authorize_url,
            "LEDGERLINK_QUICKBOOKS_TOKEN_URL": fake.token_url,
            "LEDGERLINK_QUICKBOOKS_API_URL": fake.api_url,
        },
        oauth=(fake, CLIENT_ID),
    ) as running:
        yield running


def test_link_quickbooks_in_the_browser_and_sync(page, shoot, fake, site, quickbooks_server) -> None:
    with quickbooks_server.client() as api:
        company = api.post("/companies", json={"name": "QuickBooks Browser Ltd"}).json()
        page.goto(company["redirect"])
        # The sandbox app is not configured on this server: listed, but not offered.
        assert page.locator("a[data-key=ndsk]").count() == 0
        page.locator("a[data-key=qhyg]").click()
        shoot("review")
        page.get_by_role("button", name="Connect").click()

        page.wait_for_url(fake.base_url + "/authorize*")
        assert "code_challenge_method=S256" in page.url and "com.intuit.quickbooks.accounting" in page.url
        page.get_by_role("button", name="Allow").click()
        assert page.get_by_role("heading", name="You're connected").is_visible()
        shoot("complete")
        page.get_by_role("link", name=re.compile("Finish and return")).click()
        page.wait_for_url(site.base + "/landed*")

        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "Linked" and connection["platformName"] == "QuickBooks Online"
        # The server's worker runs the first-link pulls against the fake.
        pulls = wait_for_pulls(api, company["id"], timeout=60)
        failed = [(p["dataType"], p["status"]) for p in pulls if p["status"] != "Complete"]
        assert pulls and not failed, failed
        invoices = api.get(f"/companies/{company['id']}/data/invoices", params={"pageSize": 100}).json()
        assert {i["invoiceNumber"] for i in invoices["results"]} >= {"1036", "1037", "1038"}
        info = api.get(f"/companies/{company['id']}/data/info").json()
        assert info["companyName"] == "Sandbox Company_US_1" and info["accountingPlatformRef"] == REALM_ID
    assert fake.violations == []
    # Every API call named the company the redirect's realmId gave.
    assert fake.requests and all(f"/company/{REALM_ID}/" in path for path, _, _ in fake.requests)
    issued = [t.access_token for t in fake.tokens] + [t.refresh_token for t in fake.tokens]
    assert not any(secret in quickbooks_server.log() for secret in issued)


def test_without_credentials_quickbooks_is_not_offered(page, server) -> None:
    with server.client() as api:
        company = api.post("/companies", json={"name": "No QuickBooks Ltd"}).json()
        # Production and sandbox, both unconfigured: not enabled, and not shown.
        assert [api.get(f"/integrations/{key}").json()["enabled"] for key in ("qhyg", "ndsk")] == [
            False,
            False,
        ]
    page.goto(company["redirect"])
    assert page.locator("li", has_text="Sandbox").count() > 0
    assert page.locator("li", has_text="QuickBooks Online").count() == 0
