"""`/link`: the hosted Link pages a business goes through to connect its software, and the OAuth callback.

Entry pages: `company.redirect` (`/link/company/{companyId}`) and `connection.linkUrl`
(`/link/companies/{companyId}/connections/{connectionId}/start`). What every other page begins with (the
company, the visit, a form's token) is in `link.dependencies`; the rules are in `link.service`; the pages
around the journey's connections (landing, company name, skip, exit, the business's connections) are in
`link.journey_pages`.
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
from ledgerlink.kit.errors import correlation_id
from ledgerlink.kit.pages import PageError
from ledgerlink.kit.secrets import Secrets
from ledgerlink.kit.urls import ServerUrls
from ledgerlink.link import embed, journey_pages, service, uploads, visit
from ledgerlink.link.dependencies import (
    APPROVE,
    CANCEL,
    CONNECT,
    CREDENTIALS,
    SKIP,
    WIDGET,
    ApproveForm,
    CancelForm,
    CompanyVisit,
    ConnectForm,
    ConnectionPage,
    ConnectionVisit,
    CredentialsForm,
    Entered,
    EnteredConnection,
    LinkPage,
    WidgetForm,
    render,
)
from ledgerlink.link.presentation import data_type_title
from ledgerlink.link.service import LinkTarget
from ledgerlink.oauth import flow

router = APIRouter(prefix="/link", include_in_schema=False)
router.include_router(journey_pages.router)
# File uploads instead of (or besides) connecting software (link/uploads.py).
router.include_router(uploads.router)
# Link in a frame of the client's own page, and its script (link/embed.py).
router.include_router(embed.router)


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


@router.get("/{companyId}/link")
async def legacy_company_link(companyId: str, request: Request) -> Response:
    """Codat's older `redirect` form."""
    query = f"?{request.url.query}" if request.url.query else ""
    return pages.redirect(f"/link/company/{companyId}{query}", status_code=307)


@router.get("/company/{companyId}")
async def choose_software(page: Entered, session: Session, q: str = "", sourceType: str = "") -> Response:
    """The journey's current source type (or the one `sourceType` names): its software to choose from."""
    before = journey_pages.before_choosing(page)
    if before is not None:
        return page.keep(before)
    walk = journey_pages.of_visit(page)
    step = walk.step(sourceType) if sourceType else walk.current
    if step is None and sourceType:
        raise PageError(
            404, "This step is not part of connecting", "Go back and carry on from where you were."
        )
    if step is None:
        return page.keep(journey_pages.finished(page, walk))
    offered = await service.offered(session, page.target, page.visit, page.urls)
    group = [i for i in offered.get(step.source_type, []) if step.options.allows(i.key)]
    search = q.strip().lower()
    if search:
        group = [i for i in group if search in i.name.lower()]
    return page.keep(
        page.render(
            "choose.html",
            groups={step.source_type: group} if group else {},
            search=q,
            step=1,
            journey=walk,
            current_step=step,
            skip_token=page.visit.form_token(SKIP),
        )
    )


def _allowed(page: LinkPage, key: str) -> None:
    """Software the business picks itself must be one the journey offers (the settings' allowed ones)."""
    if not journey_pages.of_visit(page).allows(key):
        raise PageError(404, "This software is not offered", "Go back and choose another.")


@router.get("/company/{companyId}/integrations/{key}")
async def review(key: str, page: CompanyVisit, session: Session) -> Response:
    connector = await service.chosen(session, page.target, key)
    _allowed(page, key)
    return page.render(
        "review.html",
        connector=connector.info,
        logo_url=page.urls.integration_image(key, "square"),
        data_types=[data_type_title(data_type) for data_type in connector.info.data_types],
        connect_token=page.visit.form_token(CONNECT),
        cancel_token=page.visit.form_token(CANCEL),
        step=2,
    )


@router.post("/company/{companyId}/integrations/{key}/connect")
async def connect(key: str, page: ConnectForm, session: Session) -> Response:
    connector = await service.chosen(session, page.target, key)
    _allowed(page, key)
    linked = service.already_linked(page.target, connector)
    if linked is not None:
        return pages.redirect(_complete_path(page.target, linked, 201))
    connection = await service.connection_for(session, page.target, connector, page.urls)
    return pages.redirect(_authorize_path(page.target, connection))


@router.get("/companies/{companyId}/connections/{connectionId}/start")
async def start(page: EnteredConnection) -> Response:
    """`connection.linkUrl`: straight to this connection's authorization (resume or re-link in place)."""
    if page.connection.status == ConnectionStatus.LINKED.value:
        target = _complete_path(page.target, page.connection, 201)
    else:
        target = _authorize_path(page.target, page.connection)
    return page.keep(pages.redirect(target))


