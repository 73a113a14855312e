"""Queueing pulls (first link, refresh all, one data type, schedules); reading their history and status."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink import jobs
from ledgerlink.companies import owned
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.lookup import connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.db import rows_changed
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.records import registry
from ledgerlink.settings import service as settings
from ledgerlink.sync import queries
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

LINKED = "Linked"
PULL_TASK = "sync:pull"


class DatasetAlreadyInProgress(BadRequest):
    def __init__(self, data_type: str, company_id: uuid.UUID, pull_id: uuid.UUID) -> None:
        super().__init__(
            f"DatasetAlreadyInProgressException: Cannot queue {data_type} sync for {company_id} "
            f"as previous sync {pull_id} is still in progress"
        )


def supports(connection: Connection, data_type: str) -> bool:
    return provides(connection.integration_key, data_type)


def provides(integration_key: str, data_type: str) -> bool:
    """Whether the platform's connector (loaded in this process) pulls the data type."""
    connector = connectors.get(integration_key)
    return connector is not None and data_type in connector.info.data_types


async def in_flight(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *, lock: bool = False
) -> PullOperation | None:
    """The pull of the type in flight on the connection, if any; with `lock`, its row is locked (a pull
    finishing meanwhile is waited for, and then is no longer in flight)."""
    statement = select(PullOperation).where(
        PullOperation.connection_id == connection_id,
        PullOperation.data_type == data_type,
        PullOperation.status.in_([s.value for s in IN_FLIGHT]),
    )
    return await session.scalar(statement.with_for_update() if lock else statement)


async def queue_pull(
    session: AsyncSession,
    company: Company,
    connection: Connection,
    data_type: str,
    trigger: PullTrigger,
) -> PullOperation:
    """Create a pull operation and its job in the caller's transaction (or NotSupported, with no job)."""
    if connection.status != LINKED:
        raise BadRequest(
            f"Data connection {connection.id} is {connection.status}; only a Linked connection can sync."
        )
    now = utcnow()
    pull = PullOperation(
        id=uuid.uuid4(),
        company_id=company.id,
        connection_id=connection.id,
        data_type=data_type,
        trigger=trigger.value,
        requested=now,
        progress=0,
    )
    if not supports(connection, data_type):
        pull.status = PullStatus.NOT_SUPPORTED.value
        pull.status_description = f"{connection.integration_key} does not provide {data_type}."
        pull.completed = now
        session.add(pull)
        await session.flush()
        return pull
    existing = await in_flight(session, connection.id, data_type)
    if existing is not None:
        raise DatasetAlreadyInProgress(data_type, company.id, existing.id)
    pull.status = PullStatus.QUEUED.value
    try:
        async with session.begin_nested():
            session.add(pull)
            await session.flush()
    except IntegrityError:  # a concurrent request queued the same type first
        raced = await in_flight(session, connection.id, data_type)
        raise DatasetAlreadyInProgress(data_type, company.id, raced.id if raced else pull.id) from None
    await jobs.defer(
        session,
        PULL_TASK,
        {"pull_operation_id": str(pull.id)},
        queue=jobs.PULLS_QUEUE,
        queueing_lock=jobs.pull_job_lock(pull.id),
    )
    return pull


async def first_link_types(session: AsyncSession, company: Company) -> list[str]:
    """The data types fetched on first link and by `data/all`, in their sync order."""
    effective, _ = await settings.company_settings(session, company.client_id, company.id)
    wanted = [s for s in effective if s.get("fetchOnFirstLink") and registry.get(s["dataType"])]
    return [s["dataType"] for s in sorted(wanted, key=lambda s: s.get("syncOrder", 0))]


async def queue_first_link(
    session: AsyncSession, company: Company, connection: Connection, trigger: PullTrigger
) -> list[PullOperation]:
    """Queue every fetch-on-first-link type the connection's platform provides (skipping those in flight)."""
    queued = []
    for data_type in await first_link_types(session, company):
        if not supports(connection, data_type) or await in_flight(session, connection.id, data_type):
            continue
        queued.append(await queue_pull(session, company, connection, data_type, trigger))
    return queued


async def refresh_all(session: AsyncSession, principal: Principal, company_id: str) -> None:
    """`POST /companies/{id}/data/all`: every fetch-on-first-link type on every Linked connection."""
    company = await companies.get(session, principal, company_id, for_update=True)
    for connection in company.connections:
        if connection.status == LINKED:
            await queue_first_link(session, company, connection, PullTrigger.REFRESH_ALL)


