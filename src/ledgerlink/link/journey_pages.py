"""The pages around a Link visit's connections: the landing page, the company name confirmation, skipping an
optional source type, the end of the journey, the exit confirmation, the business's connections (revoke
with a confirmation) and the client's colour as a stylesheet.

Each form follows post/redirect/get; the visit's marks (landed, name confirmed, skipped) live in its cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from ledgerlink.companies.schemas import CompanyUpdate
from ledgerlink.connections import service as connections
from ledgerlink.connectors import registry
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pages import PageError
from ledgerlink.link import service, theme
from ledgerlink.link.dependencies import (
    CANCEL,
    COMPANY_NAME,
    LANDING,
    REVOKE,
    CompanyNameForm,
    CompanyVisit,
    ConnectionVisit,
    LandingForm,
    LinkPage,
    RevokeForm,
    SkipForm,
)
from ledgerlink.link.journey import Journey, journey

router = APIRouter()


def start_path(page: LinkPage) -> str:
    return f"/link/company/{page.target.company.id}"


def of_visit(page: LinkPage) -> Journey:
    return journey(page.target.settings, page.target.company.connections, page.visit)


def before_choosing(page: LinkPage) -> Response | None:
    """The pages a visit shows before software selection, once each: the landing page (when the settings ask
    for it) and the company name to confirm (the profile's `confirmCompanyName`)."""
    if page.target.settings.show_landing_page and not page.visit.landed:
        return page.render("landing.html", landing_token=page.visit.form_token(LANDING))
    if page.target.client.confirm_company_name and not page.visit.name_confirmed:
        return _company_name_page(page)
    return None


def _company_name_page(page: LinkPage, *, given: str | None = None, error: str | None = None) -> Response:
    response = page.render(
        "company_name.html",
        given=page.target.company.name if given is None else given,
        error=error,
        company_name_token=page.visit.form_token(COMPANY_NAME),
    )
    if error:
        response.status_code = 422
    return response


@router.post("/company/{companyId}/landing")
async def leave_landing(page: LandingForm) -> Response:
    return page.keep_as(page.visit.but(landed=True), pages.redirect(start_path(page)))


@router.post("/company/{companyId}/name")
async def confirm_company_name(page: CompanyNameForm, name: Annotated[str, Form()] = "") -> Response:
    """The business confirmed (or corrected) its company name before choosing software, as Codat's Link
    asks."""
    try:
        checked = CompanyUpdate.model_validate({"name": name})
    except ValidationError as invalid:
        message = invalid.errors()[0]["msg"].removeprefix("Value error, ")
        return _company_name_page(page, given=name, error=f"Check the company name: {message}")
    assert checked.name is not None
    page.target.company.name = checked.name
    return page.keep_as(page.visit.but(name_confirmed=True), pages.redirect(start_path(page)))


@router.post("/company/{companyId}/skip")
async def skip(page: SkipForm, sourceType: Annotated[str, Form()] = "") -> Response:
    """Skip an optional source type: the journey goes on to the next."""
    step = of_visit(page).step(sourceType)
    if step is None or not step.options.optional:
        raise PageError(400, "This step cannot be skipped", "Go back and connect your software to carry on.")
    skipped = page.visit.skipped if step.key in page.visit.skipped else (*page.visit.skipped, step.key)
    return page.keep_as(page.visit.but(skipped=skipped), pages.redirect(start_path(page)))


def finished(page: LinkPage, walk: Journey) -> Response:
    """Every source type is connected or skipped: what was connected, and the way back to the client."""
    last = walk.last_linked()
    return page.render(
        "finished.html",
        journey=walk,
        finish_url=service.redirect_url(page.target, last, 200, page.visit),
        step=4,
    )


@router.get("/company/{companyId}/exit")
async def confirm_exit(page: CompanyVisit, connectionId: str = "", back: str = "") -> Response:
    """Leaving before the journey is over asks first, in the client's words (`exit.title`, `exit.message`)."""
    connection = service.connection_in(page.target, connectionId) if connectionId else None
    # Back only to a page of this visit (never another site).
    keep_going = back if back.startswith(("/link/company/", "/link/companies/")) else start_path(page)
    return page.render(
        "exit.html", connection=connection, keep_going=keep_going, cancel_token=page.visit.form_token(CANCEL)
    )


@router.get("/company/{companyId}/connections")
async def connections_page(page: CompanyVisit, revoked: str = "") -> Response:
    """The business's connections: platform, status and last sync, and a way to revoke each linked one."""
    shown = sorted(page.target.company.connections, key=lambda c: c.created_at)
    gone = next((c for c in shown if str(c.id) == revoked), None)
    return page.render(
        "connections.html",
        connections=[(connection, registry.get(connection.integration_key)) for connection in shown],
        revoked=registry.get(gone.integration_key) if gone else None,
        journey=of_visit(page) if page.visit.journey else None,
    )


@router.get("/companies/{companyId}/connections/{connectionId}/revoke")
async def confirm_revoke(page: ConnectionVisit) -> Response:
    connector = registry.get(page.connection.integration_key)
    return page.render(
        "revoke.html",
        connection=page.connection,
        connector=connector.info if connector else None,
        revoke_token=page.visit.form_token(REVOKE),
    )


@router.post("/companies/{companyId}/connections/{connectionId}/revoke")
async def revoke(page: RevokeForm, session: Session) -> Response:
    """Unlink the connection, as the API's unlink does: its data is kept, no more is read."""
    try:
        connections.unlink_connection(session, page.target.company, page.connection, page.urls)
    except BadRequest as refused:
        raise PageError(409, "This connection cannot be disconnected", refused.message) from None
    return pages.redirect(f"{start_path(page)}/connections?revoked={page.connection.id}")


@router.get("/theme/{colour}.css")
async def theme_stylesheet(colour: str) -> Response:
    """The client's primary colour as a stylesheet (the pages' policy allows no inline style)."""
    colour = colour.lower()
    if not theme.HEX.match(colour):
        raise PageError(404, "Page not found", "There is nothing at this address.")
    return Response(
        theme.stylesheet(colour),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
