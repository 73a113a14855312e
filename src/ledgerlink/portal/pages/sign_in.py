"""Signing in to the Portal with an API key, and out again."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.urls import ServerUrls
from ledgerlink.portal import service as portal
from ledgerlink.portal.route import OptionalText, Text, portal_router
from ledgerlink.portal.service import FormSignedIn

router = portal_router()


def _sign_in_page(
    request: Request, secret: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    response = pages.render(
        request,
        "portal/login.html",
        {"title": "Sign in", "csrf": portal.sign_in_form_token(secret), "error": error},
        status_code=status_code,
    )
    portal.set_cookie(request, response, portal.SIGN_IN_COOKIE, secret, portal.SIGN_IN_LIFETIME)
    return response


@router.get("")
async def home() -> Response:
    return pages.redirect("/portal/companies")


@router.get("/login")
async def sign_in_page(request: Request, db: Session, urls: ServerUrls) -> Response:
    try:
        await portal.current_operator(request, db, urls)
        return pages.redirect("/portal/companies")
    except portal.SignInRequired:
        return _sign_in_page(request, request.cookies.get(portal.SIGN_IN_COOKIE) or pages.new_token())


@router.post("/login")
async def sign_in(request: Request, db: Session, api_key: Text = "", csrf: OptionalText = None) -> Response:
    portal.check_sign_in_form(request, csrf)
    token = await portal.sign_in(db, api_key)
    if token is None:
        return _sign_in_page(
            request,
            request.cookies[portal.SIGN_IN_COOKIE],
            error="That API key was not recognised. Check it and try again.",
            status_code=401,
        )
    response = pages.redirect("/portal/companies")
    portal.set_cookie(request, response, portal.COOKIE, token, portal.SESSION_LIFETIME)
    portal.forget_cookie(request, response, portal.SIGN_IN_COOKIE)
    return response


@router.post("/logout")
async def sign_out(request: Request, operator: FormSignedIn) -> Response:
    await portal.sign_out(operator.db, request.cookies.get(portal.COOKIE))
    response = pages.redirect(portal.SIGN_IN_PATH)
    portal.forget_cookie(request, response, portal.COOKIE)
    return response