async def refresh_data_type(
    session: AsyncSession, principal: Principal, company_id: str, data_type: str, connection_id: str | None
) -> PullOperation:
    """`POST /companies/{id}/data/queue/{dataType}`: one type, whatever its fetch-on-first-link setting."""
    if registry.get(data_type) is None:
        raise BadRequest(f"{data_type!r} is not a data type.")
    company = await companies.get(session, principal, company_id, for_update=True)
    connection: Connection | None
    if connection_id:
        connection = connection_of(company, connection_id)
    else:
        linked = [c for c in company.connections if c.status == LINKED]
        connection = next((c for c in linked if supports(c, data_type)), linked[0] if linked else None)
        if connection is None:
            raise BadRequest(f"Company {company.id} has no Linked connection to sync {data_type} from.")
    return await queue_pull(session, company, connection, data_type, PullTrigger.QUEUE)


async def list_history(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> tuple[list[PullOperation], int]:
    return await owned.page(
        session,
        principal,
        company_id,
        PullOperation,
        params,
        queries.PULL_OPERATION_TARGET,
        queries.DEFAULT_ORDER,
    )


async def get_pull(
    session: AsyncSession, principal: Principal, company_id: str, dataset_id: str
) -> PullOperation:
    not_found = NotFound(f"No data available for dataset {dataset_id} for ID {company_id}")
    return await owned.one(session, principal, company_id, PullOperation, dataset_id, not_found)


async def data_status(session: AsyncSession, principal: Principal, company_id: str) -> dict[str, Any]:
    """`GET /companies/{id}/dataStatus`: per data type ever queued, its latest and latest successful pull."""
    company = await companies.get(session, principal, company_id)
    latest = (
        select(PullOperation)
        .where(PullOperation.company_id == company.id)
        .distinct(PullOperation.data_type)
        .order_by(PullOperation.data_type, PullOperation.requested.desc(), PullOperation.id.desc())
    )
    latest_success = (
        select(PullOperation)
        .where(PullOperation.company_id == company.id, PullOperation.status == PullStatus.COMPLETE.value)
        .distinct(PullOperation.data_type)
        .order_by(PullOperation.data_type, PullOperation.completed.desc(), PullOperation.id.desc())
    )
    successes = {pull.data_type: pull for pull in (await session.scalars(latest_success)).all()}
    statuses: dict[str, Any] = {}
    for pull in (await session.scalars(latest)).all():
        entry: dict[str, Any] = {
            "dataType": pull.data_type,
            "currentStatus": pull.status,
            "latestSyncId": str(pull.id),
        }
        success = successes.get(pull.data_type)
        if success is not None:
            entry["lastSuccessfulSync"] = iso(success.completed)
            entry["latestSuccessfulSyncId"] = str(success.id)
        statuses[pull.data_type] = entry
    return statuses


def _completed(connection_id: uuid.UUID, data_type: str, excluding: uuid.UUID | None) -> ColumnElement[bool]:
    """The connection's completed pulls of the type (but `excluding`, the pull asking)."""
    conditions = [
        PullOperation.connection_id == connection_id,
        PullOperation.data_type == data_type,
        PullOperation.status == PullStatus.COMPLETE.value,
    ]
    if excluding is not None:
        conditions.append(PullOperation.id != excluding)
    return and_(*conditions)


async def last_successful_as_of(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *, excluding: uuid.UUID | None = None
) -> datetime | None:
    """The moment the last successful pull of this type asked for: the start of the next incremental one."""
    return await session.scalar(
        select(func.max(PullOperation.as_of)).where(_completed(connection_id, data_type, excluding))
    )


async def last_checkpoint(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, *, excluding: uuid.UUID | None = None
) -> str | None:
    """What the last successful pull of this type left for the next one (None: nothing, or no such pull)."""
    return await session.scalar(
        select(PullOperation.checkpoint)
        .where(_completed(connection_id, data_type, excluding))
        .order_by(PullOperation.as_of.desc().nulls_last(), PullOperation.completed.desc().nulls_last())
        .limit(1)
    )


# Pull operations deleted per maintenance run at most, so a first pruning of a long history stays short.
PRUNE_BATCH = 5_000


async def prune_history(
    sessionmaker: async_sessionmaker[AsyncSession], keep_days: int, *, now: datetime | None = None
) -> int:
    """Delete finished pull operations older than `keep_days` (none when 0), except each type's last
    successful pull of each connection; returns how many went."""
    if keep_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    in_flight = ", ".join(f"'{status.value}'" for status in sorted(IN_FLIGHT))
    async with sessionmaker() as session, session.begin():
        return await rows_changed(
            session,
            text(
                f"""
                DELETE FROM pull_operations WHERE id IN (
                    SELECT p.id FROM pull_operations p
                    WHERE p.requested < :cutoff AND p.status NOT IN ({in_flight})
                      AND p.id IS DISTINCT FROM (SELECT latest.id FROM pull_operations latest
                                   WHERE latest.connection_id = p.connection_id
                                     AND latest.data_type = p.data_type AND latest.status = 'Complete'
                                   ORDER BY latest.requested DESC LIMIT 1)
                    LIMIT :batch
                    FOR UPDATE SKIP LOCKED
                )
                """
            ),
            {"cutoff": cutoff, "batch": PRUNE_BATCH},
        )
