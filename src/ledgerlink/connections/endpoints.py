"""`/companies/{companyId}/connections`: list, create, get, delete, unlink and authorize."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response

from ledgerlink.connections import service
from ledgerlink.connections.views import connection_view
from ledgerlink.kit.auth import CurrentPrincipal, Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import empty_ok, json
from ledgerlink.kit.secrets import Secrets
from ledgerlink.kit.urls import Urls

router = APIRouter(tags=["Connections"])

JsonBody = Annotated[Any, Body()]


@router.get("/companies/{companyId}/connections")
async def list_connections(
    companyId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    connections, total = await service.list_connections(session, principal, companyId, params)
    return json(page_envelope(request, params, [connection_view(c, urls) for c in connections], total))


@router.post("/companies/{companyId}/connections")
async def create_connection(
    companyId: str, principal: CurrentPrincipal, session: Session, urls: Urls, body: JsonBody = None
) -> Response:
    platform_key = service.platform_key_from_body(body)
    connection = await service.create(session, principal, companyId, platform_key, urls)
    return json(connection_view(connection, urls))


@router.get("/companies/{companyId}/connections/{connectionId}")
async def get_connection(
    companyId: str, connectionId: str, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    _, connection = await service.get(session, principal, companyId, connectionId)
    return json(connection_view(connection, urls))


@router.delete("/companies/{companyId}/connections/{connectionId}")
async def delete_connection(
    companyId: str, connectionId: str, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    await service.delete(session, principal, companyId, connectionId, urls)
    return empty_ok()


@router.patch("/companies/{companyId}/connections/{connectionId}")
async def unlink_connection(
    companyId: str,
    connectionId: str,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    body: JsonBody = None,
) -> Response:
    connection = await service.unlink(session, principal, companyId, connectionId, body, urls)
    return json(connection_view(connection, urls))


@router.put("/companies/{companyId}/connections/{connectionId}/authorization")
async def authorize_connection(
    companyId: str,
    connectionId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    secrets: Secrets,
    body: JsonBody = None,
) -> Response:
    connection = await service.authorize(
        session,
        principal,
        companyId,
        connectionId,
        body,
        secrets,
        urls,
        max_scale=request.app.state.settings.sandbox_max_scale,
    )
    return json(connection_view(connection, urls))
