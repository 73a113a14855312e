"""Push endpoints: `POST .../connections/{connectionId}/push/{dataType}`,
`GET /companies/{companyId}/push[/{pushOperationKey}]`
and `GET .../connections/{connectionId}/options/{dataType}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.kit.auth import CurrentPrincipal, Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.push import service
from ledgerlink.push.views import create_response_view, push_operation_view

router = APIRouter(tags=["Push data"])


@router.post("/companies/{companyId}/connections/{connectionId}/push/{dataPath}")
async def create_record(
    companyId: str,
    connectionId: str,
    dataPath: str,
    principal: CurrentPrincipal,
    session: Session,
    body: Annotated[Any, Body()] = None,
    timeout_in_minutes: Annotated[int | None, Query(alias="timeoutInMinutes")] = None,
    allow_sync: Annotated[bool, Query(alias="allowSyncOnPushComplete")] = True,
) -> Response:
    operation = await service.create(
        session,
        principal,
        companyId,
        connectionId,
        dataPath,
        body,
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=allow_sync,
    )
    return json(create_response_view(operation))


@router.get("/companies/{companyId}/push")
async def list_push_operations(
    companyId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    operations, total = await service.list_history(session, principal, companyId, params)
    return json(page_envelope(request, params, [push_operation_view(o) for o in operations], total))


@router.get("/companies/{companyId}/push/{pushOperationKey}")
async def get_push_operation(
    companyId: str, pushOperationKey: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(
        push_operation_view(await service.get_operation(session, principal, companyId, pushOperationKey))
    )


@router.get("/companies/{companyId}/connections/{connectionId}/options/{dataType}")
async def get_push_options(
    companyId: str, connectionId: str, dataType: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(await service.push_options(session, principal, companyId, connectionId, dataType))
