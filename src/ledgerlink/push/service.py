"""The rules of writes: accepting a push (checked, `Pending`, its job deferred in the same transaction),
running it against the connection's platform, timing out those that wait too long, and reading the history.

Creates, updates (the whole record, as Codat's `PUT` takes it) and deletes are one kind of operation with the
same life: `request_push` is the one entry point (the HTTP API and Sync for Commerce call it).

Running a push (`run_push`) holds the connection's write lock (a PostgreSQL advisory lock on a connection of
its own, no row locks) from before it looks at the operation until the result is stored, so writes to one
connection happen one at a time and the time-out sweep never ends an operation whose record is being
written. One lock per connection, rather than per connection and data type, because the platforms that need
writes in order need them across types: a payment is checked against what its invoice still owes, a bill
payment against its bill, an update or delete against the create before it, and Xero's and QuickBooks'
rate limits are per connection. Pushes are few next to pulls, so the order costs little.

The platform is given the operation's key as its idempotency key: if the process dies after the platform
wrote the record and before the operation was marked, the retry gets the same record back instead of a
second one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink import jobs
from ledgerlink.companies import owned
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.lookup import connection_not_found, connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connections.platform_store import PlatformRecords
from ledgerlink.connections.status import ConnectionStatus, lock_and_deauthorize, reference_company
from ledgerlink.connectors import registry as connectors
from ledgerlink.connectors.base import (
    AuthorizationLost,
    Connector,
    DataTypeNotSupported,
    PlatformFailed,
    PushRejected,
    PushRequest,
    RateLimitExceeded,
    RecordNotFound,
)
from ledgerlink.events.service import emit_for_company
from ledgerlink.jobs import Runtime
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest, Conflict, NotFound
from ledgerlink.kit.exceptions import ExceptionMap, map_exceptions
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.query import parse_datetime
from ledgerlink.kit.secrets import UnreadableSecret
from ledgerlink.oauth import tokens as oauth_tokens
from ledgerlink.push import queries, schemas
from ledgerlink.push.models import STATUS_CODES, PushOperation, PushStatus
from ledgerlink.records import registry
from ledgerlink.records.models import Record
from ledgerlink.records.registry import Operation, Shape
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import PullTrigger

log = structlog.get_logger("ledgerlink.push")

PUSH_TASK = "push:run"
# Codat's `timeoutInMinutes` is an int32 (and so is the column that keeps it).
MAX_TIMEOUT_IN_MINUTES = 2**31 - 1
# Pending operations looked at per time-out sweep at most.
SWEEP_BATCH = 500


# How an operation is named in messages: "cannot update bills; it updates ...".
VERBS = {Operation.CREATE: "create", Operation.UPDATE: "update", Operation.DELETE: "delete"}


class WriteNotSupported(BadRequest):
    def __init__(self, connector: Connector, data_type: str, operation: Operation = Operation.CREATE) -> None:
        verb = VERBS[operation]
        written = ", ".join(connector.info.data_types_written(operation)) or "nothing"
        super().__init__(
            f"{connector.info.name} ({connector.info.key}) cannot {verb} {data_type}; it {verb}s {written}."
        )


class IdempotencyKeyReused(Conflict):
    def __init__(self, idempotency_key: str, first: PushOperation) -> None:
        super().__init__(
            f"The Idempotency-Key {idempotency_key!r} was already used for another request on this "
            f"connection (push operation {first.id}: {first.operation} {first.data_type}"
            + (f" {first.record_id}" if first.record_id else "")
            + "); use a new key for a different request."
        )


def data_type_at(path: str) -> str:
    """The data type whose records `POST .../push/{path}` creates (the path is the type's read path:
    `journalEntries`, `invoices`, `accounts` for chartOfAccounts)."""
    for data_type in registry.DATA_TYPES:
        if data_type.path == path and data_type.shape is Shape.LIST:
            return data_type.key
    raise NotFound(f"{path} is not a data type records can be pushed to.")


def data_type_written_at(path: str, operation: Operation) -> str:
    """The data type whose records `PUT`/`DELETE .../push/{path}/{id}` change: one Codat's API has the
    operation for (the registry's `writes`), else 404 as for any path Codat's API lacks."""
    data_type = data_type_at(path)
    writes = registry.BY_KEY[data_type].writes
    if writes is None or operation not in writes.operations:
        raise NotFound(f"Codat's API has no {VERBS[operation]} of {data_type} records ({path}).")
    return data_type


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
    operation: Operation = Operation.CREATE,
    record_id: str | None = None,
    account_id: str | None = None,
    idempotency_key: str | None = None,
    timeout_in_minutes: int | None = None,
    sync_on_complete: bool = True,
) -> PushOperation:
    """A `Pending` push operation to the connection's platform, and its job, in the caller's transaction: a
    create of `record` (Codat's create shape of `data_type`; a bank transactions create names its bank
    account, `account_id`), an update of the record `record_id` to `record` (the whole record in the same
    shape: Codat's updates are not partial), or a delete of `record_id` (`record` is `{}`).

    Checked first: the company and connection exist (404), the connection is Linked and its platform does the
    operation on the type, and the record fits Codat's create model (400, Codat's error body). With an
    `idempotency_key` already used on the connection, the operation made then is returned and nothing is
    written, if it was asked for the same thing (operation, type, record id, account and record); for
    anything else the key is refused (409) and nothing is stored. `sync_on_complete` queues a pull of the
    type once the record is written (Codat's `allowSyncOnPushComplete`)."""
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
    if not connector.info.writes(operation, data_type):
        raise WriteNotSupported(connector, data_type, operation)
    if connection.status != ConnectionStatus.LINKED.value:
        raise BadRequest(
            f"Data connection {connection.id} is {connection.status}; only a Linked connection takes writes."
        )
    if operation is not Operation.CREATE and not record_id:
        raise BadRequest(f"An {operation.value.lower()} of {data_type} names the record's id.")
    if data_type == "bankTransactions" and not account_id:
        raise BadRequest("Bank transactions are pushed to a bank account: .../bankAccounts/{accountId}/...")
    if operation is Operation.DELETE:
        record = {}
    if idempotency_key is not None:
        existing = await _by_idempotency_key(session, connection.id, idempotency_key)
        if existing is not None:
            if not _same_request(existing, operation, data_type, record_id, account_id, record):
                raise IdempotencyKeyReused(idempotency_key, existing)
            return existing
    if timeout_in_minutes is not None and not 1 <= timeout_in_minutes <= MAX_TIMEOUT_IN_MINUTES:
        raise BadRequest(f"timeoutInMinutes must be from 1 to {MAX_TIMEOUT_IN_MINUTES:,}.")
    if operation is not Operation.DELETE:
        schemas.check_record(data_type, record, operation)
    push = PushOperation(
        id=uuid.uuid4(),
        company_id=company.id,
        connection_id=connection.id,
        data_type=data_type,
        operation=operation.value,
        record_id=record_id,
        account_id=account_id,
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
            session.add(push)
            await session.flush()
    except IntegrityError:  # the same key, at the same moment, from another transaction
        raced = (
            await _by_idempotency_key(session, connection.id, idempotency_key) if idempotency_key else None
        )
        if raced is None:
            raise
        assert idempotency_key is not None
        if not _same_request(raced, operation, data_type, record_id, account_id, record):
            raise IdempotencyKeyReused(idempotency_key, raced) from None
        return raced
    await jobs.defer(
        session,
        PUSH_TASK,
        {"push_operation_key": str(push.id)},
        queue=jobs.PUSHES_QUEUE,
        queueing_lock=jobs.push_job_lock(push.id),
    )
    return push


def _same_request(
    push: PushOperation,
    operation: Operation,
    data_type: str,
    record_id: str | None,
    account_id: str | None,
    record: dict[str, Any],
) -> bool:
    """Whether an operation asked for what a new request asks (the record compared as JSON values)."""
    return (push.operation, push.data_type, push.record_id, push.account_id, push.record) == (
        operation.value,
        data_type,
        record_id,
        account_id,
        record,
    )


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
    account_id: str | None = None,
    idempotency_key: str | None = None,
    timeout_in_minutes: int | None = None,
    sync_on_complete: bool = True,
) -> PushOperation:
    """`POST /companies/{companyId}/connections/{connectionId}/push/{path}`, and
    `POST .../push/bankAccounts/{accountId}/bankTransactions` (`path` `bankTransactions`, `account_id`)."""
    company, _connection = await _company_connection(session, principal, company_id, connection_id)
    return await request_push(
        session,
        company_id=company.id,
        connection_id=connection_id,
        data_type="bankTransactions" if account_id is not None else data_type_at(path),
        record=record,
        account_id=account_id,
        idempotency_key=idempotency_key,
        timeout_in_minutes=timeout_in_minutes,
        sync_on_complete=sync_on_complete,
    )


async def update(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    path: str,
    record_id: str,
    record: Any,
    *,
    idempotency_key: str | None = None,
    timeout_in_minutes: int | None = None,
    force_update: bool = False,
) -> PushOperation:
    """`PUT /companies/{companyId}/connections/{connectionId}/push/{path}/{id}`: the whole record, in the
    create shape. Codat's `forceUpdate` skips its check that the record was not changed on the platform
    since it was last read (its `sourceModifiedDate`); ledgerlink makes that check at the door, against the
    record as the last pull stored it, when the body carries a `sourceModifiedDate` and `forceUpdate` is not
    set. The pull after the update (Codat's default) is always queued."""
    company, connection = await _company_connection(session, principal, company_id, connection_id)
    data_type = data_type_written_at(path, Operation.UPDATE)
    if not force_update and isinstance(record, dict):
        await _check_not_modified_since_read(session, connection, data_type, record_id, record)
    return await request_push(
        session,
        company_id=company.id,
        connection_id=connection_id,
        data_type=data_type,
        record=record,
        operation=Operation.UPDATE,
        record_id=record_id,
        idempotency_key=idempotency_key,
        timeout_in_minutes=timeout_in_minutes,
    )


async def delete(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    path: str,
    record_id: str,
    *,
    idempotency_key: str | None = None,
) -> PushOperation:
    """`DELETE /companies/{companyId}/connections/{connectionId}/push/{path}/{id}` (Codat's delete takes no
    body and no query parameters)."""
    company, _connection = await _company_connection(session, principal, company_id, connection_id)
    return await request_push(
        session,
        company_id=company.id,
        connection_id=connection_id,
        data_type=data_type_written_at(path, Operation.DELETE),
        record={},
        operation=Operation.DELETE,
        record_id=record_id,
        idempotency_key=idempotency_key,
    )


async def _check_not_modified_since_read(
    session: AsyncSession, connection: Connection, data_type: str, record_id: str, record: dict[str, Any]
) -> None:
    """Codat's check before an update without `forceUpdate`: the `sourceModifiedDate` the client read must be
    the one ledgerlink last read from the platform, else the record changed there since (400: pull again, or
    update with `forceUpdate=true`)."""
    sent = record.get("sourceModifiedDate")
    if sent is None:
        return
    stored = await session.scalar(
        select(Record.data["sourceModifiedDate"].astext).where(
            Record.connection_id == connection.id,
            Record.data_type == data_type,
            Record.record_id == record_id,
        )
    )
    if stored is None:
        return
    try:
        modified_since = parse_datetime(str(sent)) != parse_datetime(stored)
    except ValueError:  # not a date: the record's own check says so
        return
    if modified_since:
        raise BadRequest(
            f"The {data_type} record {record_id} was modified on the platform ({stored}) since the version "
            f"sent ({sent}); pull the {data_type} again and update the record as it now is, or set "
            "forceUpdate=true to overwrite it."
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
    def failed(
        cls,
        status_code: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        *,
        authorization_lost: bool = False,
    ) -> Outcome:
        return cls(
            PushStatus.FAILED,
            status_code,
            error_message=message,
            errors=errors,
            authorization_lost=authorization_lost,
        )


class PushFailed(Exception):
    """The platform did not create the record: how the push ends."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.error_message)
        self.outcome = outcome


# What a connector's `push` may raise → how the push ends (its status code, and why).
PUSH_FAILURES: ExceptionMap = {
    PushRejected: lambda error: PushFailed(Outcome.failed(400, error.message, error.errors)),
    AuthorizationLost: lambda error: PushFailed(Outcome.failed(401, error.reason, authorization_lost=True)),
    RateLimitExceeded: lambda error: PushFailed(
        Outcome.failed(429, str(error) or "The platform's rate limit was reached.")
    ),
    PlatformFailed: lambda error: PushFailed(Outcome.failed(500, str(error))),
    DataTypeNotSupported: lambda error: PushFailed(Outcome.failed(400, str(error))),
    RecordNotFound: lambda error: PushFailed(
        Outcome.failed(404, str(error) or "The record is not on the platform.")
    ),
}


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
        log.info(
            "push started",
            push_operation_key=str(key),
            data_type=request.data_type,
            operation=request.operation.value,
        )
        try:
            with map_exceptions(PUSH_FAILURES):
                created = await connector.push(request)
        except PushFailed as failed:
            outcome = failed.outcome
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
        kind = Operation(operation.operation)
        ended: Outcome | None = None
        deadline = _deadline(operation)
        if deadline is not None and utcnow() > deadline:
            ended = _timed_out(operation)
        elif connection.status != ConnectionStatus.LINKED.value:
            ended = Outcome.failed(
                400, f"The connection is {connection.status}; only a Linked connection takes writes."
            )
        elif connector is None or not connector.info.writes(kind, operation.data_type):
            ended = Outcome.failed(
                400, f"{connection.integration_key} does not {VERBS[kind]} {operation.data_type}."
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
            access_token=(
                oauth_tokens.access_tokens(runtime, connection.id) if connector.oauth is not None else None
            ),
            store=PlatformRecords(runtime.sessionmaker, connection.id),
            operation=kind,
            record_id=operation.record_id,
            account_id=operation.account_id,
        )
        return connector, request


def _deadline(operation: PushOperation) -> datetime | None:
    if operation.timeout_in_minutes is None:
        return None
    return operation.requested_at + timedelta(minutes=operation.timeout_in_minutes)


def minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def _timed_out(operation: PushOperation) -> Outcome:
    """Only an operation with a `timeoutInMinutes` times out."""
    assert operation.timeout_in_minutes is not None
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
        # A platform's answer to an update or delete may leave out the id it was asked about.
        written_id = outcome.created.get("id")
        operation.created_record_id = str(written_id) if written_id is not None else operation.record_id
    succeeded = outcome.status is PushStatus.SUCCESS
    event_type = f"{operation.data_type}.write.{'successful' if succeeded else 'unsuccessful'}"
    emit_for_company(session, company, event_type, _write_payload(operation, company, runtime))
    if outcome.authorization_lost:
        await lock_and_deauthorize(session, connection, outcome.error_message or "", runtime.urls)
    if succeeded and operation.sync_on_complete:
        await _queue_pull(session, company, connection, operation.data_type)


def _write_payload(operation: PushOperation, company: Company, runtime: Runtime) -> dict[str, Any]:
    """Codat's DataTypeWriteWebhook payload."""
    return {
        "id": str(operation.id),
        "type": operation.operation,
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
    return await owned.page(
        session,
        principal,
        company_id,
        PushOperation,
        params,
        queries.PUSH_OPERATION_TARGET,
        queries.DEFAULT_ORDER,
    )


async def get_operation(
    session: AsyncSession, principal: Principal, company_id: str, push_operation_key: str
) -> PushOperation:
    not_found = push_operation_not_found(company_id, push_operation_key)
    return await owned.one(session, principal, company_id, PushOperation, push_operation_key, not_found)


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
    if not connector.info.writes(Operation.CREATE, data_type):
        raise WriteNotSupported(connector, data_type)
    create_model = registry.create_model(data_type)
    if create_model is None:
        raise BadRequest(
            f"ledgerlink has no create model of {data_type} to describe; {connector.info.name} checks the "
            "records pushed to it."
        )
    return dict(create_model.push_option)
