"""The hosted Link flow in a real browser (Playwright driving Debian's Chromium) against the real server:
choose, review, approve, land on the client's redirect URL with its placeholders filled; cancel; re-link a
Deauthorized connection in place; single-use Link URLs (used, expired, missing code); error pages."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import LinkCodes
from tests.support.link import ClientSite, lender_profile
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def client_site(server: RunningServer) -> Iterator[ClientSite]:
    site = ClientSite()
    with lender_profile(server, site):
        yield site
    site.httpd.shutdown()


def new_company(api: httpx.Client, name: str) -> dict:
    created = api.post("/companies", json={"name": name})
    assert created.status_code == 200, created.text
    return created.json()


def connection_events(db, connection_id: str) -> list[str]:
    rows = db.execute(
        text(
            "SELECT event_type FROM events WHERE payload -> 'connection' ->> 'id' = :id"
            " ORDER BY generated_at, id"
        ),
        {"id": connection_id},
    )
    db.commit()
    return [row[0] for row in rows]


def test_the_whole_journey_lands_on_the_redirect_url_with_placeholders(
    api, page, shoot, accessible, client_site, db
) -> None:
    company = new_company(api, "Platypus Properties")
    page.goto(company["redirect"] + "?ref=loan-42")
    assert page.title() == "Connect your software · Lendco"
    # The client's name and logo, from its profile.
    logo = page.get_by_role("img", name="Lendco")
    assert logo.is_visible() and logo.evaluate("image => image.naturalWidth") == 120
    assert "Lendco would like to connect" in page.locator("main").inner_text()
    # The journey (no Link settings: accounting, then banking and commerce, both optional) starts with the
    # accounting software, with logos; the suggested and sandbox tags are visible.
    assert page.get_by_role("heading", name="Connect your accounting software").is_visible()
    journey = page.get_by_role("navigation", name="What to connect")
    assert journey.get_by_role("listitem").all_inner_texts() == [
        "Accounting\nRequired",
        "Banking\nOptional",
        "Commerce\nOptional",
    ]
    assert page.locator("a[data-key=qhnd]").count() == 0  # banking comes next, not now
    shoot("choose")
    accessible()

    page.get_by_label("Search for your software").fill("commerce")
    assert page.locator("#search-count").inner_text() == "0 results"
    assert not page.get_by_role("link", name=re.compile("^Sandbox")).is_visible()
    shoot("search")
    page.get_by_label("Search for your software").fill("")
    page.locator("a[data-key=mqjo]").click()

    assert page.get_by_role("heading", name="Connect Sandbox").is_visible()
    shared = page.get_by_role("list", name="Data shared").inner_text()
    assert "Invoices" in shared and "Balance sheet" in shared and "Bank transactions" in shared
    shoot("review")
    accessible()
    page.get_by_role("button", name="Connect").click()

    assert page.get_by_role("heading", name="Sandbox: approve access").is_visible()
    shoot("approve")
    accessible()
    page.get_by_role("button", name="Approve").click()

    assert page.get_by_role("heading", name="You're connected").is_visible()
    shoot("complete")
    accessible()
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_url(client_site.base + "/landed*")
    shoot("landed")

    connections = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert len(connections) == 1
    connection = connections[0]
    assert connection["status"] == "Linked" and connection["platformName"] == "Sandbox"
    assert client_site.landing() == {
        "company": company["id"],
        "connection": connection["id"],
        "status": "200",
        "platform": "mqjo",
        "name": "Sandbox",
        "type": "Accounting",
        "error": "",
        "ref": "loan-42",
        "missing": "",
    }
    # The first-link reads were queued and run.
    pulls = wait_for_pulls(api, company["id"], at_least=10)
    assert {p["dataType"] for p in pulls} >= {"invoices", "chartOfAccounts", "balanceSheet"}
    assert connection_events(db, connection["id"])[:2] == ["connection.created", "connection.connected"]

    # Coming back through the company's Link URL resumes at banking, with accounting shown as connected;
    # its step lists the software as connected, and linking the same accounting software again changes
    # nothing (statusCode 201).
    page.goto(company["redirect"])
    assert page.get_by_role("heading", name="Connect your banking software").is_visible()
    assert "Connected: Sandbox" in page.get_by_role("navigation", name="What to connect").inner_text()
    page.get_by_role("link", name="Accounting", exact=True).click()
    assert page.locator("a[data-key=mqjo] .badge").inner_text() == "Connected"
    page.locator("a[data-key=mqjo]").click()
    page.get_by_role("button", name="Connect").click()
    assert page.get_by_role("heading", name="Sandbox was already connected").is_visible()
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_url(client_site.base + "/landed*")
    assert client_site.landing()["status"] == "201"
    assert len(api.get(f"/companies/{company['id']}/connections").json()["results"]) == 1


def test_cancel_returns_with_403_and_links_nothing(api, page, shoot, client_site) -> None:
    company = new_company(api, "Cancelling Co")
    page.goto(company["redirect"] + "?ref=c1")
    page.locator("a[data-key=mqjo]").click()
    shoot("review")
    # Leaving asks first; "Keep going" goes back to where the business was.
    page.get_by_role("link", name="Cancel").click()
    assert page.get_by_role("heading", name="Leave without finishing?").is_visible()
    shoot("exit")
    page.get_by_role("link", name="Keep going").click()
    assert page.get_by_role("heading", name="Connect Sandbox").is_visible()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(client_site.base + "/landed*")
    landing = client_site.landing()
    assert landing["status"] == "403" and landing["error"] == "User cancelled." and landing["ref"] == "c1"
    assert landing["connection"] == ""
    assert api.get(f"/companies/{company['id']}/connections").json()["results"] == []

    # Declining on the approve page returns 403 too, naming the connection, which stays PendingAuth.
    page.goto(company["redirect"])
    page.locator("a[data-key=mqjo]").click()
    page.get_by_role("button", name="Connect").click()
    shoot("approve")
    page.get_by_role("link", name="Decline").click()
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(client_site.base + "/landed*")
    (connection,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert client_site.landing()["connection"] == connection["id"] and connection["status"] == "PendingAuth"

    # Its linkUrl resumes that same connection later.
    page.goto(connection["linkUrl"])
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_role("heading", name="You're connected").is_visible()
    (resumed,) = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert resumed["id"] == connection["id"] and resumed["status"] == "Linked"


def test_link_url_relinks_a_deauthorized_connection_in_place(api, page, shoot, client_site, db) -> None:
    banking = api.get("/integrations/qhnd").json()["integrationId"]
    api.patch(f"/settings/integrations/{banking}", json={"oneTimeSync": "Enabled"})
    try:
        company = new_company(api, "Relinking Ltd")
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "qhnd"}).json()
        assert (
            api.put(
                f"/companies/{company['id']}/connections/{connection['id']}/authorization", json={}
            ).status_code
            == 200
        )
        wait_for_pulls(api, company["id"], at_least=3)
        deadline = time.monotonic() + 15
        while (current := api.get(f"/companies/{company['id']}/connections/{connection['id']}").json())[
            "status"
        ] != "Deauthorized":
            assert time.monotonic() < deadline, current
            time.sleep(0.2)
    finally:
        api.patch(f"/settings/integrations/{banking}", json={"oneTimeSync": "Disabled"})
    accounts_before = api.get(
        f"/companies/{company['id']}/connections/{connection['id']}/data/banking-accounts"
    ).json()

    page.goto(current["linkUrl"])  # straight to the platform's authorization for this connection
    assert page.get_by_role("heading", name="Banking Sandbox: approve access").is_visible()
    shoot("approve")
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_role("heading", name="You're connected").is_visible()
    shoot("complete")
    page.get_by_role("link", name=re.compile("Finish and return")).click()
    page.wait_for_url(client_site.base + "/landed*")

    connections = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert [c["id"] for c in connections] == [connection["id"]]
    assert connections[0]["status"] == "Linked"
    assert client_site.landing()["connection"] == connection["id"]
    assert "connection.reconnected" in connection_events(db, connection["id"])
    kept = api.get(f"/companies/{company['id']}/connections/{connection['id']}/data/banking-accounts").json()
    assert kept["totalResults"] == accounts_before["totalResults"] > 0


@pytest.fixture
def single_use_links(db) -> Iterator[None]:
    db.execute(text("UPDATE clients SET link_single_use = true, link_url_ttl_hours = 24"))
    db.commit()
    try:
        yield
    finally:
        db.execute(text("UPDATE clients SET link_single_use = false"))
        db.commit()


def test_single_use_link_urls_work_once_and_expire(
    api, browser, page, shoot, accessible, single_use_links, server, client_site
) -> None:
    company = new_company(api, "One Time Ltd")
    redirect = company["redirect"]
    assert "?otp=" in redirect
    # Every answer hands out a fresh code.
    assert api.get(f"/companies/{company['id']}").json()["redirect"] != redirect

    page.goto(redirect)
    assert page.get_by_role("heading", name="Connect your accounting software").is_visible()
    # The visit carries on after the code is spent.
    page.locator("a[data-key=mqjo]").click()
    assert page.get_by_role("heading", name="Connect Sandbox").is_visible()

    other = browser.new_context()
    try:
        reused = other.new_page()
        answer = reused.goto(redirect)
        assert answer.status == 401
        assert reused.get_by_role("heading", name="This link has already been used").is_visible()
        # In the client's branding, with a way back that works: to the client (a new visit cannot start
        # without a new code, so there is no "Start again"), never a bare "401".
        assert reused.get_by_role("img", name="Lendco").is_visible()
        assert reused.get_by_role("link", name="Start again").count() == 0
        back = reused.get_by_role("link", name="Return to Lendco").get_attribute("href")
        assert back.startswith(client_site.base + "/landed?") and "status=500" in back
        Screenshots = type(shoot)
        Screenshots(reused, shoot.directory)("used")
        # The browser that spent the code can start again.
        page.goto(f"{redirect.split('?')[0]}/integrations/nowhere")
        assert page.get_by_role("heading", name="This software is not offered").is_visible()
        page.get_by_role("link", name="Start again").click()
        assert page.get_by_role("heading", name="Connect your accounting software").is_visible()

        bare = reused.goto(redirect.split("?")[0])
        assert (
            bare.status == 401 and reused.get_by_role("heading", name="This link is not valid").is_visible()
        )

        key = SecretBox((Path(server.log_path.parent) / "secret.key").read_bytes().strip()).derive_key(
            "link-codes"
        )
        expired_code = LinkCodes(key, timedelta(seconds=-5)).issue(uuid.UUID(company["id"]))
        expired = reused.goto(f"{redirect.split('?')[0]}?otp={expired_code}")
        assert expired.status == 401
        assert reused.get_by_role("heading", name="This link has expired").is_visible()
        Screenshots(reused, shoot.directory)("expired")

        forged = reused.goto(f"{redirect.split('?')[0]}?otp={expired_code[:-4]}AAAA")
        assert forged.status == 401
    finally:
        other.close()


def test_bad_addresses_are_pages_not_traces(server, page, shoot, accessible) -> None:
    missing = page.goto(f"{server.base_url}/link/company/{uuid.uuid4()}")
    assert missing.status == 404 and page.get_by_role("heading", name="This link is not valid").is_visible()
    shoot("unknown-company")
    accessible()
    garbage = page.goto(f"{server.base_url}/link/company/not-a-company")
    assert garbage.status == 404
    nowhere = page.goto(f"{server.base_url}/link/nowhere/at/all")
    assert nowhere.status == 404 and "Traceback" not in page.content()
    assert page.get_by_role("heading", name="Page not found").is_visible()
    # Forms outside a visit, or without their token, are refused.
    refused = httpx.post(f"{server.base_url}/link/company/{uuid.uuid4()}/cancel", data={"csrf": "x"})
    assert refused.status_code == 404 and "text/html" in refused.headers["content-type"]


def test_forms_need_the_visit_and_its_token(api, server) -> None:
    company = new_company(api, "Forgery Ltd")
    with httpx.Client(base_url=server.base_url) as browserless:
        entered = browserless.get(urlsplit(company["redirect"]).path)
        assert entered.status_code == 200 and "ledgerlink_link" in entered.cookies
        assert entered.headers["content-security-policy"].startswith("default-src 'self'")
        assert entered.headers["referrer-policy"] == "no-referrer"
        forged = browserless.post(
            f"/link/company/{company['id']}/integrations/mqjo/connect", data={"csrf": "guess"}
        )
        assert forged.status_code == 403
    with httpx.Client(base_url=server.base_url) as stranger:
        no_visit = stranger.post(
            f"/link/company/{company['id']}/integrations/mqjo/connect", data={"csrf": "guess"}
        )
        assert no_visit.status_code == 401
    assert api.get(f"/companies/{company['id']}/connections").json()["results"] == []


def test_link_url_options_hide_the_sandboxes(api, page, shoot) -> None:
    company = new_company(api, "Options Ltd")
    # The search works without JavaScript too, on the step the URL names.
    page.goto(company["redirect"] + "?sourceType=banking&q=bank")
    assert page.locator("a[data-key]").count() == 1 and page.locator("a[data-key=qhnd]").is_visible()
    page.goto(company["redirect"] + "?link.showSandboxIntegrations=false")
    main = page.locator("main").inner_text()
    assert "Sandbox" not in main and "Test data" not in main, main
    shoot("no-sandboxes")


def test_housekeeping_forgets_spent_codes_once_expired(server) -> None:
    import asyncio
    import concurrent.futures
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from ledgerlink.db import create_engine, create_sessionmaker
    from ledgerlink.jobs import Runtime
    from ledgerlink.link import tasks
    from ledgerlink.link.models import LinkCodeUsed

    async def run() -> set[str]:
        engine = create_engine(server.database_url)
        runtime = Runtime(
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secrets=None,
            urls=None,  # type: ignore[arg-type]
            settings=None,
        )  # type: ignore[arg-type]
        now = datetime.now(UTC)
        async with runtime.sessionmaker() as session, session.begin():
            session.add(
                LinkCodeUsed(
                    code_hash="old-" + uuid.uuid4().hex[:20],
                    company_id=uuid.uuid4(),
                    expires_at=now - timedelta(minutes=1),
                )
            )
            session.add(
                LinkCodeUsed(
                    code_hash="new-" + uuid.uuid4().hex[:20],
                    company_id=uuid.uuid4(),
                    expires_at=now + timedelta(hours=1),
                )
            )
        await tasks.prune(SimpleNamespace(additional_context={"runtime": runtime}), 0)  # type: ignore[arg-type]
        async with runtime.sessionmaker() as session:
            kept = set((await session.scalars(text("SELECT code_hash FROM link_codes_used"))).all())
        await engine.dispose()
        return kept

    # Playwright's sync API keeps an event loop running in this thread: run ours in another.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        kept = thread.submit(asyncio.run, run()).result()
    assert any(code.startswith("new-") for code in kept) and not any(code.startswith("old-") for code in kept)
