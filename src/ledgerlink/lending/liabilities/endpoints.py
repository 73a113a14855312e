"""Codat's liabilities endpoints: generate and read the loan summaries and the loan transactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import MAX_PAGE_SIZE, parse_page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.liabilities import service

router = APIRouter(tags=["Liabilities"])

SourceType = Annotated[str | None, Query(alias="sourceType")]
LOANS = "/companies/{companyId}/reports/liabilities/loans"


@router.post(LOANS, status_code=202)
async def generate_loan_summary(
    companyId: str, principal: CurrentPrincipal, session: Session, source_type: SourceType = None
) -> Response:
    await service.request(session, principal, companyId, source_type)
    return Response(status_code=202)


@router.get(LOANS)
async def get_loan_summary(
    companyId: str, principal: CurrentPrincipal, session: Session, source_type: SourceType = None
) -> Response:
    return json(await service.summaries(session, principal, companyId, source_type))


@router.post(f"{LOANS}/transactions", status_code=202)
async def generate_loan_transactions(
    companyId: str, principal: CurrentPrincipal, session: Session, source_type: SourceType = None
) -> Response:
    await service.request(session, principal, companyId, source_type)
    return Response(status_code=202)


@router.get(f"{LOANS}/transactions")
async def list_loan_transactions(
    companyId: str,
    principal: CurrentPrincipal,
    session: Session,
    source_type: SourceType = None,
    page: Annotated[str | None, Query()] = None,
    page_size: Annotated[str | None, Query(alias="pageSize")] = None,
) -> Response:
    # (Codat's operation takes no paging parameters: by default a page holds as many as a page may)
    params = parse_page_params(page, page_size or str(MAX_PAGE_SIZE), None, None)
    return json(await service.transactions(session, principal, companyId, source_type, params))
