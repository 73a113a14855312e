"""Portal sessions: signing in with an API key, the session cookie, anti-forgery checks, one-time notices."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Annotated, Any, Self, TypeVar

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from ledgerlink.clients.auth import principal_of
from ledgerlink.clients.models import Client
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Principal, Session
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, CodatError
from ledgerlink.kit.secrets import SecretBox, hash_api_key, secret_box
from ledgerlink.kit.urls import PublicUrls, ServerUrls, server_urls
from ledgerlink.portal.models import PortalSession

COOKIE = "ledgerlink_portal"
# Before signing in there is no session: the sign-in form's token is bound to a secret in this cookie.
SIGN_IN_COOKIE = "ledgerlink_portal_signin"
COOKIE_PATH = "/portal"
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_LIFETIME = timedelta(hours=1)
FORM_PURPOSE = "portal-form"
SIGN_IN_PURPOSE = "portal-sign-in"
SIGN_IN_PATH = "/portal/login"
# The field a confirmation page's form adds to the destructive POST it confirms.
CONFIRMED_FIELD, CONFIRMED = "confirmed", "yes"

Model = TypeVar("Model", bound=BaseModel)


class SignInRequired(Exception):
    """No valid session: the Portal route answers with a redirect to the sign-in page."""


class NotConfirmed(Exception):
    """A destructive POST that did not come from its confirmation page: nothing is changed, and the Portal
    route answers with a redirect to that page (a GET of the same path)."""


@dataclass(frozen=True)
class Confirmation:
    """The page before a destructive change: the question, what the change does, the button that makes it,
    and where Cancel goes. It works without JavaScript: its form posts the change with `confirmed=yes`."""

    question: str
    consequence: str
    button: str
    back: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secure_cookies(request: Request) -> bool:
    return server_urls(request).secure


def set_cookie(request: Request, response: Response, name: str, value: str, lifetime: timedelta) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(lifetime.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def forget_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="strict", secure=secure_cookies(request)
    )


# --- signing in and out ----------------------------------------------------------------------------


async def sign_in(db: AsyncSession, api_key: str) -> str | None:
    """A new session's token for a valid API key (only its hash is stored), or None for a wrong key or a
    disabled client's."""
    key = api_key.strip()
    if not key:
        return None
    found = await principal_of(db, [hash_api_key(key)])
    if found is None:
        return None
    now = utcnow()
    # Expired sessions are only clutter; sign-in is a rare enough moment to sweep them.
    await db.execute(delete(PortalSession).where(PortalSession.expires_at < now))
    token = pages.new_token()
    db.add(
        PortalSession(
            id=uuid.uuid4(),
            token_hash=token_hash(token),
            client_id=found.client_id,
            api_key_id=found.api_key_id,
            csrf_secret=pages.new_token(),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await db.flush()
    return token


async def sign_out(db: AsyncSession, token: str | None) -> None:
    if token:
        await db.execute(delete(PortalSession).where(PortalSession.token_hash == token_hash(token)))


def sign_in_form_token(secret: str) -> str:
    return pages.form_token(secret, SIGN_IN_PURPOSE)


def check_sign_in_form(request: Request, given: str | None) -> None:
    if not pages.check_form_token(request.cookies.get(SIGN_IN_COOKIE), SIGN_IN_PURPOSE, given):
        raise forged()


def forged() -> pages.PageError:
    return pages.PageError(
        403,
        "This form has expired",
        "The form was not sent from this Portal session. Go back, reload the page and try again.",
    )


# --- the signed-in operator ------------------------------------------------------------------------


@dataclass
class Operator:
    """Who is using the Portal, and what every page needs: the database session, the principal the domain
    services take, the form token, and the URLs the API would hand this client."""

    db: AsyncSession
    session: PortalSession
    principal: Principal
    client_name: str
    urls: PublicUrls
    csrf: str = field(init=False)

    def __post_init__(self) -> None:
        self.csrf = pages.form_token(self.session.csrf_secret, FORM_PURPOSE)

    def tell(self, kind: str, message: str) -> None:
        """A notice for the next page shown (after the redirect that follows a change)."""
        self.session.notice = {"kind": kind, "message": message}

    def reveal_once(self, secrets: SecretBox, value: dict[str, Any]) -> None:
        """A secret for the page the change redirects to (a new API key, a signing secret), as `revealed`:
        kept sealed with the notice until that page is shown, so the POST can redirect (a refresh repeats
        nothing) and the secret is shown once, never stored in clear."""
        notice = dict(self.session.notice or {"kind": "ok", "message": ""})
        notice["sealed"] = secrets.seal(value).decode()
        self.session.notice = notice

    def page(
        self,
        request: Request,
        template: str,
        section: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> Response:
        notice = self.session.notice
        revealed = None
        if notice is not None:
            self.session.notice = None
            if "sealed" in notice:
                revealed = secret_box(request).open(notice["sealed"].encode())
        return pages.render(
            request,
            template,
            {
                "operator": self,
                "csrf": self.csrf,
                "section": section,
                "notice": notice if notice and notice.get("message") else None,
                "revealed": revealed,
                **(context or {}),
            },
            status_code=status_code,
        )

    def confirm(self, request: Request, section: str, confirmation: Confirmation) -> Response:
        """The confirmation page of the destructive POST at this request's path."""
        return self.page(
            request,
            "portal/confirm.html",
            section,
            {
                "title": confirmation.question,
                "confirmation": confirmation,
                "action": request.url.path,
                "confirmed": (CONFIRMED_FIELD, CONFIRMED),
            },
        )

    def attempt(self, success: str) -> Attempt:
        return Attempt(self, success)


class Attempt:
    """Runs one change in a savepoint: a domain error undoes it and becomes the notice, instead of a 500.

    `async with operator.attempt("Company created.") as outcome:` — `outcome.ok` says how it went, and
    `outcome.success` may be reworded inside the block once the result is known.
    """

    def __init__(self, operator: Operator, success: str) -> None:
        self.operator = operator
        self.success = success
        self.ok = False
        self._savepoint: AsyncSessionTransaction | None = None

    async def __aenter__(self) -> Self:
        self._savepoint = await self.operator.db.begin_nested()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        assert self._savepoint is not None
        if exc is None:
            await self._savepoint.commit()
            self.ok = True
            self.operator.tell("ok", self.success)
            return False
        await self._savepoint.rollback()
        if isinstance(exc, CodatError):
            self.operator.tell("error", exc.message)
            return True
        return False


async def current_operator(request: Request, db: Session, urls: ServerUrls) -> Operator:
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired
    row = (
        await db.execute(
            select(PortalSession, Client.name, Client.link_single_use, Client.link_url_ttl_hours)
            .join(Client, Client.id == PortalSession.client_id)
            .where(
                PortalSession.token_hash == token_hash(token),
                PortalSession.expires_at > utcnow(),
                Client.disabled_at.is_(None),  # a session ends when its client is disabled
            )
        )
    ).first()
    if row is None:
        raise SignInRequired
    portal_session, client_name, single_use, ttl_hours = row
    hours = ttl_hours if single_use else None
    if hours:
        urls = urls.with_link_codes(request.app.state.link_code_key, hours)
    principal = Principal(
        client_id=portal_session.client_id, api_key_id=portal_session.api_key_id, link_code_hours=hours
    )
    return Operator(db, portal_session, principal, client_name, urls)


async def checked_operator(
    operator: Annotated[Operator, Depends(current_operator)],
    csrf: Annotated[str | None, Form()] = None,
) -> Operator:
    """The operator of a POST, once its form proved it came from a page of this session."""
    if not pages.check_form_token(operator.session.csrf_secret, FORM_PURPOSE, csrf):
        raise forged()
    return operator


async def confirmed_operator(
    operator: Annotated[Operator, Depends(checked_operator)],
    confirmed: Annotated[str | None, Form()] = None,
) -> Operator:
    """The operator of a destructive POST, once it came from its confirmation page (`Operator.confirm`)."""
    if confirmed != CONFIRMED:
        raise NotConfirmed
    return operator


SignedIn = Annotated[Operator, Depends(current_operator)]
FormSignedIn = Annotated[Operator, Depends(checked_operator)]
ConfirmedSignedIn = Annotated[Operator, Depends(confirmed_operator)]


def body(model: type[Model], data: dict[str, Any]) -> Model:
    """A request body built from form fields, its validation failures told as Codat would tell them."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        problems = []
        for error in invalid.errors():
            where = ".".join(str(part) for part in error.get("loc", ()))
            message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise BadRequest("The form is invalid. " + "; ".join(problems)) from None
