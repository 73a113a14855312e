"""Through the real server: merchant identifiers kept exactly (any text opens the Sync Flow, the same one
twice finds the same company), wrong one-time codes counted per source address (a stranger cannot lock a
merchant out, and guessing writes one row), and the profile's URLs (https, or http on loopback; Link never
uses a stored one that breaks the rule)."""

from __future__ import annotations

import html
import random
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from tests.support.commerce import ACCOUNTING, COMMERCE, commerce_sdk, start_url
from tests.support.portal import hidden_csrf, http_sign_in
from tests.support.server import RunningServer

# Wrong codes one source may try before it is refused (commerce.service.MAX_SOURCE_MISSES).
MAX_SOURCE_MISSES = 10


@contextmanager
def browser_from(server: RunningServer, address: str) -> Iterator[httpx.Client]:
    """A browser whose connections come from `address` (any 127.x.y.z is this machine's loopback), so the
    server sees a caller of its own, with nothing a caller could forge (no forwarded-for header)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=server.base_url, transport=transport, timeout=30) as browser:
        yield browser


def fresh_address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def open_flow(browser: httpx.Client, url: str) -> str:
    """Open a sync-flow URL exactly as handed out; the company whose flow it opened."""
    entered = browser.get(url)
    assert entered.status_code == 303, entered.text
    location = entered.headers["location"]
    assert re.fullmatch(r"/sync-flow/companies/[0-9a-f-]{36}", location), location
    assert browser.get(location).status_code == 200
    return location.rsplit("/", 1)[1]


@pytest.mark.parametrize("identifier", ["shop_123", "Café Rouge", "acme/uk", "Bäckerei Müller/北京 #2?x=1&y"])
def test_any_merchant_identifier_opens_the_sync_flow_and_finds_its_company_again(
    api, server, db, identifier
) -> None:
    identifier = f"{identifier} {uuid.uuid4().hex[:6]}"
    opened = []
    for _ in range(2):
        url = start_url(api, identifier)
        assert parse_qs(urlsplit(url).query)["merchantIdentifier"] == [identifier]
        with browser_from(server, fresh_address()) as browser:
            opened.append(open_flow(browser, url))
    assert opened[0] == opened[1]
    kept = db.execute(
        text("SELECT merchant_identifier, company_id::text FROM sync_flow_merchants WHERE company_id = :c"),
        {"c": opened[0]},
    ).all()
    named = db.execute(
        text("SELECT count(*) FROM companies WHERE name = (SELECT name FROM companies WHERE id = :c)"),
        {"c": opened[0]},
    ).scalar()
    db.commit()
    assert kept == [(identifier, opened[0])] and named == 1
    # The official SDK's start URL names the same company.
    sdk = commerce_sdk(server)
    answer = sdk.connections.get_sync_flow_url(
        request={"commerce_key": COMMERCE, "accounting_key": ACCOUNTING, "merchant_identifier": identifier}
    )
    with browser_from(server, fresh_address()) as browser:
        assert open_flow(browser, answer.url) == opened[0]


def test_identifiers_that_sanitise_alike_are_different_merchants(api, server) -> None:
    """`acme/uk` and `acmeuk` make companies of the same name; each identifier keeps its own."""
    tail = uuid.uuid4().hex[:6]
    companies = set()
    for identifier in (f"acme/uk{tail}", f"acmeuk{tail}", f"acme_uk{tail}", f"acme/uk{tail}"):
        with browser_from(server, fresh_address()) as browser:
            companies.add((identifier, open_flow(browser, start_url(api, identifier))))
    assert len({company for _, company in companies}) == 3 == len(companies)
    names = api.get("/companies", params={"query": f"name=acmeuk{tail}"}).json()["results"]
    assert len(names) == 3


def test_starts_for_one_new_identifier_at_once_make_one_company(api, server, db) -> None:
    identifier = f"at once/{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(8) as pool:
        urls = list(pool.map(lambda _: start_url(api, identifier), range(8)))
    kept = db.execute(
        text("SELECT count(*) FROM sync_flow_merchants WHERE merchant_identifier = :m"), {"m": identifier}
    ).scalar()
    db.commit()
    assert kept == 1 and len(set(urls)) == 8
    with browser_from(server, fresh_address()) as browser:
        assert len({open_flow(browser, url) for url in urls[:2]}) == 1


def test_a_burst_of_guesses_from_one_source_gets_no_more_than_the_limit(api, server, db) -> None:
    merchant = f"burst-{uuid.uuid4().hex[:8]}"
    url = start_url(api, merchant)
    code = parse_qs(urlsplit(url).query)["otp"][0]
    guesses = [f"{n:06d}" for n in range(500, 540) if f"{n:06d}" != code][:30]
    source = fresh_address()

    def guess(otp: str) -> int:
        with browser_from(server, source) as stranger:
            return stranger.get(
                urlsplit(url).path, params={"merchantIdentifier": merchant, "otp": otp}
            ).status_code

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(guess, guesses))
    assert answers.count(401) == MAX_SOURCE_MISSES and answers.count(429) == len(guesses) - MAX_SOURCE_MISSES
    counted = db.execute(
        text("SELECT misses FROM sync_flow_misses WHERE source = :s"), {"s": source}
    ).scalar()
    db.commit()
    assert counted == MAX_SOURCE_MISSES


def test_a_strangers_wrong_codes_do_not_lock_the_merchant_out(api, server, db) -> None:
    merchant = f"lockout-{uuid.uuid4().hex[:8]}"
    first, second = start_url(api, merchant), start_url(api, merchant)
    codes = {parse_qs(urlsplit(url).query)["otp"][0] for url in (first, second)}
    wrong = [f"{n:06d}" for n in range(1, 200) if f"{n:06d}" not in codes]
    path = urlsplit(first).path
    stranger_address = fresh_address()
    company = db.execute(
        text("SELECT company_id FROM sync_flow_merchants WHERE merchant_identifier = :m"), {"m": merchant}
    ).scalar()
    codes_before = db.execute(text("SELECT count(*) FROM sync_flow_codes")).scalar()
    db.commit()

    with browser_from(server, stranger_address) as stranger:
        for guess in wrong[:MAX_SOURCE_MISSES]:
            missed = stranger.get(path, params={"merchantIdentifier": merchant, "otp": guess})
            assert missed.status_code == 401 and "not valid" in missed.text
        # From now on the stranger's source is refused whatever it sends, the right code included (which is
        # not spent by the refusal), and trying more writes nothing more.
        for guess in wrong[MAX_SOURCE_MISSES : MAX_SOURCE_MISSES + 20]:
            assert (
                stranger.get(path, params={"merchantIdentifier": merchant, "otp": guess}).status_code == 429
            )
        refused = stranger.get(second)
        assert refused.status_code == 429 and "Too many" in refused.text

    misses = db.execute(
        text("SELECT source, misses FROM sync_flow_misses WHERE source = :s"), {"s": stranger_address}
    ).all()
    codes_after = db.execute(text("SELECT count(*) FROM sync_flow_codes")).scalar()
    db.commit()
    assert misses == [(stranger_address, MAX_SOURCE_MISSES)]
    assert codes_after == codes_before  # no row per miss

    # The merchant, from their own address, opens both of their links: no code was burnt.
    with browser_from(server, fresh_address()) as merchant_browser:
        assert open_flow(merchant_browser, first) == str(company)
    with browser_from(server, fresh_address()) as merchant_browser:
        assert open_flow(merchant_browser, second) == str(company)


BAD_URLS = [
    "javascript:alert(1)",
    "/relative/done",
    "ftp://example.com/done",
    "http://example.com/done",
    "https://bank.example@evil.example/done",
    "https://bank.example/<script>",
    "data:text/html,hi",
]
GOOD_REDIRECTS = [
    "https://bobs-burgers.{countrySuffix}/{companyId}",
    (
        "https://bank.example/done?company={companyId}&connection={connectionId}&status={statusCode}"
        "&error={errorMessage}&name={data.company.companyName}"
    ),
    "http://localhost:8000/done/{companyId}",
    "http://127.0.0.1:9/done",
    "http://[::1]:8080/done",
]


@pytest.fixture
def profile(api) -> Iterator[dict]:
    original = api.get("/profile").json()
    yield original
    restored = api.put("/profile", json=original)
    assert restored.status_code == 200, restored.text


def test_profile_urls_are_https_or_loopback_http(api, profile) -> None:
    for field in ("logoUrl", "iconUrl", "redirectUrl"):
        for bad in BAD_URLS:
            answer = api.put("/profile", json={**profile, field: bad})
            assert answer.status_code == 400, (field, bad, answer.text)
            body = answer.json()
            assert body["statusCode"] == 400 and body["validation"]["errors"][0]["itemId"] == field
    assert api.get("/profile").json() == profile
    for good in GOOD_REDIRECTS:
        answer = api.put(
            "/profile",
            json={
                **profile,
                "redirectUrl": good,
                "logoUrl": "https://cdn.example/l.png",
                "iconUrl": "http://localhost:8000/icon.ico",
            },
        )
        assert answer.status_code == 200, (good, answer.text)
        assert api.get("/profile").json()["redirectUrl"] == good


def test_the_portal_refuses_a_bad_logo_url_with_a_notice(api, server, profile) -> None:
    with http_sign_in(server) as (browser, _csrf):
        page = browser.get("/portal/profile")
        saved = browser.post(
            "/portal/profile",
            data={
                "name": profile["name"],
                "logo_url": "javascript:alert(1)",
                "redirect_url": "https://bank.example/x",
                "link_url_ttl_hours": "24",
                "csrf": hidden_csrf(page.text),
            },
        )
        shown = browser.get(saved.headers["location"]) if saved.status_code == 303 else saved
        assert re.search(r'role="alert"[^>]*>[^<]*logoUrl', shown.text), shown.text
    assert api.get("/profile").json() == profile


def test_link_never_uses_a_stored_url_that_breaks_the_rule(api, server, db, profile) -> None:
    """Values stored before the rule (written here straight into the table): Link shows no logo and, instead
    of sending the business to a bad redirect URL, ends on its own page."""
    company = api.post("/companies", json={"name": "Stored bad URLs"}).json()
    db.execute(
        text(
            "UPDATE clients SET logo_url = 'javascript:alert(1)', redirect_url = 'not a url' "
            "WHERE id = (SELECT client_id FROM companies WHERE id = :c)"
        ),
        {"c": company["id"]},
    )
    db.commit()
    connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=True) as business:
        approve = business.get(connection["linkUrl"])
        assert approve.status_code == 200, approve.text
        assert "javascript:" not in approve.text and 'class="brand"' in approve.text
        assert not re.search(r'<header class="brand">\s*<img', approve.text)
        # Cancelling asks first (the exit page), whose form ends the visit.
        exit_path = re.search(r'href="(/link/company/[^"]+/exit\?[^"]+)"', approve.text)
        assert exit_path, approve.text
        confirm = business.get(html.unescape(exit_path.group(1)))
        cancel = re.search(
            r'action="(/link/company/[^"]+/cancel)".*?name="csrf" value="([^"]+)"', confirm.text, re.DOTALL
        )
        assert cancel, confirm.text
        ended = business.post(
            cancel.group(1),
            data={"csrf": cancel.group(2), "connectionId": connection["id"]},
            follow_redirects=False,
        )
    assert ended.status_code == 200 and "not a url" not in ended.text and "cancelled" in ended.text.lower()


def test_wrong_codes_are_counted_per_ipv4_address_and_per_ipv6_network() -> None:
    from ledgerlink.commerce.service import source_of

    assert source_of("203.0.113.9") == "203.0.113.9"
    assert source_of("::ffff:203.0.113.9") == "203.0.113.9"
    # One subscriber holds a whole /64: its addresses count as one source.
    assert source_of("2001:db8:1:2:aaaa::1") == source_of("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert source_of("2001:db8:1:3::1") != source_of("2001:db8:1:2::1")
