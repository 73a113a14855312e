"""The rules of writes: accepting a push (checked, `Pending`, its job deferred in the same transaction), running
it against the connection's platform, timing out those that wait too long, and reading the history.

Running a push (`run_push`) holds the connection's write lock (a PostgreSQL advisory lock on a connection of
its own, no row locks) from before it looks at the operation until the result is stored, so writes to one
connection happen one at a time (a platform checks a payment against what is still owed) and the time-out
sweep never ends an operation whose record is being written. The platform is given the operation's key as
its idempotency key: if the process dies after the platform wrote the record and before the operation was
marked, the retry gets the same record back instead of a second one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink import jobs
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.lookup import connection_not_found, connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connections.platform_store import PlatformRecords
from ledgerlink.connections.status import ConnectionStatus, reference_company
from ledgerlink.connectors import registry as connectors
from ledgerlink.connectors.base import (
    AuthorizationLost,
    Connector,
    DataTypeNotSupported,
    PlatformFailed,
    PushRejected,
    PushRequest,
    RateLimitExceeded,
)
from ledgerlink.events.service import emit_for_company
from ledgerlink.jobs import Runtime
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.secrets import UnreadableSecret
from ledgerlink.oauth import tokens as oauth_tokens
from ledgerlink.push import queries, schemas
from ledgerlink.push.models import STATUS_CODES, PushOperation, PushStatus
from ledgerlink.records import registry
from ledgerlink.records.registry import Shape
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import PullTrigger
from ledgerlink.sync.runner import access_tokens

log = structlog.get_logger("ledgerlink.push")

PUSH_TASK = "push:run"
# Pending operations looked at per time-out sweep at most.
SWEEP_BATCH = 500


class WriteNotSupported(BadRequest):
    def __init__(self, connector: Connector, data_type: str) -> None:
        writable = ", ".join(connector.info.writable_data_types) or "nothing"
        super().__init__(
            f"{connector.info.name} ({connector.info.key}) cannot create {data_type}; it creates {writable}."
        )


def data_type_at(path: str) -> str:
    """The data type whose records `POST .../push/{path}` creates (the path is the type's read path:
    `journalEntries`, `invoices`, `accounts` for chartOfAccounts)."""
    for data_type in registry.DATA_TYPES:
        if data_type.path == path and data_type.shape is Shape.LIST:
            return data_type.key
    raise NotFound(f"{path} is not a data type records can be pushed to.")


def push_operation_not_found(company_id: Any, key: str) -> NotFound:
    return NotFound(f"No push operation {key} was found for company {company_id}")


# ------------------------------------------------------------------------------------------------ requesting
async def request_push(
    session: AsyncSession,
    *,
    company_id: uuid.UUID | str,
    connection_id: uuid.UUID | str,
    data_type: str,
    record: dict[str, Any],
    idempotency_key: str | None = None,
    timeout_in_minutes: int | None = None,
    sync_on_complete: bool = True,
) -> PushOperation:
    """A `Pending` push operation writing `record` (Codat's create shape of `data_type`) to the connection's
    platform, and its job, in the caller's transaction. Checked first: the company and connection exist (404),
    the connection is Linked and its platform creates the type, and the record fits Codat's create model
    (400, Codat's error body). With an `idempotency_key` already used on the connection, the operation made
    then is returned and nothing is written. `sync_on_complete` queues a pull of the type once the record is
    written (Codat's `allowSyncOnPushComplete`)."""
    company = await session.scalar(
        select(Company)
        .where(Company.id == parse_id(str(company_id), companies.company_not_found(str(company_id))))
        .options(selectinload(Company.connections))
    )
    if company is None:
        raise companies.company_not_found(str(company_id))
    connection = connection_of(company, str(connection_id))
    connector = connectors.get(connection.integration_key)
    if connector is None:
        raise BadRequest(f"The integration {connection.integration_key} is no longer available.")
    if data_type not in connector.info.writable_data_types:
        raise WriteNotSupported(connector, data_type)
    if connection.status != ConnectionStatus.LINKED.value:
        raise BadRequest(
            f"Data connection {connection.id} is {connection.status}; only a Linked connection takes writes."
        )
    if idempotency_key is not None:
        existing = await _by_idempotency_key(session, connection.id, idempotency_key)
        if existing is not None:
            return existing
    if timeout_in_minutes is not None and timeout_in_minutes < 1:
        raise BadRequest("timeoutInMinutes must be at least 1.")
    schemas.check_record(data_type, record)
    operation = PushOperation(
        id=uuid.uuid4(),
        company_id=company.id,
        connection_id=connection.id,
        data_type=data_type,
        status=PushStatus.PENDING.value,
        status_code=STATUS_CODES[PushStatus.PENDING],
        record=record,
        requested_at=utcnow(),
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=sync_on_complete,
        idempotency_key=idempotency_key,
        attempts=0,
    )
    try:
        async with session.begin_nested():
            session.add(operation)
            await session.flush()
    except IntegrityError:  # the same key, at the same moment, from another transaction
        raced = (
            await _by_idempotency_key(session, connection.id, idempotency_key) if idempotency_key else None
        )
        if raced is None:
            raise
        return raced
    await jobs.defer(
        session,
        PUSH_TASK,
        {"push_operation_key": str(operation.id)},
        queue=jobs.PUSHES_QUEUE,
        queueing_lock=jobs.push_job_lock(operation.id),
    )
    return operation


async def _by_idempotency_key(
    session: AsyncSession, connection_id: uuid.UUID, idempotency_key: str
) -> PushOperation | None:
    return await session.scalar(
        select(PushOperation).where(
            PushOperation.connection_id == connection_id, PushOperation.idempotency_key == idempotency_key
        )
    )


async def create(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    path: str,
    record: Any,
    *,
    timeout_in_minutes: int | None = None,
    sync_on_complete: bool = True,
) -> PushOperation:
    """`POST /companies/{companyId}/connections/{connectionId}/push/{path}`."""
    company, _connection = await _company_connection(session, principal, company_id, connection_id)
    return await request_push(
        session,
        company_id=company.id,
        connection_id=connection_id,
        data_type=data_type_at(path),
        record=record,
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=sync_on_complete,
    )


async def _company_connection(
    session: AsyncSession, principal: Principal, company_id: str, connection_id: str
) -> tuple[Company, Connection]:
    company = await companies.get(session, principal, company_id)
    return company, connection_of(company, connection_id)


# ------------------------------------------------------------------------------------------------ running
@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a push ended: the status to store, and what goes with it."""

    status: PushStatus
    status_code: int
    created: dict[str, Any] | None = None
    error_message: str | None = None
    errors: list[dict[str, str]] | None = None
    # The platform no longer accepts the connection: it turns Deauthorized, as after a pull.
    authorization_lost: bool = False

    @classmethod
    def failed(cls, status_code: int, message: str, errors: list[dict[str, str]] | None = None) -> Outcome:
        return cls(PushStatus.FAILED, status_code, error_message=message, errors=errors)


async def run_push(runtime: Runtime, push_operation_key: uuid.UUID | str) -> PushOperation:
    """Run a push to a final status and return it (the job calls this; so may any caller, outside a
    transaction of its own that locks the company). An operation already final is returned unchanged.
    Unexpected errors propagate, leaving the operation Pending for a retry. `NotFound` if it is gone."""
    key = uuid.UUID(str(push_operation_key))
    async with runtime.sessionmaker() as session:
        connection_id = await session.scalar(
            select(PushOperation.connection_id).where(PushOperation.id == key)
        )
    if connection_id is None:
        raise NotFound(f"No push operation {key}.")
    async with connection_writes(runtime, connection_id):
        claimed = await _claim(runtime, key)
        if isinstance(claimed, PushOperation):
            return claimed
        connector, request = claimed
        log.info("push started", push_operation_key=str(key), data_type=request.data_type)
        try:
            created = await connector.push(request)
        except PushRejected as rejected:
            outcome = Outcome.failed(400, rejected.message, rejected.errors)
        except AuthorizationLost as lost:
            message = str(lost) or "The platform no longer accepts the connection."
            outcome = dataclasses.replace(Outcome.failed(401, message), authorization_lost=True)
        except RateLimitExceeded as limited:
            outcome = Outcome.failed(429, str(limited) or "The platform's rate limit was reached.")
        except (PlatformFailed, DataTypeNotSupported) as failed:
            outcome = Outcome.failed(500 if isinstance(failed, PlatformFailed) else 400, str(failed))
        else:
            outcome = Outcome(PushStatus.SUCCESS, STATUS_CODES[PushStatus.SUCCESS], created=created)
        return await _finish(runtime, key, outcome)


@contextlib.asynccontextmanager
async def connection_writes(
    runtime: Runtime, connection_id: uuid.UUID, *, wait: bool = True
) -> AsyncIterator[bool]:
    """Hold the connection's write lock while the block runs (yields True), or, with `wait=False`, yield False
    at once if someone else holds it. A session lock on a connection of its own: it holds no rows, and it is
    let go if the process dies."""
    key = {"key": f"push:{connection_id}"}
    async with runtime.engine.connect() as db:
        if wait:
            await db.execute(text("SELECT pg_advisory_lock(hashtextextended(:key, 0))"), key)
            held = True
        else:
            held = bool(await db.scalar(text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))"), key))
        await db.commit()
        try:
            yield held
        finally:
            if held:
                try:
                    await db.execute(text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"), key)
                    await db.commit()
                except DBAPIError:
                    # Closing the connection lets go of the lock; it must not go back to the pool holding it.
                    await db.invalidate()


async def _claim(runtime: Runtime, key: uuid.UUID) -> PushOperation | tuple[Connector, PushRequest]:
    """What to ask the platform; or the operation itself when there is nothing to ask (it is final, or it
    fails or times out before reaching the platform)."""
    async with runtime.sessionmaker() as session, session.begin():
        operation = await session.get(PushOperation, key, with_for_update=True)
        if operation is None:
            raise NotFound(f"No push operation {key}.")
        if PushStatus(operation.status).is_final:
            return operation
        connection = await session.get(Connection, operation.connection_id)
        assert connection is not None  # the operation goes with its connection
        connector = connectors.get(connection.integration_key)
        ended: Outcome | None = None
        deadline = _deadline(operation)
        if deadline is not None and utcnow() > deadline:
            ended = _timed_out(operation)
        elif connection.status != ConnectionStatus.LINKED.value:
            ended = Outcome.failed(
                400, f"The connection is {connection.status}; only a Linked connection takes writes."
            )
        elif connector is None or operation.data_type not in connector.info.writable_data_types:
            ended = Outcome.failed(
                400, f"{connection.integration_key} does not create {operation.data_type}."
            )
        if ended is not None:
            await _record_outcome(session, runtime, operation, ended)
            return operation
        assert connector is not None
        operation.attempts += 1
        try:
            credentials = (
                runtime.secrets.open(connection.sealed_authorization)
                if connection.sealed_authorization
                else {}
            )
        except UnreadableSecret as unreadable:
            await _record_outcome(session, runtime, operation, Outcome.failed(500, str(unreadable)))
            return operation
        request = PushRequest(
            data_type=operation.data_type,
            company_id=operation.company_id,
            connection_id=connection.id,
            credentials=credentials,
            linked_at=connection.linked_at or connection.created_at,
            record=operation.record,
            idempotency_key=str(operation.id),
            access_token=access_tokens(runtime, connection.id) if connector.oauth is not None else None,
            store=PlatformRecords(runtime.sessionmaker, connection.id),
        )
        return connector, request


def _deadline(operation: PushOperation):
    if operation.timeout_in_minutes is None:
        return None
    return operation.requested_at + timedelta(minutes=operation.timeout_in_minutes)


def minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def _timed_out(operation: PushOperation) -> Outcome:
    return Outcome(
        PushStatus.TIMED_OUT,
        STATUS_CODES[PushStatus.TIMED_OUT],
        error_message=f"The push did not complete within {minutes(operation.timeout_in_minutes)}.",
    )


async def _finish(runtime: Runtime, key: uuid.UUID, outcome: Outcome) -> PushOperation:
    async with runtime.sessionmaker() as session, session.begin():
        # The company's row first, as every request that changes a company's things locks it.
        company_id = await session.scalar(select(PushOperation.company_id).where(PushOperation.id == key))
        if company_id is not None:
            await session.execute(
                select(Company.id).where(Company.id == company_id).with_for_update(key_share=True)
            )
        operation = await session.get(PushOperation, key, with_for_update=True)
        if operation is None:
            raise NotFound(f"No push operation {key}.")
        if not PushStatus(operation.status).is_final:
            await _record_outcome(session, runtime, operation, outcome)
    log.info(
        "push finished",
        push_operation_key=str(key),
        status=operation.status,
        status_code=operation.status_code,
    )
    return operation


async def _record_outcome(
    session: AsyncSession, runtime: Runtime, operation: PushOperation, outcome: Outcome
) -> None:
    """Store how the push ended and write its `{dataType}.write.*` event, in the caller's transaction; a
    written record may queue a pull of its type, a lost authorization deauthorizes the connection."""
    company = await session.get(Company, operation.company_id)
    connection = await session.get(Connection, operation.connection_id)
    assert company is not None and connection is not None
    operation.status = outcome.status.value
    operation.status_code = outcome.status_code
    operation.completed_at = utcnow()
    operation.error_message = outcome.error_message
    if outcome.errors:
        operation.validation = {"errors": outcome.errors, "warnings": []}
    if outcome.created is not None:
        operation.created_record = outcome.created
        operation.created_record_id = (
            str(outcome.created.get("id")) if outcome.created.get("id") is not None else None
        )
    succeeded = outcome.status is PushStatus.SUCCESS
    event_type = f"{operation.data_type}.write.{'successful' if succeeded else 'unsuccessful'}"
    emit_for_company(session, company, event_type, _write_payload(operation, company, runtime))
    if outcome.authorization_lost:
        await oauth_tokens.deauthorize(session, runtime.urls, connection, outcome.error_message or "")
    if succeeded and operation.sync_on_complete:
        await _queue_pull(session, company, connection, operation.data_type)


def _write_payload(operation: PushOperation, company: Company, runtime: Runtime) -> dict[str, Any]:
    """Codat's DataTypeWriteWebhook payload."""
    return {
        "id": str(operation.id),
        "type": "Create",
        "referenceCompany": reference_company(company, runtime.urls),
        "connectionId": str(operation.connection_id),
        "requestedOnDate": iso(operation.requested_at),
        "completedOnDate": iso(operation.completed_at),
        "status": operation.status,
        "record": {"id": operation.created_record_id} if operation.created_record_id is not None else None,
        "attachmentId": None,
    }


async def _queue_pull(
    session: AsyncSession, company: Company, connection: Connection, data_type: str
) -> None:
    if connection.status != ConnectionStatus.LINKED.value or not sync.supports(connection, data_type):
        return
    # A pull of the type in flight: one still queued reads the record; one that started before the write
    # queues the next pull itself when it completes (`sync.runner`), seeing this push because its row is
    # locked here until this transaction ends (or, finished first, it is no longer in flight).
    if await sync.in_flight(session, connection.id, data_type, lock=True) is not None:
        return
    with contextlib.suppress(sync.DatasetAlreadyInProgress):
        await sync.queue_pull(session, company, connection, data_type, PullTrigger.PUSH)


async def give_up(runtime: Runtime, push_operation_key: uuid.UUID, attempts: int) -> PushOperation:
    """Fail a push whose job ran out of attempts (errors ledgerlink did not expect: the log has them)."""
    return await _finish(
        runtime,
        push_operation_key,
        Outcome.failed(500, f"ledgerlink could not complete the push after {attempts} attempts."),
    )


async def time_out_overdue(runtime: Runtime) -> int:
    """Periodic: time out Pending operations past their `timeoutInMinutes` (those whose connection is being
    written to right now are left to that write, or to the next sweep). Returns how many."""
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(PushOperation.id, PushOperation.connection_id)
                .where(
                    PushOperation.status == PushStatus.PENDING.value,
                    PushOperation.timeout_in_minutes.is_not(None),
                    PushOperation.requested_at
                    + func.make_interval(0, 0, 0, 0, 0, PushOperation.timeout_in_minutes)
                    < utcnow(),
                )
                .order_by(PushOperation.requested_at)
                .limit(SWEEP_BATCH)
            )
        ).all()
    timed_out = 0
    for key, connection_id in rows:
        async with connection_writes(runtime, connection_id, wait=False) as held:
            if not held:
                continue
            async with runtime.sessionmaker() as session:
                operation = await session.get(PushOperation, key)
            if operation is None or PushStatus(operation.status).is_final:
                continue
            await _finish(runtime, key, _timed_out(operation))
            timed_out += 1
    return timed_out


# ------------------------------------------------------------------------------------------------ reading
async def list_history(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> tuple[list[PushOperation], int]:
    company = await companies.get(session, principal, company_id)
    return await fetch_query_page(
        session,
        select(PushOperation).where(PushOperation.company_id == company.id),
        params,
        queries.PUSH_OPERATION_TARGET,
        default_order=queries.DEFAULT_ORDER,
    )


async def get_operation(
    session: AsyncSession, principal: Principal, company_id: str, push_operation_key: str
) -> PushOperation:
    company = await companies.get(session, principal, company_id)
    not_found = push_operation_not_found(company_id, push_operation_key)
    operation = await session.scalar(
        select(PushOperation).where(
            PushOperation.id == parse_id(push_operation_key, not_found),
            PushOperation.company_id == company.id,
        )
    )
    if operation is None:
        raise not_found
    return operation


async def push_options(
    session: AsyncSession, principal: Principal, company_id: str, connection_id: str, data_type: str
) -> dict[str, Any]:
    """`GET .../connections/{connectionId}/options/{dataType}`: the create model of a type the connection's
    platform creates."""
    _company, connection = await _company_connection(session, principal, company_id, connection_id)
    if registry.get(data_type) is None:
        raise BadRequest(f"{data_type!r} is not a data type.")
    connector = connectors.get(connection.integration_key)
    if connector is None:
        raise connection_not_found(connection_id)
    create_model = registry.create_model(data_type)
    if data_type not in connector.info.writable_data_types or create_model is None:
        raise WriteNotSupported(connector, data_type)
    return dict(create_model.push_option)
