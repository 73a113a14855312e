"""Link settings through the API (ledgerlink's own operations, documented in /openapi.json): the profile's,
a company's overrides merged over them, Codat's 400 for every bad input with nothing stored, the texts a
Link page shows in the browser's language, and the colour's stylesheet."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from ledgerlink.link import theme
from tests.support.portal import sign_in
from tests.support.server import RunningServer

DEFAULT_SOURCE_TYPES = {
    "accounting": {"optional": False, "enableUpload": False, "allowedIntegrations": None},
    "banking": {"optional": True, "enableUpload": False, "allowedIntegrations": None},
    "commerce": {"optional": True, "enableUpload": False, "allowedIntegrations": None},
}


@pytest.fixture
def profile_settings(api: httpx.Client) -> Iterator[None]:
    """The test changes the client's Link settings (and `confirmCompanyName`); they are back afterwards."""
    profile = api.get("/profile").json()
    yield
    assert api.put("/profile/linkSettings", json={}).status_code == 200
    assert api.put("/profile", json=profile).status_code == 200


def test_without_settings_link_walks_accounting_then_optional_banking_and_commerce(api) -> None:
    settings = api.get("/profile/linkSettings")
    assert settings.status_code == 200
    assert settings.json() == {
        "sourceTypes": DEFAULT_SOURCE_TYPES,
        "showLandingPage": False,
        "theme": {"primaryColor": None, "logoUrl": None},
        "text": {},
    }


def test_profile_settings_are_kept_in_order_and_a_company_overrides_them(api, profile_settings) -> None:
    body = {
        "sourceTypes": {
            "banking": {"optional": False, "allowedIntegrations": ["qhnd"]},
            "accounting": {"optional": True, "enableUpload": True},
        },
        "showLandingPage": True,
        "theme": {"primaryColor": "#0B5FFF", "logoUrl": "https://lender.example/logo.svg"},
        "text": {"en": {"landing.title": "Hello {companyName}"}, "fr-CA": {"landing.title": "Bonjour"}},
    }
    saved = api.put("/profile/linkSettings", json=body)
    assert saved.status_code == 200, saved.text
    expected = {
        "sourceTypes": {
            "banking": {"optional": False, "enableUpload": False, "allowedIntegrations": ["qhnd"]},
            "accounting": {"optional": True, "enableUpload": True, "allowedIntegrations": None},
        },
        "showLandingPage": True,
        "theme": {"primaryColor": "#0B5FFF", "logoUrl": "https://lender.example/logo.svg"},
        "text": {"en": {"landing.title": "Hello {companyName}"}, "fr-ca": {"landing.title": "Bonjour"}},
    }
    assert saved.json() == expected
    got = api.get("/profile/linkSettings").json()
    assert got == expected and list(got["sourceTypes"]) == ["banking", "accounting"]  # the journey's order

    company = api.post("/companies", json={"name": "Override Ltd"}).json()
    path = f"/companies/{company['id']}/linkSettings"
    assert api.get(path).json() == {"companyId": company["id"], "overrides": {}, "settings": expected}
    overrides = {
        "showLandingPage": False,
        "theme": {"primaryColor": "#123456"},
        "text": {"en": {"main.title": "Hi"}},
    }
    changed = api.put(path, json=overrides)
    assert changed.status_code == 200, changed.text
    assert changed.json()["overrides"] == overrides
    assert changed.json()["settings"] == {
        **expected,
        "showLandingPage": False,
        "theme": {"primaryColor": "#123456", "logoUrl": "https://lender.example/logo.svg"},
        "text": {
            "en": {"landing.title": "Hello {companyName}", "main.title": "Hi"},
            "fr-ca": {"landing.title": "Bonjour"},
        },
    }
    # Another company follows the profile; removing the overrides brings this one back to it.
    other = api.post("/companies", json={"name": "Plain Ltd"}).json()
    assert api.get(f"/companies/{other['id']}/linkSettings").json()["settings"] == expected
    assert api.delete(path).status_code == 204
    assert api.get(path).json()["settings"] == expected


