"""Push endpoints: `POST .../connections/{connectionId}/push/{dataType}` (and a bank account's
`.../push/bankAccounts/{accountId}/bankTransactions`), `PUT` and `DELETE .../push/{dataType}/{id}`,
`GET /companies/{companyId}/push[/{pushOperationKey}]` and `GET .../connections/{connectionId}/options/...`.

Every push takes an `Idempotency-Key` header: asked again with it, the first operation is the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.push import service
from ledgerlink.push.views import create_response_view, push_operation_view

router = APIRouter(tags=["Push data"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
TimeoutInMinutes = Annotated[int | None, Query(alias="timeoutInMinutes")]
AllowSync = Annotated[bool, Query(alias="allowSyncOnPushComplete")]


@router.post("/companies/{companyId}/connections/{connectionId}/push/{dataPath}")
async def create_record(
    companyId: str,
    connectionId: str,
    dataPath: str,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[Any, Body()] = None,
    timeout_in_minutes: TimeoutInMinutes = None,
    allow_sync: AllowSync = True,
) -> Response:
    operation = await service.create(
        session,
        principal,
        companyId,
        connectionId,
        dataPath,
        body,
        idempotency_key=idempotency_key,
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=allow_sync,
    )
    return json(create_response_view(operation))


@router.post(
    "/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}/bankTransactions"
)
async def create_bank_transactions(
    companyId: str,
    connectionId: str,
    accountId: str,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[Any, Body()] = None,
    timeout_in_minutes: TimeoutInMinutes = None,
    allow_sync: AllowSync = True,
) -> Response:
    operation = await service.create(
        session,
        principal,
        companyId,
        connectionId,
        "bankTransactions",
        body,
        account_id=accountId,
        idempotency_key=idempotency_key,
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=allow_sync,
    )
    return json(create_response_view(operation))


@router.put("/companies/{companyId}/connections/{connectionId}/push/{dataPath}/{recordId}")
async def update_record(
    companyId: str,
    connectionId: str,
    dataPath: str,
    recordId: str,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[Any, Body()] = None,
    timeout_in_minutes: TimeoutInMinutes = None,
    force_update: Annotated[bool, Query(alias="forceUpdate")] = False,
) -> Response:
    operation = await service.update(
        session,
        principal,
        companyId,
        connectionId,
        dataPath,
        recordId,
        body,
        idempotency_key=idempotency_key,
        timeout_in_minutes=timeout_in_minutes,
        force_update=force_update,
    )
    return json(create_response_view(operation))


@router.delete("/companies/{companyId}/connections/{connectionId}/push/{dataPath}/{recordId}")
async def delete_record(
    companyId: str,
    connectionId: str,
    dataPath: str,
    recordId: str,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    operation = await service.delete(
        session, principal, companyId, connectionId, dataPath, recordId, idempotency_key=idempotency_key
    )
    return json(push_operation_view(operation))


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


@router.get(
    "/companies/{companyId}/connections/{connectionId}/options/bankAccounts/{accountId}/bankTransactions"
)
async def get_bank_transactions_push_options(
    companyId: str, connectionId: str, accountId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    """The create model of bank transactions (the same for every bank account of the connection)."""
    return json(await service.push_options(session, principal, companyId, connectionId, "bankTransactions"))
