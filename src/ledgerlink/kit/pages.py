"""Server-rendered pages (Link, Portal): the Jinja2 environment, responses with safe headers, error pages.

Templates live beside the package that owns them (`link/templates/link/`, `portal/templates/portal/`,
`commerce/templates/sync_flow/`);
the shared layout and error page live in `kit/templates/`. Pages are plain HTML forms that work without
JavaScript; a small script per area only makes them quicker (filtering as you type, copying a URL).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerlink.kit import browser_urls, errors
from ledgerlink.kit.errors import correlation_id
from ledgerlink.kit.secrets import SecretBox

# Paths whose errors are pages rather than Codat's JSON error body.
PAGE_PREFIXES = ("/link", "/portal", "/sync-flow")
STATIC_PATH = "/static/pages"

_CSP = (
    "default-src 'self'; img-src 'self' https: http: data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'"
)
# Link URLs may carry a one-time code: never hand them on to other sites in a Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

environment = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("ledgerlink.kit", "templates"),
            PackageLoader("ledgerlink.link", "templates"),
            PackageLoader("ledgerlink.portal", "templates"),
            PackageLoader("ledgerlink.commerce", "templates"),
            PackageLoader("ledgerlink.apidocs", "templates"),
        ]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["static"] = lambda name: f"{STATIC_PATH}/{name}"
# A client's URL as a page may use it: None when it breaks the rule (stored before the rule existed).
environment.filters["browser_url"] = browser_urls.shown


class PageError(Exception):
    """A request to a page that cannot be answered: shown as a page with a title and an explanation."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    html = environment.get_template(template).render({"request": request, **(context or {})})
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def frame_ancestors(policy: str, origin: str) -> str:
    """A page policy that lets one origin (an embedded Link's client page) frame the page, instead of none."""
    assert "frame-ancestors 'none'" in policy
    return policy.replace("frame-ancestors 'none'", f"frame-ancestors {origin}")


R = TypeVar("R", bound=Response)


def framed_by(response: R, origin: str) -> R:
    response.headers["Content-Security-Policy"] = frame_ancestors(
        response.headers["Content-Security-Policy"], origin
    )
    return response


@dataclass(frozen=True)
class EmbedMessage:
    """What a page of the embedded Link tells the page framing it, posted by `kit/static/link-embed.js` to
    that page's origin only: an event named as Codat's Link SDK callbacks (`onConnection`, `onFinish`,
    `onClose`, `onError`) with its argument. Written into the page as data (the policy runs no inline
    script)."""

    origin: str
    event: str
    payload: dict[str, Any]

    @property
    def payload_json(self) -> str:
        return orjson.dumps(self.payload).decode()


def redirect(url: str, *, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code, headers=SECURITY_HEADERS)


def is_page(request: Request) -> bool:
    path = request.url.path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PAGE_PREFIXES)


@dataclass(frozen=True)
class Branding:
    """Whose page an error is on (a Link visit's client: name, logo, stylesheet of its colour) and the
    ways back it offers, as (label, URL)."""

    name: str
    logo_url: str | None
    stylesheet: str | None
    ways_back: tuple[tuple[str, str], ...]
    # The embedded Link's client page (an allowed origin): it may frame the error page and hears `onError`.
    embed_origin: str | None = None


def brand_errors(request: Request, branding: Branding) -> None:
    """An error page answering this request from now on is in this branding (a page area calls it once it
    knows whose page it is)."""
    request.state.page_branding = branding


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    branding: Branding | None = getattr(request.state, "page_branding", None)
    reference = correlation_id(request)
    embed = None
    if branding is not None and branding.embed_origin:
        # Codat's `onError` argument; `errorCode` is the page's HTTP status.
        payload = {
            "correlationId": reference,
            "message": f"{title}. {message}",
            "errorCode": status_code,
            "userRecoverable": status_code < 500 and bool(branding.ways_back),
        }
        embed = EmbedMessage(branding.embed_origin, "onError", payload)
    page = render(
        request,
        "error.html",
        {
            "title": title,
            "message": message,
            "status_code": status_code,
            "correlation_id": reference,
            "branding": branding,
            "embed": embed,
        },
        status_code=status_code,
    )
    return framed_by(page, embed.origin) if embed else page


async def _page_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageError)
    return error_page(request, exc.status_code, exc.title, exc.message)