@router.get("/companies/{companyId}/connections/{connectionId}/authorize")
async def authorize(request: Request, page: ConnectionVisit, session: Session) -> Response:
    connection = page.connection
    if connection.status == ConnectionStatus.LINKED.value:
        return pages.redirect(_complete_path(page.target, connection, 201))
    connector = await service.chosen(session, page.target, connection.integration_key)
    if connector.oauth is not None:
        if page.visit.embed_origin:
            raise service.signs_in_elsewhere(connector, page.target)
        try:
            started = await flow.start(_runtime(request), connection.id)
        except OAuthNotConfigured:  # its app credentials were removed a moment ago
            raise service.not_available(connector) from None
        return pages.redirect(started.url)
    if connector.widget is not None:
        return await _widget_page(page, session)
    if connector.info.credential_fields:
        return _credentials_form(page)
    return page.render(
        "approve.html",
        connector=connector.info,
        connection=connection,
        logo_url=page.urls.integration_image(connector.info.key, "square"),
        data_types=[data_type_title(data_type) for data_type in connector.info.data_types],
        approve_token=page.visit.form_token(APPROVE),
        cancel_token=page.visit.form_token(CANCEL),
        step=3,
    )


def _credentials_form(
    page: ConnectionPage, *, given: dict[str, str] | None = None, error: str | None = None
) -> Response:
    connector = registry.get(page.connection.integration_key)
    assert connector is not None
    response = page.render(
        "credentials.html",
        connector=connector.info,
        connection=page.connection,
        logo_url=page.urls.integration_image(connector.info.key, "square"),
        given=given or {},
        error=error,
        credentials_token=page.visit.form_token(CREDENTIALS),
        cancel_token=page.visit.form_token(CANCEL),
        step=3,
    )
    if error:
        response.status_code = 422
    return response


@router.post("/companies/{companyId}/connections/{connectionId}/credentials")
async def submit_credentials(request: Request, page: CredentialsForm, session: Session) -> Response:
    target, connection = page.target, page.connection
    connector = await service.chosen(session, target, connection.integration_key)
    if not connector.info.credential_fields:
        raise PageError(400, "This software does not sign in with a form", "Go back and try again.")
    form = await request.form()
    given = {field.name: str(form.get(field.name, "")) for field in connector.info.credential_fields}
    try:
        await service.link_with_credentials(session, target, connection, given, page.secrets, page.urls)
    except service.CredentialsRejected as rejected:
        # Secrets are not echoed back into the form.
        shown = {f.name: given[f.name] for f in connector.info.credential_fields if not f.secret}
        return _credentials_form(page, given=shown, error=str(rejected))
    return pages.redirect(_complete_path(target, connection, 200))


async def _widget_page(page: ConnectionPage, session: Session) -> Response:
    """The platform's own widget (Plaid Link), opened by its script on this page."""
    connector = registry.get(page.connection.integration_key)
    assert connector is not None
    started = await service.start_widget(session, page.target, page.connection, connector, page.secrets)
    response = page.render(
        "widget.html",
        connector=connector.info,
        connection=page.connection,
        logo_url=page.urls.integration_image(connector.info.key, "square"),
        widget=started.widget,
        widget_config=started.config,
        widget_token=page.visit.form_token(WIDGET),
        cancel_token=page.visit.form_token(CANCEL),
        step=3,
    )
    policy = started.content_security_policy
    if page.visit.embed_origin:
        policy = pages.frame_ancestors(policy, page.visit.embed_origin)
    response.headers["Content-Security-Policy"] = policy
    return response


@router.post("/companies/{companyId}/connections/{connectionId}/widget")
async def complete_widget(
    page: WidgetForm,
    session: Session,
    token: Annotated[str, Form()] = "",
    error: Annotated[str, Form()] = "",
) -> Response:
    """What the platform's widget handed back: a one-time token to exchange, or the error it ended with."""
    target, connection = page.target, page.connection
    connector = await service.chosen(session, target, connection.integration_key)
    if connector.widget is None:
        raise PageError(400, "This software does not sign in here", "Go back and try again.")
    if connection.status == ConnectionStatus.LINKED.value:
        return pages.redirect(_complete_path(target, connection, 201))
    try:
        if error or not token:
            raise service.WidgetFailed(
                f"{connector.info.name} could not finish connecting your bank"
                + (f" ({error[:100]})." if error else ".")
            )
        await service.link_with_widget(session, target, connection, token, page.secrets, page.urls)
    except service.WidgetFailed as failed:
        service.report_failure(session, target, connection, page.urls)
        response = _failed(page.request, target, connection, page.visit, str(failed))
        response.status_code = 502
        return response
    return pages.redirect(_complete_path(target, connection, 200))


