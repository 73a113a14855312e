"""`/companies/{companyId}/data/all`, `/data/queue/{dataType}` (and the older `POST /data/info`),
`/data/history` and `/dataStatus`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json, no_content
from ledgerlink.sync import service
from ledgerlink.sync.views import pull_operation_view

router = APIRouter(tags=["Refresh data"])


@router.post("/companies/{companyId}/data/all", status_code=204)
async def refresh_all(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    await service.refresh_all(session, principal, companyId)
    return no_content()


@router.post("/companies/{companyId}/data/queue/{dataType}")
async def refresh_data_type(
    companyId: str,
    dataType: str,
    principal: CurrentPrincipal,
    session: Session,
    connection_id: Annotated[str | None, Query(alias="connectionId")] = None,
) -> Response:
    pull = await service.refresh_data_type(session, principal, companyId, dataType, connection_id)
    return json(pull_operation_view(pull))


@router.post("/companies/{companyId}/data/info", deprecated=True)
async def refresh_company_info(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    """Codat's older `refresh-company-info` (Accounting API, still called by its older SDKs): queues the
    company info (`company`) exactly as `data/queue/company` does; the pull operation is the `Dataset` it
    answers."""
    pull = await service.refresh_data_type(session, principal, companyId, "company", None)
    return json(pull_operation_view(pull))


@router.get("/companies/{companyId}/data/history")
async def list_pull_operations(
    companyId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    pulls, total = await service.list_history(session, principal, companyId, params)
    return json(page_envelope(request, params, [pull_operation_view(p) for p in pulls], total))


@router.get("/companies/{companyId}/data/history/{datasetId}")
async def get_pull_operation(
    companyId: str, datasetId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(pull_operation_view(await service.get_pull(session, principal, companyId, datasetId)))


@router.get("/companies/{companyId}/dataStatus")
async def get_data_status(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json(await service.data_status(session, principal, companyId))
