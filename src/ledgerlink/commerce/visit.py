"""A merchant's visit to the Sync Flow: which company, its client's redirect URL, its locale and form secret.

Held in one sealed cookie (`ledgerlink_sync_flow`, Fernet) scoped to `/sync-flow`, started when the one-time
code of a sync-flow URL is spent. Forms carry a token bound to the visit's secret.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

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


def read(request: Request, secrets: SecretBox, company_id: uuid.UUID) -> FlowVisit | None:
    data = COOKIE.open(request, secrets)
    if data is None:
        return None
    try:
        visit = FlowVisit(uuid.UUID(data["company"]), data["locale"], data["redirect"], data["secret"])
    except (ValueError, KeyError, TypeError):
        return None
    return visit if visit.company_id == company_id else None


def keep(response: Response, visit: FlowVisit, secrets: SecretBox, *, secure: bool) -> Response:
    data = {
        "company": str(visit.company_id),
        "locale": visit.locale,
        "redirect": visit.redirect_url,
        "secret": visit.secret,
    }
    return COOKIE.keep(response, data, secrets, secure=secure)