@pytest.mark.parametrize(
    ("body", "item", "says"),
    [
        (
            {"sourceTypes": {"payroll": {}}},
            "sourceTypes.payroll",
            "Must be one of accounting, banking, commerce",
        ),
        ({"sourceTypes": {}}, "sourceTypes", "at least 1 item"),
        (
            {"sourceTypes": {"banking": {"allowedIntegrations": ["mqjo"]}}},
            "sourceTypes.banking.allowedIntegrations.0",
            "not the platform key of a banking integration",
        ),
        ({"sourceTypes": {"banking": {"optinal": True}}}, "sourceTypes.banking.optinal", "Extra inputs"),
        ({"theme": {"primaryColor": "blue"}}, "theme.primaryColor", "should match pattern"),
        ({"theme": {"logoUrl": "javascript:alert(1)"}}, "theme.logoUrl", "absolute https URL"),
        ({"text": {"en": {"landing.heading": "Hi"}}}, "text.en.landing.heading", "Not a Link text"),
        (
            {"text": {"en": {"consent.purpose": "x" * 1001}}},
            "text.en.consent.purpose",
            "At most 1000 characters",
        ),
        (
            {"text": {"en": {"main.title": "Hi {firstName}"}}},
            "text.en.main.title",
            "Unknown placeholder {firstName}",
        ),
        ({"text": {"en": {"main.title": "Two\nlines"}}}, "text.en.main.title", "one line"),
        ({"text": {"not a locale": {"main.title": "Hi"}}}, "text.not a locale", "language code"),
        ({"showLandingPage": "sometimes"}, "showLandingPage", "valid boolean"),
        ({"colour": "#fff"}, "colour", "Extra inputs"),
    ],
)
def test_bad_settings_are_codats_400_and_store_nothing(api, body, item, says) -> None:
    before = api.get("/profile/linkSettings").json()
    refused = api.put("/profile/linkSettings", json=body)
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert error["statusCode"] == 400 and error["correlationId"]
    items = error["validation"]["errors"]
    assert any(i["itemId"] == item and says in i["message"] for i in items), items
    assert api.get("/profile/linkSettings").json() == before
    company = api.post("/companies", json={"name": "Refused Ltd"}).json()
    assert api.put(f"/companies/{company['id']}/linkSettings", json=body).status_code == 400
    assert api.get(f"/companies/{company['id']}/linkSettings").json()["overrides"] == {}


def test_unknown_companies_and_missing_keys_are_codats_errors(server: RunningServer, api) -> None:
    missing = api.get("/companies/7f3c1f7e-0000-4000-8000-000000000000/linkSettings")
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404
    anonymous = httpx.get(f"{server.base_url}/profile/linkSettings")
    assert anonymous.status_code == 401 and anonymous.json()["statusCode"] == 401


def test_the_operations_are_documented_as_ledgerlinks_own(server: RunningServer) -> None:
    document = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    for path, methods in (
        ("/profile/linkSettings", ("get", "put")),
        ("/companies/{companyId}/linkSettings", ("get", "put", "delete")),
    ):
        for method in methods:
            operation = document["paths"][path][method]
            assert operation["tags"] == ["Settings"] and "x-codat-spec" not in operation
            assert "ledgerlink's own operation" in operation["description"]
            assert operation["responses"]["400"] == {"$ref": "#/components/responses/Bad-Request"}
    put = document["paths"]["/profile/linkSettings"]["put"]["requestBody"]["content"]["application/json"]
    assert put["schema"]["$ref"].endswith("LinkSettingsBody")


def test_a_link_page_speaks_the_browsers_language_in_safe_markdown(server: RunningServer, api) -> None:
    company = api.post("/companies", json={"name": "Tom & Jerry's Café"}).json()
    texts = {
        "en": {
            "main.title": "Connect {companyName}",
            "main.subtitle": "[Read more](https://lender.example/why)",
        },
        "fr": {
            "main.title": "Connectez {companyName}",
            "main.subtitle": "[cliquez](javascript:alert(1)) <img src=x onerror=alert(1)> **vite**",
        },
    }
    assert api.put(f"/companies/{company['id']}/linkSettings", json={"text": texts}).status_code == 200
    with httpx.Client(headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}) as browser:
        french = browser.get(company["redirect"]).text
    assert "<h1>Connectez Tom &amp; Jerry&#39;s Caf</h1>" in french  # the name is always text
    assert '<html lang="fr">' in french
    assert "<strong>vite</strong>" in french and "&lt;img src=x onerror=alert(1)&gt;" in french
    assert 'href="javascript' not in french and "[cliquez](javascript:alert(1))" in french
    with httpx.Client(headers={"Accept-Language": "de-DE"}) as browser:
        english = browser.get(company["redirect"]).text  # no German: English
    assert (
        "<h1>Connect Tom &amp; Jerry&#39;s Caf</h1>" in english
        and '<a href="https://lender.example/why">' in english
    )


