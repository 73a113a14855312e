"""One Link visit, several connections, in the client's words and colour (Chromium against the real server):
a landing page, the company name confirmed, accounting then banking (skipped) then commerce through the
Sandboxes, the exit confirmation, the business's connections page revoking one with a confirmation,
re-visiting resuming where it stopped, an error page branded with a way back, and the end of the journey
on the client's redirect URL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.link import ClientSite, lender_profile
from tests.support.server import RunningServer

PURPLE = "#7b2cbf"


@pytest.fixture(scope="module")
def lender(server: RunningServer) -> Iterator[ClientSite]:
    """The client's profile for this module: its name, logo and redirect URL, and `confirmCompanyName`."""
    site = ClientSite()
    with lender_profile(server, site, confirmCompanyName=True):
        yield site
    site.httpd.shutdown()


def statuses(api, company: dict) -> dict[str, str]:
    connections = api.get(f"/companies/{company['id']}/connections").json()["results"]
    return {c["platformName"]: c["status"] for c in connections}


SETTINGS = {
    "sourceTypes": {
        "accounting": {},
        "banking": {"optional": True},
        "commerce": {"optional": True, "allowedIntegrations": ["aiwb"]},
    },
    "showLandingPage": True,
    "theme": {"primaryColor": PURPLE},
    "text": {
        "en": {
            "landing.title": "Welcome, {companyName}",
            "landing.subtitle": "Lendco needs **three** things. <script>alert(1)</script>",
            "main.subtitle": "Pick the software **{companyName}** uses.",
            "consent.access": "We read your {platformName} data for the last 12 months.",
            "exit.title": "Leave Lendco's application?",
            "exit.message": "Your application is *saved*.",
        }
    },
}


def test_three_sources_in_one_visit_one_skipped_with_the_clients_words_and_colour(
    api, page, shoot, accessible, lender
) -> None:
    company = api.post("/companies", json={"name": "Wombat Wholesale"}).json()
    configured = api.put(f"/companies/{company['id']}/linkSettings", json=SETTINGS)
    assert configured.status_code == 200, configured.text

    page.goto(company["redirect"] + "?ref=j1")
    # The landing page, in the client's words: Markdown rendered, HTML shown as text, never run.
    assert page.get_by_role("heading", name="Welcome, Wombat Wholesale").is_visible()
    main = page.locator("main")
    assert main.locator("strong").inner_text() == "three"
    assert "<script>alert(1)</script>" in main.inner_text() and main.locator("script").count() == 0
    # The client's colour on its buttons (a stylesheet of its own: the pages allow no inline style).
    button = page.get_by_role("button", name="Get started")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(123, 44, 191)"
    assert page.get_by_role("img", name="Lendco").is_visible()
    shoot("landing")
    accessible()
    button.click()

    # confirmCompanyName: the business checks (and corrects) its name before choosing software.
    assert page.get_by_role("heading", name="Confirm your company name").is_visible()
    page.get_by_role("textbox", name="Company name").fill("   ")
    page.get_by_role("button", name="Confirm and continue").click()
    assert page.get_by_role("alert").is_visible()  # refused, said on the page, nothing stored
    shoot("company-name-refused")
    accessible()
    page.get_by_role("textbox", name="Company name").fill("Wombat Wholesale Pty")
    page.get_by_role("button", name="Confirm and continue").click()
    assert api.get(f"/companies/{company['id']}").json()["name"] == "Wombat Wholesale Pty"

    # Accounting first, required: no way to skip it.
    assert page.get_by_role("heading", name="Connect your accounting software").is_visible()
    assert "Pick the software Wombat Wholesale Pty uses." in main.inner_text()
    assert page.get_by_role("button", name=re.compile("^Skip")).count() == 0
    shoot("accounting")
    accessible()
    page.locator("a[data-key=mqjo]").click()
    assert "We read your Sandbox data for the last 12 months." in main.inner_text()  # consent, per platform
    accessible()
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_role("heading", name="You're connected").is_visible()
    # What is left is optional: the business may go on, or finish now.
    assert page.get_by_role("link", name=re.compile("Finish and return")).is_visible()
    shoot("accounting-connected")
    accessible()
    page.get_by_role("link", name="Continue to banking").click()

    # Banking is optional: skipped.
    assert page.get_by_role("heading", name="Connect your banking software").is_visible()
    shoot("banking")
    page.get_by_role("button", name="Skip banking").click()

    # Commerce: only the integrations the settings allow.
    assert page.get_by_role("heading", name="Connect your commerce software").is_visible()
    assert [a.get_attribute("data-key") for a in page.locator("a[data-key]").all()] == ["aiwb"]
    journey = page.get_by_role("navigation", name="What to connect").inner_text()
    assert "Connected: Sandbox" in journey and "Skipped" in journey
    shoot("commerce")
    accessible()
    page.locator("a[data-key=aiwb]").click()

    # Leaving asks first, in the client's words; "Keep going" comes back.
    page.get_by_role("link", name="Cancel").click()
    assert page.get_by_role("heading", name="Leave Lendco's application?").is_visible()
    assert main.locator("em").inner_text() == "saved"
    shoot("exit")
    accessible()
    page.get_by_role("link", name="Keep going").click()
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_role("heading", name="You're connected").is_visible()
    assert page.get_by_role("link", name=re.compile("^Continue")).count() == 0  # nothing left to connect

    # The business's connections: what it connected, and revoking one, with a confirmation first.
    page.get_by_role("link", name="Your connections").click()
    rows = page.get_by_role("row")
    assert "Sandbox" in rows.nth(1).inner_text() and "Commerce Sandbox" in rows.nth(2).inner_text()
    shoot("connections")
    accessible()
    page.get_by_role("link", name="Disconnect Commerce Sandbox").click()
    assert page.get_by_role("heading", name="Disconnect Commerce Sandbox?").is_visible()
    shoot("revoke")
    accessible()
    page.get_by_role("link", name="Keep it connected").click()
    assert statuses(api, company) == {"Sandbox": "Linked", "Commerce Sandbox": "Linked"}
    page.get_by_role("link", name="Disconnect Commerce Sandbox").click()
    page.get_by_role("button", name="Disconnect").click()
    assert page.get_by_role("status").inner_text() == "Commerce Sandbox is disconnected."
    shoot("revoked")
    assert statuses(api, company) == {"Sandbox": "Linked", "Commerce Sandbox": "Unlinked"}  # the API's unlink

    # An error page of the visit: the client's branding and a way back, not a bare status in large type.
    missing = page.goto(
        f"{company['redirect']}/../../companies/{company['id']}/connections/{uuid.uuid4()}/revoke"
    )
    assert missing.status == 404 and page.get_by_role("heading", name="This link is not valid").is_visible()
    assert page.get_by_role("img", name="Lendco").is_visible()
    assert page.get_by_role("link", name="Return to Lendco").is_visible()
    shoot("error")
    accessible()
    page.get_by_role("link", name="Start again").click()

    # Re-visiting resumes where it stopped: the landing page and the name are not asked again; commerce is
    # to do again (revoked), and skipping it ends the journey.
    assert page.get_by_role("heading", name="Connect your commerce software").is_visible()
    page.get_by_role("button", name="Skip commerce").click()
    assert page.get_by_role("heading", name="You're all set").is_visible()
    shoot("finished")
    accessible()
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_url(lender.base + "/landed*")
    connections = api.get(f"/companies/{company['id']}/connections").json()["results"]
    accounting = next(c for c in connections if c["platformName"] == "Sandbox")
    landing = lender.landing()
    assert landing["status"] == "200" and landing["ref"] == "j1" and landing["connection"] == accounting["id"]
