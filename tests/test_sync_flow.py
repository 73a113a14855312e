"""The Sync Flow in a real browser (Playwright driving Debian's Chromium) against the real server: the
merchant opens the sync-flow URL, connects the commerce and the accounting Sandbox through Link's pages, waits
for the books to be read, chooses accounts, tax rates and a schedule, and lands on the client's redirect URL;
a used code gets its 401 page; the client's French texts; a merchant authorized on their behalf skips the
commerce sign-in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.commerce import ACCOUNTING, COMMERCE, company_named, link_both_on_behalf, start_url
from tests.support.link import ClientSite
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def client_site(server: RunningServer) -> Iterator[ClientSite]:
    site = ClientSite()
    yield site
    site.httpd.shutdown()


def configure_in_the_form(page, shoot=None) -> None:
    """Choose the first option of every account the form asks for, map every tax rate, and save."""
    page.wait_for_selector("form.configure", timeout=90_000)
    for select in page.locator("form.configure select[required]").all():
        select.select_option(index=1)
    for select in page.locator("select[id^='sales.taxRates.']").all():
        select.select_option(index=1)
    page.locator("#schedule\\.syncHour").fill("7")
    page.select_option("#schedule\\.timeZone", "Europe/Paris")
    # 2099: the shared test server runs schedules every second; these configurations are not for that.
    page.locator("#schedule\\.startDate").fill("2099-01-01")
    if shoot:
        shoot("configure")
    page.locator("#save").click()


def test_a_merchant_connects_both_platforms_configures_and_returns(
    api, page, shoot, accessible, client_site
) -> None:
    merchant = f"flow-{uuid.uuid4().hex[:8]}"
    url = start_url(api, merchant, redirectUrl=client_site.base + "/landed?from=sync-flow")
    # The redirect URL is the one given to the API with this code: changing the URL's copy changes nothing.
    tampered = re.sub(r"redirectUrl=[^&]+", "redirectUrl=https%3A%2F%2Fevil.example%2F", url)
    assert tampered != url
    page.goto(tampered)
    assert page.get_by_role("heading", name="Sync your sales to Sandbox").is_visible()
    shoot("overview")
    accessible()

    page.locator(f"#connect-{COMMERCE}").click()
    assert page.get_by_role("heading", name=re.compile("approve access")).is_visible()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_selector(f"#linked-{COMMERCE}")
    shoot("commerce-connected")

    page.locator(f"#connect-{ACCOUNTING}").click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("link", name=re.compile("Finish and return")).click()

    # The books are read (the page refreshes itself), then the configuration form.
    page.wait_for_selector("form.configure", timeout=90_000)
    assert page.get_by_role("heading", name="Choose how your sales are recorded").is_visible()
    accessible()
    # Saving with nothing chosen says what is missing and keeps nothing.
    page.locator("form.configure select[required]").first.select_option(index=0)
    page.evaluate("document.querySelector('form.configure').noValidate = true")
    page.locator("#save").click()
    page.locator("#configure-errors").wait_for()
    assert "Choose the sales account." in page.locator("#configure-errors").inner_text()
    shoot("configure-errors")
    company = company_named(api, merchant)
    assert api.get(f"/config/companies/{company['id']}/sync/commerce").json()["configured"] is False

    configure_in_the_form(page, shoot)
    page.wait_for_url(client_site.base + "/landed*")
    assert client_site.landing() == {"from": "sync-flow"}

    config = api.get(f"/config/companies/{company['id']}/sync/commerce").json()
    assert config["configured"] is True and config["enable"] is True
    assert config["schedule"] == {
        "selectedFrequency": "Daily",
        "frequencyOptions": ["Daily", "Monthly"],
        "startDate": "2098-12-31T23:00:00Z",
        "syncHour": 7,
        "timeZone": "Europe/Paris",
    }
    sales = config["configuration"]["sales"]
    assert all(account["selectedAccountId"] for account in sales["accounts"].values())
    assert all(rate["selectedTaxRateId"] for rate in sales["taxRates"].values())
    statuses = {c["integrationKey"]: c["status"] for c in company["dataConnections"]}
    assert statuses == {COMMERCE: "Linked", ACCOUNTING: "Linked"}

    # The same URL again: its code is spent. The page is the client's, and does not send the merchant to
    # open the same link again (it would be refused again) but to where a new one is made.
    page.goto(url)
    assert page.get_by_role("heading", name="This link has already been used").is_visible()
    assert "start syncing there again: it makes a new link" in page.locator("main").inner_text()
    assert page.locator("header.brand .client-name").inner_text() == api.get("/profile").json()["name"]
    shoot("used")


def test_authorized_on_behalf_in_french_without_redirect(api, page, shoot, accessible) -> None:
    merchant = f"flow-fr-{uuid.uuid4().hex[:8]}"
    start_url(api, merchant)
    company = company_named(api, merchant)
    link_both_on_behalf(api, company["id"])
    changed = api.patch(
        "/sync/commerce/config/ui/text",
        params={"locale": "fr-fr"},
        json={"success.title": {"text": "C'est parti !"}},
    )
    assert changed.status_code == 200
    try:
        page.goto(start_url(api, company["id"]) + "&locale=fr-fr")
        # Both platforms are linked already: no sign-in, straight to reading the books, then the form.
        page.wait_for_selector("form.configure", timeout=90_000)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role(
            "heading", name="Choisissez comment vos ventes sont enregistrées"
        ).is_visible()
        accessible()
        configure_in_the_form(page)
        assert page.get_by_role("heading", name="C'est parti !").is_visible()
        shoot("done-fr")
    finally:
        api.patch("/sync/commerce/config/ui/text", params={"locale": "fr-fr"}, json={"success.title": None})


def test_the_portal_shows_and_runs_a_merchants_commerce_syncs(api, page, server, shoot, accessible) -> None:
    from tests.support.commerce import choose_everything, iso, midnight, wait_for_configuration_options
    from tests.support.portal import sign_in
    from tests.support.waits import wait_until

    merchant = f"portal-{uuid.uuid4().hex[:8]}"
    start_url(api, merchant)
    company = company_named(api, merchant)
    link_both_on_behalf(api, company["id"])
    body = choose_everything(wait_for_configuration_options(api, company["id"]), start=iso(midnight(2)))
    assert api.post(f"/config/companies/{company['id']}/sync/commerce", json=body).status_code == 200
    sign_in(page, server)
    page.goto(f"{server.base_url}/portal/companies/{company['id']}")
    section = page.locator("#commerce")
    assert (
        "Commerce Sandbox → Sandbox" in section.inner_text() and "Daily at 06:00 UTC" in section.inner_text()
    )
    page.locator("#commerce-sync").click()
    assert page.get_by_role("status").filter(has_text="Commerce sync queued").count() == 1

    def posted() -> bool:
        # A run's periods are posted before it ends (it then refreshes the books' journal entries).
        page.reload()
        return (
            "2 periods posted" in page.locator("#commerce").inner_text()
            and page.locator("#commerce .badge.Complete").count() >= 1
        )

    # (The schedule, due since 06:00 UTC, may have posted them first: either way, two days, once.)
    wait_until(posted, timeout=60, what="the two days to be posted by a finished sync")
    writes = page.get_by_role("table", name=re.compile("Push operations"))

    def written() -> bool:
        # The day's pushes finish on the worker after they are counted as posted.
        page.reload()
        return writes.locator(".badge.Complete").count() >= 2

    wait_until(written, timeout=60, what="the two days' pushes to complete")
    assert writes.locator(".badge.Complete").count() == 2
    shoot("portal-commerce")
    accessible()