def test_the_colour_stylesheet_keeps_text_readable(server: RunningServer) -> None:
    dark = httpx.get(f"{server.base_url}/link/theme/7B2CBF.css")
    assert dark.status_code == 200 and dark.headers["content-type"].startswith("text/css")
    assert "--accent: #7b2cbf;" in dark.text  # dark enough for white text as given
    light = httpx.get(f"{server.base_url}/link/theme/ffe066.css").text
    accent = light.split("--accent: #")[1][:6]
    assert accent != "ffe066" and "border-top: 6px solid #ffe066" in light
    rgb = tuple(float(int(accent[i : i + 2], 16)) for i in (0, 2, 4))
    assert theme.contrast_with_white(rgb) >= theme.AA
    assert httpx.get(f"{server.base_url}/link/theme/nothex.css").status_code == 404


def test_the_portal_edits_the_link_settings(
    server: RunningServer, api, page, shoot, accessible, profile_settings
) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="Link", exact=True).click()
    assert page.get_by_role("heading", name="Link settings").is_visible()
    shoot("defaults")
    accessible()

    page.get_by_label("Ask for commerce software").uncheck()
    page.locator("#optional-banking").uncheck()
    page.get_by_role("group", name="Banking").get_by_label("Banking Sandbox").check()
    page.locator("#order-banking").fill("1")
    page.locator("#order-accounting").fill("2")
    page.get_by_label("Show a landing page first").check()
    page.get_by_label("Ask the business to confirm its company name").check()
    page.get_by_label(re.compile("^Primary colour")).fill("#7b2cbf")
    page.get_by_label(re.compile("^main.title")).fill("Connect {companyName}")
    page.get_by_label(re.compile("^consent.terms")).fill("Read **our terms**.")
    page.get_by_role("button", name="Save Link settings").click()
    assert page.get_by_role("status").inner_text() == "Link settings saved."
    shoot("saved")
    saved = api.get("/profile/linkSettings").json()
    assert list(saved["sourceTypes"]) == ["banking", "accounting"]
    assert saved["sourceTypes"]["banking"] == {
        "optional": False,
        "enableUpload": False,
        "allowedIntegrations": ["qhnd"],
    }
    assert saved["showLandingPage"] is True and saved["theme"]["primaryColor"] == "#7b2cbf"
    assert saved["text"] == {
        "en": {"main.title": "Connect {companyName}", "consent.terms": "Read **our terms**."}
    }
    assert api.get("/profile").json()["confirmCompanyName"] is True

    # Another locale's texts, one at a time; English's are kept.
    page.get_by_label(re.compile("^Locale")).fill("fr")
    page.get_by_role("button", name="Edit its texts").click()
    page.get_by_label(re.compile("^main.title")).fill("Connectez {companyName}")
    page.get_by_role("button", name="Save Link settings").click()
    assert set(api.get("/profile/linkSettings").json()["text"]) == {"en", "fr"}

    # A refused form: every problem said, what was typed kept, nothing saved.
    page.get_by_label(re.compile("^Primary colour")).fill("blue")
    page.get_by_label(re.compile("^main.title")).fill("Bonjour {prenom}")
    with page.expect_response(re.compile(r".*/portal/link-settings$")) as answer:
        page.get_by_role("button", name="Save Link settings").click()
    assert answer.value.status == 422
    alert = page.get_by_role("alert").inner_text()
    assert "primaryColor" in alert, alert
    assert page.get_by_label(re.compile("^main.title")).input_value() == "Bonjour {prenom}"
    shoot("refused")
    accessible()
    assert api.get("/profile/linkSettings").json()["text"]["fr"] == {"main.title": "Connectez {companyName}"}
    page.get_by_label("Ask the business to confirm its company name").uncheck()
    page.get_by_label(re.compile("^Primary colour")).fill("")
    page.get_by_label(re.compile("^main.title")).fill("")
    page.get_by_role("button", name="Save Link settings").click()
    assert page.get_by_role("status").inner_text() == "Link settings saved."
    assert api.get("/profile").json()["confirmCompanyName"] is False
