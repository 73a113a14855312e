"""A merchant's visit to the Sync Flow: which company, its client's redirect URL, its locale and form secret.

Held in one sealed cookie (`ledgerlink_sync_flow`, Fernet) scoped to `/sync-flow`, started when the one-time
code of a sync-flow URL is spent. Forms carry a token bound to the visit's secret.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import orjson
from fastapi import Request
from fastapi.responses import Response

from ledgerlink.kit import pages
from ledgerlink.kit.secrets import SecretBox

COOKIE = "ledgerlink_sync_flow"
# Long enough to sign in to two platforms and configure; the one-time code was spent on entry.
VISIT_SECONDS = 2 * 3600


@dataclass(frozen=True)
class FlowVisit:
    company_id: uuid.UUID
    locale: str = "en-us"
    # Where the merchant goes when they finish (None: the success message).
    redirect_url: str | None = None
    secret: str = field(default_factory=pages.new_token)

    def form_token(self, purpose: str) -> str:
        return pages.form_token(self.secret, purpose)

    def accepts(self, purpose: str, token: str | None) -> bool:
        return pages.check_form_token(self.secret, purpose, token)


def read(request: Request, secrets: SecretBox, company_id: uuid.UUID) -> FlowVisit | None:
    sealed = request.cookies.get(COOKIE)
    opened = secrets.verify(sealed, max_age_seconds=VISIT_SECONDS) if sealed else None
    if opened is None:
        return None
    try:
        data = orjson.loads(opened)
        visit = FlowVisit(uuid.UUID(data["company"]), data["locale"], data["redirect"], data["secret"])
    except (ValueError, KeyError, TypeError):
        return None
    return visit if visit.company_id == company_id else None


def keep(response: Response, visit: FlowVisit, secrets: SecretBox, *, secure: bool) -> Response:
    sealed = secrets.sign(
        orjson.dumps(
            {
                "company": str(visit.company_id),
                "locale": visit.locale,
                "redirect": visit.redirect_url,
                "secret": visit.secret,
            }
        ).decode()
    )
    response.set_cookie(
        COOKIE, sealed, max_age=VISIT_SECONDS, path="/sync-flow", httponly=True, samesite="lax", secure=secure
    )
    return response