@router.post("/companies/{companyId}/connections/{connectionId}/approve")
async def approve(page: ApproveForm, session: Session) -> Response:
    """The Sandbox's own consent: its books open to the client."""
    target, connection = page.target, page.connection
    connector = await service.chosen(session, target, connection.integration_key)
    if connector.oauth is not None or not connector.info.is_sandbox:
        raise PageError(400, "This software signs in on its own site", "Go back and use its sign-in button.")
    await service.approve_sandbox(session, target, connection, page.secrets, page.urls)
    return pages.redirect(_complete_path(target, connection, 200))


@router.get("/companies/{companyId}/connections/{connectionId}/complete")
async def complete(page: ConnectionVisit, statusCode: int = 200) -> Response:
    connection = page.connection
    if connection.status != ConnectionStatus.LINKED.value:
        return pages.redirect(_authorize_path(page.target, connection))
    status_code = 201 if statusCode == 201 else 200
    connector = registry.get(connection.integration_key)
    # A visit walking the journey goes on to its next source type; one for this connection only ends here.
    walk = journey_pages.of_visit(page) if page.visit.journey and not page.visit.return_to else None
    finish_url = service.redirect_url(page.target, connection, status_code, page.visit)
    return page.render(
        "complete.html",
        connector=connector.info if connector else None,
        connection=connection,
        already=status_code == 201,
        next_step=walk.current if walk else None,
        continue_url=journey_pages.start_path(page),
        finish_url=finish_url if walk is None or walk.can_finish else None,
        journey=walk,
        step=4,
        event=embed.connection_event(connection),
    )


@router.post("/company/{companyId}/cancel")
async def cancel(page: CancelForm, connectionId: Annotated[str, Form()] = "") -> Response:
    connection = service.connection_in(page.target, connectionId) if connectionId else None
    return _cancelled(page.request, page.target, connection, page.visit)


def _cancelled(
    request: Request, target: LinkTarget, connection: Connection | None, current: visit.Visit | None
) -> Response:
    back = service.redirect_url(target, connection, 403, current)
    if back:
        return pages.redirect(back)
    return render(request, "cancelled.html", target, current)


def _failed(
    request: Request, target: LinkTarget, connection: Connection, current: visit.Visit | None, message: str
) -> Response:
    """Linking ended in the platform's error: try again, or go back to the client with status 500."""
    connector = registry.get(connection.integration_key)
    return render(
        request,
        "failed.html",
        target,
        current,
        connection=connection,
        connector=connector.info if connector else None,
        message=message,
        retry_url=_authorize_path(target, connection),
        back_url=service.redirect_url(target, connection, 500, current),
        event=(
            "onError",
            {
                "correlationId": correlation_id(request),
                "message": message,
                "errorCode": 502,
                "userRecoverable": True,
            },
        ),
    )


@router.get("/oauth/callback")
async def oauth_callback(
    request: Request,
    session: Session,
    secrets: Secrets,
    urls: ServerUrls,
    state: str = "",
    code: str = "",
    error: str = "",
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
            target = await service.load(session, str(await _company_of(session, connection_id)))
            connection = service.connection_in(target, str(connection_id))
            current = visit.read(request, secrets, target.company.id)
            return _cancelled(request, target, connection, current)
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
        target = await service.load(
            session, str(await _company_of(session, failed.connection_id)), for_update=True
        )
        connection = service.connection_in(target, str(failed.connection_id))
        service.report_failure(session, target, connection, urls)
        return _failed(
            request, target, connection, visit.read(request, secrets, target.company.id), str(failed)
        )
    target = await service.load(session, str(connection.company_id))
    return pages.redirect(_complete_path(target, connection, 200))


async def _company_of(session: Session, connection_id: uuid.UUID) -> uuid.UUID:
    connection = await session.get(Connection, connection_id)
    if connection is None:
        raise PageError(
            404, "This connection no longer exists", "Start linking again from the link you were given."
        )
    return connection.company_id


def _authorize_path(target: LinkTarget, connection: Connection) -> str:
    return f"/link/companies/{target.company.id}/connections/{connection.id}/authorize"


def _complete_path(target: LinkTarget, connection: Connection, status_code: int) -> str:
    return (
        f"/link/companies/{target.company.id}/connections/{connection.id}/complete?statusCode={status_code}"
    )
