"""The rules for companies: create, read, change and delete, each change reported as an event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink.companies import queries
from ledgerlink.companies.models import Company
from ledgerlink.companies.schemas import CompanyCreate, CompanyReplace, CompanyUpdate
from ledgerlink.companies.views import company_view
from ledgerlink.connectors import registry
from ledgerlink.events.service import emit_for_company
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.query import compile_query
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.records import store


def company_not_found(company_id: str) -> NotFound:
    return NotFound(f"No company was found with ID {company_id}", service="ClientsApi")


async def get(
    session: AsyncSession, principal: Principal, company_id: str, *, for_update: bool = False
) -> Company:
    statement = (
        queries.readable_companies(principal)
        .where(Company.id == parse_id(company_id, company_not_found(company_id)))
        .options(selectinload(Company.connections))
    )
    if for_update:
        statement = statement.with_for_update()
    company = await session.scalar(statement)
    if company is None:
        raise company_not_found(company_id)
    return company


async def list_companies(
    session: AsyncSession, principal: Principal, params: PageParams, tags: str | None
) -> tuple[list[Company], int]:
    statement = queries.readable_companies(principal).options(selectinload(Company.connections))
    tag_condition = compile_query(tags, queries.TAGS_TARGET)
    if tag_condition is not None:
        statement = statement.where(tag_condition)
    return await fetch_query_page(
        session, statement, params, queries.COMPANY_TARGET, default_order=queries.DEFAULT_ORDER
    )


async def create(
    session: AsyncSession, principal: Principal, body: CompanyCreate, urls: PublicUrls
) -> Company:
    if body.platform_type is not None and registry.get(body.platform_type) is None:
        raise BadRequest(f"Unknown platformType {body.platform_type!r}: no integration has that key.")
    company = Company(
        id=uuid.uuid4(),
        client_id=principal.client_id,
        name=body.name,
        description=body.description,
        tags=body.tags or {},
        products=[],
        platform_type=body.platform_type,
        created_at=utcnow(),
        connections=[],
    )
    session.add(company)
    await session.flush()
    _emit(session, company, "company.created", urls)
    return company


async def replace(
    session: AsyncSession, principal: Principal, company_id: str, body: CompanyReplace
) -> Company:
    company = await get(session, principal, company_id, for_update=True)
    company.name = body.name
    company.description = body.description
    company.tags = body.tags or {}
    return company


async def update(
    session: AsyncSession, principal: Principal, company_id: str, body: CompanyUpdate
) -> Company:
    company = await get(session, principal, company_id, for_update=True)
    if body.name is not None:
        company.name = body.name
    if body.description is not None:
        company.description = body.description
    # Codat: a null or empty `tags` on update clears them; an absent one leaves them alone.
    if "tags" in body.model_fields_set:
        company.tags = body.tags or {}
    return company


async def delete(session: AsyncSession, principal: Principal, company_id: str, urls: PublicUrls) -> None:
    company = await get(session, principal, company_id, for_update=True)
    _emit(session, company, "company.deleted", urls)
    await store.purge(session, [connection.id for connection in company.connections])
    await session.delete(company)


def _emit(session: AsyncSession, company: Company, event_type: str, urls: PublicUrls) -> None:
    payload: dict[str, Any] = company_view(company, urls)
    emit_for_company(session, company, event_type, payload)
