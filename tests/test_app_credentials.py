"""Platforms' app credentials saved in the Portal: through the Portal's real forms in Chromium, on a server
whose environment sets none, Xero and Plaid go from absent in Link (`enabled: false`, the Portal saying what
each needs) to enabled, linked and synced against their fakes (Xero's tokens refreshed by the worker with the
Portal's secret), the stored row holds no clear secret, and removing them hides the platform again; and the
forms' protections and errors over HTTP. The resolution rule itself: tests/test_app_credentials_rule.py."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit.secrets import SecretBox, load_or_create_key
from ledgerlink.oauth.flow import CALLBACK_PATH
from tests.support.fakes.plaid import PlaidFake
from tests.support.fakes.xero import XeroFake
from tests.support.link import ClientSite, ask_only_for, own_linking_server
from tests.support.portal import hidden_csrf, http_sign_in, sign_in
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer

pytestmark = pytest.mark.timeout(240)

XERO_CLIENT_ID = "ABCDEF0123456789ABCDEF0123456789"
XERO_SECRET = "xero-s3cret-" + uuid.uuid4().hex
PLAID_CLIENT_ID = "5f0c0a1b2c3d4e5f6a7b8c9d"
PLAID_SECRET = "plaid-s3cret-" + uuid.uuid4().hex
API_KEY = "appcreds-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def xero() -> Iterator[XeroFake]:
    server = XeroFake(XERO_CLIENT_ID, XERO_SECRET, "http://unset", consent_page=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plaid() -> Iterator[PlaidFake]:
    server = PlaidFake(PLAID_CLIENT_ID, PLAID_SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-credentials")


@pytest.fixture(scope="module")
def bare_server(
    postgres: str, xero: XeroFake, plaid: PlaidFake, site: ClientSite, data_dir: Path
) -> Iterator[RunningServer]:
    """A server that knows where Xero and Plaid are (their fakes); its environment sets no credentials."""
    with own_linking_server(
        postgres,
        data_dir,
        "app_credentials",
        API_KEY,
        site,
        {
            "LEDGERLINK_XERO_AUTHORIZE_URL": xero.authorize_url,
            "LEDGERLINK_XERO_TOKEN_URL": xero.token_url,
            "LEDGERLINK_XERO_IDENTITY_URL": xero.identity_url,
            "LEDGERLINK_XERO_API_URL": xero.api_url,
            "LEDGERLINK_PLAID_BASE_URL": plaid.base_url,
            "LEDGERLINK_PLAID_LINK_SCRIPT_URL": plaid.script_url,
        },
        oauth=(xero, XERO_CLIENT_ID),
    ) as running:
        yield running


@pytest.fixture
def raw(bare_server: RunningServer) -> Iterator[Any]:
    """Plain SQL on the server's database, to see what is stored."""
    engine = create_engine(sqlalchemy_url(bare_server.database_url))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def stored_rows(raw: Any, key: str) -> list[Any]:
    raw.rollback()
    return raw.execute(
        text(
            "SELECT details, sealed_secrets, to_jsonb(a)::text AS whole FROM app_credentials a"
            " WHERE integration_key = :k"
        ),
        {"k": key},
    ).all()


def listed_in_link(page: Any, name: str) -> bool:
    """Whether Link's choose page shows the platform at all (an unusable one is not shown)."""
    return page.locator(".integration-list li", has_text=name).count() > 0


def open_credentials_page(page: Any, key: str, name: str) -> None:
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Integrations").click()
    page.locator(f"#integration-{key}").get_by_role(
        "link", name=re.compile(f"{name} app credentials")
    ).click()
    page.wait_for_url(f"**/portal/integrations/{key}/credentials")


def expire_access_token(raw: Any, secrets: SecretBox, connection_id: str) -> None:
    """Make the connection's stored access token one that expired a minute ago (the refresh token stays)."""
    raw.rollback()
    sealed = raw.execute(
        text("SELECT sealed_authorization FROM connections WHERE id = :id"), {"id": connection_id}
    ).scalar_one()
    authorization = secrets.open(bytes(sealed))
    authorization["oauth"]["expires_at"] = int(time.time()) - 60
    raw.execute(
        text("UPDATE connections SET sealed_authorization = :sealed WHERE id = :id"),
        {"sealed": secrets.seal(authorization), "id": connection_id},
    )
    raw.commit()


# --- in the browser --------------------------------------------------------------------------------


