"""`GET /companies/{companyId}/reports/creditModel/{reportId}/financialSummary`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json
from ledgerlink.lending.credit_model import service

router = APIRouter(tags=["Financial summary"])


@router.get("/companies/{companyId}/reports/creditModel/{reportId}/financialSummary")
async def get_financial_summary(
    companyId: str, reportId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(await service.financial_summary(session, principal, companyId, reportId))
