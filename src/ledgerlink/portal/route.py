"""The Portal's route class, and what its routes share: form fields, the page number a link asks for.

A change is a POST that redirects back with a notice (or, for a secret shown once, renders the page with it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from ledgerlink.kit import pages
from ledgerlink.kit.errors import CodatError
from ledgerlink.portal import insights
from ledgerlink.portal import service as portal

# The Portal's pages name a platform (`Accounting Sandbox`), never by its key (`mqjo`).
pages.environment.filters["platform_name"] = insights.platform_name

Text = Annotated[str, Form()]
OptionalText = Annotated[str | None, Form()]


class PortalRoute(APIRoute):
    """Portal answers are pages: no session means the sign-in page, a destructive POST without its
    confirmation the confirmation page, and a domain error an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def portal_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except portal.SignInRequired:
                return pages.redirect(portal.SIGN_IN_PATH)
            except portal.NotConfirmed:
                return pages.redirect(request.url.path)
            except CodatError as error:
                title = "Not found" if error.status_code == 404 else "This request cannot be answered"
                return pages.error_page(request, error.status_code, title, error.message)

        return portal_handler


def portal_router() -> APIRouter:
    """A router for one area of the Portal's pages, under `/portal`."""
    return APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)


def page_number(raw: str | None) -> int:
    """The page a pager's link asks for; anything else is the first (a page never fails on its pager)."""
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1
