"""Link for platforms that are not sandboxes, in a real browser: OAuth2 consent at a real authorization
server (Authlib's, on loopback) and credentials typed into Link. The platforms are an operator's own,
loaded through LEDGERLINK_CONNECTOR_MODULES by a server of this module's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.link import ClientSite, ask_only_for, own_linking_server
from tests.support.link_platforms import BANK_FEED_KEY
from tests.support.oauth_server import OAuthTestServer
from tests.support.server import RunningServer

CLIENT_ID = "ledgerlink-link-tests"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "link-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def platform() -> Iterator[OAuthTestServer]:
    server = OAuthTestServer(CLIENT_ID, CLIENT_SECRET, "http://unset", consent_page=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def linking_server(
    postgres: str, platform: OAuthTestServer, site: ClientSite, tmp_path_factory
) -> Iterator[RunningServer]:
    with own_linking_server(
        postgres,
        tmp_path_factory.mktemp("link-platforms"),
        "link_platforms",
        API_KEY,
        site,
        {
            "LEDGERLINK_CONNECTOR_MODULES": "tests.support.link_platforms",
            "LEDGERLINK_TEST_OAUTH_URL": platform.base_url,
            "LEDGERLINK_OAUTH_TBOL_CLIENT_ID": CLIENT_ID,
            "LEDGERLINK_OAUTH_TBOL_CLIENT_SECRET": CLIENT_SECRET,
        },
        oauth=(platform, CLIENT_ID),
    ) as running:
        yield running


@pytest.fixture
def api(linking_server: RunningServer) -> Iterator[httpx.Client]:
    with linking_server.client() as client:
        yield client


def stored_anywhere(server: RunningServer, secret: str) -> bool:
    """Whether a secret appears in clear in any connection or event row."""
    engine = create_engine(sqlalchemy_url(server.database_url))
    with engine.connect() as db:
        found = db.scalar(
            text(
                "SELECT count(*) FROM connections"
                " WHERE position(convert_to(:s, 'UTF8') IN sealed_authorization) > 0"
            ),
            {"s": secret},
        ) + db.scalar(
            text("SELECT count(*) FROM events WHERE payload::text LIKE :like"), {"like": f"%{secret}%"}
        )
    engine.dispose()
    return bool(found)


def test_oauth_platform_consent_in_the_browser(api, page, shoot, platform, site, linking_server) -> None:
    company = api.post("/companies", json={"name": "OAuth Browser Ltd"}).json()
    page.goto(company["redirect"] + "?ref=o1")
    # Not configured: not enabled, and not shown to the business at all.
    assert page.locator("li[data-name='unconfigured books']").count() == 0
    assert api.get("/integrations/tunc").json()["enabled"] is False
    assert api.get("/integrations/tbol").json()["enabled"] is True
    unusable = api.get("/integrations", params={"query": "enabled=false"}).json()["results"]
    assert "tunc" in {i["key"] for i in unusable} and "tbol" not in {i["key"] for i in unusable}
    shoot("choose")
    page.locator("a[data-key=tbol]").click()
    shoot("review")
    page.get_by_role("button", name="Connect").click()

    # At the platform: its own consent page, with PKCE and state in the request.
    page.wait_for_url(platform.base_url + "/authorize*")
    assert "code_challenge_method=S256" in page.url and "state=" in page.url
    shoot("platform-consent")
    page.get_by_role("button", name="Allow").click()

    assert page.get_by_role("heading", name="You're connected").is_visible()
    shoot("complete")
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_url(site.base + "/landed*")
    (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert connection["status"] == "Linked" and connection["platformName"] == "Test Books Online"
    assert site.landing()["status"] == "200" and site.landing()["connection"] == connection["id"]
    assert site.landing()["ref"] == "o1"
    issued = [token.access_token for token in platform.tokens] + [
        token.refresh_token for token in platform.tokens
    ]
    assert issued and not any(stored_anywhere(linking_server, secret) for secret in issued)


def test_oauth_consent_denied_returns_403(api, page, shoot, platform, site) -> None:
    company = api.post("/companies", json={"name": "OAuth Deny Ltd"}).json()
    page.goto(company["redirect"])
    page.locator("a[data-key=tbol]").click()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(platform.base_url + "/authorize*")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(site.base + "/landed*")
    landing = site.landing()
    (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert landing["status"] == "403" and landing["connection"] == connection["id"]
    assert connection["status"] == "PendingAuth"


def test_credentials_form_links_and_refuses_wrong_ones(
    api, page, shoot, accessible, site, linking_server
) -> None:
    company = api.post("/companies", json={"name": "Bank Feed Ltd"}).json()
    ask_only_for(api, company["id"], "banking")
    page.goto(company["redirect"])
    page.locator("a[data-key=tbfd]").click()
    page.get_by_role("button", name="Connect").click()
    assert page.get_by_role("heading", name="Sign in to Test Bank Feed").is_visible()
    shoot("form")
    page.get_by_label("Username").fill("dave")
    page.get_by_label("API key").fill("wrong-key")
    with page.expect_response(re.compile(r".*/credentials$")) as answer:
        page.get_by_role("button", name="Sign in and connect").click()
    assert answer.value.status == 422
    assert page.get_by_role("alert").inner_text() == "The bank did not accept that API key."
    assert page.get_by_label("Username").input_value() == "dave"
    assert page.get_by_label("API key").input_value() == ""  # a secret is never sent back
    shoot("refused")
    accessible()
    (pending,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert pending["status"] == "PendingAuth"

    page.get_by_label("API key").fill(BANK_FEED_KEY)
    page.get_by_role("button", name="Sign in and connect").click()
    assert page.get_by_role("heading", name="You're connected").is_visible()
    shoot("complete")
    (linked,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert linked["id"] == pending["id"] and linked["status"] == "Linked"
    assert not stored_anywhere(linking_server, BANK_FEED_KEY)
    assert BANK_FEED_KEY not in linking_server.log()


def test_an_unconfigured_platform_is_a_clear_page(api, page, linking_server) -> None:
    company = api.post("/companies", json={"name": "Unconfigured Ltd"}).json()
    page.goto(company["redirect"])
    answer = page.goto(f"{linking_server.base_url}/link/company/{company['id']}/integrations/tunc")
    assert answer.status == 501
    assert page.get_by_role("heading", name="Unconfigured Books is not available yet").is_visible()


def test_the_embedded_link_offers_no_platform_whose_sign_in_cannot_be_framed(api, linking_server) -> None:
    """An OAuth platform's consent page refuses frames: the embedded Link lists only what works in one, and
    one reached anyway is an error page the client's page hears (`onError`), framed by it only."""
    origin = "https://lendco.example"
    before = api.get("/corsSettings").json()
    assert api.post("/corsSettings", json={"allowedOrigins": [origin]}).status_code == 200
    try:
        company = api.post("/companies", json={"name": "Framed Books Ltd"}).json()
        token = api.get(f"/companies/{company['id']}/accessToken").json()["accessToken"]
        with httpx.Client(base_url=linking_server.base_url, follow_redirects=True) as browser:
            choose = browser.post(
                f"/link/embed/company/{company['id']}",
                data={"accessToken": token},
                headers={"Origin": origin},
            )
            assert choose.status_code == 200, choose.text
            assert f"frame-ancestors {origin}" in choose.headers["content-security-policy"]
            assert 'data-key="tbol"' not in choose.text and 'data-key="mqjo"' in choose.text
            pending = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "tbol"}).json()
            refused = browser.get(f"/link/companies/{company['id']}/connections/{pending['id']}/authorize")
        assert refused.status_code == 501 and "cannot be connected here" in refused.text
        assert f"frame-ancestors {origin}" in refused.headers["content-security-policy"]
        assert 'data-event="onError"' in refused.text
    finally:
        api.post("/corsSettings", json=before)
