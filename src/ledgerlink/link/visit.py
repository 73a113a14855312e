"""A business's visit to Link: which company it is linking, the Link URL's parameters, and its form secret.

Held in one sealed cookie (`ledgerlink_link`, Fernet: private and tamper-proof) scoped to `/link`. The
entry pages (the company's `redirect` and a connection's `linkUrl`) start a visit; every later page and
form belongs to it. Forms carry a token bound to the visit's secret, so another site cannot post them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.kit import pages
from ledgerlink.kit.secrets import SecretBox

# Long enough to sign in at a platform and come back; the one-time code was spent on entry.
COOKIE = pages.VisitCookie("ledgerlink_link", "/link", max_age_seconds=2 * 3600)
# Link URL parameters kept for the redirect's placeholders, and the most of them a visit carries.
MAX_PARAMETERS = 20
MAX_PARAMETER_LENGTH = 500


@dataclass(frozen=True)
class Visit(pages.FormSecret):
    company_id: uuid.UUID
    secret: str = field(default_factory=pages.new_token)
    # The Link URL's query parameters (`link.*` options included), for placeholders and options.
    parameters: dict[str, str] = field(default_factory=dict)
    # Where the business goes back to instead of the client's redirect URL: a path on this server, set only
    # by a flow that hands over to Link for one connection (the Sync Flow).
    return_to: str | None = None
    # Entered through the company's `redirect`: the visit walks the journey's source types (a connection's
    # `linkUrl` links that one connection and ends).
    journey: bool = False
    # The optional source types the business skipped, the landing page seen, the company name confirmed.
    skipped: tuple[str, ...] = ()
    landed: bool = False
    name_confirmed: bool = False
    # Opened by the embedded Link (`link.embed`) in a page of this origin (one of the client's allowed
    # origins): the pages may be framed by it and tell it what happened; the end does not redirect.
    embed_origin: str | None = None

    def option(self, name: str) -> str | None:
        return self.parameters.get(f"link.{name}")

    def to_cookie(self) -> dict[str, Any]:
        return {
            "company": str(self.company_id),
            "secret": self.secret,
            "parameters": self.parameters,
            "return_to": self.return_to,
            "journey": self.journey,
            "skipped": list(self.skipped),
            "landed": self.landed,
            "name_confirmed": self.name_confirmed,
            "embed_origin": self.embed_origin,
        }

    def but(self, **changes: Any) -> Visit:
        """This visit with some of its journey's marks changed (its cookie is then kept again)."""
        return replace(self, **changes)

    @classmethod
    def from_cookie(cls, data: dict[str, Any]) -> Visit:
        return cls(
            uuid.UUID(data["company"]),
            data["secret"],
            dict(data["parameters"]),
            data.get("return_to"),
            bool(data.get("journey", False)),
            tuple(str(key) for key in data.get("skipped", ())),
            bool(data.get("landed", False)),
            bool(data.get("name_confirmed", False)),
            data.get("embed_origin"),
        )


def parameters_of(request: Request, *, leave_out: tuple[str, ...]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in request.query_params.items():
        if name in leave_out or len(kept) >= MAX_PARAMETERS:
            continue
        kept[name[:100]] = value[:MAX_PARAMETER_LENGTH]
    return kept


def read(request: Request, secrets: SecretBox, company_id: uuid.UUID) -> Visit | None:
    """The visit the browser carries, if it is for this company and still current."""
    return COOKIE.read(request, secrets, company_id, Visit.from_cookie)


def keep(response: Response, visit: Visit, secrets: SecretBox, *, secure: bool) -> Response:
    return COOKIE.keep(response, visit, secrets, secure=secure, framed=visit.embed_origin is not None)
