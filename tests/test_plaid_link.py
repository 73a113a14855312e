"""Linking Plaid in a real browser through the real Link pages, against the fake Plaid: Link opens Plaid Link
(the fake's stand-in `link-initialize.js`, framing its consent page), the public token comes back to Link,
the server exchanges it, and the server's worker runs the first-link pulls; leaving Plaid Link cancels with
403; without the client's keys Plaid is not offered."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.fakes.plaid import PlaidFake
from tests.support.link import ClientSite, ask_only_for, own_linking_server
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer

CLIENT_ID = "ledgerlink-plaid-link"
SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "plaid-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def fake() -> Iterator[PlaidFake]:
    server = PlaidFake(CLIENT_ID, SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plaid_server(
    postgres: str, fake: PlaidFake, site: ClientSite, tmp_path_factory
) -> Iterator[RunningServer]:
    with own_linking_server(
        postgres,
        tmp_path_factory.mktemp("plaid-link"),
        "plaid",
        API_KEY,
        site,
        {
            "LEDGERLINK_PLAID_CLIENT_ID": CLIENT_ID,
            "LEDGERLINK_PLAID_SECRET": SECRET,
            "LEDGERLINK_PLAID_BASE_URL": fake.base_url,
            "LEDGERLINK_PLAID_LINK_SCRIPT_URL": fake.script_url,
        },
    ) as running:
        yield running


def test_link_plaid_in_the_browser_and_sync(page, shoot, fake, site, plaid_server) -> None:
    with plaid_server.client() as api:
        company = api.post("/companies", json={"name": "Plaid Browser Ltd"}).json()
        ask_only_for(api, company["id"], "banking")
        page.goto(company["redirect"])
        page.locator("a[data-key=suuo]").click()
        page.get_by_role("button", name="Connect").click()

        # Link's page opens Plaid Link over itself; the business picks a bank and continues.
        assert page.get_by_role("heading", name="Connect your bank through Plaid").is_visible()
        plaid_link = page.frame_locator("#plaid-link-iframe")
        plaid_link.get_by_label("First Platypus Bank").check()
        shoot("plaid-link")
        plaid_link.get_by_role("button", name="Continue").click()
        # Plaid Link's onSuccess hands the public token to Link's page, which posts it to the server.
        page.wait_for_url(re.compile(r"/complete\?statusCode=200$"))
        assert page.get_by_role("heading", name="You're connected").is_visible()
        page.get_by_role("link", name=re.compile("Finish and return")).click()
        page.wait_for_url(site.base + "/landed*")
        assert site.landing()["status"] == "200"

        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "Linked" and connection["platformName"] == "Plaid"
        pulls = wait_for_pulls(api, company["id"], timeout=60)
        failed = [(p["dataType"], p["status"]) for p in pulls if p["status"] != "Complete"]
        assert pulls and not failed, failed
        base = f"/companies/{company['id']}/connections/{connection['id']}/data/banking-accounts"
        accounts = api.get(base, params={"pageSize": 100}).json()["results"]
        assert {a["institution"]["name"] for a in accounts} == {"First Platypus Bank"}
    assert fake.violations == []
    assert not any(item.access_token in plaid_server.log() for item in fake.items.values())


def test_leaving_plaid_link_cancels_with_403(page, fake, site, plaid_server) -> None:
    with plaid_server.client() as api:
        company = api.post("/companies", json={"name": "Plaid Leaver Ltd"}).json()
        ask_only_for(api, company["id"], "banking")
        page.goto(company["redirect"] + "?ref=p1")
        page.locator("a[data-key=suuo]").click()
        page.get_by_role("button", name="Connect").click()
        page.frame_locator("#plaid-link-iframe").get_by_role("button", name="Exit").click()
        page.wait_for_url(site.base + "/landed*")
        landing = site.landing()
        assert landing["status"] == "403" and landing["ref"] == "p1"
        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "PendingAuth" and landing["connection"] == connection["id"]


def test_without_keys_plaid_is_not_offered(page, server) -> None:
    with server.client() as api:
        company = api.post("/companies", json={"name": "No Plaid Ltd"}).json()
        ask_only_for(api, company["id"], "banking")
        assert api.get("/integrations/suuo").json()["enabled"] is False
    page.goto(company["redirect"])
    assert page.locator("li", has_text="Banking Sandbox").count() == 1
    assert page.locator("li", has_text="Plaid").count() == 0
