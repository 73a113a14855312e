"""Linking Xero in a real browser through the real Link pages, against the fake Xero (consent page, tokens,
tenant discovery, then the first-link pulls run by the server's worker); and Xero not offered
when the operator has not configured it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.fakes.xero import XeroFake
from tests.support.link import ClientSite, own_linking_server
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer

CLIENT_ID = "ledgerlink-xero-link"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "xero-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def fake() -> Iterator[XeroFake]:
    server = XeroFake(CLIENT_ID, CLIENT_SECRET, "http://unset", consent_page=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def xero_server(postgres: str, fake: XeroFake, site: ClientSite, tmp_path_factory) -> Iterator[RunningServer]:
    with own_linking_server(
        postgres,
        tmp_path_factory.mktemp("xero-link"),
        "xero",
        API_KEY,
        site,
        {
            "LEDGERLINK_OAUTH_GBOL_CLIENT_ID": CLIENT_ID,
            "LEDGERLINK_OAUTH_GBOL_CLIENT_SECRET": CLIENT_SECRET,
            "LEDGERLINK_XERO_AUTHORIZE_URL": fake.authorize_url,
            "LEDGERLINK_XERO_TOKEN_URL": fake.token_url,
            "LEDGERLINK_XERO_IDENTITY_URL": fake.identity_url,
            "LEDGERLINK_XERO_API_URL": fake.api_url,
        },
        oauth=(fake, CLIENT_ID),
    ) as running:
        yield running


def test_link_xero_in_the_browser_and_sync(page, shoot, fake, site, xero_server) -> None:
    with xero_server.client() as api:
        company = api.post("/companies", json={"name": "Xero Browser Ltd"}).json()
        page.goto(company["redirect"])
        page.locator("a[data-key=gbol]").click()
        shoot("review")
        page.get_by_role("button", name="Connect").click()

        page.wait_for_url(fake.base_url + "/authorize*")
        assert "code_challenge_method=S256" in page.url and "offline_access" in page.url
        page.get_by_role("button", name="Allow").click()
        assert page.get_by_role("heading", name="You're connected").is_visible()
        shoot("complete")
        page.get_by_role("link", name=re.compile("Finish and return")).click()
        page.wait_for_url(site.base + "/landed*")

        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "Linked" and connection["platformName"] == "Xero"
        # The server's worker runs the first-link pulls against the fake.
        pulls = wait_for_pulls(api, company["id"], timeout=60)
        failed = [(p["dataType"], p["status"]) for p in pulls if p["status"] != "Complete"]
        assert pulls and not failed, failed
        invoices = api.get(f"/companies/{company['id']}/data/invoices", params={"pageSize": 100}).json()
        assert {i["invoiceNumber"] for i in invoices["results"]} >= {"INV-0002"}
        info = api.get(f"/companies/{company['id']}/data/info").json()
        assert info["companyName"] == "Dev Evangelist - Sid Test 3 (NZ-2016-02)"
    assert fake.violations == []
    issued = [t.access_token for t in fake.tokens] + [t.refresh_token for t in fake.tokens]
    assert not any(secret in xero_server.log() for secret in issued)


def test_without_credentials_xero_is_not_offered(page, server) -> None:
    with server.client() as api:
        company = api.post("/companies", json={"name": "No Xero Ltd"}).json()
        assert api.get("/integrations/gbol").json()["enabled"] is False
    page.goto(company["redirect"])
    assert page.locator("li", has_text="Sandbox").count() > 0
    assert page.locator("li", has_text="Xero").count() == 0
