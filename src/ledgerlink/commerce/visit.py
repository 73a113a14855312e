"""A merchant's visit to the Sync Flow: which company, its client's redirect URL, its locale and form secret.

Held in one sealed cookie (`ledgerlink_sync_flow`, Fernet) scoped to `/sync-flow`, started when the one-time
code of a sync-flow URL is spent. Forms carry a token bound to the visit's secret.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.kit import pages
from ledgerlink.kit.secrets import SecretBox

# Long enough to sign in to two platforms and configure; the one-time code was spent on entry.
COOKIE = pages.VisitCookie("ledgerlink_sync_flow", "/sync-flow", max_age_seconds=2 * 3600)


@dataclass(frozen=True)
class FlowVisit(pages.FormSecret):
    company_id: uuid.UUID
    locale: str = "en-us"
    # Where the merchant goes when they finish (None: the success message).
    redirect_url: str | None = None
    secret: str = field(default_factory=pages.new_token)

    def to_cookie(self) -> dict[str, Any]:
        return {
            "company": str(self.company_id),
            "locale": self.locale,
            "redirect": self.redirect_url,
            "secret": self.secret,
        }

    @classmethod
    def from_cookie(cls, data: dict[str, Any]) -> FlowVisit:
        return cls(uuid.UUID(data["company"]), data["locale"], data["redirect"], data["secret"])


def read(request: Request, secrets: SecretBox, company_id: uuid.UUID) -> FlowVisit | None:
    return COOKIE.read(request, secrets, company_id, FlowVisit.from_cookie)


def keep(response: Response, visit: FlowVisit, secrets: SecretBox, *, secure: bool) -> Response:
    return COOKIE.keep(response, visit, secrets, secure=secure)
