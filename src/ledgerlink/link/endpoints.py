"""`/link`: the hosted Link pages a business goes through to connect its software, and the OAuth callback.

Entry pages: `company.redirect` (`/link/company/{companyId}`) and `connection.linkUrl`
(`/link/companies/{companyId}/connections/{connectionId}/start`). The rules are in `link.service`.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthNotConfigured
from ledgerlink.jobs import Runtime
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pages import PageError
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import LINK_CODE_PARAMETER, PublicUrls
from ledgerlink.link import service, visit
from ledgerlink.link.presentation import data_type_title
from ledgerlink.oauth import flow

router = APIRouter(prefix="/link", include_in_schema=False)

CONNECT, APPROVE, CREDENTIALS, CANCEL = "connect", "approve", "credentials", "cancel"
WIDGET = "widget"


def _urls(request: Request) -> PublicUrls:
    return request.app.state.urls


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _secrets(request: Request) -> SecretBox:
    return request.app.state.secrets


def _current(request: Request, entry: service.Entry) -> visit.Visit | None:
    return visit.read(request, request.app.state.secrets, entry.company.id)


def _keep(request: Request, response: Response, current: visit.Visit) -> Response:
    return visit.keep(
        response, current, request.app.state.secrets, secure=_urls(request).base.startswith("https:")
    )


def _page(
    request: Request, template: str, entry: service.Entry, current: visit.Visit | None, **context: object
) -> Response:
    return pages.render(
        request,
        f"link/{template}",
        {"client": entry.client, "company": entry.company, "visit": current, **context},
    )


async def _enter(request: Request, session: Session, entry: service.Entry) -> visit.Visit:
    return await service.enter(
        session,
        entry,
        request.query_params.get(LINK_CODE_PARAMETER),
        _current(request, entry),
        request.app.state.link_code_key,
        visit.parameters_of(request, leave_out=(LINK_CODE_PARAMETER, "q")),
    )


@router.get("/{companyId}/link")
async def legacy_company_link(companyId: str, request: Request) -> Response:
    """Codat's older `redirect` form."""
    query = f"?{request.url.query}" if request.url.query else ""
    return pages.redirect(f"/link/company/{companyId}{query}", status_code=307)


@router.get("/company/{companyId}")
async def choose_software(companyId: str, request: Request, session: Session, q: str = "") -> Response:
    entry = await service.load(session, companyId)
    current = await _enter(request, session, entry)
    groups = await service.offered(session, entry, current, _urls(request), _secrets(request))
    search = q.strip().lower()
    if search:
        groups = {t: [i for i in group if search in i.name.lower()] for t, group in groups.items()}
        groups = {t: group for t, group in groups.items() if group}
    response = _page(request, "choose.html", entry, current, groups=groups, search=q, step=1)
    return _keep(request, response, current)


@router.get("/company/{companyId}/integrations/{key}")
async def review(companyId: str, key: str, request: Request, session: Session) -> Response:
    entry = await service.load(session, companyId)
    current = service.require(_current(request, entry))
    connector = await service.chosen(session, entry, key, _secrets(request))
    data_types = [data_type_title(data_type) for data_type in connector.info.data_types]
    return _page(
        request,
        "review.html",
        entry,
        current,
        connector=connector.info,
        logo_url=_urls(request).integration_image(key, "square"),
        data_types=data_types,
        connect_token=current.form_token(CONNECT),
        cancel_token=current.form_token(CANCEL),
        step=2,
    )


@router.post("/company/{companyId}/integrations/{key}/connect")
async def connect(
    companyId: str, key: str, request: Request, session: Session, csrf: Annotated[str, Form()] = ""
) -> Response:
    entry = await service.load(session, companyId, for_update=True)
    current = service.require(_current(request, entry))
    if not current.accepts(CONNECT, csrf):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    connector = await service.chosen(session, entry, key, _secrets(request))
    linked = service.already_linked(entry, connector)
    if linked is not None:
        return pages.redirect(_complete_path(entry, linked, 201))
    connection = await service.connection_for(session, entry, connector, _urls(request))
    return pages.redirect(_authorize_path(entry, connection))


@router.get("/companies/{companyId}/connections/{connectionId}/start")
async def start(companyId: str, connectionId: str, request: Request, session: Session) -> Response:
    """`connection.linkUrl`: straight to this connection's authorization (resume or re-link in place)."""
    entry = await service.load(session, companyId)
    connection = service.connection_in(entry, connectionId)
    current = await _enter(request, session, entry)
    if connection.status == ConnectionStatus.LINKED.value:
        target = _complete_path(entry, connection, 201)
    else:
        target = _authorize_path(entry, connection)
    return _keep(request, pages.redirect(target), current)


