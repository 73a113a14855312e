"""The embedded Link's rules without a browser: the company's access token (this company's, this install's,
under a day old), the framing page's origin (one the client allows, and nothing else into the policy), the
visit's cookie in a third-party frame, and the end of an embedded visit (its own page, not the redirect)."""

from __future__ import annotations

import time
import uuid

from cryptography.fernet import Fernet
from fastapi.responses import Response

from ledgerlink.clients.models import Client
from ledgerlink.companies import access_tokens
from ledgerlink.companies.models import Company
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.link import embed, service, visit
from ledgerlink.link.service import LinkTarget
from ledgerlink.settings import link_settings
from ledgerlink.settings.link_settings import LinkSettings

ALLOWED = "https://app.lendco.example"


def target(*, redirect_url: str = "https://lendco.example/back?status={statusCode}") -> LinkTarget:
    client = Client(
        id=uuid.uuid4(), name="Lendco", redirect_url=redirect_url, allowed_origins=[ALLOWED + "/"]
    )
    company = Company(id=uuid.uuid4(), client_id=client.id, name="Wombat")
    return LinkTarget(company, client, LinkSettings.of(link_settings.merged(None, None)))


def test_an_access_token_opens_its_own_company_for_a_day() -> None:
    key = Fernet.generate_key()
    secrets, company, other = SecretBox(key), uuid.uuid4(), uuid.uuid4()
    token = access_tokens.issue(secrets, company)
    assert access_tokens.is_for(secrets, token, company)
    assert not access_tokens.is_for(secrets, token, other)
    assert not access_tokens.is_for(SecretBox(Fernet.generate_key()), token, company)  # another install's
    assert not access_tokens.is_for(secrets, "", company) and not access_tokens.is_for(secrets, "x", company)
    day_old = Fernet(key).encrypt_at_time(f"company:{company}".encode(), int(time.time()) - 86_401).decode()
    assert not access_tokens.is_for(secrets, day_old, company)


def test_only_an_allowed_origin_may_frame_link() -> None:
    allowed = target().client.allowed_origins
    assert embed.framing_origin(allowed, ALLOWED, "") == ALLOWED
    # `Origin: null` (a no-referrer page): the script's stated origin, still one the client allows.
    assert embed.framing_origin(allowed, "null", ALLOWED) == ALLOWED
    assert embed.framing_origin(allowed, "https://evil.example", ALLOWED) is None  # the browser's word wins
    assert embed.framing_origin(allowed, None, "https://evil.example") is None
    assert embed.framing_origin(allowed, None, "") is None
    # Nothing but an origin reaches the page's policy, even one stored among the allowed.
    injected = "https://a.example; script-src *"
    assert embed.framing_origin([injected], None, injected) is None


def test_a_framed_visit_over_https_keeps_its_cookie_in_a_third_party_frame() -> None:
    secrets = SecretBox(Fernet.generate_key())
    framed = visit.Visit(uuid.uuid4(), embed_origin=ALLOWED)
    cookie = visit.keep(Response(), framed, secrets, secure=True).headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "partitioned" in cookie and "secure" in cookie
    top_level = visit.keep(Response(), visit.Visit(uuid.uuid4()), secrets, secure=True).headers["set-cookie"]
    assert "samesite=lax" in top_level.lower() and "partitioned" not in top_level.lower()
    assert visit.Visit.from_cookie(framed.to_cookie()).embed_origin == ALLOWED


def test_an_embedded_visit_ends_on_its_own_page_not_the_clients_redirect() -> None:
    linked = target()
    embedded = visit.Visit(linked.company.id, embed_origin=ALLOWED)
    start = f"/link/company/{linked.company.id}"
    assert service.redirect_url(linked, None, 200, embedded) == f"{start}/embedded/finish"
    assert service.redirect_url(linked, None, 201, embedded) == f"{start}/embedded/finish"
    assert service.redirect_url(linked, None, 403, embedded) == f"{start}/embedded/close"
    assert service.redirect_url(linked, None, 500, embedded) == f"{start}/embedded/close"
    top_level = visit.Visit(linked.company.id)
    assert service.redirect_url(linked, None, 200, top_level) == "https://lendco.example/back?status=200"
