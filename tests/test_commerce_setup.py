"""Sync for Commerce's set-up through the official `codat-sync-for-commerce` SDK and the real server: the
start URL (company and connections made if missing, one-time code, redirect URL), the configuration read from
the books and checked before it is kept, the client's texts and visible accounts."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from tests.support.commerce import (
    ACCOUNTING,
    COMMERCE,
    NOT_SCHEDULED,
    choose_everything,
    commerce_sdk,
    company_named,
    link_both_on_behalf,
    start_url,
    wait_for_configuration_options,
)


@pytest.fixture
def commerce(server):
    return commerce_sdk(server)


def test_the_start_url_makes_the_merchant_and_hands_out_a_one_time_code(api, commerce, db) -> None:
    merchant = f"merchant-{uuid.uuid4().hex[:8]}"
    answer = commerce.connections.get_sync_flow_url(
        request={"commerce_key": COMMERCE, "accounting_key": ACCOUNTING, "merchant_identifier": merchant}
    )
    parts = urlsplit(answer.url)
    assert parts.path.endswith(f"/{COMMERCE}/{ACCOUNTING}/start")
    query = parse_qs(parts.query)
    assert (
        query["merchantIdentifier"] == [merchant] and len(query["otp"][0]) == 6 and query["otp"][0].isdigit()
    )
    company = company_named(api, merchant)
    keys = sorted((c["integrationKey"], c["status"]) for c in company["dataConnections"])
    assert keys == [(COMMERCE, "PendingAuth"), (ACCOUNTING, "PendingAuth")]
    # A bare host (the seed's `redirectUrl=app.codat.io`) is kept as an https address, with the code.
    start_url(api, merchant, redirectUrl="app.codat.io")
    kept = (
        db.execute(
            text(
                "SELECT redirect_url FROM sync_flow_codes WHERE company_id = :c AND redirect_url IS NOT NULL"
            ),
            {"c": company["id"]},
        )
        .scalars()
        .all()
    )
    db.commit()
    assert kept == ["https://app.codat.io"]
    # The code is kept only as a hash.
    stored = db.execute(
        text("SELECT code_hash FROM sync_flow_codes WHERE company_id = :c"), {"c": company["id"]}
    )
    db.commit()
    assert query["otp"][0] not in [row[0] for row in stored]

    # Asking again, by name or by company id, reuses the company and its connections; the redirect URL rides
    # along in the sync-flow URL.
    again = start_url(api, company["id"], redirectUrl="https://app.example/done?x=1")
    again_query = parse_qs(urlsplit(again).query)
    assert again_query["redirectUrl"] == ["https://app.example/done?x=1"]
    assert again_query["otp"] != query["otp"]
    start_url(api, merchant)
    assert len(company_named(api, merchant)["dataConnections"]) == 2
    # The older one-key form names the accounting platform; the commerce platform is the partner's (lqai),
    # not installed here.
    older = api.get(f"/config/sync/commerce/{ACCOUNTING}/start", params={"merchantIdentifier": merchant})
    assert older.status_code == 404 and "lqai" in older.json()["error"]


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        (
            f"/config/sync/commerce/{COMMERCE}/{ACCOUNTING}/start",
            {"merchantIdentifier": "m" * 501},
            400,
            "merchantIdentifier",
        ),
        (f"/config/sync/commerce/zzzz/{ACCOUNTING}/start", {"merchantIdentifier": "m"}, 404, "zzzz"),
        (
            f"/config/sync/commerce/{ACCOUNTING}/{ACCOUNTING}/start",
            {"merchantIdentifier": "m"},
            400,
            "commerce",
        ),
        (
            f"/config/sync/commerce/{COMMERCE}/{COMMERCE}/start",
            {"merchantIdentifier": "m"},
            400,
            "accounting",
        ),
        (
            f"/config/sync/commerce/{COMMERCE}/{ACCOUNTING}/start",
            {"merchantIdentifier": "m", "redirectUrl": "javascript:alert(1)"},
            400,
            "redirectUrl",
        ),
        (
            f"/config/sync/commerce/{COMMERCE}/{ACCOUNTING}/start",
            {"merchantIdentifier": "m", "redirectUrl": " "},
            400,
            "redirectUrl",
        ),
    ],
)
def test_bad_start_requests_are_refused_and_make_nothing(api, path, params, status, says) -> None:
    before = api.get("/companies", params={"pageSize": 1}).json()["totalResults"]
    answer = api.get(path, params=params)
    assert answer.status_code == status and says in answer.json()["error"], answer.text
    assert answer.json()["statusCode"] == status
    assert api.get("/companies", params={"pageSize": 1}).json()["totalResults"] == before


def test_the_configuration_offers_the_books_and_keeps_only_valid_choices(api, commerce) -> None:
    merchant = f"config-{uuid.uuid4().hex[:8]}"
    start_url(api, merchant)
    company = company_named(api, merchant)
    unconfigured = commerce.advanced_controls.get_configuration(request={"company_id": company["id"]})
    assert unconfigured.configured is False and unconfigured.enable is False
    link_both_on_behalf(api, company["id"])
    config = wait_for_configuration_options(api, company["id"])
    c = config["configuration"]
    assert config["accountingSoftwareCompanyName"]
    assert c["mapSettings"] == {"outputFormat": "JournalEntry"}
    assert {o["classification"] for o in c["sales"]["accounts"]["sales"]["accountOptions"]}
    assert set(c["sales"]["accounts"]) == {"sales", "salesTax", "refunds"}
    # The shop's three tax rates and its active payment methods are there to map.
    assert len(c["sales"]["taxRates"]) == 3 and len(c["payments"]["accounts"]) >= 5
    # What the Sync Flow form proposes is not a choice: nothing is selected until one is saved.
    assert c["sales"]["accounts"]["sales"]["selectedAccountId"] is None
    assert all(rate["selectedTaxRateId"] is None for rate in c["sales"]["taxRates"].values())

    body = choose_everything(config, start=NOT_SCHEDULED, time_zone="Europe/London")
    chosen = api.post(f"/config/companies/{company['id']}/sync/commerce", json=body)
    assert chosen.status_code == 200, chosen.text
    kept = commerce.advanced_controls.get_configuration(request={"company_id": company["id"]})
    assert kept.configured is True and kept.enable is True
    assert kept.schedule.time_zone == "Europe/London" and kept.schedule.selected_frequency.value == "Daily"
    sales_account = body["configuration"]["sales"]["accounts"]["sales"]["selectedAccountId"]
    assert kept.configuration.sales.accounts["sales"].selected_account_id == sales_account
    # The SDK's own set call (no body) changes nothing and answers the configuration.
    again = commerce.advanced_controls.set_configuration(request={"company_id": company["id"]})
    assert again.configuration.sales.accounts["sales"].selected_account_id == sales_account

    # Choices that are not among the options are refused, each saying which, and nothing changes.
    bad = choose_everything(config, start=NOT_SCHEDULED)
    bad["configuration"]["sales"]["accounts"]["sales"] = {"selectedAccountId": "no-such-account"}
    bad["schedule"]["timeZone"] = "Mars/Olympus"
    bad["schedule"]["syncHour"] = 24
    refused = api.post(f"/config/companies/{company['id']}/sync/commerce", json=bad)
    assert refused.status_code == 400
    items = {item["itemId"] for item in refused.json()["validation"]["errors"]}
    assert items == {"sales.accounts.sales", "schedule.timeZone", "schedule.syncHour"}
    after = api.get(f"/config/companies/{company['id']}/sync/commerce").json()
    assert after["configuration"]["sales"]["accounts"]["sales"]["selectedAccountId"] == sales_account
    assert after["schedule"]["timeZone"] == "Europe/London"
    for wrong in ([1, 2], "text"):
        assert api.post(f"/config/companies/{company['id']}/sync/commerce", json=wrong).status_code == 400
    missing = api.get(f"/config/companies/{uuid.uuid4()}/sync/commerce")
    assert missing.status_code == 404


def test_visible_accounts_narrow_the_options(api, commerce, server) -> None:
    merchant = f"visible-{uuid.uuid4().hex[:8]}"
    start_url(api, merchant)
    company = company_named(api, merchant)
    link_both_on_behalf(api, company["id"])
    config = wait_for_configuration_options(api, company["id"])
    options = config["configuration"]["sales"]["accounts"]["sales"]["accountOptions"]
    client_id = (
        api.get("/profile").json().get("clientId") or urlsplit(start_url(api, merchant)).path.split("/")[2]
    )
    try:
        shown = commerce.sync_flow_settings.update_visible_accounts_sync_flow(
            request={"platform_key": ACCOUNTING, "visible_accounts": {"visible_accounts": [options[0]["id"]]}}
        )
        assert shown.visible_accounts == [options[0]["id"]]
        read = commerce.sync_flow_settings.get_visible_accounts(
            request={"client_id": client_id, "platform_key": ACCOUNTING}
        )
        assert read.visible_accounts == [options[0]["id"]]
        narrowed = api.get(f"/config/companies/{company['id']}/sync/commerce").json()
        assert [
            o["id"] for o in narrowed["configuration"]["sales"]["accounts"]["sales"]["accountOptions"]
        ] == [options[0]["id"]]
        assert (
            api.post(
                f"/sync/commerce/config/ui/accounts/platform/{ACCOUNTING}", json={"visibleAccounts": 5}
            ).status_code
            == 400
        )
        assert (
            api.post(
                f"/sync/commerce/config/ui/accounts/platform/{COMMERCE}", json={"visibleAccounts": None}
            ).status_code
            == 400
        )
        assert api.get(f"/clients/{uuid.uuid4()}/config/ui/accounts/platform/{ACCOUNTING}").status_code == 404
    finally:
        api.post(f"/sync/commerce/config/ui/accounts/platform/{ACCOUNTING}", json={"visibleAccounts": None})
    everything = api.get(f"/config/companies/{company['id']}/sync/commerce").json()
    assert len(everything["configuration"]["sales"]["accounts"]["sales"]["accountOptions"]) == len(options)


def test_texts_are_reworded_per_locale_and_reset_with_null(api, commerce) -> None:
    english = commerce.sync_flow_settings.get_config_text_sync_flow(request={"locale": "en-us"})
    assert english["save"].text == "Save and finish" and english["save"].required is True
    french = api.get("/sync/commerce/config/ui/text", params={"locale": "fr-fr"}).json()
    assert french["save"] == {"text": "Enregistrer et terminer", "required": True}
    try:
        changed = api.patch(
            "/sync/commerce/config/ui/text",
            params={"locale": "fr-fr"},
            json={"save": {"text": "Valider"}, "welcome.body": {"text": ""}},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["save"]["text"] == "Valider" and changed.json()["welcome.body"]["text"] == ""
        # English is untouched.
        assert api.get("/sync/commerce/config/ui/text", params={"locale": "en-us"}).json()["save"][
            "text"
        ] == ("Save and finish")
        refused = api.patch(
            "/sync/commerce/config/ui/text",
            params={"locale": "fr-fr"},
            json={"save": {"text": ""}, "nope": {"text": "x"}},
        )
        assert refused.status_code == 400
        assert {e["itemId"] for e in refused.json()["validation"]["errors"]} == {"save", "nope"}
        assert (
            api.get("/sync/commerce/config/ui/text", params={"locale": "fr-fr"}).json()["save"]["text"]
            == "Valider"
        )
    finally:
        reset = api.patch(
            "/sync/commerce/config/ui/text",
            params={"locale": "fr-fr"},
            json={"save": None, "welcome.body": {"text": None}},
        )
        assert reset.status_code == 200
    assert reset.json()["save"]["text"] == "Enregistrer et terminer"
    for params in ({}, {"locale": "de-de"}):
        assert api.get("/sync/commerce/config/ui/text", params=params).status_code == 400


def test_sync_flow_codes_work_once_and_for_thirty_seconds(api, server, db) -> None:
    merchant = f"otp-{uuid.uuid4().hex[:8]}"
    url = start_url(api, merchant)
    path = urlsplit(url)._replace(scheme="", netloc="").geturl()
    with httpx.Client(base_url=server.base_url) as browser:
        first = browser.get(path)
        assert first.status_code == 303 and first.headers["location"].startswith("/sync-flow/companies/")
        assert "ledgerlink_sync_flow" in first.cookies
        again = browser.get(path)
        assert again.status_code == 401 and "already been used" in again.text
        expired_url = start_url(api, merchant)
        db.execute(
            text("UPDATE sync_flow_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        )
        db.commit()
        expired = browser.get(urlsplit(expired_url)._replace(scheme="", netloc="").geturl())
        assert expired.status_code == 401 and "expired" in expired.text
        query = parse_qs(urlsplit(url).query)
        wrong = browser.get(
            urlsplit(url).path,
            params={
                "merchantIdentifier": merchant,
                "otp": "000000" if query["otp"][0] != "000000" else "111111",
            },
        )
        assert wrong.status_code == 401 and "not valid" in wrong.text
        # A page inside the flow needs the visit's cookie.
        company = company_named(api, merchant)
        with httpx.Client(base_url=server.base_url) as stranger:
            assert stranger.get(f"/sync-flow/companies/{company['id']}").status_code == 401