async def _http_exception(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    if not is_page(request):
        return await errors.http_exception(request, exc)
    if exc.status_code == 404:
        return error_page(
            request, 404, "Page not found", "There is nothing at this address. Check the link you were given."
        )
    return error_page(request, exc.status_code, "This request cannot be answered", str(exc.detail))


async def unexpected_error(request: Request, exc: Exception) -> Any:
    response = await errors.unexpected_error(request, exc)  # logs it with the correlation id
    if not is_page(request):
        return response
    return error_page(
        request, 500, "Something went wrong", "An unexpected error occurred. Please try again in a moment."
    )


def install(app: FastAPI) -> None:
    """Error pages for page paths (after `errors.install_error_handlers`, whose JSON answers API paths)."""
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, unexpected_error)
    app.mount(STATIC_PATH, StaticFiles(packages=[("ledgerlink.kit", "static")]), name="pages-static")


def new_token() -> str:
    return random.token_urlsafe(32)


def form_token(secret: str, purpose: str) -> str:
    """A form's anti-forgery token: bound to a secret only the visitor's cookie carries, and to the form."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def check_form_token(secret: str | None, purpose: str, given: str | None) -> bool:
    if not secret or not given:
        return False
    # As bytes: `compare_digest` refuses a str holding anything but ASCII (a forged token would be a 500).
    return hmac.compare_digest(form_token(secret, purpose).encode(), given.encode())


class FormSecret:
    """A visit's forms carry a token bound to its secret, which only the visitor's cookie holds, and to the
    form's purpose: another site cannot post them, and one form's token does not pass for another's."""

    secret: str

    def form_token(self, purpose: str) -> str:
        return form_token(self.secret, purpose)

    def accepts(self, purpose: str, token: str | None) -> bool:
        return check_form_token(self.secret, purpose, token)


def form_expired() -> PageError:
    """A form whose token is missing, forged or of another visit (one that outlived its cookie)."""
    return PageError(403, "This form has expired", "Go back, reload the page and try again.")


class SealedVisit(Protocol):
    """A visit as its cookie holds it: for one company, written out as plain JSON values."""

    @property
    def company_id(self) -> uuid.UUID: ...

    def to_cookie(self) -> dict[str, Any]: ...


V = TypeVar("V", bound=SealedVisit)


@dataclass(frozen=True)
class VisitCookie:
    """Where a page area keeps its visit: one sealed cookie (Fernet: private and tamper-proof) scoped to the
    area's path, which the server opens again for as long as the visit lasts."""

    name: str
    path: str
    max_age_seconds: int

    def read(
        self, request: Request, secrets: SecretBox, company_id: uuid.UUID, load: Callable[[dict[str, Any]], V]
    ) -> V | None:
        """The browser's visit, if this server sealed it for this company within the visit's time."""
        sealed = request.cookies.get(self.name)
        opened = secrets.verify(sealed, max_age_seconds=self.max_age_seconds) if sealed else None
        if opened is None:
            return None
        try:
            visit = load(orjson.loads(opened))
        except (ValueError, KeyError, TypeError):  # sealed by an older release, with other fields
            return None
        return visit if visit.company_id == company_id else None

    def keep(
        self,
        response: Response,
        visit: SealedVisit,
        secrets: SecretBox,
        *,
        secure: bool,
        framed: bool = False,
    ) -> Response:
        """Set the visit's cookie. A `framed` visit (a page of another site frames ours) is a third-party
        context, where browsers send no SameSite=Lax cookie: over https its cookie is SameSite=None and
        Partitioned (CHIPS, kept per top-level site); over plain http (development) it stays Lax, which
        serves a frame of the same site (another port)."""
        cross_site = framed and secure
        sealed = secrets.sign(orjson.dumps(visit.to_cookie()).decode())
        response.set_cookie(
            self.name,
            sealed,
            max_age=self.max_age_seconds,
            path=self.path,
            httponly=True,
            samesite="none" if cross_site else "lax",
            secure=secure,
        )
        if cross_site:
            # Python's cookie writer knows `Partitioned` from 3.14 on only (Starlette refuses it before).
            header, value = response.raw_headers[-1]
            assert header == b"set-cookie"
            response.raw_headers[-1] = (header, value + b"; Partitioned")
        return response
