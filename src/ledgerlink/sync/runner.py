"""Running one pull operation: Queued → Fetching → Mapping → Validating → Processing → Complete.

Each status change is committed on its own, so clients watch a pull progress; the records themselves are
written in one transaction at the end (see `records.store`). Running a pull again (a retry after a crash)
starts over from the same `as_of`, so it produces the same result.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink import jobs
from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connections.platform_store import PlatformRecords
from ledgerlink.connections.status import ConnectionStatus, transition
from ledgerlink.connectors import registry as connectors
from ledgerlink.connectors.base import (
    AccessTokens,
    AuthorizationLost,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    RateLimitExceeded,
)
from ledgerlink.db import transaction_lock
from ledgerlink.jobs import Runtime
from ledgerlink.kit import metrics
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.query import parse_datetime
from ledgerlink.kit.secrets import UnreadableSecret
from ledgerlink.oauth import tokens as oauth_tokens
from ledgerlink.push.models import PushOperation, PushStatus
from ledgerlink.records import registry
from ledgerlink.records.store import (
    ANALYZE_AFTER,
    ConnectionGone,
    DuplicateRecord,
    InvalidRecord,
    Staging,
)
from ledgerlink.settings import service as settings
from ledgerlink.sync import completion, service
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

log = structlog.get_logger("ledgerlink.sync")

# Progress reported while a pull is in each phase.
PROGRESS = {
    PullStatus.FETCHING: 20,
    PullStatus.MAPPING: 60,
    PullStatus.VALIDATING: 70,
    PullStatus.PROCESSING: 85,
    PullStatus.COMPLETE: 100,
}


class PullFailed(Exception):
    """The pull ends in an error status a client should see (not retried)."""

    def __init__(self, status: PullStatus, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


async def _set_status(runtime: Runtime, pull_id: uuid.UUID, status: PullStatus, **values: Any) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        pull = await session.get(PullOperation, pull_id, with_for_update=True)
        if pull is None or PullStatus(pull.status).is_final:
            return
        pull.status = status.value
        pull.progress = max(pull.progress, PROGRESS.get(status, pull.progress))
        for name, value in values.items():
            setattr(pull, name, value)


async def _load(
    session: AsyncSession, pull_id: uuid.UUID
) -> tuple[PullOperation, Company, Connection] | None:
    pull = await session.get(PullOperation, pull_id, with_for_update=True)
    if pull is None:
        return None
    company = await session.scalar(
        select(Company).where(Company.id == pull.company_id).options(selectinload(Company.connections))
    )
    connection = (
        next((c for c in company.connections if c.id == pull.connection_id), None) if company else None
    )
    if company is None or connection is None:
        return None
    return pull, company, connection


async def _start(runtime: Runtime, pull_id: uuid.UUID) -> FetchRequest | None:
    """Claim the pull (Fetching) and build what to ask the connector; None when there is nothing to do."""
    async with runtime.sessionmaker() as session, session.begin():
        loaded = await _load(session, pull_id)
        if loaded is None:
            return None
        pull, company, connection = loaded
        if PullStatus(pull.status).is_final:
            return None
        if connection.status != ConnectionStatus.LINKED.value:
            pull.status = PullStatus.CANCELLED.value
            pull.status_description = (
                f"The connection is {connection.status}; only a Linked connection syncs."
            )
            pull.completed = utcnow()
            return None
        now = utcnow()
        pull.status = PullStatus.FETCHING.value
        pull.progress = PROGRESS[PullStatus.FETCHING]
        pull.started = now
        pull.attempts += 1
        pull.as_of = pull.as_of or now
        setting = await _setting(session, company, pull.data_type)
        since = await service.last_successful_as_of(session, connection.id, pull.data_type, excluding=pull.id)
        checkpoint = await service.last_checkpoint(session, connection.id, pull.data_type, excluding=pull.id)
        credentials = (
            runtime.secrets.open(connection.sealed_authorization) if connection.sealed_authorization else {}
        )
        connector = connectors.get(connection.integration_key)
        # The client's app credentials as they stand when the pull starts (OAuth refreshes resolve their own).
        app = (
            await app_credentials.resolve(session, runtime.secrets, company.client_id, connector)
            if connector is not None
            else None
        )
        return FetchRequest(
            data_type=pull.data_type,
            company_id=company.id,
            connection_id=connection.id,
            credentials=credentials,
            linked_at=connection.linked_at or connection.created_at,
            as_of=pull.as_of,
            since=since,
            checkpoint=checkpoint,
            sync_from=_sync_from(setting, pull.as_of),
            months_to_sync=int(setting.get("monthsToSync") or settings.DEFAULT_MONTHS_TO_SYNC),
            store=PlatformRecords(runtime.sessionmaker, connection.id),
            app_credentials=app,
        )


async def _setting(session: AsyncSession, company: Company, data_type: str) -> dict[str, Any]:
    effective, _ = await settings.company_settings(session, company.client_id, company.id)
    return next((s for s in effective if s["dataType"] == data_type), {})


def _sync_from(setting: dict[str, Any], as_of: datetime) -> datetime | None:
    if setting.get("syncFromUtc"):
        return parse_datetime(setting["syncFromUtc"])
    if setting.get("syncFromWindow"):
        months = as_of.year * 12 + as_of.month - 1 - int(setting["syncFromWindow"])
        return as_of.replace(
            year=months // 12, month=months % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    return None


async def run_pull(runtime: Runtime, pull_id: uuid.UUID) -> None:
    """Run one pull to a final status. Unexpected errors propagate, so the job is retried.

    Runs of one pull take turns: a job retried while an earlier run is still alive (its worker taken for
    dead, say) waits for that run, then finds the pull finished, or takes it over if that run died. The turn
    is a transaction-level advisory lock on a connection of the run's own, so it ends with the run, or with
    the connection of a run whose process died.
    """
    async with runtime.engine.connect() as turn, turn.begin():
        await transaction_lock(turn, f"pull:{pull_id}")
        await _run_pull(runtime, pull_id)


async def _run_pull(runtime: Runtime, pull_id: uuid.UUID) -> None:
    try:
        request = await _start(runtime, pull_id)
    except UnreadableSecret as unreadable:
        await _finish_failed(runtime, pull_id, PullFailed(PullStatus.INTERNAL_ERROR, str(unreadable)))
        return
    if request is None:
        return
    log.info("pull started", pull_id=str(pull_id), data_type=request.data_type, since=str(request.since))
    try:
        modified, checkpoint = await _fetch_and_store(runtime, pull_id, request)
    except PullFailed as failed:
        await _finish_failed(runtime, pull_id, failed)
        return
    await _finish_complete(runtime, pull_id, modified, checkpoint)


async def _fetch_and_store(
    runtime: Runtime, pull_id: uuid.UUID, request: FetchRequest
) -> tuple[int, str | None]:
    """The pull's records stored; returns how many changed and the connector's checkpoint for the next pull."""
    connection_row = None
    async with runtime.sessionmaker() as session:
        connection_row = await session.get(Connection, request.connection_id)
    connector = connectors.get(connection_row.integration_key) if connection_row else None
    data_type = registry.get(request.data_type)
    if connector is None or data_type is None:
        raise PullFailed(
            PullStatus.NOT_SUPPORTED, f"{request.data_type} is not provided by this integration."
        )
    if connector.oauth is not None:
        request = dataclasses.replace(request, access_token=access_tokens(runtime, request.connection_id))
    async with runtime.engine.connect() as db, db.begin():
        try:
            staging = await Staging.open(db, data_type, request.as_of, request.connection_id)
        except ConnectionGone as gone:
            raise PullFailed(PullStatus.CANCELLED, str(gone))
        batches = 0
        checkpoint: str | None = None
        complete = request.since is None
        try:
            async with staging.loading():
                async for batch in connector.fetch(request):
                    await staging.add(batch.records, batch.deleted_ids)
                    if batch.checkpoint is not None:
                        checkpoint = batch.checkpoint
                    complete = complete or batch.complete
                    batches += 1
                    if batches % 20 == 0:
                        await _set_status(
                            runtime,
                            pull_id,
                            PullStatus.FETCHING,
                            progress=min(55, 20 + batches // 20),
                            status_description=f"Fetched {staging.staged} records",
                        )
        except DataTypeNotSupported:
            raise PullFailed(
                PullStatus.NOT_SUPPORTED, f"{request.data_type} is not provided by this integration."
            )
        except AuthorizationLost as lost:
            raise PullFailed(
                PullStatus.AUTH_ERROR, str(lost) or "The platform no longer accepts the connection."
            )
        except RateLimitExceeded as limited:
            raise PullFailed(PullStatus.RATE_LIMIT_ERROR, str(limited))
        except PlatformFailed as failed:
            raise PullFailed(PullStatus.FETCH_ERROR, str(failed))
        except InvalidRecord as invalid:
            raise PullFailed(PullStatus.MAP_ERROR, str(invalid))
        except DuplicateRecord as duplicate:
            raise PullFailed(
                PullStatus.VALIDATION_ERROR, f"The platform returned a record twice: {duplicate}"
            )
        await _set_status(
            runtime, pull_id, PullStatus.MAPPING, status_description=f"Fetched {staging.staged} records"
        )
        changed = await staging.changes(request.connection_id)
        await _set_status(
            runtime, pull_id, PullStatus.VALIDATING, status_description=f"{changed} records new or changed"
        )
        duplicates = await staging.duplicate_ids()
        if duplicates:
            raise PullFailed(
                PullStatus.VALIDATION_ERROR, f"The platform returned duplicate ids: {', '.join(duplicates)}"
            )
        await _set_status(runtime, pull_id, PullStatus.PROCESSING)
        modified = await staging.apply(request.connection_id, request.as_of, full=complete)
    if modified >= ANALYZE_AFTER:
        # The planner's statistics now describe a far smaller table; a maintenance job refreshes them (one
        # job however many large pulls finish meanwhile), off the pull's own time.
        async with runtime.sessionmaker() as session, session.begin():
            await jobs.defer_unless_queued(
                session,
                "sync:refresh_statistics",
                {},
                queue=jobs.MAINTENANCE_QUEUE,
                queueing_lock="refresh-statistics",
            )
    return modified, checkpoint


def access_tokens(runtime: Runtime, connection_id: uuid.UUID) -> AccessTokens:
    """A pull's (or push's) way to a fresh access token: `oauth.tokens.access_token`, which refreshes under the
    connection's advisory lock (a lost grant raises `AuthorizationLost` and leaves the connection
    Deauthorized); `renew=True` refreshes the token this pull was last given, unless another caller already
    replaced it."""
    last: list[str] = []

    async def access_token(*, renew: bool = False) -> str:
        refused = last[-1] if renew and last else None
        token = await oauth_tokens.access_token(runtime, connection_id, refused=refused)
        last[:] = [token]
        return token

    return access_token


async def _finish_complete(
    runtime: Runtime, pull_id: uuid.UUID, modified: int, checkpoint: str | None = None
) -> None:
    now = utcnow()
    async with runtime.sessionmaker() as session, session.begin():
        await completion.lock_company_of(session, pull_id)
        loaded = await _load(session, pull_id)
        if loaded is None:
            return
        pull, company, connection = loaded
        pull.status = PullStatus.COMPLETE.value
        pull.progress = 100
        pull.completed = now
        pull.records_modified = modified
        # Stored with the completion, so only a pull whose records were written moves the next one on.
        pull.checkpoint = checkpoint
        pull.status_description = f"{modified} records created, changed or deleted"
        connection.last_sync = now
        company.last_sync = now
        await session.flush()
        await _disconnect_if_one_off(session, runtime, company, connection, pull)
        if connection.status == ConnectionStatus.LINKED.value and await _pushed_since(session, pull):
            await service.queue_pull(session, company, connection, pull.data_type, PullTrigger.PUSH)
        await completion.report_if_idle(session, company, runtime.urls)
        metrics.observe_pull(pull.data_type, pull.status, _seconds(pull), modified)
    log.info("pull complete", pull_id=str(pull_id), records_modified=modified)


async def _pushed_since(session: AsyncSession, pull: PullOperation) -> bool:
    """Whether a push that asked for a pull on completion (`allowSyncOnPushComplete`) wrote a record of this
    pull's type to its connection after this pull fixed its moment: that push found this pull in flight and
    queued none (`push.service`), so the record waits for the pull this one queues."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    PushOperation.company_id == pull.company_id,
                    PushOperation.connection_id == pull.connection_id,
                    PushOperation.data_type == pull.data_type,
                    PushOperation.status == PushStatus.SUCCESS.value,
                    PushOperation.sync_on_complete.is_(True),
                    PushOperation.completed_at >= pull.as_of,
                )
            )
        )
    )


