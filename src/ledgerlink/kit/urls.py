"""Every URL the API hands out, built from `LEDGERLINK_PUBLIC_URL`, and the one-time codes Link URLs carry.

A client whose Link URLs are single-use (its profile's Link setting) gets `company.redirect` and
`connection.linkUrl` with `?otp=<code>`: each code opens Link once, for one company, until it expires.
Codes are stateless to hand out (an expiry, a nonce and an HMAC keyed from `LEDGERLINK_SECRET_KEY`), so
listing companies writes nothing; the Link pages record a code when it is used (`link_codes_used`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
import struct
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from ledgerlink.kit.auth import CurrentPrincipal
from ledgerlink.kit.clock import utcnow

LINK_CODE_PARAMETER = "otp"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkCodeInvalid(Exception):
    """The code is not one ledgerlink issued for this company (or was altered)."""


class LinkCodeExpired(Exception):
    """The code was issued for this company but its time is up."""


def _mac(key: bytes, company_id: uuid.UUID, payload: bytes) -> bytes:
    return hmac.new(key, str(company_id).encode() + b"|" + payload, hashlib.sha256).digest()[:18]


@dataclass(frozen=True)
class LinkCodes:
    """Issues and checks one-time Link codes for one client's lifetime setting."""

    key: bytes
    lifetime: timedelta

    def issue(self, company_id: uuid.UUID) -> str:
        expires = int((utcnow() + self.lifetime).timestamp())
        payload = struct.pack(">Q", expires) + random.token_bytes(12)
        return f"{_b64(payload)}.{_b64(_mac(self.key, company_id, payload))}"

    @staticmethod
    def check(key: bytes, company_id: uuid.UUID, code: str) -> tuple[str, datetime]:
        """(the code's hash, when it expires) if the code is genuine and current for the company."""
        try:
            payload_text, mac_text = code.split(".", 1)
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except ValueError:
            raise LinkCodeInvalid("This link's code is not valid.") from None
        expected = _mac(key, company_id, payload)
        if len(payload) != 20 or not hmac.compare_digest(mac, expected):
            raise LinkCodeInvalid("This link's code is not valid.")
        expires = datetime.fromtimestamp(struct.unpack(">Q", payload[:8])[0], UTC)
        if expires <= utcnow():
            raise LinkCodeExpired("This link has expired.")
        return hashlib.sha256(code.encode()).hexdigest(), expires


@dataclass(frozen=True)
class PublicUrls:
    base: str
    # Set for a client whose Link URLs are single-use: each URL handed out carries a fresh code.
    link_codes: LinkCodes | None = None

    @property
    def secure(self) -> bool:
        """Whether browsers reach the server over HTTPS: the pages' cookies are then sent over HTTPS only."""
        return self.base.startswith("https:")

    def with_link_codes(self, key: bytes, hours: int) -> PublicUrls:
        return replace(self, link_codes=LinkCodes(key, timedelta(hours=hours)))

    def _with_code(self, url: str, company_id: uuid.UUID) -> str:
        if self.link_codes is None:
            return url
        return f"{url}?{urlencode({LINK_CODE_PARAMETER: self.link_codes.issue(company_id)})}"

    def company_redirect(self, company_id: uuid.UUID) -> str:
        return self._with_code(f"{self.base}/link/company/{company_id}", company_id)

    def connection_link(self, company_id: uuid.UUID, connection_id: uuid.UUID) -> str:
        return self._with_code(
            f"{self.base}/link/companies/{company_id}/connections/{connection_id}/start", company_id
        )

    def integration_image(self, key: str, variant: str) -> str:
        return f"{self.base}/static/integrations/{key}/{variant}.svg"

    def entry_points(self) -> dict[str, str]:
        """Where a person starts, by what it is: linked from `/` and printed by `ledgerlink serve`."""
        return {
            "Portal": f"{self.base}/portal",
            "API docs (Swagger UI)": f"{self.base}/docs",
            "API reference (ReDoc)": f"{self.base}/redoc",
            "OpenAPI document": f"{self.base}/openapi.json",
            "Health check": f"{self.base}/healthz",
        }

    def sync_flow(
        self, client_id: uuid.UUID, commerce_key: str, accounting_key: str, query: dict[str, str]
    ) -> str:
        return f"{self.base}/sync-flow/{client_id}/{commerce_key}/{accounting_key}/start?{urlencode(query)}"


def server_urls(request: Request) -> PublicUrls:
    """The server's URLs, as no client in particular gets them (pages, callbacks, images)."""
    urls: PublicUrls = request.app.state.urls
    return urls


ServerUrls = Annotated[PublicUrls, Depends(server_urls)]


def public_urls(request: Request, principal: CurrentPrincipal, urls: ServerUrls) -> PublicUrls:
    """The URLs this request's client is handed: with one-time codes if its Link URLs are single-use."""
    if principal.link_code_hours:
        return urls.with_link_codes(request.app.state.link_code_key, principal.link_code_hours)
    return urls


Urls = Annotated[PublicUrls, Depends(public_urls)]
