"""The Portal: Chromium driving the operator's pages on the real server, and its session rules over HTTP."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from tests.support.portal import hidden_csrf, http_sign_in, overflowing, sign_in
from tests.support.server import free_port
from tests.support.waits import wait_until

pytestmark = pytest.mark.timeout(120)


def linked_sandbox_company(api: httpx.Client, name: str) -> tuple[str, str]:
    """A company with a Linked Accounting Sandbox connection whose first pulls have all completed."""
    company = api.post("/companies", json={"name": name}).json()["id"]
    connection = api.post(f"/companies/{company}/connections", json={"platformKey": "mqjo"}).json()["id"]
    assert api.put(f"/companies/{company}/connections/{connection}/authorization", json={}).status_code == 200

    def complete() -> bool:
        status = api.get(f"/companies/{company}/dataStatus").json()
        return bool(status) and all(s["currentStatus"] == "Complete" for s in status.values())

    wait_until(complete, timeout=60, what="the first pulls to complete")
    return company, connection


# --- the browser -----------------------------------------------------------------------------------


def test_sign_in_refuses_a_wrong_key_and_signs_out(page, shoot, accessible, server, db) -> None:
    sessions = db.execute(text("SELECT count(*) FROM portal_sessions")).scalar_one()
    page.goto(f"{server.base_url}/portal/companies")
    page.wait_for_url("**/portal/login")
    shoot("sign-in")
    accessible()

    page.get_by_label("API key").fill("not-a-key-" + uuid.uuid4().hex)
    with page.expect_response(
        lambda r: r.url.endswith("/portal/login") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401
    assert page.get_by_role("alert").inner_text().startswith("That API key was not recognised")
    shoot("wrong-key")
    accessible()
    db.rollback()
    assert db.execute(text("SELECT count(*) FROM portal_sessions")).scalar_one() == sessions

    page.get_by_label("API key").fill(server.api_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/companies")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ledgerlink_portal")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/portal"
    nav = page.get_by_role("navigation", name="Portal")
    assert nav.get_by_role("link", name="Companies").get_attribute("aria-current") == "page"
    shoot("signed-in")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/portal/login")
    page.goto(f"{server.base_url}/portal/profile")
    page.wait_for_url("**/portal/login")
    shoot("signed-out")


def test_companies_are_searched_paged_and_created(page, shoot, accessible, server, api) -> None:
    prefix = f"Paging {uuid.uuid4().hex[:8]}"
    for n in range(21):
        assert api.post("/companies", json={"name": f"{prefix} {n:02d}"}).status_code == 200
    sign_in(page, server)
    shoot("companies")

    page.get_by_label("Name contains").fill(prefix)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 20
    assert "Page 1 of 2" in page.get_by_role("navigation", name="Companies pages").inner_text()
    # Newest first: the last created is on top.
    assert rows.first.inner_text().startswith(f"{prefix} 20")
    shoot("search")
    accessible()
    page.get_by_role("link", name="Next").click()
    assert page.locator("table tbody tr").count() == 1
    assert page.locator("table tbody tr").first.inner_text().startswith(f"{prefix} 00")
    shoot("page-2")

    name = f"Portal made {uuid.uuid4().hex[:8]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description (optional)").fill("Created in the Portal")
    page.get_by_role("button", name="Create company").click()
    page.wait_for_url(re.compile(r".*/portal/companies/[0-9a-f-]{36}$"))
    assert page.get_by_role("status").inner_text() == f"Company {name} created."
    company_id = page.url.rsplit("/", 1)[1]
    made = api.get(f"/companies/{company_id}").json()
    assert made["name"] == name and made["description"] == "Created in the Portal"
    shoot("created")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.get_by_role("button", name="Refresh all data").is_visible()
    shoot("created-on-a-phone")


def test_company_page_data_records_unlink_and_delete(page, shoot, accessible, server, api) -> None:
    name = f"Sandbox books {uuid.uuid4().hex[:8]}"
    company, connection = linked_sandbox_company(api, name)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    sign_in(page, server)
    page.get_by_label("Name contains").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=name).click()
    page.wait_for_url(f"**/portal/companies/{company}")

    row = page.locator(f"#connection-{connection}")
    assert row.locator(".badge").inner_text() == "Linked"
    assert "Accounting Sandbox" in row.inner_text() or "Sandbox" in row.inner_text()
    link_url = row.get_by_role("textbox").input_value()
    assert link_url == api.get(f"/companies/{company}/connections/{connection}").json()["linkUrl"]
    row.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == link_url
    assert page.get_by_role("status").filter(has_text="Copied").count() == 1

    status = api.get(f"/companies/{company}/dataStatus").json()
    status_table = page.get_by_role("table", name="Each data type's latest pull")
    assert status_table.locator("tbody tr").count() == len(status)
    assert status_table.locator(".badge.Complete").count() == len(status)
    history_nav = page.get_by_role("navigation", name="Pull history pages")
    assert f"({len(status)} in all)" in history_nav.inner_text()
    # The charts: SVG with a title and description, and the same figures in a table.
    records_chart = page.locator("svg#records-chart")
    assert records_chart.get_attribute("role") == "img"
    assert records_chart.locator("title").first.text_content() == "Records per data type"
    assert records_chart.locator("rect.bar").count() >= 5
    durations_chart = page.locator("svg#durations-chart")
    # One line per data type, each named in the legend.
    assert durations_chart.locator("g.series").count() == len(status)
    assert durations_chart.locator("circle.dot").count() == len(status)
    assert f"pulls of {len(status)} data types finished" in durations_chart.locator("desc").text_content()
    assert sorted(durations_chart.locator("g.legend-entry text").all_text_contents()) == sorted(status)
    hidden = page.get_by_role("table", name="Records per data type")
    assert hidden.locator("tbody tr").count() == records_chart.locator("rect.bar").count()
    shoot("company")
    accessible()
    # On a small phone nothing sticks out of its card: wide tables scroll in their own region.
    page.set_viewport_size({"width": 320, "height": 800})
    assert overflowing(page) == []
    shoot("company-on-a-small-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Next").click()
    page.wait_for_url(f"**/portal/companies/{company}?history=2#history")
    shoot("history-page-2")

    # The record browser reads as the API does, query and order included.
    page.get_by_role("link", name="Browse records").click()
    page.get_by_label("Data type").select_option("invoices")
    page.get_by_label("Query").fill("amountDue>0")
    page.get_by_label("Order by").fill("-amountDue")
    page.get_by_role("button", name="Show records").click()
    expected = api.get(
        f"/companies/{company}/data/invoices",
        params={"query": "amountDue>0", "orderBy": "-amountDue", "pageSize": 20},
    ).json()
    assert expected["totalResults"] > 0
    heading = page.get_by_role("heading", level=2)
    assert f"Invoices: {expected['totalResults']} record" in heading.inner_text()
    ids = page.locator("table.records tbody tr td:first-child code").all_inner_texts()
    assert ids == [invoice["id"] for invoice in expected["results"]]
    page.locator("table.records details summary").first.click()
    assert f'"id": "{ids[0]}"' in page.locator("table.records details pre").first.inner_text()
    shoot("records")
    accessible()
    page.get_by_label("Query").fill("amountDue>>0")
    page.get_by_role("button", name="Show records").click()
    assert "Error parsing query" in page.get_by_role("alert").inner_text()
    shoot("records-query-error")

    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Refresh all data").click()
    assert page.get_by_role("status").first.inner_text().startswith("Refresh queued")
    wait_until(
        lambda: (
            len(api.get(f"/companies/{company}/data/history", params={"pageSize": 100}).json()["results"])
            > len(status)
        ),
        what="the refresh's pulls",
    )
    shoot("refreshed")

    # Destructive changes are confirmed on a page of their own (no JavaScript needed); Cancel changes nothing.
    page.locator(f"#connection-{connection}").get_by_role("link", name="Unlink").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Unlink {name}'s Sandbox connection?"
    shoot("confirm-unlink")
    accessible()
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"**/portal/companies/{company}")
    assert api.get(f"/companies/{company}/connections/{connection}").json()["status"] == "Linked"
    page.locator(f"#connection-{connection}").get_by_role("link", name="Unlink").click()
    page.get_by_role("button", name="Unlink Sandbox").click()
    page.wait_for_url(f"**/portal/companies/{company}")
    assert page.locator(f"#connection-{connection} .badge").inner_text() == "Unlinked"
    assert api.get(f"/companies/{company}/connections/{connection}").json()["status"] == "Unlinked"
    shoot("unlinked")

    page.locator(f"#connection-{connection}").get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("button", name="Delete the Sandbox connection").click()
    page.wait_for_selector(f"#connection-{connection}", state="detached")
    assert api.get(f"/companies/{company}/connections/{connection}").status_code == 404
    shoot("connection-deleted")

    page.get_by_role("link", name="Delete company…").click()
    assert page.get_by_role("heading", name=f"Delete {name}?").is_visible()
    shoot("confirm-delete")
    accessible()
    page.get_by_role("button", name="Delete company").click()
    page.wait_for_url("**/portal/companies")
    assert "deleted" in page.get_by_role("status").inner_text()
    assert api.get(f"/companies/{company}").status_code == 404
    shoot("company-deleted")


def test_record_browser_shows_money_dates_statements_and_company_info(
    page, shoot, accessible, browser, server, api
) -> None:
    name = f"Formatted books {uuid.uuid4().hex[:8]}"
    company, _ = linked_sandbox_company(api, name)
    sign_in(page, server)
    records = f"{server.base_url}/portal/companies/{company}/records"

    # A list: headers in words, money with the record's currency and its decimals, dates as dates.
    page.goto(f"{records}?source=invoices&orderBy=-totalAmount")
    invoice = api.get(
        f"/companies/{company}/data/invoices", params={"orderBy": "-totalAmount", "pageSize": 1}
    ).json()["results"][0]
    # (As written: the table's style shows headers in capitals.)
    headers = page.locator("table.records thead th").all_text_contents()
    assert headers == ["Id", "Invoice number", "Issue date", "Status", "Total amount", "JSON"]
    first = page.locator("table.records tbody tr").first.locator("td").all_inner_texts()
    assert first[1:5] == [
        invoice["invoiceNumber"],
        invoice["issueDate"][:10],
        invoice["status"],
        f"{invoice['totalAmount']:,.2f} {invoice['currency']}",
    ]
    page.locator("table.records details summary").first.click()
    viewer = page.locator("table.records details pre").first
    # The JSON viewer wraps long lines instead of clipping them.
    assert viewer.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert viewer.evaluate("e => e.scrollWidth <= e.clientWidth")
    shoot("invoices")
    accessible()

    # A statement, by period, as `GET .../financials/profitAndLoss` assembles it.
    page.get_by_label("Data type").select_option("profitAndLoss")
    page.get_by_role("button", name="Show records").click()
    page.get_by_label("Months per period").fill("1")
    page.get_by_label("Periods").fill("3")
    page.get_by_role("button", name="Show records").click()
    statement = api.get(
        f"/companies/{company}/data/financials/profitAndLoss",
        params={"periodLength": 1, "periodsToCompare": 3},
    ).json()
    table = page.locator("table.statement")
    assert table.locator("thead th").count() == 1 + len(statement["reports"])
    net_profit = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Net profit", exact=True))
    assert net_profit.locator("td").all_inner_texts() == [
        f"{report['netProfit']:,.2f} {statement['currency']}" for report in statement["reports"]
    ]
    assert table.get_by_role("rowheader", name=statement["reports"][0]["income"]["name"]).count() >= 1
    shoot("profit-and-loss")
    accessible()

    # Company info: its fields in words.
    page.get_by_label("Data type").select_option("company")
    page.get_by_role("button", name="Show records").click()
    info = api.get(f"/companies/{company}/data/info").json()
    facts = page.locator("dl.facts")
    assert facts.locator("dt").first.inner_text() == "Company name"
    assert facts.locator("dd").first.inner_text() == info["companyName"]
    shoot("company-info")
    accessible()

    # Instants in the viewer's time zone (the UTC text without JavaScript stays as the title).
    created = api.get(f"/companies/{company}").json()["created"]
    tokyo = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        seen = tokyo.new_page()
        seen.context.add_cookies(page.context.cookies())
        seen.goto(f"{server.base_url}/portal/companies/{company}")
        stamp = seen.locator("p.small time").first
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
        local = moment.astimezone(ZoneInfo("Asia/Tokyo"))
        assert f"{local:%H:%M:%S}" in stamp.inner_text() and "UTC" not in stamp.inner_text()
        assert stamp.get_attribute("title") == f"{moment:%Y-%m-%d %H:%M:%S} UTC"
    finally:
        tokyo.close()


def test_integrations_are_toggled_and_their_sync_set(page, shoot, accessible, server, api) -> None:
    integration_id = api.get("/integrations/aiwb").json()["integrationId"]
    profile_settings = api.get("/profile/syncSettings").json()
    sign_in(page, server)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Integrations").click()
    row = page.locator("#integration-aiwb")
    shoot("integrations")
    accessible()
    try:
        row.get_by_role("button", name="Disable").click()
        assert page.get_by_role("status").inner_text().endswith("disabled.")
        assert api.get("/integrations/aiwb").json()["enabled"] is False
        shoot("disabled")
        page.locator("#integration-aiwb").get_by_role("button", name="Enable").click()
        assert api.get("/integrations/aiwb").json()["enabled"] is True

        page.locator("#integration-aiwb").get_by_role("combobox").select_option("Enabled")
        page.locator("#integration-aiwb").get_by_role("button", name="Save").click()
        assert "one-off" in page.get_by_role("status").inner_text()
        assert api.get(f"/settings/integrations/{integration_id}").json()["oneTimeSync"] == "Enabled"
        page.locator("#integration-aiwb").get_by_role("combobox").select_option("Disabled")
        page.locator("#integration-aiwb").get_by_role("button", name="Save").click()
        assert api.get(f"/settings/integrations/{integration_id}").json()["oneTimeSync"] == "Disabled"

        page.get_by_label("Refresh commerce-disputes").select_option("168")
        page.get_by_label("Fetch commerce-disputes on first link").uncheck()
        page.get_by_role("button", name="Save data type settings").click()
        assert page.get_by_role("status").inner_text() == "Data type settings saved."
        saved = {s["dataType"]: s for s in api.get("/profile/syncSettings").json()["settings"]}
        assert saved["commerce-disputes"]["syncSchedule"] == 168
        assert saved["commerce-disputes"]["fetchOnFirstLink"] is False
        before = {s["dataType"]: s for s in profile_settings["settings"]}
        assert saved["invoices"] == before["invoices"]
        shoot("saved")
    finally:
        api.patch(f"/settings/integrations/{integration_id}", json={"oneTimeSync": None})
        api.post(
            "/profile/syncSettings",
            json={
                "settings": profile_settings["settings"],
                "overridesDefaults": profile_settings["overridesDefaults"],
            },
        )


def test_profile_and_api_keys(page, shoot, accessible, server, api) -> None:
    original = api.get("/profile").json()
    sign_in(page, server)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Profile & API keys").click()
    shoot("profile")
    try:
        page.get_by_label("Name (shown to businesses in Link)").fill("Portal Lending Ltd")
        page.get_by_label("Logo URL").fill("https://example.com/logo.png")
        page.get_by_label("Redirect URL").fill("https://example.com/done")
        page.get_by_label("Single-use Link URLs").check()
        page.get_by_label("Hours they stay valid").fill("48")
        page.get_by_role("button", name="Save profile").click()
        assert page.get_by_role("status").inner_text() == "Profile saved."
        profile = api.get("/profile").json()
        assert profile["name"] == "Portal Lending Ltd"
        assert profile["logoUrl"] == "https://example.com/logo.png"
        assert profile["redirectUrl"] == "https://example.com/done"
        assert page.get_by_label("Single-use Link URLs").is_checked()
        assert page.get_by_label("Hours they stay valid").input_value() == "48"
        shoot("saved")

        # The server checks what the browser would: past the browser's own check, the refusal is a notice.
        page.locator("form[action='/portal/profile']").evaluate("form => { form.noValidate = true; }")
        page.get_by_label("Hours they stay valid").fill("0")
        page.get_by_role("button", name="Save profile").click()
        assert "1 to 720 hours" in page.get_by_role("alert").inner_text()
        assert api.get("/profile").json()["name"] == "Portal Lending Ltd"
        shoot("refused")
        page.get_by_label("Single-use Link URLs").uncheck()
        page.get_by_label("Hours they stay valid").fill("24")
        page.get_by_role("button", name="Save profile").click()
        assert not page.get_by_label("Single-use Link URLs").is_checked()

        key_name = f"portal-{uuid.uuid4().hex[:6]}"
        page.get_by_label("New key's name (optional)").fill(key_name)
        page.get_by_role("button", name="Create API key").click()
        new_key = page.get_by_label("New API key").input_value()
        shoot("key-created")
        accessible()
        # Post/redirect/get: the key is shown on a page of its own, which a refresh shows without the key
        # and without making another.
        assert page.url == f"{server.base_url}/portal/profile"
        page.reload()
        assert page.get_by_label("New API key").count() == 0
        assert [k["name"] for k in api.get("/apiKeys").json()["results"]].count(key_name) == 1
        listed = {k["name"]: k for k in api.get("/apiKeys").json()["results"]}
        assert key_name in listed and listed[key_name]["apiKey"].endswith(new_key[-4:])
        with httpx.Client(base_url=server.base_url, auth=(new_key, "")) as with_new_key:
            assert with_new_key.get("/profile").status_code == 200

        page.locator(f"#key-{listed[key_name]['id']}").get_by_role("link", name=re.compile("^Delete")).click()
        assert page.get_by_role("heading", level=1).inner_text() == f"Delete the API key {key_name}?"
        shoot("confirm-key-deletion")
        page.get_by_role("button", name="Delete API key").click()
        page.wait_for_selector(f"#key-{listed[key_name]['id']}", state="detached")
        assert page.get_by_role("status").inner_text().startswith("API key deleted")
        assert key_name not in {k["name"] for k in api.get("/apiKeys").json()["results"]}
        shoot("key-deleted")
    finally:
        api.put("/profile", json=original)


def test_webhook_consumers_deliveries_and_replay(page, shoot, accessible, server, api) -> None:
    # Nobody listens here, so every attempt fails with no response.
    receiver = f"http://127.0.0.1:{free_port()}/hooks/{uuid.uuid4().hex[:6]}"
    sign_in(page, server)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Webhooks").click()
    shoot("webhooks")
    accessible()
    page.get_by_label("Endpoint URL").fill(receiver)
    page.get_by_label("company.created", exact=True).check()
    page.get_by_label("Company tags").fill("portal:yes")
    page.get_by_role("button", name="Add consumer").click()
    page.wait_for_url(re.compile(r".*/portal/webhooks/[0-9a-f-]{36}$"))
    consumer = page.url.rsplit("/", 1)[1]
    created = api.get(f"/webhooks/{consumer}").json()
    assert created["url"] == receiver and created["eventTypes"] == ["company.created"]
    assert created["companyTags"] == ["portal:yes"]

    api.post("/companies", json={"name": "Webhook target", "tags": {"portal": "yes"}})

    def attempted() -> bool:
        found = api.get(f"/webhooks/{consumer}/deliveries").json()["results"]
        return bool(found) and found[0]["attemptCount"] >= 1

    wait_until(attempted, what="a first attempt")
    delivery = api.get(f"/webhooks/{consumer}/deliveries").json()["results"][0]
    page.reload()
    item = page.locator(f"#delivery-{delivery['id']}")
    assert "company.created" in item.inner_text()
    assert item.locator("table.attempts tbody tr").count() >= 1
    assert "no response" in item.locator("table.attempts tbody tr").first.inner_text()
    shoot("deliveries")
    accessible()

    page.get_by_role("button", name="Reveal secret").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_") and secret == api.get(f"/webhooks/{consumer}/secret").json()["secret"]
    shoot("secret")
    page.get_by_role("link", name="Rotate secret").click()
    page.get_by_role("button", name="Rotate secret").click()
    rotated = page.get_by_label("Signing secret").input_value()
    assert rotated != secret and rotated == api.get(f"/webhooks/{consumer}/secret").json()["secret"]

    attempts = api.get(f"/webhooks/{consumer}/deliveries").json()["results"][0]["attemptCount"]
    page.locator(f"#delivery-{delivery['id']}").get_by_role("button", name=re.compile("^Replay")).click()
    assert "queued to be sent again" in page.get_by_role("status").inner_text()
    wait_until(
        lambda: api.get(f"/webhooks/{consumer}/deliveries").json()["results"][0]["attemptCount"] > attempts,
        what="the replayed attempt",
    )
    shoot("replayed")

    page.get_by_role("link", name="Webhooks", exact=True).first.click()
    page.get_by_role("link", name=f"Delete… consumer {receiver}").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Delete the webhook consumer {receiver}?"
    page.get_by_role("button", name="Delete consumer").click()
    assert page.get_by_role("status").inner_text().startswith("Webhook consumer deleted")
    assert api.get(f"/webhooks/{consumer}").status_code == 404
    shoot("consumer-deleted")


# --- plain HTTP ------------------------------------------------------------------------------------


def test_posts_without_the_right_csrf_token_change_nothing(server, api) -> None:
    with http_sign_in(server) as (browser, csrf):
        name = f"Forged {uuid.uuid4().hex[:8]}"
        missing = browser.post("/portal/companies", data={"name": name})
        wrong = browser.post("/portal/companies", data={"name": name, "csrf": "0" * 64})
        assert missing.status_code == wrong.status_code == 403
        assert "This form has expired" in wrong.text
        found = api.get("/companies", params={"query": f"name={name}"}).json()
        assert found["totalResults"] == 0
        made = browser.post("/portal/companies", data={"name": name, "csrf": csrf})
        assert made.status_code == 303
        assert api.get("/companies", params={"query": f"name={name}"}).json()["totalResults"] == 1
        # The sign-in form is protected too: without its cookie's secret it is refused.
        with httpx.Client(base_url=server.base_url) as stranger:
            assert (
                stranger.post("/portal/login", data={"api_key": server.api_key, "csrf": csrf}).status_code
                == 403
            )


def test_destructive_changes_need_their_confirmation_page(server, api) -> None:
    company, connection = linked_sandbox_company(api, f"Confirmed {uuid.uuid4().hex[:8]}")
    key = api.post("/apiKeys", json={"name": "portal-confirm"}).json()
    consumer = api.post("/webhooks", json={"url": "https://example.com/hooks/confirm"}).json()
    secret = api.get(f"/webhooks/{consumer['id']}/secret").json()["secret"]
    changes = {
        f"/portal/companies/{company}/connections/{connection}/unlink": (
            lambda: api.get(f"/companies/{company}/connections/{connection}").json()["status"] == "Unlinked"
        ),
        f"/portal/webhooks/{consumer['id']}/secret/rotate": (
            lambda: api.get(f"/webhooks/{consumer['id']}/secret").json()["secret"] != secret
        ),
        f"/portal/webhooks/{consumer['id']}/delete": (
            lambda: api.get(f"/webhooks/{consumer['id']}").status_code == 404
        ),
        f"/portal/api-keys/{key['id']}/delete": (
            lambda: key["id"] not in {k["id"] for k in api.get("/apiKeys").json()["results"]}
        ),
        f"/portal/companies/{company}/connections/{connection}/delete": (
            lambda: api.get(f"/companies/{company}/connections/{connection}").status_code == 404
        ),
        f"/portal/companies/{company}/delete": lambda: api.get(f"/companies/{company}").status_code == 404,
    }
    with http_sign_in(server) as (browser, csrf):
        for path, done in changes.items():
            # Without the confirmation (a forged or JavaScript-made form): nothing changes, and the answer is
            # the confirmation page, whose form is the one that makes the change.
            for form in ({"csrf": csrf}, {"csrf": csrf, "confirmed": "no"}):
                refused = browser.post(path, data=form)
                assert refused.status_code == 303 and refused.headers["location"] == path, path
                assert not done(), path
            page = browser.get(path)
            assert page.status_code == 200 and "Cancel" in page.text
            assert f'<form method="post" action="{path}"' in page.text
            assert '<input type="hidden" name="confirmed" value="yes">' in page.text
            assert not done(), path
            made = browser.post(path, data={"csrf": hidden_csrf(page.text), "confirmed": "yes"})
            assert made.status_code == 303 and done(), path


def test_a_refresh_after_a_change_repeats_nothing(server, api) -> None:
    with http_sign_in(server) as (browser, csrf):
        keys = len(api.get("/apiKeys").json()["results"])
        name = f"prg-{uuid.uuid4().hex[:6]}"
        made = browser.post("/portal/api-keys", data={"csrf": csrf, "name": name})
        assert made.status_code == 303 and made.headers["location"] == "/portal/profile"
        shown = browser.get("/portal/profile").text
        plain = re.search(r'id="new-key" type="text" readonly value="([^"]+)"', shown)
        assert plain and name in shown
        with httpx.Client(base_url=server.base_url, auth=(plain.group(1), "")) as with_new_key:
            assert with_new_key.get("/profile").status_code == 200
        # The page the browser refreshes is the GET: no new key, and the key is not shown again.
        again = browser.get("/portal/profile").text
        assert plain.group(1) not in again and 'id="new-key"' not in again
        assert len(api.get("/apiKeys").json()["results"]) == keys + 1

        consumer = api.post("/webhooks", json={"url": "https://example.com/hooks/prg"}).json()
        revealed = browser.post(f"/portal/webhooks/{consumer['id']}/secret", data={"csrf": csrf})
        assert (
            revealed.status_code == 303
            and revealed.headers["location"] == f"/portal/webhooks/{consumer['id']}"
        )
        secret = api.get(f"/webhooks/{consumer['id']}/secret").json()["secret"]
        assert secret in browser.get(revealed.headers["location"]).text
        assert secret not in browser.get(revealed.headers["location"]).text
        api.delete(f"/webhooks/{consumer['id']}")
        api.delete(
            f"/apiKeys/{next(k['id'] for k in api.get('/apiKeys').json()['results'] if k['name'] == name)}"
        )


def test_unknown_or_expired_sessions_go_to_sign_in(server, db) -> None:
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30) as stranger:
        stranger.cookies.set("ledgerlink_portal", "not-a-session", path="/portal")
        answer = stranger.get("/portal/companies")
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"
        assert stranger.post("/portal/companies", data={"name": "x"}).headers["location"] == "/portal/login"

    with http_sign_in(server) as (browser, _):
        token = browser.cookies["ledgerlink_portal"]
        db.execute(
            text(
                "UPDATE portal_sessions SET expires_at = now() - interval '1 minute' WHERE token_hash = :hash"
            ),
            {"hash": hashlib.sha256(token.encode()).hexdigest()},
        )
        db.commit()
        answer = browser.get("/portal/companies")
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"


def test_the_session_token_is_stored_only_as_a_hash(server, db) -> None:
    with http_sign_in(server) as (browser, csrf):
        token = browser.cookies["ledgerlink_portal"]
        rows = db.execute(text("SELECT to_jsonb(s)::text FROM portal_sessions s")).scalars().all()
        assert not any(token in row for row in rows)
        assert any(hashlib.sha256(token.encode()).hexdigest() in row for row in rows)
        assert not any(server.api_key in row for row in rows)
        # Signing out deletes the session: the cookie opens nothing afterwards.
        assert browser.post("/portal/logout", data={"csrf": csrf}).status_code == 303
        db.rollback()
        assert not any(
            hashlib.sha256(token.encode()).hexdigest() in row
            for row in db.execute(text("SELECT to_jsonb(s)::text FROM portal_sessions s")).scalars().all()
        )


def test_deleting_the_key_ends_its_sessions(server, api) -> None:
    created = api.post("/apiKeys", json={"name": "portal-short-lived"}).json()
    with http_sign_in(server, created["apiKey"]) as (browser, _):
        assert api.delete(f"/apiKeys/{created['id']}").status_code == 204
        answer = browser.get("/portal/companies")
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"
