"""Asking for commerce syncs through the API, and reading their statuses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.commerce import runs
from ledgerlink.commerce.configuration import parse_moment
from ledgerlink.commerce.models import CommerceConfiguration, CommercePosting, CommerceSync
from ledgerlink.commerce.service import company_configuration
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.views import connection_view
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.urls import PublicUrls

# Syncs listed by `.../syncs/list/status`, newest first.
LIST_LIMIT = 100


def _moment(value: Any, name: str) -> datetime:
    moment = parse_moment(value)
    if moment is None:
        raise BadRequest(f"{name} is an ISO 8601 date-time, such as 2026-01-31T00:00:00Z.")
    return moment


async def _summary(
    session: AsyncSession, run: CommerceSync, company: Company, urls: PublicUrls
) -> dict[str, Any]:
    found = await session.get(CommerceConfiguration, company.id)
    keys = {found.commerce_key, found.accounting_key} if found else set()
    shown = [connection_view(c, urls) for c in company.connections if c.integration_key in keys]
    return runs.summary(run, shown)


async def request_latest(
    session: AsyncSession, principal: Principal, company_id: str, body: Any, urls: PublicUrls
) -> dict[str, Any]:
    """`POST .../sync/commerce/latest`: from the last successful sync (or the configured start date) to
    `syncTo` (default now), whole periods only."""
    if body is not None and not isinstance(body, dict):
        raise BadRequest('The body is {"syncTo": "<date-time>"} or empty.')
    company, found = await company_configuration(session, principal, company_id)
    finish = utcnow()
    if body and body.get("syncTo") is not None:
        finish = _moment(body["syncTo"], "syncTo")
    start = await runs.start_of_next(session, company.id, found)
    if finish < start:
        raise BadRequest(
            f"syncTo ({finish.isoformat()}) is before the end of the last sync ({start.isoformat()})."
        )
    run = await runs.queue(session, company, found, start, finish)
    return await _summary(session, run, company, urls)


async def request_historic(
    session: AsyncSession, principal: Principal, company_id: str, body: Any, urls: PublicUrls
) -> dict[str, Any]:
    """`POST .../sync/commerce/historic`: a given range (periods already posted are skipped)."""
    date_range = body.get("dateRange") if isinstance(body, dict) else None
    if not isinstance(date_range, dict):
        raise BadRequest('The body is {"dateRange": {"start": "<date-time>", "finish": "<date-time>"}}.')
    start, finish = (
        _moment(date_range.get("start"), "dateRange.start"),
        _moment(date_range.get("finish"), "dateRange.finish"),
    )
    if finish <= start:
        raise BadRequest("dateRange.finish must be after dateRange.start.")
    company, found = await company_configuration(session, principal, company_id)
    run = await runs.queue(session, company, found, start, finish)
    return await _summary(session, run, company, urls)


async def status_of(
    session: AsyncSession, principal: Principal, company_id: str, which: str
) -> dict[str, Any]:
    company = await companies.get(session, principal, company_id)
    statement = select(CommerceSync).where(CommerceSync.company_id == company.id)
    if which == "latest":
        run = await session.scalar(statement.order_by(CommerceSync.requested_at.desc()).limit(1))
    elif which == "lastSuccessful":
        run = await runs.last_successful(session, company.id)
    else:
        try:
            sync_id = uuid.UUID(which)
        except ValueError:
            raise NotFound(f"No commerce sync was found with id {which}") from None
        run = await session.scalar(statement.where(CommerceSync.id == sync_id))
    if run is None:
        raise NotFound(
            f"No {'' if which in ('latest', 'lastSuccessful') else which + ' '}commerce sync was found "
            f"for company {company.id}."
        )
    return runs.status(run)


@dataclass(frozen=True)
class Overview:
    """What the Portal shows of a company's Sync for Commerce."""

    configuration: CommerceConfiguration
    syncs: list[CommerceSync]
    posted_periods: int


async def overview(session: AsyncSession, company_id: uuid.UUID, limit: int = 10) -> Overview | None:
    found = await session.get(CommerceConfiguration, company_id)
    if found is None:
        return None
    rows = await session.scalars(
        select(CommerceSync)
        .where(CommerceSync.company_id == company_id)
        .order_by(CommerceSync.requested_at.desc())
        .limit(limit)
    )
    posted = await session.scalar(
        select(func.count())
        .select_from(CommercePosting)
        .where(CommercePosting.company_id == company_id, CommercePosting.push_operation_key.is_not(None))
    )
    return Overview(found, list(rows.all()), posted or 0)


async def list_statuses(session: AsyncSession, principal: Principal, company_id: str) -> list[dict[str, Any]]:
    company = await companies.get(session, principal, company_id)
    rows = await session.scalars(
        select(CommerceSync)
        .where(CommerceSync.company_id == company.id)
        .order_by(CommerceSync.requested_at.desc())
        .limit(LIST_LIMIT)
    )
    return [runs.status(run) for run in rows.all()]
