"""What every Link page of a visit begins with, stated once as FastAPI dependencies.

A page inside the flow finds the company its URL names (404), then the connection if its path names one
(404), then the visit the browser carries for that company (401); a form's token is then checked against
the visit's secret (403). A form's change is made with the company's row locked until it commits, so two
forms of one visit (a double click) cannot both make a connection. The entry pages (`Entered`,
`EnteredConnection`) start a visit instead, spending the Link URL's one-time code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.connections.models import Connection
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.secrets import SecretBox, Secrets
from ledgerlink.kit.urls import LINK_CODE_PARAMETER, PublicUrls, ServerUrls
from ledgerlink.link import service, theme, visit
from ledgerlink.link.service import LinkTarget
from ledgerlink.link.texts import Texts, accepted_languages
from ledgerlink.link.visit import Visit

# The forms of the flow; each page's token passes for its own form only.
CONNECT, APPROVE, CREDENTIALS, WIDGET, CANCEL = "connect", "approve", "credentials", "widget", "cancel"
LANDING, COMPANY_NAME, SKIP, REVOKE = "landing", "company-name", "skip", "revoke"


def render(
    request: Request,
    template: str,
    target: LinkTarget,
    current: Visit | None,
    *,
    event: tuple[str, dict[str, object]] | None = None,
    **context: object,
) -> Response:
    """A Link page: every template knows the client (its branding, its texts in the business's language),
    the company and the visit. In an embedded visit the page may be framed by the client's page, and tells
    it the `event` (a Link SDK callback's name and argument) if the page has one."""
    locale, given = target.settings.texts_for(accepted_languages(request))
    texts = Texts(given, target.company.name)
    origin = current.embed_origin if current is not None else None
    embed = pages.EmbedMessage(origin, *event) if origin and event else None
    response = pages.render(
        request,
        f"link/{template}",
        {
            "client": target.client,
            "company": target.company,
            "visit": current,
            "brand_logo": target.logo_url,
            "theme_css": theme.path(target.settings.primary_color),
            "texts": texts,
            "lang": locale,
            "embed": embed,
            **context,
        },
    )
    return pages.framed_by(response, origin) if origin else response


def branding(target: LinkTarget, current: Visit | None) -> pages.Branding:
    """How an error page of this company's visit looks and where it leads back to: the start of the visit
    (when it can start again: the browser carries the visit, or the Link URL needs no one-time code), and
    the client's redirect URL (status 500)."""
    ways_back = []
    if current is not None or not target.client.link_single_use:
        ways_back.append(("Start again", f"/link/company/{target.company.id}"))
    back = service.redirect_url(target, None, 500, current)
    if back:
        ways_back.append((f"Return to {target.client.name}", back))
    return pages.Branding(
        target.client.name,
        target.logo_url,
        theme.path(target.settings.primary_color),
        tuple(ways_back),
        current.embed_origin if current is not None else None,
    )


@dataclass(frozen=True)
class LinkPage:
    """One request to a page of a visit: the company it links, the visit, and what the page's answer needs."""

    request: Request
    target: LinkTarget
    visit: Visit
    secrets: SecretBox
    urls: PublicUrls

    def render(
        self, template: str, *, event: tuple[str, dict[str, object]] | None = None, **context: object
    ) -> Response:
        return render(self.request, template, self.target, self.visit, event=event, **context)

    def keep(self, response: Response) -> Response:
        """The response with the visit's cookie (re)set: an entry page's new or carried-on visit."""
        return visit.keep(response, self.visit, self.secrets, secure=self.urls.secure)

    def keep_as(self, changed: Visit, response: Response) -> Response:
        """The response with the visit's cookie holding its changed marks (landed, skipped, ...)."""
        return visit.keep(response, changed, self.secrets, secure=self.urls.secure)


@dataclass(frozen=True)
class ConnectionPage(LinkPage):
    """A page for one of the company's connections (a connection's `linkUrl` and the steps after it)."""

    connection: Connection


async def _target(request: Request, session: Session, secrets: SecretBox, company_id: str) -> LinkTarget:
    target = await service.load(session, company_id, for_update=request.method == "POST")
    # From here on, an error page of this request is in the client's branding, with a way back.
    pages.brand_errors(request, branding(target, visit.read(request, secrets, target.company.id)))
    return target


class _Visiting:
    def __init__(self, *, entry: bool = False, journey: bool = False) -> None:
        # An entry page starts (or carries on) the visit; every other page needs one. The company's entry
        # page starts the whole journey, a connection's that connection's.
        self.entry = entry
        self.journey = journey

    async def _visit_of(
        self, request: Request, session: Session, secrets: SecretBox, target: LinkTarget
    ) -> Visit:
        current = visit.read(request, secrets, target.company.id)
        if not self.entry:
            return service.require(current)
        return await service.enter(
            session,
            target,
            request.query_params.get(LINK_CODE_PARAMETER),
            current,
            request.app.state.link_code_key,
            visit.parameters_of(request, leave_out=(LINK_CODE_PARAMETER, "q", "sourceType")),
            journey=self.journey,
        )


class CompanyPages(_Visiting):
    """A company's page (`/link/company/{companyId}...`)."""

    async def __call__(
        self, request: Request, companyId: str, session: Session, secrets: Secrets, urls: ServerUrls
    ) -> LinkPage:
        target = await _target(request, session, secrets, companyId)
        return LinkPage(
            request, target, await self._visit_of(request, session, secrets, target), secrets, urls
        )


class ConnectionPages(_Visiting):
    """A connection's page (`/link/companies/{companyId}/connections/{connectionId}/...`)."""

    async def __call__(
        self,
        request: Request,
        companyId: str,
        connectionId: str,
        session: Session,
        secrets: Secrets,
        urls: ServerUrls,
    ) -> ConnectionPage:
        target = await _target(request, session, secrets, companyId)
        connection = service.connection_in(target, connectionId)
        current = await self._visit_of(request, session, secrets, target)
        return ConnectionPage(request, target, current, secrets, urls, connection)


CompanyVisit = Annotated[LinkPage, Depends(CompanyPages())]
ConnectionVisit = Annotated[ConnectionPage, Depends(ConnectionPages())]
Entered = Annotated[LinkPage, Depends(CompanyPages(entry=True, journey=True))]
EnteredConnection = Annotated[ConnectionPage, Depends(ConnectionPages(entry=True))]
FormToken = Annotated[str, Form()]


Page = TypeVar("Page", bound=LinkPage)


class _Form:
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose

    def checked(self, page: Page, csrf: str) -> Page:
        if not page.visit.accepts(self.purpose, csrf):
            raise pages.form_expired()
        return page


class CompanyForm(_Form):
    """A form of a company's page, accepted with the token its page was given."""

    async def __call__(self, page: CompanyVisit, csrf: FormToken = "") -> LinkPage:
        return self.checked(page, csrf)


class ConnectionForm(_Form):
    """A form of a connection's page, accepted with the token its page was given."""

    async def __call__(self, page: ConnectionVisit, csrf: FormToken = "") -> ConnectionPage:
        return self.checked(page, csrf)


ConnectForm = Annotated[LinkPage, Depends(CompanyForm(CONNECT))]
CancelForm = Annotated[LinkPage, Depends(CompanyForm(CANCEL))]
ApproveForm = Annotated[ConnectionPage, Depends(ConnectionForm(APPROVE))]
CredentialsForm = Annotated[ConnectionPage, Depends(ConnectionForm(CREDENTIALS))]
WidgetForm = Annotated[ConnectionPage, Depends(ConnectionForm(WIDGET))]
LandingForm = Annotated[LinkPage, Depends(CompanyForm(LANDING))]
CompanyNameForm = Annotated[LinkPage, Depends(CompanyForm(COMPANY_NAME))]
SkipForm = Annotated[LinkPage, Depends(CompanyForm(SKIP))]
RevokeForm = Annotated[ConnectionPage, Depends(ConnectionForm(REVOKE))]