def test_xero_set_in_the_portal_links_syncs_refreshes_and_is_removed(
    page, shoot, accessible, xero, site, bare_server, raw, data_dir
) -> None:
    server = bare_server
    with server.client() as api:
        company = api.post("/companies", json={"name": "Portal Xero Ltd"}).json()
        assert api.get("/integrations/gbol").json()["enabled"] is False
    page.goto(company["redirect"])
    assert page.locator("a[data-key=gbol]").count() == 0 and not listed_in_link(page, "Xero")
    assert listed_in_link(page, "Sandbox")

    sign_in(page, server)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Integrations").click()
    row = page.locator("#integration-gbol")
    assert "Not configured" in row.inner_text() and "Not set up" in row.inner_text()
    needs = row.locator("#needs-gbol").inner_text()
    assert "Needs its Client ID, Client secret from Xero's developer dashboard" in needs
    assert "LEDGERLINK_OAUTH_GBOL_CLIENT_ID, LEDGERLINK_OAUTH_GBOL_CLIENT_SECRET" in needs
    assert row.get_by_role("button", name="Enable Xero").count() == 0
    assert "None needed" in page.locator("#integration-mqjo").inner_text()
    assert page.locator("#needs-mqjo").count() == 0
    shoot("integrations-not-set-up")
    accessible()
    row.get_by_role("link", name="set them up here for Xero").click()
    page.wait_for_url("**/portal/integrations/gbol/credentials")
    assert page.get_by_label("Redirect URI", exact=True).input_value() == server.base_url + CALLBACK_PATH
    assert page.get_by_role("heading", name="Remove").count() == 0
    shoot("not-configured")
    accessible()

    # Past the browser's own checks, the server's: every problem named, at its field, nothing saved.
    page.locator("form[action='/portal/integrations/gbol/credentials']").evaluate(
        "form => { form.noValidate = true; }"
    )
    page.get_by_label("Client ID").fill("ABC DEF")
    page.get_by_label("Client secret").fill("")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save Xero app credentials").click()
    assert answer.value.status == 422
    alert = page.get_by_role("alert").inner_text()
    assert "The client ID can only hold letters, digits and symbols, without spaces" in alert
    assert "Enter the client secret." in alert
    assert page.get_by_label("Client ID").input_value() == "ABC DEF"
    assert page.get_by_label("Client ID").get_attribute("aria-invalid") == "true"
    assert stored_rows(raw, "gbol") == []
    shoot("refused")
    accessible()

    page.get_by_label("Client ID").fill(XERO_CLIENT_ID)
    page.get_by_label("Client secret").fill(XERO_SECRET)
    page.get_by_role("button", name="Save Xero app credentials").click()
    page.wait_for_url("**/portal/integrations/gbol/credentials")
    assert page.get_by_role("status").first.inner_text().startswith("Xero app credentials saved")
    assert "Saved here" in page.get_by_role("region", name="In use").inner_text()
    assert page.get_by_label("Client ID").input_value() == XERO_CLIENT_ID
    # The secret is shown as set, never echoed back.
    assert page.get_by_label("Client secret").input_value() == ""
    assert "Set. It is never shown again" in page.content()
    assert XERO_SECRET not in page.content()
    shoot("saved")
    accessible()

    # The row holds the client id in clear and the secret only sealed, with the server's key.
    ((details, sealed, whole),) = stored_rows(raw, "gbol")
    assert details == {"client_id": XERO_CLIENT_ID}
    assert XERO_SECRET not in whole and XERO_SECRET.encode() not in bytes(sealed)
    secrets = SecretBox(load_or_create_key(None, data_dir))
    assert secrets.open(bytes(sealed)) == {"client_secret": XERO_SECRET}

    # Enabled now: the Portal's switch was on, so Link offers Xero, and the business links it through Xero's
    # consent with the Portal's app.
    with server.client() as api:
        assert api.get("/integrations/gbol").json()["enabled"] is True
    page.goto(f"{server.base_url}/portal/integrations")
    assert "Enabled" in page.locator("#integration-gbol").inner_text()
    assert page.locator("#needs-gbol").count() == 0
    page.goto(company["redirect"])
    page.locator("a[data-key=gbol]").click()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(xero.base_url + "/authorize*")
    assert f"client_id={XERO_CLIENT_ID}" in page.url
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"/complete\?statusCode=200$"))
    page.get_by_role("heading", name="You're connected").wait_for()
    with server.client() as api:
        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "Linked"
        pulls = wait_for_pulls(api, company["id"], timeout=90)
        failed = [(p["dataType"], p["status"]) for p in pulls if p["status"] != "Complete"]
        assert pulls and not failed, failed
        invoices = api.get(f"/companies/{company['id']}/data/invoices", params={"pageSize": 100}).json()
        assert {i["invoiceNumber"] for i in invoices["results"]} >= {"INV-0002"}

        # The worker refreshes an expired token with the Portal's client id and secret.
        refreshes = xero.token_requests["refresh_token"]
        expire_access_token(raw, secrets, connection["id"])
        queued = api.post(f"/companies/{company['id']}/data/queue/invoices")
        assert queued.status_code == 200, queued.text
        pulls = wait_for_pulls(api, company["id"], at_least=len(pulls) + 1, timeout=90)
        latest = max((p for p in pulls if p["dataType"] == "invoices"), key=lambda p: p["requested"])
        assert latest["status"] == "Complete", latest
        assert xero.token_requests["refresh_token"] == refreshes + 1
        assert (
            api.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
        )

    # Replacing with the secret left blank keeps the saved secret.
    page.goto(f"{server.base_url}/portal/integrations/gbol/credentials")
    assert page.get_by_role("heading", name="Replace your app credentials").is_visible()
    page.get_by_role("button", name="Save Xero app credentials").click()
    page.wait_for_url("**/portal/integrations/gbol/credentials")
    assert page.get_by_role("status").first.inner_text().startswith("Xero app credentials saved")
    ((_, resealed, _),) = stored_rows(raw, "gbol")
    assert bytes(resealed) != bytes(sealed) and secrets.open(bytes(resealed)) == {
        "client_secret": XERO_SECRET
    }

    # Removed: not configured again, in the Portal and in Link.
    page.get_by_role("link", name="Remove Xero app credentials").click()
    page.get_by_role("button", name="Remove Xero app credentials").click()
    page.wait_for_url("**/portal/integrations/gbol/credentials")
    assert page.get_by_role("status").first.inner_text() == "Xero app credentials removed."
    assert "Not configured" in page.get_by_role("region", name="In use").inner_text()
    assert stored_rows(raw, "gbol") == []
    shoot("removed")
    page.goto(company["redirect"] + "?sourceType=accounting")  # accounting is linked: the visit is at banking
    assert not listed_in_link(page, "Xero")
    with server.client() as api:
        assert api.get("/integrations/gbol").json()["enabled"] is False

    assert xero.violations == []
    assert XERO_SECRET not in server.log()