@router.get("/companies/{companyId}/connections/{connectionId}/authorize")
async def authorize(companyId: str, connectionId: str, request: Request, session: Session) -> Response:
    entry = await service.load(session, companyId)
    connection = service.connection_in(entry, connectionId)
    current = service.require(_current(request, entry))
    if connection.status == ConnectionStatus.LINKED.value:
        return pages.redirect(_complete_path(entry, connection, 201))
    connector = await service.chosen(session, entry, connection.integration_key, _secrets(request))
    if connector.oauth is not None:
        try:
            started = await flow.start(_runtime(request), connection.id)
        except OAuthNotConfigured:  # its app credentials were removed a moment ago
            raise service.not_available(connector) from None
        return pages.redirect(started.url)
    if connector.widget is not None:
        return await _widget_page(request, session, entry, current, connection)
    if connector.info.credential_fields:
        return _credentials_form(request, entry, current, connection)
    return _page(
        request,
        "approve.html",
        entry,
        current,
        connector=connector.info,
        connection=connection,
        logo_url=_urls(request).integration_image(connector.info.key, "square"),
        data_types=[data_type_title(data_type) for data_type in connector.info.data_types],
        approve_token=current.form_token(APPROVE),
        cancel_token=current.form_token(CANCEL),
        step=3,
    )


