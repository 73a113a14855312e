"""Reporting finished reads: a `read.completed` event once none of a company's pulls is in flight.

The event covers every pull of the company that has finished since the last one was reported (its
`reported_at` is set), one entry per connection and data type: `recordsModified` and the pull's status. When
the batch holds a connection's first-link pulls and that connection has never been reported before, it is
the initial read: `read.completed.initial` is written as well, with the same payload.

The caller holds the company's row lock, so of two pulls finishing together exactly one sees none left in
flight. Pulls that end without passing through the runner's finish (cancelled before they start, or
refused as not supported) are reported by the periodic maintenance (`report_idle_companies`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.status import reference_company
from ledgerlink.events.service import emit_for_company
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

_IN_FLIGHT = [status.value for status in IN_FLIGHT]


async def lock_company_of(session: AsyncSession, pull_id: uuid.UUID) -> None:
    """Take the row lock of the pull's company (before the pull's own, the order API requests lock in)."""
    company_id = await session.scalar(select(PullOperation.company_id).where(PullOperation.id == pull_id))
    if company_id is not None:
        await session.execute(
            select(Company.id).where(Company.id == company_id).with_for_update(key_share=True)
        )


async def report_if_idle(session: AsyncSession, company: Company, urls: PublicUrls) -> bool:
    """Write `read.completed` (and `.initial`) for the company's finished, unreported pulls, if none is in
    flight. The caller holds the company's row lock. Returns whether an event was written."""
    in_flight = await session.scalar(
        select(PullOperation.id)
        .where(PullOperation.company_id == company.id, PullOperation.status.in_(_IN_FLIGHT))
        .limit(1)
    )
    if in_flight is not None:
        return False
    batch = list(
        (
            await session.scalars(
                select(PullOperation)
                .where(PullOperation.company_id == company.id, PullOperation.reported_at.is_(None))
                .order_by(PullOperation.requested, PullOperation.id)
            )
        ).all()
    )
    if not batch:
        return False
    initial = await _is_initial(session, batch)
    now = utcnow()
    for pull in batch:
        pull.reported_at = now
    # One entry per connection and data type: the latest pull of it.
    latest: dict[tuple[uuid.UUID, str], PullOperation] = {}
    for pull in batch:
        latest[(pull.connection_id, pull.data_type)] = pull
    complete = [pull for pull in latest.values() if pull.status == PullStatus.COMPLETE.value]
    as_of = [pull.as_of for pull in complete if pull.as_of is not None]
    payload: dict[str, Any] = {
        "referenceCompany": reference_company(company, urls),
        "modifiedFromDate": iso(min(as_of)) if as_of else None,
        "dataTypes": [
            {
                "connectionId": str(pull.connection_id),
                "dataType": pull.data_type,
                "recordsModified": pull.records_modified > 0,
                "status": pull.status,
                "issues": [],
            }
            for pull in latest.values()
        ],
    }
    event_types = ["read.completed", "read.completed.initial"] if initial else ["read.completed"]
    for event_type in event_types:
        emit_for_company(session, company, event_type, payload)
    return True


async def _is_initial(session: AsyncSession, batch: list[PullOperation]) -> bool:
    """The batch holds first-link pulls of a connection that no earlier event reported."""
    first_link = {pull.connection_id for pull in batch if pull.trigger == PullTrigger.FIRST_LINK.value}
    if not first_link:
        return False
    reported_before = set(
        (
            await session.scalars(
                select(PullOperation.connection_id)
                .where(PullOperation.connection_id.in_(first_link), PullOperation.reported_at.is_not(None))
                .distinct()
            )
        ).all()
    )
    return bool(first_link - reported_before)


_IDLE = text(
    "SELECT DISTINCT p.company_id FROM pull_operations AS p WHERE p.reported_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM pull_operations AS q WHERE q.company_id = p.company_id "
    "AND q.status = ANY(CAST(:in_flight AS text[]))) LIMIT 500"
)


async def report_idle_companies(runtime: Runtime) -> int:
    """Periodic: report finished pulls of companies with nothing in flight (those no finish reported)."""
    async with runtime.sessionmaker() as session:
        company_ids = list((await session.scalars(_IDLE, {"in_flight": _IN_FLIGHT})).all())
    reported = 0
    for company_id in company_ids:
        async with runtime.sessionmaker() as session, session.begin():
            company = await session.scalar(
                select(Company).where(Company.id == company_id).with_for_update(key_share=True)
            )
            if company is not None and await report_if_idle(session, company, runtime.urls):
                reported += 1
    return reported