def test_plaid_keys_set_in_the_portal_link_a_bank_and_sync(
    page, shoot, plaid, site, bare_server, raw
) -> None:
    server = bare_server
    with server.client() as api:
        company = api.post("/companies", json={"name": "Portal Plaid Ltd"}).json()
        ask_only_for(api, company["id"], "banking")
    page.goto(company["redirect"])
    assert not listed_in_link(page, "Plaid")

    sign_in(page, server)
    open_credentials_page(page, "suuo", "Plaid")
    # Plaid is not OAuth: there is no redirect URI to register.
    assert page.get_by_label("Redirect URI", exact=True).count() == 0
    assert page.get_by_label("Environment").input_value() == "production"
    page.get_by_label("Client ID").fill(PLAID_CLIENT_ID)
    page.get_by_label("Secret", exact=True).fill(PLAID_SECRET)
    page.get_by_label("Environment").select_option("sandbox")
    page.get_by_role("button", name="Save Plaid app credentials").click()
    page.wait_for_url("**/portal/integrations/suuo/credentials")
    assert page.get_by_role("status").first.inner_text().startswith("Plaid app credentials saved")
    assert page.get_by_label("Environment").input_value() == "sandbox"
    assert PLAID_SECRET not in page.content()
    shoot("saved")
    ((details, sealed, whole),) = stored_rows(raw, "suuo")
    assert details == {"client_id": PLAID_CLIENT_ID, "environment": "sandbox"}
    assert PLAID_SECRET not in whole and PLAID_SECRET.encode() not in bytes(sealed)

    # Link opens Plaid Link with a token made with the Portal's keys; the worker's pulls use them too.
    page.goto(company["redirect"])
    page.locator("a[data-key=suuo]").click()
    page.get_by_role("button", name="Connect").click()
    plaid_link = page.frame_locator("#plaid-link-iframe")
    plaid_link.get_by_label("First Platypus Bank").check()
    plaid_link.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/complete\?statusCode=200$"))
    with server.client() as api:
        (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
        assert connection["status"] == "Linked" and connection["platformName"] == "Plaid"
        pulls = wait_for_pulls(api, company["id"], timeout=90)
        failed = [(p["dataType"], p["status"]) for p in pulls if p["status"] != "Complete"]
        assert pulls and not failed, failed
        base = f"/companies/{company['id']}/connections/{connection['id']}/data/banking-accounts"
        accounts = api.get(base, params={"pageSize": 100}).json()["results"]
        assert {a["institution"]["name"] for a in accounts} == {"First Platypus Bank"}
    assert plaid.violations == []
    assert PLAID_SECRET not in server.log()

    # Removed: Plaid is not available in Link again.
    page.goto(f"{server.base_url}/portal/integrations/suuo/credentials")
    page.get_by_role("link", name="Remove Plaid app credentials").click()
    page.get_by_role("button", name="Remove Plaid app credentials").click()
    page.wait_for_url("**/portal/integrations/suuo/credentials")
    assert stored_rows(raw, "suuo") == []
    page.goto(company["redirect"])
    assert page.locator("a[data-key=suuo]").count() == 0


# --- plain HTTP ------------------------------------------------------------------------------------


def test_the_forms_need_a_session_and_its_csrf_token(bare_server, raw) -> None:
    with httpx.Client(base_url=bare_server.base_url, follow_redirects=False, timeout=30) as stranger:
        assert stranger.get("/portal/integrations/gbol/credentials").headers["location"] == "/portal/login"
        refused = stranger.post(
            "/portal/integrations/gbol/credentials", data={"client_id": "x", "client_secret": "y"}
        )
        assert refused.headers["location"] == "/portal/login"
    with http_sign_in(bare_server) as (browser, csrf):
        before = stored_rows(raw, "gbol")
        form = {"client_id": "forged-app", "client_secret": "forged-secret"}
        missing = browser.post("/portal/integrations/gbol/credentials", data=form)
        forged = browser.post("/portal/integrations/gbol/credentials", data={**form, "csrf": "0" * 64})
        assert missing.status_code == forged.status_code == 403
        forged_removal = browser.post("/portal/integrations/gbol/credentials/remove", data={"csrf": "0" * 64})
        assert forged_removal.status_code == 403
        assert stored_rows(raw, "gbol") == before
        # Platforms that need no app credentials, and unknown ones, have no such page.
        for key in ("mqjo", "nope"):
            answer = browser.get(f"/portal/integrations/{key}/credentials")
            assert answer.status_code == 404 and "Traceback" not in answer.text
        # Removing what was never saved is told, not an error page.
        removed = browser.post(
            "/portal/integrations/ndsk/credentials/remove", data={"csrf": csrf, "confirmed": "yes"}
        )
        assert removed.status_code == 303
        notice = browser.get(removed.headers["location"]).text
        assert (
            "No app credentials of this client&#39;s own are saved for QuickBooks Online Sandbox." in notice
        )


def test_bad_input_is_refused_with_each_problem_and_no_secret_is_echoed(bare_server, raw) -> None:
    with http_sign_in(bare_server) as (browser, csrf):
        secret = "never-echoed-" + uuid.uuid4().hex
        answer = browser.post(
            "/portal/integrations/suuo/credentials",
            data={"csrf": csrf, "client_id": "x" * 300, "secret": secret, "environment": "staging"},
        )
        assert answer.status_code == 422
        assert "The client ID is too long: at most 255 characters." in answer.text
        assert "Choose one of: sandbox, production." in answer.text
        assert secret not in answer.text
        answer = browser.post(
            "/portal/integrations/qhyg/credentials",
            data={"csrf": csrf, "client_id": "ok-id", "client_secret": "tab\tinside"},
        )
        assert answer.status_code == 422
        assert "The client secret can only hold letters, digits and symbols, without spaces" in answer.text
        assert "QuickBooks Online&#39;s developer dashboard" in answer.text
        assert stored_rows(raw, "suuo") == [] and stored_rows(raw, "qhyg") == []
        # The form the refusal shows is a working one: with the problems fixed it saves.
        fixed = browser.post(
            "/portal/integrations/qhyg/credentials",
            data={"csrf": hidden_csrf(answer.text), "client_id": "ok-id", "client_secret": "fixed-secret"},
        )
        assert fixed.status_code == 303
        assert [row.details for row in stored_rows(raw, "qhyg")] == [{"client_id": "ok-id"}]
        removed = browser.post(
            "/portal/integrations/qhyg/credentials/remove", data={"csrf": csrf, "confirmed": "yes"}
        )
        assert removed.status_code == 303 and stored_rows(raw, "qhyg") == []
