"""Codat's data integrity endpoints: a company's match results for one data type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.integrity import service
from ledgerlink.lending.integrity.service import DataType

router = APIRouter(
    prefix="/data/companies/{companyId}/assess/dataTypes/{dataType}/dataIntegrity", tags=["Data integrity"]
)


@router.get("/status")
async def get_data_integrity_status(
    companyId: str, dataType: DataType, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(await service.status(session, principal, companyId, dataType))


@router.get("/summaries")
async def get_data_integrity_summaries(
    companyId: str,
    dataType: DataType,
    principal: CurrentPrincipal,
    session: Session,
    query: Annotated[str | None, Query()] = None,
) -> Response:
    return json(await service.summaries(session, principal, companyId, dataType, query))


@router.get("/details")
async def list_data_integrity_details(
    request: Request,
    companyId: str,
    dataType: DataType,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    results, total = await service.details(session, principal, companyId, dataType, params)
    return json(page_envelope(request, params, results, total))
