"""Codat's Excel reports: generate, status, download (`/data/companies/{companyId}/assess/excel`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.files.dependencies import Rules
from ledgerlink.files.views import attachment
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json
from ledgerlink.lending.excel import credit_model, service
from ledgerlink.lending.excel.views import excel_status

router = APIRouter(tags=["Excel reports"])
PATH = "/data/companies/{companyId}/assess/excel"
ReportType = Annotated[str | None, Query(alias="reportType")]


@router.post(PATH)
async def generate_excel_report(
    companyId: str, principal: CurrentPrincipal, session: Session, report_type: ReportType = None
) -> Response:
    return json(excel_status(await service.request(session, principal, companyId, report_type)))


@router.get(PATH)
async def get_excel_report_generation_status(
    companyId: str, principal: CurrentPrincipal, session: Session, report_type: ReportType = None
) -> Response:
    return json(excel_status(await service.status(session, principal, companyId, report_type)))


@router.get(f"{PATH}/download")
async def download_excel_report(
    companyId: str,
    principal: CurrentPrincipal,
    session: Session,
    rules: Rules,
    report_type: ReportType = None,
) -> Response:
    download = await service.download(session, principal, rules.store, companyId, report_type)
    return attachment(download, octet_stream=True)


@router.get("/companies/{companyId}/reports/creditModel/{reportId}/excel", tags=["Financial summary"])
async def download_credit_model_excel(
    companyId: str, reportId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return attachment(await credit_model.workbook(session, principal, companyId, reportId), octet_stream=True)
