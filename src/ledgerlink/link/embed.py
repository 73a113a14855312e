"""The embedded Link: a client's own page opens Link for one company in a frame, and hears what happens.

`/link/sdk.js` (no build step, no third-party code) is the client's side: it opens a frame (inline in an
element, or as a modal with a close button) and POSTs the company's access token into it, so the token is
never in a URL, a history or a log. `POST /link/embed/company/{companyId}` checks the framing page's origin
against the client's allowed origins (the profile's, which CORS uses) and the token against the company,
then starts a visit marked with that origin (`Visit.embed_origin`). From then on the visit's pages:

- may be framed by that origin only (CSP `frame-ancestors`); every other Link page refuses any frame;
- tell it what happened over `postMessage` to that origin only (never `*`), by `kit/static/link-embed.js`,
  with Codat's Link SDK callback names: `onConnection` (the complete page), `onFinish` and `onClose` (the
  pages below, where the client's redirect would have been followed) and `onError` (error pages);
- never follow the client's redirect inside the frame: the client's page decides what follows `onFinish`.

An origin not allowed gets a page no one may frame, and no message; a wrong or expired token (or an unknown
company) an error page that the allowed origin hears as `onError`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ledgerlink.clients.service import all_allowed_origins
from ledgerlink.companies import access_tokens
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pages import PageError
from ledgerlink.kit.secrets import Secrets
from ledgerlink.kit.urls import ServerUrls
from ledgerlink.link import service, visit
from ledgerlink.link.dependencies import CompanyVisit, branding

router = APIRouter()

SDK = files("ledgerlink.link").joinpath("static/sdk.js").read_bytes()
# An origin as a browser sends it (scheme, host, port): nothing else may reach the CSP header.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


@router.get("/sdk.js")
async def sdk() -> Response:
    """The script a client's page loads to open Link in a frame (docs/link.md, "Embedding Link")."""
    return Response(
        SDK,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def framing_origin(allowed: Iterable[str], sent: str | None, claimed: str) -> str | None:
    """The page opening the embedded Link, when it is one of the `allowed` origins (the client's).

    The browser's `Origin` header, else the origin the script states (a page whose referrer policy is
    `no-referrer` sends `Origin: null`). A stated origin needs no trust: the browser itself refuses the
    frame to any other page (`frame-ancestors`) and delivers messages to that origin only.
    """
    origin = (sent if sent and sent != "null" else claimed).strip().rstrip("/")
    return origin if _ORIGIN.match(origin) and origin in {o.rstrip("/") for o in allowed} else None


@router.post("/embed/company/{companyId}")
async def open_embedded(
    request: Request,
    companyId: str,
    session: Session,
    secrets: Secrets,
    urls: ServerUrls,
    accessToken: Annotated[str, Form()] = "",
    origin: Annotated[str, Form()] = "",
) -> Response:
    """Start an embedded visit for the company: its access token, from a page the client allows."""
    sent = request.headers.get("origin")
    try:
        target = await service.load(session, companyId)
    except PageError:
        # No such company (or its client is disabled): no client to brand the page, but a page of any
        # client's allowed origin may frame it and hear `onError` (a mistyped company id is not silent).
        framer = framing_origin(await all_allowed_origins(session), sent, origin)
        pages.brand_errors(request, pages.Branding("ledgerlink", None, None, (), embed_origin=framer))
        raise
    framer = framing_origin(target.client.allowed_origins or [], sent, origin)
    # Whatever goes wrong here is told to the allowed page only; a new visit has no page to go back to.
    pages.brand_errors(
        request, dataclasses.replace(branding(target, None), ways_back=(), embed_origin=framer)
    )
    if framer is None:
        raise PageError(
            403,
            "Link cannot be opened on this site",
            f"This site is not one {target.client.name} allows to open Link. Ask them for a new link.",
        )
    if not access_tokens.is_for(secrets, accessToken, target.company.id):
        raise PageError(
            401,
            "This link is not valid",
            "Its access token is missing, expired or for another company. Close this and try again.",
        )
    started = visit.Visit(target.company.id, journey=True, embed_origin=framer)
    response = pages.redirect(f"/link/company/{target.company.id}")
    return visit.keep(response, started, secrets, secure=urls.secure)


def connection_event(connection: Connection) -> tuple[str, dict[str, object]]:
    """`onConnection`'s argument: Codat's `connectionId`, with the platform it links to."""
    connector = registry.get(connection.integration_key)
    return "onConnection", {
        "connectionId": str(connection.id),
        "integrationId": str(connector.info.integration_id) if connector else None,
        "sourceId": str(connector.info.source_id) if connector else None,
        "platform": connection.integration_key,
        "platformName": connector.info.name if connector else connection.integration_key,
        "sourceType": connector.info.source_type.value if connector else None,
    }


@router.get("/company/{companyId}/embedded/finish")
async def finish(page: CompanyVisit) -> Response:
    """Where the client's redirect would have been followed (status 200): `onFinish`."""
    return page.render(
        "embedded_end.html",
        title="You're all set",
        message=f"{page.target.client.name} will take it from here.",
        event=("onFinish", {}),
    )


@router.get("/company/{companyId}/embedded/close")
async def close(page: CompanyVisit) -> Response:
    """Where the client's redirect would have been followed after a cancel or an error: `onClose`."""
    return page.render(
        "embedded_end.html",
        title="Connection cancelled",
        message="Nothing more was connected.",
        event=("onClose", {}),
    )
