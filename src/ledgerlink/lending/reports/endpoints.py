"""Report endpoints: `POST /companies/{companyId}/reports/{reportType}`, its status
(`.../reports/{reportType}/{reportId}/status`, `latest` as the id) and the list,
`GET /companies/{companyId}/reports`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.reports import service
from ledgerlink.lending.reports.views import report_view

router = APIRouter(tags=["Manage reports"])


@router.post("/companies/{companyId}/reports/{reportType}", status_code=202)
async def generate_report(
    companyId: str, reportType: str, principal: CurrentPrincipal, session: Session
) -> Response:
    report = await service.request_report(session, principal, companyId, reportType)
    return json(report_view(report), status_code=202)


@router.get("/companies/{companyId}/reports/{reportType}/{reportId}/status")
async def get_report_status(
    companyId: str, reportType: str, reportId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(report_view(await service.get_report(session, principal, companyId, reportType, reportId)))


@router.get("/companies/{companyId}/reports")
async def list_reports(
    companyId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    reports, total = await service.list_reports(session, principal, companyId, params)
    return json(page_envelope(request, params, [report_view(r) for r in reports], total))