def _credentials_form(
    request: Request,
    entry: service.Entry,
    current: visit.Visit,
    connection: Connection,
    *,
    given: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    connector = registry.get(connection.integration_key)
    assert connector is not None
    response = _page(
        request,
        "credentials.html",
        entry,
        current,
        connector=connector.info,
        connection=connection,
        logo_url=_urls(request).integration_image(connector.info.key, "square"),
        given=given or {},
        error=error,
        credentials_token=current.form_token(CREDENTIALS),
        cancel_token=current.form_token(CANCEL),
        step=3,
    )
    if error:
        response.status_code = 422
    return response


@router.post("/companies/{companyId}/connections/{connectionId}/credentials")
async def submit_credentials(
    companyId: str, connectionId: str, request: Request, session: Session
) -> Response:
    entry = await service.load(session, companyId, for_update=True)
    connection = service.connection_in(entry, connectionId)
    current = service.require(_current(request, entry))
    form = await request.form()
    if not current.accepts(CREDENTIALS, str(form.get("csrf", ""))):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    connector = await service.chosen(session, entry, connection.integration_key, _secrets(request))
    if not connector.info.credential_fields:
        raise PageError(400, "This software does not sign in with a form", "Go back and try again.")
    given = {field.name: str(form.get(field.name, "")) for field in connector.info.credential_fields}
    try:
        await service.link_with_credentials(
            session, entry, connection, given, request.app.state.secrets, _urls(request)
        )
    except service.CredentialsRejected as rejected:
        # Secrets are not echoed back into the form.
        shown = {f.name: given[f.name] for f in connector.info.credential_fields if not f.secret}
        return _credentials_form(request, entry, current, connection, given=shown, error=str(rejected))
    return pages.redirect(_complete_path(entry, connection, 200))


async def _widget_page(
    request: Request, session: Session, entry: service.Entry, current: visit.Visit, connection: Connection
) -> Response:
    """The platform's own widget (Plaid Link), opened by its script on this page."""
    connector = registry.get(connection.integration_key)
    assert connector is not None
    started = await service.start_widget(session, entry, connection, connector, _secrets(request))
    response = _page(
        request,
        "widget.html",
        entry,
        current,
        connector=connector.info,
        connection=connection,
        logo_url=_urls(request).integration_image(connector.info.key, "square"),
        widget=started.widget,
        widget_config=started.config,
        widget_token=current.form_token(WIDGET),
        cancel_token=current.form_token(CANCEL),
        step=3,
    )
    response.headers["Content-Security-Policy"] = started.content_security_policy
    return response


@router.post("/companies/{companyId}/connections/{connectionId}/widget")
async def complete_widget(
    companyId: str,
    connectionId: str,
    request: Request,
    session: Session,
    csrf: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    error: Annotated[str, Form()] = "",
) -> Response:
    """What the platform's widget handed back: a one-time token to exchange, or the error it ended with."""
    entry = await service.load(session, companyId, for_update=True)
    connection = service.connection_in(entry, connectionId)
    current = service.require(_current(request, entry))
    if not current.accepts(WIDGET, csrf):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    connector = await service.chosen(session, entry, connection.integration_key, _secrets(request))
    if connector.widget is None:
        raise PageError(400, "This software does not sign in here", "Go back and try again.")
    if connection.status == ConnectionStatus.LINKED.value:
        return pages.redirect(_complete_path(entry, connection, 201))
    try:
        if error or not token:
            raise service.WidgetFailed(
                f"{connector.info.name} could not finish connecting your bank"
                + (f" ({error[:100]})." if error else ".")
            )
        await service.link_with_widget(
            session, entry, connection, token, request.app.state.secrets, _urls(request)
        )
    except service.WidgetFailed as failed:
        service.report_failure(session, entry, connection, _urls(request))
        response = _page(
            request,
            "failed.html",
            entry,
            current,
            connection=connection,
            connector=connector.info,
            message=str(failed),
            retry_url=_authorize_path(entry, connection),
            back_url=service.redirect_url(entry, connection, 500, current),
        )
        response.status_code = 502
        return response
    return pages.redirect(_complete_path(entry, connection, 200))


@router.post("/companies/{companyId}/connections/{connectionId}/approve")
async def approve(
    companyId: str, connectionId: str, request: Request, session: Session, csrf: Annotated[str, Form()] = ""
) -> Response:
    """The Sandbox's own consent: its books open to the client."""
    entry = await service.load(session, companyId, for_update=True)
    connection = service.connection_in(entry, connectionId)
    current = service.require(_current(request, entry))
    if not current.accepts(APPROVE, csrf):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    connector = await service.chosen(session, entry, connection.integration_key, _secrets(request))
    if connector.oauth is not None or not connector.info.is_sandbox:
        raise PageError(400, "This software signs in on its own site", "Go back and use its sign-in button.")
    await service.approve_sandbox(session, entry, connection, request.app.state.secrets, _urls(request))
    return pages.redirect(_complete_path(entry, connection, 200))


@router.get("/companies/{companyId}/connections/{connectionId}/complete")
async def complete(
    companyId: str, connectionId: str, request: Request, session: Session, statusCode: int = 200
) -> Response:
    entry = await service.load(session, companyId)
    connection = service.connection_in(entry, connectionId)
    current = service.require(_current(request, entry))
    if connection.status != ConnectionStatus.LINKED.value:
        return pages.redirect(_authorize_path(entry, connection))
    status_code = 201 if statusCode == 201 else 200
    connector = registry.get(connection.integration_key)
    return _page(
        request,
        "complete.html",
        entry,
        current,
        connector=connector.info if connector else None,
        connection=connection,
        already=status_code == 201,
        finish_url=service.redirect_url(entry, connection, status_code, current),
        step=4,
    )


@router.post("/company/{companyId}/cancel")
async def cancel(
    companyId: str,
    request: Request,
    session: Session,
    csrf: Annotated[str, Form()] = "",
    connectionId: Annotated[str, Form()] = "",
) -> Response:
    entry = await service.load(session, companyId)
    current = service.require(_current(request, entry))
    if not current.accepts(CANCEL, csrf):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    connection = service.connection_in(entry, connectionId) if connectionId else None
    return _cancelled(request, entry, connection, current)


def _cancelled(
    request: Request, entry: service.Entry, connection: Connection | None, current: visit.Visit | None
) -> Response:
    target = service.redirect_url(entry, connection, 403, current)
    if target:
        return pages.redirect(target)
    return _page(request, "cancelled.html", entry, current)


@router.get("/oauth/callback")
async def oauth_callback(
    request: Request, session: Session, state: str = "", code: str = "", error: str = ""
) -> Response:
    """Where a platform sends the business back after its consent page."""
    if not state:
        raise PageError(
            400, "This sign-in cannot be completed", "The platform sent no state. Start linking again."
        )
    runtime = _runtime(request)
    try:
        if error:
            connection_id = await flow.abandon(runtime, state)
            entry = await service.load(session, str(await _company_of(session, connection_id)))
            connection = service.connection_in(entry, str(connection_id))
            return _cancelled(request, entry, connection, _current(request, entry))
        if not code:
            raise PageError(
                400, "This sign-in cannot be completed", "The platform sent no code. Start linking again."
            )
        # Platforms may add their own parameters beside the code (QuickBooks: `realmId`).
        extra = {k: v for k, v in request.query_params.items() if k not in ("state", "code", "error")}
        connection = await flow.complete(runtime, state, code, extra)
    except flow.AuthorizationStateInvalid as invalid:
        raise PageError(400, "This sign-in cannot be completed", str(invalid)) from None
    except flow.AuthorizationFailed as failed:
        if failed.connection_id is None:
            raise PageError(400, "This sign-in cannot be completed", str(failed)) from None
        entry = await service.load(
            session, str(await _company_of(session, failed.connection_id)), for_update=True
        )
        connection = service.connection_in(entry, str(failed.connection_id))
        service.report_failure(session, entry, connection, _urls(request))
        current = _current(request, entry)
        connector = registry.get(connection.integration_key)
        return _page(
            request,
            "failed.html",
            entry,
            current,
            connection=connection,
            connector=connector.info if connector else None,
            message=str(failed),
            retry_url=_authorize_path(entry, connection),
            back_url=service.redirect_url(entry, connection, 500, current),
        )
    entry = await service.load(session, str(connection.company_id))
    return pages.redirect(_complete_path(entry, connection, 200))


async def _company_of(session: Session, connection_id: uuid.UUID) -> uuid.UUID:
    connection = await session.get(Connection, connection_id)
    if connection is None:
        raise PageError(
            404, "This connection no longer exists", "Start linking again from the link you were given."
        )
    return connection.company_id


def _authorize_path(entry: service.Entry, connection: Connection) -> str:
    return f"/link/companies/{entry.company.id}/connections/{connection.id}/authorize"


def _complete_path(entry: service.Entry, connection: Connection, status_code: int) -> str:
    return f"/link/companies/{entry.company.id}/connections/{connection.id}/complete?statusCode={status_code}"