async def _finish_failed(runtime: Runtime, pull_id: uuid.UUID, failed: PullFailed) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await completion.lock_company_of(session, pull_id)
        loaded = await _load(session, pull_id)
        if loaded is None:
            return
        pull, company, connection = loaded
        pull.status = failed.status.value
        pull.status_description = failed.description
        if failed.status.is_error:
            pull.error_message = failed.description
        pull.completed = utcnow()
        if failed.status is PullStatus.AUTH_ERROR and connection.status == ConnectionStatus.LINKED.value:
            connection.data_connection_errors = [
                *(connection.data_connection_errors or []),
                {
                    "statusCode": "401",
                    "statusText": "Unauthorized",
                    "errorMessage": failed.description,
                    "erroredOnUtc": iso(pull.completed, timespec="auto"),
                    "status": "Active",
                },
            ]
            transition(session, company, connection, ConnectionStatus.DEAUTHORIZED, runtime.urls)
        await session.flush()
        await _disconnect_if_one_off(session, runtime, company, connection, pull)
        await completion.report_if_idle(session, company, runtime.urls)
        metrics.observe_pull(pull.data_type, pull.status, _seconds(pull))
    log.info("pull failed", pull_id=str(pull_id), status=failed.status.value, description=failed.description)


def _seconds(pull: PullOperation) -> float | None:
    if pull.requested is None or pull.completed is None:
        return None
    return (pull.completed - pull.requested).total_seconds()


