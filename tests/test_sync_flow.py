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


def chosen(page, field: str) -> str:
    """The text of the option a select of the form shows chosen."""
    return page.locator(f"select[id='{field}'] option:checked").inner_text().strip()


def configure_in_the_form(page, shoot=None) -> None:
    """Keep the accounts and tax rates the form proposes, set the schedule, and save."""
    page.wait_for_selector("form.configure", timeout=90_000)
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

    # The books are read (the page refreshes itself), then the configuration form, with each choice the
    # Sandbox's books can answer proposed: accounts by name and class, tax rates by percentage and name.
    page.wait_for_selector("form.configure", timeout=90_000)
    assert page.get_by_role("heading", name="Choose how your sales are recorded").is_visible()
    proposed = {
        "sales.accounts.sales": "4000 · Sales - Products",
        "sales.accounts.salesTax": "2200 · VAT",
        "sales.accounts.refunds": "4000 · Sales - Products",
        "payments.accounts.default": "1200 · Business Current Account",
        "fees.accounts.fees": "7900 · Bank Charges and Interest",
    }
    assert {field: chosen(page, field) for field in proposed} == proposed
    taxes = page.locator("select[id^='sales.taxRates.']")
    assert sorted(chosen(page, taxes.nth(i).get_attribute("id")) for i in range(taxes.count())) == [
        "Reduced 5%",
        "Standard 20%",
        "Zero Rated",
    ]
    # Required questions say so; journal entries ask no invoice status.
    assert page.get_by_label("Sales account (required)").get_attribute("aria-required") == "true"
    assert page.get_by_label("Customer for sales", exact=True).count() == 1
    assert page.locator("#sales\\.invoiceStatus").count() == 0
    # Unticking fees hides the questions about fees (and ticking shows them again).
    page.get_by_label("Fees", exact=True).uncheck()
    assert page.locator("#fees\\.accounts\\.fees").is_hidden()
    page.get_by_label("Fees", exact=True).check()
    assert page.locator("#fees\\.accounts\\.fees").is_visible()
    shoot("configure-proposed")
    accessible()

    # Saving without a sales account or a fees account: one summary at the top, each line a link to its
    # field, each field with its own message; nothing is kept.
    page.select_option("#sales\\.accounts\\.sales", "")
    page.select_option("#fees\\.accounts\\.fees", "")
    page.locator("#save").click()
    summary = page.locator("#configure-errors")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "configure-errors"
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert page.title().startswith("There is a problem: ")
    summary.get_by_role("link", name="Choose the sales account.").click()
    assert page.evaluate("document.activeElement.id") == "sales.accounts.sales"
    sales = page.locator("#sales\\.accounts\\.sales")
    assert sales.get_attribute("aria-invalid") == "true"
    assert page.locator("#sales\\.accounts\\.sales-error").inner_text() == "Choose the sales account."
    assert summary.get_by_role("link", name="Choose the fees account.").get_attribute("href") == (
        "#fees.accounts.fees"
    )
    # What the merchant left as it was is kept as they saw it.
    assert chosen(page, "sales.accounts.salesTax") == "2200 · VAT"
    shoot("configure-errors")
    accessible()
    company = company_named(api, merchant)
    assert api.get(f"/config/companies/{company['id']}/sync/commerce").json()["configured"] is False
    page.select_option("#sales\\.accounts\\.sales", label="4000 · Sales - Products")
    page.select_option("#fees\\.accounts\\.fees", label="7900 · Bank Charges and Interest")

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
    names = {o["id"]: o["name"] for a in sales["accounts"].values() for o in a["accountOptions"]}
    assert {key: names[a["selectedAccountId"]] for key, a in sales["accounts"].items()} == {
        "sales": "Sales - Products",
        "salesTax": "VAT",
        "refunds": "Sales - Products",
    }
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

        # A choice the form does not ask (an invoice status, kept for invoice formats) survives a save there.
        path = f"/config/companies/{company['id']}/sync/commerce"
        status = {"configuration": {"sales": {"invoiceStatus": {"selectedInvoiceStatus": "Draft"}}}}
        assert api.post(path, json=status).status_code == 200
        page.goto(start_url(api, company["id"]) + "&locale=fr-fr")
        page.wait_for_selector("form.configure", timeout=90_000)
        assert page.locator("#sales\\.invoiceStatus").count() == 0
        page.locator("#save").click()
        assert page.get_by_role("heading", name="C'est parti !").is_visible()
        sales = api.get(path).json()["configuration"]["sales"]
        assert sales["invoiceStatus"]["selectedInvoiceStatus"] == "Draft"
    finally:
        api.patch("/sync/commerce/config/ui/text", params={"locale": "fr-fr"}, json={"success.title": None})


def test_the_portal_shows_and_runs_a_merchants_commerce_syncs(api, page, server, shoot, accessible) -> None:
    from tests.support.commerce import (
        choose_everything,
        commerce_totals,
        iso,
        midnight,
        wait_for_configuration_options,
    )
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
    page.wait_for_url(f"**/portal/companies/{company['id']}#commerce")
    notice = page.get_by_role("status").all_inner_texts()
    assert any("Commerce sync queued" in text for text in notice), notice

    def trading_days() -> int:
        # The two days the sync posts, less one the shop traded nothing on (it posts nothing for it: about
        # one day in 900 of the Commerce Sandbox). Read once a sync has pulled the shop's records.
        days = (midnight(2), midnight(1))
        return sum(1 for day in days if any(commerce_totals(api, company["id"], day).values()))

    def posted() -> bool:
        # A run's periods are posted before it ends (it then refreshes the books' journal entries).
        page.reload()
        if page.locator("#commerce .badge.Complete").count() < 1:
            return False
        count = trading_days()
        return f"{count} period{'' if count == 1 else 's'} posted" in page.locator("#commerce").inner_text()

    # (The schedule, due since 06:00 UTC, may have posted them first: either way, two days, once.)
    wait_until(posted, timeout=60, what="the two days to be posted by a finished sync")
    trading = trading_days()
    writes = page.get_by_role("table", name=re.compile("Push operations"))

    def written() -> bool:
        # The day's pushes finish on the worker after they are counted as posted.
        page.reload()
        return writes.locator(".badge.Complete").count() >= trading

    wait_until(written, timeout=60, what="the two days' pushes to complete")
    assert writes.locator(".badge.Complete").count() == trading
    shoot("portal-commerce")
    accessible()
