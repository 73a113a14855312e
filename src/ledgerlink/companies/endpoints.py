"""`/companies`: list, create, get, replace, update, delete, and the company's access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal, Urls
from ledgerlink.companies import access_tokens, service
from ledgerlink.companies.schemas import CompanyCreate, CompanyReplace, CompanyUpdate
from ledgerlink.companies.views import company_view
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json, no_content
from ledgerlink.kit.secrets import Secrets

router = APIRouter(tags=["Companies"])


@router.get("/companies")
async def list_companies(
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    params: Annotated[PageParams, Depends(page_params)],
    tags: Annotated[str | None, Query()] = None,
) -> Response:
    companies, total = await service.list_companies(session, principal, params, tags)
    return json(page_envelope(request, params, [company_view(c, urls) for c in companies], total))


@router.post("/companies")
async def create_company(
    body: CompanyCreate, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    company = await service.create(session, principal, body, urls)
    return json(company_view(company, urls))


@router.get("/companies/{companyId}")
async def get_company(companyId: str, principal: CurrentPrincipal, session: Session, urls: Urls) -> Response:
    return json(company_view(await service.get(session, principal, companyId), urls))


@router.put("/companies/{companyId}")
async def replace_company(
    companyId: str, body: CompanyReplace, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    return json(company_view(await service.replace(session, principal, companyId, body), urls))


@router.patch("/companies/{companyId}")
async def update_company(
    companyId: str, body: CompanyUpdate, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    return json(company_view(await service.update(session, principal, companyId, body), urls))


@router.delete("/companies/{companyId}", status_code=204)
async def delete_company(
    companyId: str, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    await service.delete(session, principal, companyId, urls)
    return no_content()


@router.get("/companies/{companyId}/accessToken")
async def get_access_token(
    companyId: str, principal: CurrentPrincipal, session: Session, secrets: Secrets
) -> Response:
    company = await service.get(session, principal, companyId)
    token = access_tokens.issue(secrets, company.id)
    return json({"expiresIn": access_tokens.EXPIRES_IN_SECONDS, "accessToken": token, "tokenType": "Bearer"})


@router.get("/companies/{companyId}/connectionManagement/accessToken")
async def get_connection_management_access_token(
    companyId: str, principal: CurrentPrincipal, session: Session, secrets: Secrets
) -> Response:
    company = await service.get(session, principal, companyId)
    return json({"accessToken": access_tokens.issue(secrets, company.id)})