async def fail_pull(runtime: Runtime, pull_id: uuid.UUID, description: str) -> None:
    """Give up on a pull after its retries (an internal error, not the platform's)."""
    await _finish_failed(runtime, pull_id, PullFailed(PullStatus.INTERNAL_ERROR, description))


async def _disconnect_if_one_off(
    session: AsyncSession, runtime: Runtime, company: Company, connection: Connection, pull: PullOperation
) -> None:
    """One-off sync: when the last first-link pull of a connection ends, the connection is Deauthorized."""
    if pull.trigger != PullTrigger.FIRST_LINK.value or connection.status != ConnectionStatus.LINKED.value:
        return
    if not await settings.is_one_time_sync(session, company.client_id, connection.integration_key):
        return
    # Serialises the last first-link pulls finishing together: exactly one of them sees none remaining.
    await session.refresh(connection, with_for_update=True)
    if connection.status != ConnectionStatus.LINKED.value:
        return
    remaining = await session.scalar(
        select(PullOperation.id)
        .where(
            PullOperation.connection_id == connection.id,
            PullOperation.trigger == PullTrigger.FIRST_LINK.value,
            PullOperation.status.in_([s.value for s in IN_FLIGHT]),
        )
        .limit(1)
    )
    if remaining is None:
        transition(session, company, connection, ConnectionStatus.DEAUTHORIZED, runtime.urls)
